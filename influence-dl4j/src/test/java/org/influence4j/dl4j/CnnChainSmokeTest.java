package org.influence4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;

import org.deeplearning4j.nn.conf.ConvolutionMode;
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
import org.influence4j.hvp.HessianVectorProduct;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

class CnnChainSmokeTest {

    static MultiLayerNetwork net(ConvolutionMode mode, PoolingType pool) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE)
                .weightInit(WeightInit.XAVIER).l2(1e-3).list()
                .layer(new ConvolutionLayer.Builder(3, 3).stride(1, 1).nOut(3).convolutionMode(mode)
                        .activation(Activation.TANH).build())
                .layer(new SubsamplingLayer.Builder(pool).kernelSize(2, 2).stride(2, 2).convolutionMode(mode).build())
                .layer(new ConvolutionLayer.Builder(2, 2).stride(1, 1).nOut(4).convolutionMode(mode)
                        .activation(Activation.SIGMOID).build())
                .layer(new DenseLayer.Builder().nOut(5).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(9, 8, 2))
                .build();
        MultiLayerNetwork n = new MultiLayerNetwork(conf);
        n.init();
        return n;
    }

    static DataSet data(int n) {
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.randn(DataType.DOUBLE, n, 9 * 8 * 2);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, n, 3);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % 3, 1.0);
        }
        return new DataSet(x, y);
    }

    @Test
    void exactMatchesFiniteDifferences() {
        for (ConvolutionMode mode : new ConvolutionMode[] {ConvolutionMode.Truncate, ConvolutionMode.Same}) {
            for (PoolingType pool : new PoolingType[] {PoolingType.MAX, PoolingType.AVG}) {
                MultiLayerNetwork net = net(mode, pool);
                DataSet d = data(10);
                Dl4jInfluenceModel m = Dl4jInfluenceModel.builder(net).build();
                System.out.println(m.describe());
                assertThat(m.hvpMode()).isEqualTo(HvpMode.EXACT);
                HessianVectorProduct ex = m.hessian(d, HvpMode.EXACT);
                HessianVectorProduct fd = m.hessian(d, HvpMode.FINITE_DIFFERENCE);
                Nd4j.getRandom().setSeed(1);
                INDArray v = Nd4j.randn(DataType.DOUBLE, m.numParameters());
                v.divi(v.norm2Number());
                INDArray a = ex.apply(v);
                INDArray b = fd.apply(v);
                double rel = a.sub(b).norm2Number().doubleValue() / b.norm2Number().doubleValue();
                // gradient
                Dl4jInfluenceModel fdm = Dl4jInfluenceModel.builder(net).hvpMode(HvpMode.FINITE_DIFFERENCE).build();
                INDArray g1 = m.meanLossGradient(d);
                INDArray g2 = fdm.meanLossGradient(d);
                double relg = g1.sub(g2).norm2Number().doubleValue() / g2.norm2Number().doubleValue();
                INDArray dots = m.perExampleGradientDots(d, v);
                INDArray dots2 = Nd4j.create(DataType.DOUBLE, d.numExamples());
                INDArray pe2 = Nd4j.create(DataType.DOUBLE, d.numExamples(), m.numParameters());
                for (int i = 0; i < d.numExamples(); i++) {
                    INDArray gi = fdm.meanLossGradient(d.get(i));
                    pe2.putRow(i, gi);
                    dots2.putScalar(i, Nd4j.getBlasWrapper().dot(gi, v));
                }
                double reld = dots.sub(dots2).norm2Number().doubleValue() / dots2.norm2Number().doubleValue();
                INDArray pe = m.perExampleGradients(d);
                double relp = pe.sub(pe2).norm2Number().doubleValue() / pe2.norm2Number().doubleValue();
                System.out.printf("%s %s: hvp %.3e grad %.3e dots %.3e rows %.3e%n", mode, pool, rel, relg, reld, relp);
                assertThat(relg).isLessThan(1e-10);
                assertThat(reld).isLessThan(1e-10);
                assertThat(relp).isLessThan(1e-10);
                assertThat(rel).isLessThan(1e-6);
            }
        }
    }
}
