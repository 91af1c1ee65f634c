package org.influence4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * The facts about DL4J 1.0.0-M2.1's convolutional layers that a hand-written R-operator must reproduce, pinned so
 * that a DL4J upgrade that changes one of them fails here, by name, rather than as an HVP mismatch.
 */
class Dl4jCnnFactsTest {

    private static MultiLayerNetwork net(InputType type, org.deeplearning4j.nn.conf.layers.Layer... layers) {
        var list = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.DOUBLE).list();
        for (var l : layers) {
            list.layer(l);
        }
        list.layer(new OutputLayer.Builder(LossFunction.MSE).nOut(1).activation(Activation.IDENTITY).build());
        MultiLayerNetwork net = new MultiLayerNetwork(list.setInputType(type).build());
        net.init();
        return net;
    }

    private static INDArray range(long... shape) {
        long len = 1;
        for (long s : shape) {
            len *= s;
        }
        return Nd4j.arange(len).castTo(DataType.DOUBLE).addi(1).reshape(shape);
    }

    @Test
    void convolutionParameters_areBiasFirst_thenWeightsNOutNInKhKwInCOrder() {
        MultiLayerNetwork net = net(InputType.convolutional(5, 5, 2),
                new ConvolutionLayer.Builder(2, 3).nOut(3).activation(Activation.IDENTITY).build());
        var layer = net.getLayer(0);
        assertThat(layer.paramTable().keySet()).containsExactly("b", "W");
        INDArray w = layer.getParam("W");
        assertThat(w.shape()).containsExactly(3, 2, 2, 3);
        INDArray flat = net.params().reshape(net.numParams());
        assertThat(flat.get(NDArrayIndex.interval(0, 3))).isEqualTo(layer.getParam("b").reshape(3));
        assertThat(flat.get(NDArrayIndex.interval(3, 3 + 36))).isEqualTo(w.dup('c').reshape(36));
        // the layer's parameters are exactly b and W
        assertThat(layer.numParams()).isEqualTo(3 + 36);

        MultiLayerNetwork noBias = net(InputType.convolutional(5, 5, 2),
                new ConvolutionLayer.Builder(2, 3).nOut(3).hasBias(false).activation(Activation.IDENTITY).build());
        assertThat(noBias.getLayer(0).paramTable().keySet()).containsExactly("W");
        assertThat(noBias.getLayer(0).numParams()).isEqualTo(36);
    }

    @Test
    void defaultConvolutionMode_isTruncate() {
        MultiLayerNetwork net = net(InputType.convolutional(5, 5, 1),
                new ConvolutionLayer.Builder(2, 2).nOut(1).build());
        var conf = (ConvolutionLayer) net.getLayerWiseConfigurations().getConf(0).getLayer();
        assertThat(conf.getConvolutionMode()).isEqualTo(ConvolutionMode.Truncate);
    }

    @Test
    void averagePooling_excludesPaddingFromTheDivisor_inTruncateAndSameMode() {
        for (ConvolutionMode mode : new ConvolutionMode[] {ConvolutionMode.Truncate, ConvolutionMode.Same}) {
            SubsamplingLayer.Builder b = new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG).kernelSize(3, 3)
                    .stride(2, 2).convolutionMode(mode);
            if (mode == ConvolutionMode.Truncate) {
                b.padding(1, 1);
            }
            MultiLayerNetwork net = net(InputType.convolutional(6, 6, 1), b.build());
            var conf = (SubsamplingLayer) net.getLayerWiseConfigurations().getConf(0).getLayer();
            assertThat(conf.isAvgPoolIncludePadInDivisor()).isFalse();
            INDArray out = net.feedForward(Nd4j.ones(DataType.DOUBLE, 1, 1, 6, 6), false).get(1);
            // every window, including those that overlap the padding, averages ones to exactly 1
            assertThat(out.minNumber().doubleValue()).as("%s", mode).isEqualTo(1.0);
            assertThat(out.maxNumber().doubleValue()).as("%s", mode).isEqualTo(1.0);
        }
    }

    @Test
    void maxPooling_neverPicksThePadding() {
        MultiLayerNetwork net = net(InputType.convolutional(5, 5, 1),
                new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .convolutionMode(ConvolutionMode.Same).build());
        INDArray x = range(1, 1, 5, 5).negi(); // all negative: a zero-valued padding would win
        INDArray out = net.feedForward(x, false).get(1);
        assertThat(out.shape()).containsExactly(1, 1, 3, 3);
        assertThat(out.getDouble(0, 0, 2, 2)).isEqualTo(-25.0);
        assertThat(out.getDouble(0, 0, 0, 0)).isEqualTo(-1.0);
    }

    /**
     * Same mode: output size ⌈in/s⌉, total padding {@code max(0, (out−1)·s + (k−1)·d + 1 − in)}, of which the top/left
     * gets ⌊total/2⌋ and the bottom/right the rest. Probed with a kernel that is one at (padTop, padLeft), which then
     * copies the input pixel at the window's origin.
     */
    @ParameterizedTest(name = "k={0} s={1} d={2} on {3}x{3}")
    @CsvSource({"2,1,1,5", "3,1,1,5", "4,1,1,5", "3,2,1,6", "4,2,1,7", "2,2,2,8", "3,1,2,6", "3,2,2,9"})
    void sameMode_padsFloorHalfBeforeAndTheRestAfter(int k, int s, int d, int in) {
        MultiLayerNetwork net = net(InputType.convolutional(in, in, 1),
                new ConvolutionLayer.Builder(k, k).stride(s, s).dilation(d, d).nOut(1).hasBias(false)
                        .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).build());
        int out = (in + s - 1) / s;
        int total = Math.max(0, (out - 1) * s + (k - 1) * d + 1 - in);
        int before = total / 2;
        INDArray w = net.getLayer(0).getParam("W");
        w.assign(0);
        // the kernel tap whose dilated position is `before` (the cases are chosen so that it exists)
        assertThat(before % d).as("test case needs a tap at the padding origin").isZero();
        w.putScalar(new long[] {0, 0, before / d, before / d}, 1.0);
        INDArray x = range(1, 1, in, in);
        INDArray y = net.feedForward(x, false).get(1);
        assertThat(y.shape()).containsExactly(1, 1, out, out);
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < out; j++) {
                assertThat(y.getDouble(0, 0, i, j)).isEqualTo(x.getDouble(0, 0, i * s, j * s));
            }
        }
        // and the tap one step before the padding origin reads the padding (zero) in the first output
        if (before > 0) {
            w.assign(0);
            w.putScalar(new long[] {0, 0, before / d - 1, before / d - 1}, 1.0);
            assertThat(net.feedForward(range(1, 1, in, in), false).get(1).getDouble(0, 0, 0, 0)).isZero();
        }
    }

    @Test
    void preprocessors_flattenChannelsFirst_inCOrder() {
        // CNN -> dense: the dense input row is the [c, h, w] activation in c order
        MultiLayerNetwork net = net(InputType.convolutional(4, 4, 2),
                new ConvolutionLayer.Builder(2, 2).nOut(3).activation(Activation.TANH).build(),
                new DenseLayer.Builder().nOut(2).activation(Activation.IDENTITY).build());
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 2, 4, 4);
        INDArray conv = net.feedForward(x, false).get(1);
        INDArray flat = net.getLayerWiseConfigurations().getInputPreProcess(1)
                .preProcess(conv.dup(), 2, LayerWorkspaceMgr.noWorkspaces());
        assertThat(flat).isEqualTo(conv.dup('c').reshape('c', 2, 3 * 3 * 3));

        // convolutionalFlat(h, w, c): the flat row is reshaped to [c, h, w] in c order
        MultiLayerNetwork flatNet = net(InputType.convolutionalFlat(3, 4, 2),
                new ConvolutionLayer.Builder(1, 1).nOut(1).activation(Activation.IDENTITY).build());
        INDArray row = range(1, 24);
        INDArray image = flatNet.getLayerWiseConfigurations().getInputPreProcess(0)
                .preProcess(row.dup(), 1, LayerWorkspaceMgr.noWorkspaces());
        assertThat(image).isEqualTo(row.reshape('c', 1, 2, 3, 4));
    }
}
