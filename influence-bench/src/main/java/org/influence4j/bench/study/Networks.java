package org.influence4j.bench.study;

import java.util.Locale;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.influence4j.dl4j.TrainingProtocol;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * The networks of the studies, all DOUBLE, softmax output with multi-class cross-entropy (MCXENT), Xavier
 * initialisation from an explicit seed.
 *
 * <p><b>Regularisation.</b> {@code weightDecay} is given as PyTorch's {@code weight_decay} (the paper's setting:
 * 5e-3 on Iris) and mapped to DL4J's {@code l2(weightDecay)}, which adds {@code ½·wd·‖W‖²} (weights only, biases
 * excluded) to the objective, so that {@code ∇Ω = wd·W} — exactly what PyTorch's SGD adds to the gradient. DL4J's
 * own {@code weightDecay} is not used: it adds {@code wd·‖W‖²} to the score but applies the decay after the updater,
 * so with any optimizer other than plain SGD its fixed point is not a stationary point of the reported objective.
 *
 * <p>The default updater (SGD) is never used for training: {@code Dl4jTraining}'s L-BFGS trains full batch on the objective
 * directly; the {@link TrainingProtocol.Kind#ADAM} protocol passes its own.
 */
public final class Networks {

    private Networks() {
    }

    /** Hidden-layer activation of the MLPs. */
    public enum HiddenActivation {
        /** {@code tanh}: smooth, so the exact Hessian is well defined everywhere (default of the studies). */
        TANH(Activation.TANH),
        /** ReLU, as in Basu et al.'s MNIST/CIFAR networks; its Hessian ignores the kinks. */
        RELU(Activation.RELU);

        private final Activation dl4j;

        HiddenActivation(Activation dl4j) {
            this.dl4j = dl4j;
        }

        /** The DL4J activation. */
        public Activation dl4j() {
            return dl4j;
        }

        /** Lower-case name as used on the command line. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A multilayer perceptron {@code inputs → width × depth → classes}.
     *
     * @param inputs      number of input features, {@code ≥ 1}
     * @param classes     number of classes, {@code ≥ 2}
     * @param depth       number of hidden layers, {@code ≥ 0} (0 is softmax regression)
     * @param width       units per hidden layer, {@code ≥ 1}
     * @param activation  hidden activation
     * @param weightDecay PyTorch-style weight decay {@code wd ≥ 0} (objective gets {@code ½·wd·‖W‖²})
     * @param seed        initialisation seed
     * @return an initialised network
     */
    public static MultiLayerNetwork mlp(int inputs, int classes, int depth, int width, HiddenActivation activation,
                                        double weightDecay, long seed) {
        return mlp(inputs, classes, depth, width, activation, weightDecay, seed, new Sgd(0.1));
    }

    /**
     * {@link #mlp(int, int, int, int, HiddenActivation, double, long)} with the DL4J updater used by
     * {@code net.fit} (only the {@link TrainingProtocol.Kind#ADAM} protocol trains with it).
     *
     * @param updater the updater; copied by DL4J
     * @return an initialised network
     */
    public static MultiLayerNetwork mlp(int inputs, int classes, int depth, int width, HiddenActivation activation,
                                        double weightDecay, long seed, IUpdater updater) {
        check(depth >= 0, "depth (" + depth + ") must be >= 0");
        check(width >= 1, "width (" + width + ") must be >= 1");
        int[] widths = new int[depth];
        java.util.Arrays.fill(widths, width);
        return mlp(inputs, classes, widths, activation, weightDecay, seed, updater);
    }

    /**
     * A multilayer perceptron {@code inputs → widths[0] → … → classes} with hidden layers of different widths (for
     * example dattri's MNIST MLP, 784-128-64-10). Initialised with the default updater (SGD), like
     * {@link #mlp(int, int, int, int, HiddenActivation, double, long)}.
     *
     * @param inputs      number of input features, {@code ≥ 1}
     * @param classes     number of classes, {@code ≥ 2}
     * @param widths      units per hidden layer, each {@code ≥ 1}; empty is softmax regression; not modified
     * @param activation  hidden activation
     * @param weightDecay PyTorch-style weight decay {@code wd ≥ 0}
     * @param seed        initialisation seed
     * @return an initialised network
     */
    public static MultiLayerNetwork mlp(int inputs, int classes, int[] widths, HiddenActivation activation,
                                        double weightDecay, long seed) {
        return mlp(inputs, classes, widths, activation, weightDecay, seed, new Sgd(0.1));
    }

    /**
     * {@link #mlp(int, int, int[], HiddenActivation, double, long)} with the DL4J updater used by {@code net.fit}
     * (the fixed-budget and mini-batch protocols train with it).
     *
     * @param updater the updater; copied by DL4J
     * @return an initialised network
     */
    public static MultiLayerNetwork mlp(int inputs, int classes, int[] widths, HiddenActivation activation,
                                        double weightDecay, long seed, IUpdater updater) {
        return mlp(inputs, classes, widths, activation, weightDecay, seed, updater, WeightInit.XAVIER);
    }

    /**
     * {@link #mlp(int, int, int[], HiddenActivation, double, long, IUpdater)} with another weight initialisation
     * (biases start at 0 either way). {@code WeightInit.UNIFORM}, {@code U(−1/√fanIn, 1/√fanIn)}, is PyTorch's
     * default for the weights of {@code nn.Linear}: a standard deviation of {@code 1/√(3·fanIn)}, 0.021 for 784
     * inputs, against Xavier's {@code √(2/(fanIn + fanOut))}, 0.050 for 784 → 10.
     *
     * @param weightInit the initialisation of every layer's weights
     * @return an initialised network
     */
    public static MultiLayerNetwork mlp(int inputs, int classes, int[] widths, HiddenActivation activation,
                                        double weightDecay, long seed, IUpdater updater, WeightInit weightInit) {
        check(inputs >= 1, "inputs (" + inputs + ") must be >= 1");
        check(classes >= 2, "classes (" + classes + ") must be >= 2");
        check(weightDecay >= 0, "weightDecay (" + weightDecay + ") must be >= 0");
        check(weightInit != null, "weightInit must not be null; e.g. WeightInit.XAVIER");
        NeuralNetConfiguration.ListBuilder b = base(weightDecay, seed, updater).weightInit(weightInit).list();
        int in = inputs;
        for (int w : widths) {
            check(w >= 1, "widths " + java.util.Arrays.toString(widths) + " contain " + w + "; each must be >= 1");
            b.layer(new DenseLayer.Builder().nIn(in).nOut(w).activation(activation.dl4j()).build());
            in = w;
        }
        b.layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(in).nOut(classes).activation(Activation.SOFTMAX)
                .build());
        return init(b.build());
    }

    /**
     * A small CNN in the spirit of Koh &amp; Liang's small-MNIST network: two 3×3 convolutions (4 and 8 channels,
     * stride 2, tanh) and a softmax output, 3,226 parameters for 28×28 inputs (Koh &amp; Liang's had more channels
     * and was analysed in full with CG; this one stays small enough for exact eigenvalues). The input is the flat
     * {@code height·width} pixel row, reshaped by DL4J.
     *
     * @param height      image height
     * @param width       image width
     * @param classes     number of classes
     * @param weightDecay PyTorch-style weight decay (see the class comment)
     * @param seed        initialisation seed
     * @param updater     the DL4J updater (used only by the ADAM protocol)
     * @return an initialised network
     */
    public static MultiLayerNetwork smallCnn(int height, int width, int classes, double weightDecay, long seed,
                                             IUpdater updater) {
        check(height >= 8 && width >= 8, "images must be at least 8x8, got " + height + "x" + width);
        check(weightDecay >= 0, "weightDecay (" + weightDecay + ") must be >= 0");
        MultiLayerConfiguration conf = base(weightDecay, seed, updater).list()
                .layer(new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(4).activation(Activation.TANH).build())
                .layer(new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(8).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(classes).activation(Activation.SOFTMAX)
                        .build())
                .setInputType(InputType.convolutionalFlat(height, width, 1))
                .build();
        return init(conf);
    }

    /**
     * A LeNet-style CNN: convolution 5×5, 6 channels, tanh; max pooling 2×2 (stride 2); convolution 5×5, 16
     * channels, tanh; max pooling 2×2; dense 84 tanh; softmax output. For 28×28 single-channel images and 10
     * classes it has 25,010 parameters. The input is the flat {@code height·width} pixel row, reshaped by DL4J
     * ({@code InputType.convolutionalFlat}).
     *
     * @param height      image height (at least 16)
     * @param width       image width (at least 16)
     * @param classes     number of classes
     * @param weightDecay PyTorch-style weight decay (see the class comment)
     * @param seed        initialisation seed
     * @param updater     the DL4J updater
     * @return an initialised network
     */
    public static MultiLayerNetwork lenet(int height, int width, int classes, double weightDecay, long seed,
                                          IUpdater updater) {
        check(height >= 16 && width >= 16, "images must be at least 16x16, got " + height + "x" + width);
        check(weightDecay >= 0, "weightDecay (" + weightDecay + ") must be >= 0");
        MultiLayerConfiguration conf = base(weightDecay, seed, updater).list()
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(6).activation(Activation.TANH).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(16).activation(Activation.TANH).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(84).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(classes).activation(Activation.SOFTMAX)
                        .build())
                .setInputType(InputType.convolutionalFlat(height, width, 1))
                .build();
        return init(conf);
    }

    /**
     * An enlarged LeNet for the many-queries scale runs: {@code conv 5×5×16 (tanh) → max-pool 2×2 → conv 5×5×32 (tanh) →
     * max-pool 2×2 → dense 96 (tanh) → softmax}, L2 {@code weightDecay} on the weights, DOUBLE. On 28×28 images it has
     * 63,466 parameters (conv 416 + 12,832, dense 49,248, output 970 for 10 classes).
     *
     * @param height  image height, ≥ 16
     * @param width   image width, ≥ 16
     * @param classes output classes
     * @param weightDecay L2 coefficient, ≥ 0
     * @param seed    initialisation seed
     * @param updater the training updater
     * @return an initialised network
     */
    public static MultiLayerNetwork lenetWide(int height, int width, int classes, double weightDecay, long seed,
                                              IUpdater updater) {
        check(height >= 16 && width >= 16, "images must be at least 16x16, got " + height + "x" + width);
        check(weightDecay >= 0, "weightDecay (" + weightDecay + ") must be >= 0");
        MultiLayerConfiguration conf = base(weightDecay, seed, updater).list()
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(16).activation(Activation.TANH).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(32).activation(Activation.TANH).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(96).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(classes).activation(Activation.SOFTMAX)
                        .build())
                .setInputType(InputType.convolutionalFlat(height, width, 1))
                .build();
        return init(conf);
    }

    /**
     * The training protocol for {@link #lenet} on small MNIST (the {@code mnist-cnn} preset, and {@code explain} and
     * {@code validate --architecture lenet} without {@code --optimizer}): full-batch L-BFGS capped at 120 iterations
     * for training and 15 per warm-started retraining, tolerance 1e-8. DL4J's convolutions make one full-batch
     * iteration cost about one full-batch gradient of the network, so the caps, not the tolerance, end the runs: θ̂
     * is a budgeted, not a converged, optimum (report {@code ‖∇R(θ̂)‖} with the results), and the baseline
     * retraining, run the same way, cancels the drift of the continued training.
     *
     * @return the protocol
     */
    public static TrainingProtocol lenetProtocol() {
        return TrainingProtocol.lbfgs().withIterations(120, 15);
    }

    private static NeuralNetConfiguration.Builder base(double weightDecay, long seed, IUpdater updater) {
        NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.DOUBLE)
                .updater(updater).weightInit(WeightInit.XAVIER);
        if (weightDecay > 0) {
            b.l2(weightDecay);
        }
        return b;
    }

    private static MultiLayerNetwork init(MultiLayerConfiguration conf) {
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
