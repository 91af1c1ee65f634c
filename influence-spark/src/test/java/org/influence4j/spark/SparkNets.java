package org.influence4j.spark;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/** Small seeded DOUBLE networks and data for the Spark tests. */
final class SparkNets {

    private SparkNets() {
    }

    /** An MLP {@code 6 → 8 (tanh) → 5 (tanh) → 3 (softmax)} with L2 1e-3 on the weights, a few fitted epochs. */
    static MultiLayerNetwork mlp(long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.DOUBLE)
                .weightInit(WeightInit.XAVIER).l2(1e-3).list()
                .layer(new DenseLayer.Builder().nIn(6).nOut(8).activation(Activation.TANH).build())
                .layer(new DenseLayer.Builder().nIn(8).nOut(5).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(5).nOut(3).activation(Activation.SOFTMAX)
                        .build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /**
     * A LeNet-style CNN on 10×10 single-channel images ({@code convolutionalFlat}): conv 3×3×4 (tanh) → max-pool 2×2
     * → conv 2×2×6 (tanh) → dense 12 (tanh) → softmax 3, with weight decay 1e-3.
     */
    static MultiLayerNetwork lenet(long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.DOUBLE)
                .weightInit(WeightInit.XAVIER).weightDecay(1e-3).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.TANH).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build())
                .layer(new ConvolutionLayer.Builder(2, 2).nOut(6).activation(Activation.TANH).build())
                .layer(new DenseLayer.Builder().nOut(12).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(10, 10, 1))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** {@code n} examples of {@code d} N(0,1) features with labels from a fixed random linear rule over 3 classes. */
    static DataSet data(long seed, int n, int d) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.DOUBLE, n, d);
        INDArray w = Nd4j.randn(DataType.DOUBLE, d, 3);
        INDArray scores = x.mmul(w).addi(Nd4j.randn(DataType.DOUBLE, n, 3).muli(0.5));
        INDArray y = Nd4j.zeros(DataType.DOUBLE, n, 3);
        INDArray arg = scores.argMax(1);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, arg.getInt(i), 1.0);
        }
        return new DataSet(x, y);
    }

    /**
     * Trains {@code net} in place to a tight optimum of its regularised objective (the library's full-batch L-BFGS),
     * so that the Hessian is positive definite there and influence is well posed.
     */
    static MultiLayerNetwork trained(MultiLayerNetwork net, DataSet data) {
        org.influence4j.dl4j.Dl4jTraining.trainInPlace(net, data, org.influence4j.dl4j.TrainingProtocol.lbfgs());
        return net;
    }
}
