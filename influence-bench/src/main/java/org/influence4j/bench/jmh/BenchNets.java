package org.influence4j.bench.jmh;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The networks and data the benchmarks share, all seeded and all {@code DOUBLE}: MLPs named by their layer widths
 * ({@code "4-5-3"}, {@code "784-128-10"}, {@code "784-512-512-10"}), Xavier-initialised (not trained: the cost of a
 * gradient or an HVP does not depend on the weights' values), {@code l2(1e-4)}, softmax + MCXENT head. The 4-5-3
 * network (Iris' shape) uses tanh hidden units, the MNIST-shaped ones ReLU. Data: features uniform in [0, 1) for
 * 784 inputs (pixel-like), standard normal otherwise; one-hot labels drawn uniformly. Package-private.
 */
final class BenchNets {

    /** The l2 coefficient of every network (so that the regulariser's terms are part of the timed work). */
    static final double L2 = 1e-4;

    private BenchNets() {
    }

    /** Layer widths of a spec such as {@code "784-128-10"}. */
    static int[] widths(String spec) {
        int[] w = Arrays.stream(spec.split("-")).mapToInt(Integer::parseInt).toArray();
        if (w.length < 2) {
            throw new IllegalArgumentException("network spec " + spec + " needs at least an input and an output width");
        }
        return w;
    }

    /** The number of parameters of the MLP {@code spec}. */
    static long parameters(String spec) {
        int[] w = widths(spec);
        long p = 0;
        for (int i = 0; i + 1 < w.length; i++) {
            p += (long) w[i] * w[i + 1] + w[i + 1];
        }
        return p;
    }

    /** An initialised DOUBLE MLP of the given widths (seed 42). */
    static MultiLayerNetwork mlp(String spec) {
        int[] w = widths(spec);
        Activation hidden = w[0] == 4 ? Activation.TANH : Activation.RELU;
        NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder().seed(42).dataType(DataType.DOUBLE)
                .updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER).l2(L2);
        var list = b.list();
        for (int i = 1; i + 1 < w.length; i++) {
            list.layer(new DenseLayer.Builder().nIn(w[i - 1]).nOut(w[i]).activation(hidden).build());
        }
        list.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(w[w.length - 2])
                .nOut(w[w.length - 1]).activation(Activation.SOFTMAX).build());
        MultiLayerConfiguration conf = list.build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** {@code n} seeded random examples for the MLP {@code spec}. */
    static DataSet data(String spec, int n, long seed) {
        int[] w = widths(spec);
        int in = w[0];
        int out = w[w.length - 1];
        Nd4j.getRandom().setSeed(seed);
        INDArray x = in == 784 ? Nd4j.rand(DataType.DOUBLE, n, in) : Nd4j.randn(DataType.DOUBLE, n, in);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, n, out);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, r.nextInt(out), 1.0);
        }
        return new DataSet(x, y);
    }

    /** A seeded standard-normal direction of length {@code p}, scaled to unit norm. */
    static INDArray direction(long p, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray v = Nd4j.randn(DataType.DOUBLE, p);
        return v.divi(v.norm2Number());
    }

    /**
     * The benchmarks' gradient baseline: DL4J's own {@code computeGradientAndScore()} on {@code data} (the sum of
     * per-example gradients, no regulariser), returned as DL4J's internal view (JMH sinks it).
     */
    static INDArray dl4jGradient(MultiLayerNetwork net, DataSet data) {
        net.setInput(data.getFeatures());
        net.setLabels(data.getLabels());
        net.computeGradientAndScore();
        return net.gradient().gradient();
    }
}
