package org.influence4j.dl4j;

import java.util.Objects;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link TrainingObjective} evaluated by DL4J itself (any layer types): DL4J's batch gradient is the <em>sum</em> of
 * per-example gradients without the regulariser, so {@code ∇R = (1/n)·Σ∇ℓᵢ + κ⊙θ} with {@code κ} the regulariser's
 * curvature per parameter ({@link Regularizer}), and {@code R = net.score()} (mean loss plus regulariser).
 *
 * <p>Evaluating writes θ into the network it wraps (callers pass a copy or the network being trained). Not
 * thread-safe.
 */
final class Dl4jBatchObjective implements TrainingObjective {

    private final MultiLayerNetwork net;
    private final INDArray features;
    private final INDArray labels;
    private final int n;
    private final double[] kappa;

    Dl4jBatchObjective(MultiLayerNetwork net, DataSet data) {
        this.net = Objects.requireNonNull(net, "net");
        this.features = data.getFeatures().castTo(DataType.DOUBLE);
        this.labels = data.getLabels().castTo(DataType.DOUBLE);
        this.n = (int) features.size(0);
        this.kappa = Regularizer.curvatures(net);
    }

    @Override
    public int dimension() {
        return kappa.length;
    }

    @Override
    public boolean plainJava() {
        return false;
    }

    @Override
    public double evaluate(double[] theta, double[] grad) {
        if (theta.length != kappa.length || grad.length != kappa.length) {
            throw new IllegalArgumentException("theta (" + theta.length + ") and grad (" + grad.length
                    + ") must have length " + kappa.length + ", the network's number of parameters");
        }
        net.setParams(Nd4j.createFromArray(theta));
        net.setInput(features);
        net.setLabels(labels);
        net.computeGradientAndScore();
        double[] g = net.gradient().gradient().toDoubleVector(); // sum over examples, no regulariser
        for (int i = 0; i < g.length; i++) {
            grad[i] = g[i] / n + kappa[i] * theta[i]; // ∇R = (1/n)Σ∇ℓᵢ + κ⊙θ
        }
        double r = net.score(); // mean loss + DL4J's regularisation score = R(θ)
        net.clear();
        return r;
    }
}
