package org.influence4j.dl4j;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.NesterovsUpdater;
import org.nd4j.linalg.learning.SgdUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The mini-batch protocol ({@link TrainingProtocol.Kind#MINIBATCH}) in plain Java for small dense softmax networks
 * with a constant-rate {@link Sgd} or {@link Nesterovs} updater: the same mini-batches as
 * {@link Dl4jTraining#miniBatchSteps} (the same shuffled order), and per mini-batch of {@code B} rows what DL4J's
 * {@code fit} does — gradient {@code g = (1/B)Σᵢ∇ℓᵢ + l2·W} ({@link DenseMlpObjective} on the rows), then
 * <pre>
 *   Sgd:        θ ← θ − lr·g
 *   Nesterovs:  v ← μv − lr·g,   θ ← θ + (1 + μ)v − μ·v_prev        (DL4J's form of Nesterov's momentum)
 * </pre>
 * The momentum {@code v} is read from and written back into the network's own updater state, and the iteration and
 * epoch counts are advanced as {@code fit} advances them, so that the network ends as after the DL4J path. Equal to
 * it to round-off (tested to 1e-10 on parameters and state), not bit for bit: the sums run in another order.
 *
 * <p>Why: DL4J spends about a millisecond of per-call overhead on each {@code fit} of a small mini-batch, a hundred
 * times the arithmetic of a 32-example batch of a 784 → 10 softmax regression. Networks with at most
 * {@link TrainingObjective#PLAIN_JAVA_LIMIT} {@code parameters × batch size} take this path; larger ones, other
 * updaters and anything {@link DenseMlpObjective} does not reproduce are trained by {@code fit}.
 */
final class MiniBatchSgd {

    private MiniBatchSgd() {
    }

    /**
     * Runs the mini-batch protocol on {@code net} in place, if this class reproduces its network and updater.
     *
     * @param net       the network, with its updater state; parameters, state and counts are updated
     * @param data      the training set; not modified
     * @param batchSize examples per mini-batch, {@code ≥ 1}
     * @param epochs    passes over the data, {@code ≥ 0}
     * @param seed      seed of the order of examples ({@link Dl4jTraining#shuffle})
     * @param shuffle   whether the order is shuffled every epoch; otherwise it is the index order
     * @return the number of updates, or {@code -1} if the network is not supported (nothing was done)
     */
    static int run(MultiLayerNetwork net, DataSet data, int batchSize, int epochs, long seed, boolean shuffle) {
        int n = data.numExamples();
        IUpdater config = FullBatchAdam.sharedUpdater(net);
        boolean sgd = config instanceof Sgd s && s.getLearningRateSchedule() == null;
        // (Nesterovs' deprecated momentum map is not read by DL4J 1.0.0-M2.1's update: only its ISchedule counts)
        boolean nesterovs = config instanceof Nesterovs nv && nv.getLearningRateSchedule() == null
                && nv.getMomentumISchedule() == null;
        if (!sgd && !nesterovs || net.numParams() * (long) Math.min(batchSize, n) > TrainingObjective.PLAIN_JAVA_LIMIT) {
            return -1;
        }
        List<UpdaterBlock> blocks = FullBatchAdam.blocks(net);
        for (UpdaterBlock b : blocks) {
            if (!(b.getGradientUpdater() instanceof SgdUpdater || b.getGradientUpdater() instanceof NesterovsUpdater)) {
                return -1;
            }
        }
        DenseMlpObjective objective = DenseMlpObjective.tryCreate(net, data);
        if (objective == null) {
            return -1;
        }
        int p = objective.dimension();
        double[] theta = net.params().toDoubleVector();
        double[] v = new double[p];
        if (nesterovs) {
            for (UpdaterBlock b : blocks) {
                FullBatchAdam.copy(((NesterovsUpdater) b.getGradientUpdater()).getV(), v, b.getParamOffsetStart());
            }
        }
        double lr = sgd ? ((Sgd) config).getLearningRate() : ((Nesterovs) config).getLearningRate();
        double mu = nesterovs ? ((Nesterovs) config).getMomentum() : 0;
        double[] g = new double[p];
        int[] order = new int[n];
        SplittableRandom rng = new SplittableRandom(seed);
        int steps = 0;
        for (int e = 0; e < epochs; e++) {
            Dl4jTraining.epochOrder(order, rng, shuffle);
            for (int from = 0; from < n; from += batchSize) {
                Dl4jTraining.checkInterrupt(steps); // before any state is written back: the network is left as it was
                objective.rows(Arrays.copyOfRange(order, from, Math.min(n, from + batchSize))).evaluate(theta, g);
                if (nesterovs) {
                    for (int i = 0; i < p; i++) {
                        double previous = v[i];
                        v[i] = mu * v[i] - lr * g[i];
                        theta[i] -= mu * previous - (1 + mu) * v[i]; // DL4J: update = μ·v_prev − (1+μ)·v; θ −= update
                    }
                } else {
                    for (int i = 0; i < p; i++) {
                        theta[i] -= lr * g[i];
                    }
                }
                steps++;
            }
        }
        net.setParams(Nd4j.createFromArray(theta).reshape(1, p));
        if (nesterovs) {
            for (UpdaterBlock b : blocks) {
                var state = ((NesterovsUpdater) b.getGradientUpdater()).getV();
                state.assign(Nd4j.createFromArray(Arrays.copyOfRange(v, b.getParamOffsetStart(),
                        b.getParamOffsetEnd())).reshape('f', state.shape()));
            }
        }
        net.setIterationCount(net.getIterationCount() + steps);
        net.setEpochCount(net.getEpochCount() + epochs);
        return steps;
    }
}
