package org.influence4j.dl4j;

import java.util.ArrayList;
import java.util.List;

import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.L2Regularization;

/**
 * Full-batch Adam steps that do exactly what {@code iterations} calls of DL4J's {@code net.fit(data)} do for a network
 * built with an {@link Adam} updater — gradient {@code g = ∇R(θ)} (DL4J divides its summed gradient by the batch size
 * and adds {@code l2·W} before the updater), then per parameter
 * <pre>
 *   m ← β₁m + (1−β₁)g,   v ← β₂v + (1−β₂)g²,   αₜ = lr·√(1−β₂ᵗ⁺¹)/(1−β₁ᵗ⁺¹),   θ ← θ − αₜ·m/(√v + ε)
 * </pre>
 * with {@code t} the network's iteration count — but with the gradient of {@link TrainingObjective}, which for small
 * dense networks is plain Java and two to three orders of magnitude cheaper than DL4J's per-call overhead. The Adam
 * moments are read from and written back into the network's own updater state, and the iteration count is advanced,
 * so that a clone of the network carries its Adam state into a warm-started retraining exactly as after
 * {@code fit}. Agreement with {@code fit} is tested (parameters and state to 1e-9 after many steps).
 *
 * <p>Networks this does not reproduce (an updater other than a constant-rate Adam, gradient normalisation,
 * non-mini-batch configurations, a regulariser other than {@code l2} — DL4J applies {@code weightDecay} after the
 * updater —, dropout and the like) are trained with {@code net.fit} itself.
 */
final class FullBatchAdam {

    private FullBatchAdam() {
    }

    /**
     * Runs {@code iterations} full-batch Adam steps on {@code net} (in place).
     *
     * @param net        the network, with its updater state; parameters, state and iteration count are updated
     * @param data       the full training set; not modified
     * @param iterations number of steps, {@code ≥ 0}
     * @return {@code true} if the steps ran in plain Java, {@code false} if they were delegated to {@code net.fit}
     */
    static boolean run(MultiLayerNetwork net, DataSet data, int iterations) {
        Adam config = supportedConfig(net);
        TrainingObjective objective = config == null ? null : Dl4jTraining.bind(net, data);
        if (objective == null || !objective.plainJava()) {
            Dl4jTraining.fitSteps(net, data, iterations);
            return false;
        }
        List<UpdaterBlock> blocks = blocks(net);
        int p = objective.dimension();
        double[] theta = net.params().toDoubleVector();
        double[] m = new double[p];
        double[] v = new double[p];
        for (UpdaterBlock b : blocks) {
            AdamUpdater u = (AdamUpdater) b.getGradientUpdater();
            copy(u.getM(), m, b.getParamOffsetStart());
            copy(u.getV(), v, b.getParamOffsetStart());
        }
        double lr = config.getLearningRate();
        double beta1 = config.getBeta1();
        double beta2 = config.getBeta2();
        double eps = config.getEpsilon();
        double[] g = new double[p];
        int t = net.getIterationCount();
        for (int it = 0; it < iterations; it++, t++) {
            Dl4jTraining.checkInterrupt(it); // before any state is written back: the network is left as it was
            objective.evaluate(theta, g);
            double alpha = lr * Math.sqrt(1 - Math.pow(beta2, t + 1)) / (1 - Math.pow(beta1, t + 1));
            if (Double.isNaN(alpha) || alpha == 0) {
                alpha = eps;
            }
            for (int i = 0; i < p; i++) {
                m[i] = beta1 * m[i] + (1 - beta1) * g[i];
                v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
                theta[i] -= alpha * m[i] / (Math.sqrt(v[i]) + eps);
            }
        }
        net.setParams(Nd4j.createFromArray(theta));
        for (UpdaterBlock b : blocks) {
            AdamUpdater u = (AdamUpdater) b.getGradientUpdater();
            int from = b.getParamOffsetStart();
            int to = b.getParamOffsetEnd();
            u.getM().assign(Nd4j.createFromArray(java.util.Arrays.copyOfRange(m, from, to)).reshape(u.getM().shape()));
            u.getV().assign(Nd4j.createFromArray(java.util.Arrays.copyOfRange(v, from, to)).reshape(u.getV().shape()));
        }
        net.setIterationCount(t);
        return true;
    }

    /** The single constant-rate Adam configuration of every layer, or {@code null} if the fast path does not apply. */
    static Adam supportedConfig(MultiLayerNetwork net) {
        if (!(sharedUpdater(net) instanceof Adam adam) || adam.getLearningRateSchedule() != null) {
            return null;
        }
        for (UpdaterBlock b : blocks(net)) {
            if (!(b.getGradientUpdater() instanceof AdamUpdater)) {
                return null;
            }
        }
        return adam;
    }

    /**
     * The one updater configuration of every layer (weights and biases), where the plain-Java steps can reproduce
     * DL4J's update around it: every layer a mini-batch {@code BaseLayer} without gradient normalisation, with
     * {@code l2} as its only regulariser (DL4J adds {@code l2·W} to the gradient before the updater) and none on the
     * biases. {@code null} otherwise; the caller then checks the updater's kind and schedules.
     */
    static IUpdater sharedUpdater(MultiLayerNetwork net) {
        IUpdater found = null;
        for (int l = 0; l < net.getnLayers(); l++) {
            var nnc = net.getLayerWiseConfigurations().getConf(l);
            if (!nnc.isMiniBatch() || !(nnc.getLayer() instanceof BaseLayer bl)) {
                return null;
            }
            if (bl.getGradientNormalization() != null && bl.getGradientNormalization() != GradientNormalization.None
                    || bl.getBiasUpdater() != null && !bl.getBiasUpdater().equals(bl.getIUpdater())
                    || bl.getIUpdater() == null || found != null && !found.equals(bl.getIUpdater())
                    || !bl.getRegularization().stream().allMatch(r -> r instanceof L2Regularization)
                    || !bl.getRegularizationBias().isEmpty()) {
                return null;
            }
            found = bl.getIUpdater();
        }
        return found;
    }

    /** The network's updater blocks, their state initialised. */
    static List<UpdaterBlock> blocks(MultiLayerNetwork net) {
        Updater u = net.getUpdater();
        if (!(u instanceof BaseMultiLayerUpdater<?> mlu)) {
            return List.of();
        }
        List<UpdaterBlock> blocks = new ArrayList<>(mlu.getUpdaterBlocks());
        for (UpdaterBlock b : blocks) {
            if (b.getGradientUpdater() == null) {
                b.init();
            }
        }
        return blocks;
    }

    /** Copies a state array ('f' order, as the flat parameter layout) into {@code to} from {@code offset}. */
    static void copy(INDArray from, double[] to, int offset) {
        double[] values = from.dup('f').data().asDouble();
        System.arraycopy(values, 0, to, offset, values.length);
    }
}
