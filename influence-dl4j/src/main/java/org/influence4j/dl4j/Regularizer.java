package org.influence4j.dl4j;

import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * The network's regulariser {@code Ω(θ) = Σⱼ ½ κⱼ θⱼ²} as DL4J configures it, one curvature {@code κⱼ} per flat
 * parameter. DL4J scores both {@code L2Regularization} (builder {@code l2}/{@code l2Bias}) and {@code WeightDecay}
 * (builder {@code weightDecay}) as {@code ½·c·‖θ‖²} of the parameters they are configured for (by default the
 * weights, not the biases); {@code κ} is the sum of their coefficients. It is read from DL4J's own
 * {@code Regularization.score} of unit vectors, and any non-quadratic regulariser (L1) is rejected. Frozen layers
 * ({@link FrozenLayers}) have {@code κ = 0}: their parameters are constants, and DL4J's {@code score()} leaves their
 * regulariser out, although their runtime configuration (the wrapped layer's) still lists it.
 */
final class Regularizer {

    private Regularizer() {
    }

    /** The full-length curvature vector {@code κ} (DOUBLE, rank 1). */
    static INDArray curvatures(NetworkCopy net) {
        double[] kappa = new double[(int) net.params().length()];
        for (NetworkCopy.LayerSpec l : net.layers()) {
            if (!FrozenLayers.isFrozen(l.conf(), l.layer())) {
                fill(kappa, l.layer(), l.conf(), l.offset(), l.label());
            }
        }
        return Nd4j.createFromArray(kappa);
    }

    /** The curvature vector {@code κ} of a MultiLayerNetwork itself (no copy), in its flat parameter layout. */
    static double[] curvatures(MultiLayerNetwork net) {
        double[] kappa = new double[(int) net.numParams()];
        long offset = 0;
        for (int i = 0; i < net.getnLayers(); i++) {
            Layer layer = net.getLayer(i);
            if (!FrozenLayers.isFrozen(net.getLayerWiseConfigurations().getConf(i).getLayer(), layer)) {
                fill(kappa, layer, layer.conf().getLayer(), offset, "layer " + i);
            }
            offset += layer.numParams();
        }
        return kappa;
    }

    private static void fill(double[] kappa, Layer layer, org.deeplearning4j.nn.conf.layers.Layer conf, long start,
                             String label) {
        INDArray one = Nd4j.ones(DataType.DOUBLE, 1);
        INDArray two = Nd4j.ones(DataType.DOUBLE, 1).muli(2.0);
        long offset = start;
        Map<String, INDArray> table = layer.paramTable();
        for (Map.Entry<String, INDArray> e : table.entrySet()) {
            long len = e.getValue().length();
            List<Regularization> regs = conf.getRegularizationByParam(e.getKey());
            double k = 0;
            if (regs != null) {
                for (Regularization r : regs) {
                    int it = layer.getIterationCount();
                    int ep = layer.getEpochCount();
                    double s1 = r.score(one, it, ep);
                    double s2 = r.score(two, it, ep);
                    if (!(Math.abs(s2 - 4 * s1) <= 1e-12 * Math.max(1, Math.abs(s2)))) {
                        throw new IllegalArgumentException(label + " parameter " + e.getKey()
                                + " uses regularisation " + r + ", which is not quadratic (not twice "
                                + "differentiable); influence supports l2 and weightDecay only: remove l1 from "
                                + "the configuration");
                    }
                    k += 2 * s1;
                }
            }
            if (k != 0) {
                java.util.Arrays.fill(kappa, (int) offset, (int) (offset + len), k);
            }
            offset += len;
        }
    }
}
