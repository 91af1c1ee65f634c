package org.influence4j.dl4j;

import java.util.List;
import java.util.function.Supplier;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * Tiny convolutional networks for the CNN tests, all DOUBLE and seeded: one table that covers every layer kind the
 * R-operator supports (convolution with stride, padding, dilation, Truncate/Same/Strict, with and without bias;
 * max and average pooling with padding in Truncate and Same mode; global MAX/AVG/SUM pooling; activation and
 * dropout layers; flat and 4-d input types), every hidden activation and every supported head.
 */
final class CnnNets {

    private CnnNets() {
    }

    /**
     * One network of the table.
     *
     * @param name      what it covers (the test's display name)
     * @param network   builds a fresh, initialised network
     * @param channels  input channels
     * @param height    input height
     * @param width     input width
     * @param flat      whether the input type is {@code convolutionalFlat} (features {@code [n, c·h·w]})
     * @param n         examples
     * @param smooth    whether every function in it is twice continuously differentiable near θ̂ (false: ReLU,
     *                  leaky ReLU, SELU, max pooling — piecewise smooth, see {@link CnnHvpTest})
     */
    record Case(String name, Supplier<MultiLayerNetwork> network, int channels, int height, int width, boolean flat,
                int n, boolean smooth) {
        @Override
        public String toString() {
            return name;
        }

        /** Random images (N(0,1): continuous, so max-pool arg-maxes are unique) and labels for the head. */
        DataSet data(MultiLayerNetwork net, long seed) {
            Nd4j.getRandom().setSeed(seed);
            INDArray x = flat ? Nd4j.randn(DataType.DOUBLE, n, (long) channels * height * width)
                    : Nd4j.randn(DataType.DOUBLE, n, channels, height, width);
            return new DataSet(x, labels(net, n, seed));
        }
    }

    /** Labels that fit the network's head: one-hot, random 0/1, or N(0,1) targets. */
    static INDArray labels(MultiLayerNetwork net, int n, long seed) {
        int k = Dl4jOracles.outputWidth(net);
        LossFunction loss = switch (Dl4jOracles.headOf(net)) {
            case SOFTMAX_CROSS_ENTROPY -> LossFunction.MCXENT;
            case SIGMOID_CROSS_ENTROPY -> LossFunction.XENT;
            case MEAN_SQUARED, SQUARED -> LossFunction.MSE;
        };
        return TestNets.random(seed + 1, n, 1, k, loss).getLabels();
    }

    static NeuralNetConfiguration.ListBuilder list(long seed, TestNets.Reg reg, double coefficient) {
        NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.DOUBLE)
                .updater(new Adam(0.01)).weightInit(WeightInit.XAVIER);
        if (reg == TestNets.Reg.L2) {
            b.l2(coefficient);
        } else if (reg == TestNets.Reg.WEIGHT_DECAY) {
            b.weightDecay(coefficient);
        }
        return b.list();
    }

    static MultiLayerNetwork init(NeuralNetConfiguration.ListBuilder list, InputType type) {
        MultiLayerNetwork net = new MultiLayerNetwork(list.setInputType(type).build());
        net.init();
        return net;
    }

    static ConvolutionLayer.Builder conv(int k, int nOut, Activation a) {
        return new ConvolutionLayer.Builder(k, k).nOut(nOut).activation(a);
    }

    static SubsamplingLayer.Builder pool(SubsamplingLayer.PoolingType t, int k, int s) {
        return new SubsamplingLayer.Builder(t).kernelSize(k, k).stride(s, s);
    }

    static DenseLayer dense(int nOut, Activation a) {
        return new DenseLayer.Builder().nOut(nOut).activation(a).build();
    }

    static OutputLayer out(int nOut, Activation a, LossFunction loss) {
        return new OutputLayer.Builder(loss).nOut(nOut).activation(a).build();
    }

    private static final SubsamplingLayer.PoolingType MAX = SubsamplingLayer.PoolingType.MAX;
    private static final SubsamplingLayer.PoolingType AVG = SubsamplingLayer.PoolingType.AVG;

    /** The table (parameter counts in the comments). */
    static List<Case> table() {
        return List.of(
                // 40 + 222 + 21 = 283
                new Case("conv3x3 tanh > maxpool2/2 > dense tanh > softmax+MCXENT, flat 8x8x1, l2",
                        () -> init(list(1, TestNets.Reg.L2, 1e-2)
                                .layer(conv(3, 4, Activation.TANH).build())
                                .layer(pool(MAX, 2, 2).build())
                                .layer(dense(6, Activation.TANH))
                                .layer(out(3, Activation.SOFTMAX, LossFunction.MCXENT)),
                                InputType.convolutionalFlat(8, 8, 1)), 1, 8, 8, true, 12, false),
                // 57 + 147 = 204
                new Case("conv3x3 stride2 pad1 sigmoid > avgpool2/1 > softmax+NLL, 9x9x2, weightDecay",
                        () -> init(list(2, TestNets.Reg.WEIGHT_DECAY, 1e-2)
                                .layer(conv(3, 3, Activation.SIGMOID).stride(2, 2).padding(1, 1).build())
                                .layer(pool(AVG, 2, 1).build())
                                .layer(out(3, Activation.SOFTMAX, LossFunction.NEGATIVELOGLIKELIHOOD)),
                                InputType.convolutional(9, 9, 2)), 2, 9, 9, false, 10, true),
                // 20 + 325 + 12 = 357
                new Case("conv2x2 dilation2 Same elu > maxpool3/2 Same > dense softplus > identity+MSE, 7x7x1",
                        () -> init(list(3, TestNets.Reg.NONE, 0)
                                .layer(conv(2, 4, Activation.ELU).dilation(2, 2)
                                        .convolutionMode(ConvolutionMode.Same).build())
                                .layer(pool(MAX, 3, 2).convolutionMode(ConvolutionMode.Same).build())
                                .layer(dense(5, Activation.SOFTPLUS))
                                .layer(out(2, Activation.IDENTITY, LossFunction.MSE)),
                                InputType.convolutional(7, 7, 1)), 1, 7, 7, false, 12, false),
                // 114 + 35 + 18 = 167
                new Case("conv3x3 stride2 Strict selu > global AVG > dense sigmoid > sigmoid+XENT, 7x7x2, l2",
                        () -> init(list(4, TestNets.Reg.L2, 5e-3)
                                .layer(conv(3, 6, Activation.SELU).stride(2, 2)
                                        .convolutionMode(ConvolutionMode.Strict).build())
                                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                                .layer(dense(5, Activation.SIGMOID))
                                .layer(out(3, Activation.SIGMOID, LossFunction.XENT)),
                                InputType.convolutional(7, 7, 2)), 2, 7, 7, false, 12, false),
                // 90 (no bias) + 18 = 108
                new Case("conv3x3 no bias tanh > global MAX > softmax+MCXENT, 6x6x2",
                        () -> init(list(5, TestNets.Reg.NONE, 0)
                                .layer(conv(3, 5, Activation.TANH).hasBias(false).build())
                                .layer(new GlobalPoolingLayer.Builder(PoolingType.MAX).build())
                                .layer(out(3, Activation.SOFTMAX, LossFunction.MCXENT)),
                                InputType.convolutional(6, 6, 2)), 2, 6, 6, false, 12, false),
                // 54 + 56 + 18 = 128; a flat row of 2 channels is reshaped to [c, h, w] in c order
                new Case("conv2x2 softplus > global SUM > dense tanh > identity+SQUARED_LOSS, flat 6x6x2, weightDecay",
                        () -> init(list(6, TestNets.Reg.WEIGHT_DECAY, 1e-2)
                                .layer(conv(2, 6, Activation.SOFTPLUS).build())
                                .layer(new GlobalPoolingLayer.Builder(PoolingType.SUM).build())
                                .layer(dense(8, Activation.TANH))
                                .layer(out(2, Activation.IDENTITY, LossFunction.SQUARED_LOSS)),
                                InputType.convolutionalFlat(6, 6, 2)), 2, 6, 6, true, 12, true),
                // 40 + 222 + 21 = 283; DropoutLayer and the dense layer's dropOut are inactive in inference
                new Case("conv3x3 identity > ActivationLayer tanh > DropoutLayer > avgpool3/2 pad1 > dense sigmoid"
                        + " (dropOut) > softmax+MCXENT, 8x8x1",
                        () -> init(list(7, TestNets.Reg.NONE, 0)
                                .layer(conv(3, 4, Activation.IDENTITY).build())
                                .layer(new ActivationLayer.Builder().activation(Activation.TANH).build())
                                .layer(new DropoutLayer.Builder(0.7).build())
                                .layer(pool(AVG, 3, 2).padding(1, 1).build())
                                .layer(new DenseLayer.Builder().nOut(6).activation(Activation.SIGMOID).dropOut(0.8)
                                        .build())
                                .layer(out(3, Activation.SOFTMAX, LossFunction.MCXENT)),
                                InputType.convolutional(8, 8, 1)), 1, 8, 8, false, 12, true),
                // 40 + 111 = 151; Same-mode average pooling: padded cells are not in the divisor
                new Case("conv3x3 leakyrelu > avgpool3/2 Same > softmax+MCXENT, 8x8x1, l2",
                        () -> init(list(8, TestNets.Reg.L2, 1e-2)
                                .layer(conv(3, 4, Activation.LEAKYRELU).build())
                                .layer(pool(AVG, 3, 2).convolutionMode(ConvolutionMode.Same).build())
                                .layer(out(3, Activation.SOFTMAX, LossFunction.MCXENT)),
                                InputType.convolutional(8, 8, 1)), 1, 8, 8, false, 12, false),
                // 40 + 222 + 21 = 283: the ReLU case (piecewise linear up to the softmax)
                new Case("conv3x3 relu > maxpool2/2 > dense relu > softmax+MCXENT, 8x8x1",
                        () -> init(list(9, TestNets.Reg.NONE, 0)
                                .layer(conv(3, 4, Activation.RELU).build())
                                .layer(pool(MAX, 2, 2).build())
                                .layer(dense(6, Activation.RELU))
                                .layer(out(3, Activation.SOFTMAX, LossFunction.MCXENT)),
                                InputType.convolutional(8, 8, 1)), 1, 8, 8, false, 12, false),
                // 57 + 112 + 85 + 18 = 272
                new Case("conv3x3 Same tanh > conv3x3 stride2 softplus > maxpool2/2 pad1 > dense identity"
                        + " > softmax+MCXENT, 8x8x2, l2",
                        () -> init(list(10, TestNets.Reg.L2, 1e-2)
                                .layer(conv(3, 3, Activation.TANH).convolutionMode(ConvolutionMode.Same).build())
                                .layer(conv(3, 4, Activation.SOFTPLUS).stride(2, 2).build())
                                .layer(pool(MAX, 2, 2).padding(1, 1).build())
                                .layer(dense(5, Activation.IDENTITY))
                                .layer(out(3, Activation.SOFTMAX, LossFunction.MCXENT)),
                                InputType.convolutional(8, 8, 2)), 2, 8, 8, false, 12, false),
                // 80 + 27 = 107
                new Case("conv3x3 sigmoid > global AVG > dense identity > LossLayer softmax+MCXENT, flat 6x6x1",
                        () -> init(list(11, TestNets.Reg.NONE, 0)
                                .layer(conv(3, 8, Activation.SIGMOID).build())
                                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                                .layer(dense(3, Activation.IDENTITY))
                                .layer(new LossLayer.Builder(LossFunction.MCXENT).activation(Activation.SOFTMAX)
                                        .build()),
                                InputType.convolutionalFlat(6, 6, 1)), 1, 6, 6, true, 10, true),
                // 20 + 195 = 215
                new Case("conv2x2 stride2 Strict tanh > avgpool3/1 pad1 > softmax+MCXENT, 8x8x1",
                        () -> init(list(12, TestNets.Reg.NONE, 0)
                                .layer(conv(2, 4, Activation.TANH).stride(2, 2)
                                        .convolutionMode(ConvolutionMode.Strict).build())
                                .layer(pool(AVG, 3, 1).padding(1, 1).build())
                                .layer(out(3, Activation.SOFTMAX, LossFunction.MCXENT)),
                                InputType.convolutional(8, 8, 1)), 1, 8, 8, false, 12, true),
                // 51 + 168 + 21 = 240
                new Case("conv4x4 stride2 Same tanh > maxpool2/2 Same > dense elu > sigmoid+XENT, 9x9x1,"
                        + " weightDecay",
                        () -> init(list(13, TestNets.Reg.WEIGHT_DECAY, 5e-3)
                                .layer(conv(4, 3, Activation.TANH).stride(2, 2)
                                        .convolutionMode(ConvolutionMode.Same).build())
                                .layer(pool(MAX, 2, 2).convolutionMode(ConvolutionMode.Same).build())
                                .layer(dense(6, Activation.ELU))
                                .layer(out(3, Activation.SIGMOID, LossFunction.XENT)),
                                InputType.convolutional(9, 9, 1)), 1, 9, 9, false, 16, false),
                // 60 + 42 + 14 = 116
                new Case("conv3x3 dilation2 pad1 sigmoid > global SUM > dense tanh > identity+MSE, 9x9x1",
                        () -> init(list(14, TestNets.Reg.L2, 1e-2)
                                .layer(conv(3, 6, Activation.SIGMOID).dilation(2, 2).padding(1, 1).build())
                                .layer(new GlobalPoolingLayer.Builder(PoolingType.SUM).build())
                                .layer(dense(6, Activation.TANH))
                                .layer(out(2, Activation.IDENTITY, LossFunction.MSE)),
                                InputType.convolutional(9, 9, 1)), 1, 9, 9, false, 8, true));
    }

    /**
     * The LeNet-style network of the CNN issue (as {@code influence-bench}'s {@code Networks.lenet}): conv 5×5×6
     * tanh, max pool 2×2/2, conv 5×5×16 tanh, max pool 2×2/2, dense 84 tanh, softmax 10 — 25,010 parameters on
     * 28×28 flat inputs.
     */
    static MultiLayerNetwork lenet(long seed, double l2) {
        return init(list(seed, TestNets.Reg.L2, l2)
                        .layer(conv(5, 6, Activation.TANH).build())
                        .layer(pool(MAX, 2, 2).build())
                        .layer(conv(5, 16, Activation.TANH).build())
                        .layer(pool(MAX, 2, 2).build())
                        .layer(dense(84, Activation.TANH))
                        .layer(out(10, Activation.SOFTMAX, LossFunction.MCXENT)),
                InputType.convolutionalFlat(28, 28, 1));
    }
}
