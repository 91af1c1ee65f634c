package org.influence4j.bench.study;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * {@link Objective} evaluated by DL4J itself (any layer types): DL4J's batch
 * gradient is the <em>sum</em> of per-example gradients without the regulariser (notes/nd4j-dl4j-facts.md §2), so
 * the gradient here is that sum divided by {@code n} plus {@code l2·W} for weight parameters.
 *
 * <p>Evaluating writes θ into the network it wraps (callers pass a copy). Supports {@code l2} on weights only (what
 * {@link Networks} builds); other regularisers are rejected. Not thread-safe.
 */
final class Dl4jObjective implements Objective {

    private final MultiLayerNetwork net;
    private final INDArray features;
    private final INDArray labels;
    private final int n;
    private final double[] l2Mask;

    Dl4jObjective(MultiLayerNetwork net, DataSet data) {
        this.net = Objects.requireNonNull(net, "net");
        this.features = data.getFeatures().castTo(DataType.DOUBLE);
        this.labels = data.getLabels().castTo(DataType.DOUBLE);
        this.n = (int) features.size(0);
        this.l2Mask = l2Mask(net);
    }

    @Override
    public int dimension() {
        return l2Mask.length;
    }

    @Override
    public MultiLayerNetwork network() {
        return net;
    }

    @Override
    public double evaluate(double[] theta, double[] grad) {
        setParameters(theta);
        return evaluateCurrent(grad);
    }

    @Override
    public double evaluateCurrent(double[] grad) {
        double[] theta = parameters();
        net.setInput(features);
        net.setLabels(labels);
        net.computeGradientAndScore();
        double[] g = net.gradient().gradient().toDoubleVector(); // sum over examples, no regulariser
        for (int i = 0; i < g.length; i++) {
            grad[i] = g[i] / n + l2Mask[i] * theta[i]; // ∇R = (1/n)Σ∇ℓᵢ + l2·W
        }
        double r = net.score(); // mean loss + DL4J's l2 term ½·l2·‖W‖² = R(θ)
        net.clear();
        return r;
    }

    /** {@code l2} coefficient per flat parameter, in DL4J's parameter order (weights regularised, biases not). */
    static double[] l2Mask(MultiLayerNetwork net) {
        double[] mask = new double[(int) net.numParams()];
        int offset = 0;
        for (int i = 0; i < net.getnLayers(); i++) {
            var layer = net.getLayer(i);
            double l2 = 0;
            if (layer.conf().getLayer() instanceof BaseLayer bl) {
                for (Regularization r : bl.getRegularization()) {
                    if (r instanceof L2Regularization l) {
                        l2 += l.getL2().valueAt(0, 0);
                    } else {
                        throw new IllegalArgumentException("layer " + i + " uses " + r.getClass().getSimpleName()
                                + "; only l2 on weights is supported by the study's trainer");
                    }
                }
                if (!bl.getRegularizationBias().isEmpty()) {
                    throw new IllegalArgumentException("layer " + i + " regularises its biases; only l2 on weights is"
                            + " supported by the study's trainer");
                }
            }
            for (Map.Entry<String, INDArray> e : layer.paramTable().entrySet()) {
                int len = (int) e.getValue().length();
                if (e.getKey().equals("W")) {
                    Arrays.fill(mask, offset, offset + len, l2);
                }
                offset += len;
            }
        }
        if (offset != mask.length) {
            throw new IllegalStateException("parameter table covers " + offset + " of " + mask.length + " parameters");
        }
        return mask;
    }
}
