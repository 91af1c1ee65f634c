package org.influence4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.SpaceToDepthLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.layers.convolutional.Cropping2D;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.hvp.HvpSelfCheck;
import org.influence4j.internal.Vectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * The adapter's contract on convolutional networks beyond the numbers of {@link CnnHvpTest}: features whose shape
 * does not match the input type are rejected naming both shapes, layers without an R-operator fall back to finite
 * differences and are named, and the user's network is never modified.
 */
class CnnAdapterTest {

    // ------------------------------------------------------------------------------------------ input shapes

    /** A small CNN on 28×28×1 (or {@code c} channels) images: conv 5×5/3 tanh, global AVG, softmax 3. */
    private static MultiLayerNetwork imageNet(InputType type) {
        return CnnNets.init(CnnNets.list(51, TestNets.Reg.L2, 1e-3)
                .layer(new ConvolutionLayer.Builder(5, 5).stride(3, 3).nOut(2).activation(Activation.TANH).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build()),
                type);
    }

    /**
     * @param type     the network's input type
     * @param bad      the shape of the features passed (5 examples)
     * @param expected the expected shape as the message must print it (the dense chain's {@code [n, 4]} style)
     */
    private record ShapeCase(String name, Supplier<InputType> type, long[] bad, String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> shapeCases() {
        return Stream.of(
                new ShapeCase("convolutionalFlat(28,28,1) given [5, 783]", () -> InputType.convolutionalFlat(28, 28, 1),
                        new long[] {5, 783}, "[n, 784]"),
                new ShapeCase("convolutionalFlat(28,28,1) given [5, 785]", () -> InputType.convolutionalFlat(28, 28, 1),
                        new long[] {5, 785}, "[n, 784]"),
                // InputType.convolutional leaves no height or width in the configuration, and this network ends in a
                // global pooling, so any image size fits it: only the channels are known (see the test below)
                new ShapeCase("convolutional(28,28,1) given flat [5, 784]", () -> InputType.convolutional(28, 28, 1),
                        new long[] {5, 784}, "[n, 1, height, width]"),
                new ShapeCase("convolutional(28,28,2) given one channel [5, 1, 28, 28]",
                        () -> InputType.convolutional(28, 28, 2), new long[] {5, 1, 28, 28}, "[n, 2, height, width]"),
                new ShapeCase("convolutional(28,28,2) given NHWC [5, 28, 28, 2]",
                        () -> InputType.convolutional(28, 28, 2), new long[] {5, 28, 28, 2}, "[n, 2, height, width]"))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapeCases")
    void featuresOfTheWrongShape_areRejectedNamingBothShapes_andTheNetworkIsUntouched(ShapeCase c) {
        MultiLayerNetwork net = imageNet(c.type().get());
        INDArray paramsBefore = net.params().dup();
        String confBefore = net.getLayerWiseConfigurations().toJson();
        Nd4j.getRandom().setSeed(52);
        DataSet bad = new DataSet(Nd4j.randn(DataType.DOUBLE, c.bad()),
                TestNets.random(53, 5, 1, 3, LossFunction.MCXENT).getLabels());
        String actual = Arrays.toString(c.bad());
        for (HvpMode mode : new HvpMode[] {HvpMode.AUTO, HvpMode.FINITE_DIFFERENCE}) {
            Dl4jInfluenceModel model = Dl4jInfluenceModel.builder(net).hvpMode(mode).build();
            INDArray v = Nd4j.ones(DataType.DOUBLE, model.numParameters());
            List<Consumer<DataSet>> calls = List.of(model::objective, model::objectiveGradient, model::losses,
                    model::meanLossGradient, d -> model.hessian(d), d -> model.hessian(d, HvpMode.FINITE_DIFFERENCE),
                    d -> model.perExampleGradientDots(d, v), model::perExampleGradients);
            for (int k = 0; k < calls.size(); k++) {
                Consumer<DataSet> call = calls.get(k);
                assertThatThrownBy(() -> call.accept(bad)).as("%s, call %d", mode, k)
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("features")
                        .hasMessageContaining(actual).hasMessageContaining(c.expected());
            }
        }
        assertThat(net.params()).isEqualTo(paramsBefore);
        assertThat(net.getLayerWiseConfigurations().toJson()).isEqualTo(confBefore);
        assertThat(net.getInput()).isNull();
    }

    @Test
    void operatorPass_isReusedForTheSameDataOnly_withTheSameResults() {
        MultiLayerNetwork net = CnnNets.lenet(71, 1e-3);
        Nd4j.getRandom().setSeed(72);
        DataSet d = new DataSet(Nd4j.rand(DataType.DOUBLE, 40, 784),
                TestNets.random(73, 40, 1, 10, LossFunction.MCXENT).getLabels());
        DataSet other = d.copy();
        other.getFeatures().putScalar(5, 300, other.getFeatures().getDouble(5, 300) + 0.5);
        INDArray v = Nd4j.randn(DataType.DOUBLE, net.numParams());
        Dl4jInfluenceModel fresh = Dl4jInfluenceModel.of(net);
        INDArray dots = fresh.perExampleGradientDots(d, v);
        INDArray grad = fresh.meanLossGradient(d);
        INDArray otherDots = fresh.perExampleGradientDots(other, v);

        Dl4jInfluenceModel model = Dl4jInfluenceModel.of(net);
        var h = model.hessian(d); // holds the cached pass that later calls on the same data reuse
        assertThat(model.perExampleGradientDots(d, v)).isEqualTo(dots);
        assertThat(model.meanLossGradient(d).distance2(grad)).isLessThan(1e-12 * grad.norm2Number().doubleValue());
        assertThat(model.perExampleGradientDots(other, v)).isEqualTo(otherDots); // one value differs: not reused
        assertThat(h.apply(v).length()).isEqualTo(net.numParams());
    }

    @Test
    void cacheBudget_zeroRecomputesEveryChunk_withTheSameProducts_andANegativeBudgetIsRejected() {
        MultiLayerNetwork net = CnnNets.lenet(81, 1e-3);
        INDArray before = net.params().dup();
        Nd4j.getRandom().setSeed(82);
        DataSet d = new DataSet(Nd4j.rand(DataType.DOUBLE, 30, 784),
                TestNets.random(83, 30, 1, 10, LossFunction.MCXENT).getLabels());
        INDArray v = Nd4j.randn(DataType.DOUBLE, net.numParams());
        INDArray cached = Dl4jInfluenceModel.of(net).hessian(d).apply(v);
        INDArray recomputed = Dl4jInfluenceModel.builder(net).cacheBudget(0).build().hessian(d).apply(v);
        assertThat(recomputed.distance2(cached)).isLessThan(1e-12 * cached.norm2Number().doubleValue());
        assertThatThrownBy(() -> Dl4jInfluenceModel.builder(net).cacheBudget(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cacheBudget")
                .hasMessageContaining("-1").hasMessageContaining("pass 0");
        assertThat(net.params()).isEqualTo(before);
    }

    @Test
    void imageSizeImpliedByTheLayers_isNamedWhenTheNetworkDoesNotDeclareIt() {
        // InputType.convolutional keeps no image size, but the flattening before the dense layer fixes it: 28x28
        MultiLayerNetwork net = CnnNets.init(CnnNets.list(61, TestNets.Reg.L2, 1e-3)
                        .layer(CnnNets.conv(5, 6, Activation.TANH).build())
                        .layer(CnnNets.pool(SubsamplingLayer.PoolingType.MAX, 2, 2).build())
                        .layer(CnnNets.conv(5, 16, Activation.TANH).build())
                        .layer(CnnNets.pool(SubsamplingLayer.PoolingType.MAX, 2, 2).build())
                        .layer(CnnNets.dense(84, Activation.TANH))
                        .layer(CnnNets.out(10, Activation.SOFTMAX, LossFunction.MCXENT)),
                InputType.convolutional(28, 28, 1));
        INDArray before = net.params().dup();
        Nd4j.getRandom().setSeed(62);
        DataSet bad = new DataSet(Nd4j.randn(DataType.DOUBLE, 3, 1, 27, 28),
                TestNets.random(63, 3, 1, 10, LossFunction.MCXENT).getLabels());
        Dl4jInfluenceModel model = Dl4jInfluenceModel.of(net);
        assertThatThrownBy(() -> model.meanLossGradient(bad)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[3, 1, 27, 28]").hasMessageContaining("[n, 1, 28, 28]");
        DataSet good = new DataSet(Nd4j.randn(DataType.DOUBLE, 3, 1, 28, 28), bad.getLabels());
        assertThat(model.objective(good)).isCloseTo(net.score(good), within(Tolerances.OBJECTIVE));
        assertThat(net.params()).isEqualTo(before);
    }

    @Test
    void featuresOfTheRightShape_areAccepted_flatAndFourDimensional() {
        for (InputType type : new InputType[] {InputType.convolutionalFlat(28, 28, 1),
                InputType.convolutional(28, 28, 1)}) {
            MultiLayerNetwork net = imageNet(type);
            long[] shape = type.getType() == InputType.Type.CNNFlat ? new long[] {4, 784} : new long[] {4, 1, 28, 28};
            Nd4j.getRandom().setSeed(54);
            DataSet d = new DataSet(Nd4j.randn(DataType.DOUBLE, shape),
                    TestNets.random(55, 4, 1, 3, LossFunction.MCXENT).getLabels());
            Dl4jInfluenceModel model = Dl4jInfluenceModel.of(net);
            assertThat(model.objective(d)).isCloseTo(net.score(d), within(Tolerances.OBJECTIVE));
        }
        // a network that fixes no image size (InputType.convolutional, global pooling) takes other sizes, as DL4J does
        MultiLayerNetwork agnostic = imageNet(InputType.convolutional(28, 28, 1));
        Nd4j.getRandom().setSeed(56);
        DataSet other = new DataSet(Nd4j.randn(DataType.DOUBLE, 4, 1, 27, 28),
                TestNets.random(57, 4, 1, 3, LossFunction.MCXENT).getLabels());
        assertThat(Dl4jInfluenceModel.of(agnostic).objective(other)).isCloseTo(agnostic.score(other),
                within(Tolerances.OBJECTIVE));
    }

    // ------------------------------------------------------------------------------------------ no R-operator

    /**
     * A network with a layer that has no R-operator at {@code position}.
     *
     * @param names strings the reason must contain to name the layer (its class, and the variant where the class
     *              alone does not say it: PNORM, NHWC)
     */
    private record Unsupported(String name, Supplier<MultiLayerNetwork> network, int position, List<String> names) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static MultiLayerNetwork between(Layer middle, InputType type) {
        return CnnNets.init(CnnNets.list(61, TestNets.Reg.L2, 1e-3)
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(3).activation(Activation.TANH).build())
                .layer(middle)
                .layer(new ConvolutionLayer.Builder(2, 2).nOut(2).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build()),
                type);
    }

    static Stream<Arguments> unsupported() {
        InputType six = InputType.convolutional(6, 6, 1); // 4×4×3 after the first convolution
        return Stream.of(
                new Unsupported("Upsampling2D", () -> between(new Upsampling2D.Builder(2).build(), six), 1,
                        List.of("Upsampling2D")),
                new Unsupported("PNORM subsampling", () -> between(new SubsamplingLayer.Builder(
                        SubsamplingLayer.PoolingType.PNORM).pnorm(2).kernelSize(2, 2).stride(1, 1).build(), six), 1,
                        List.of("SubsamplingLayer", "PNORM")),
                new Unsupported("PNORM global pooling", () -> CnnNets.init(CnnNets.list(62, TestNets.Reg.NONE, 0)
                        .layer(new ConvolutionLayer.Builder(3, 3).nOut(3).activation(Activation.TANH).build())
                        .layer(new GlobalPoolingLayer.Builder(PoolingType.PNORM).pnorm(2).build())
                        .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX)
                                .build()), six), 1, List.of("GlobalPoolingLayer", "PNORM")),
                new Unsupported("ZeroPaddingLayer", () -> between(new ZeroPaddingLayer.Builder(1, 1).build(), six), 1,
                        List.of("ZeroPaddingLayer")),
                new Unsupported("Deconvolution2D", () -> between(new Deconvolution2D.Builder(2, 2).nOut(2)
                        .activation(Activation.TANH).build(), six), 1, List.of("Deconvolution2D")),
                new Unsupported("SeparableConvolution2D", () -> between(new SeparableConvolution2D.Builder(2, 2)
                        .nOut(2).activation(Activation.TANH).build(), six), 1, List.of("SeparableConvolution2D")),
                new Unsupported("Cropping2D", () -> between(new Cropping2D.Builder(1, 0).build(), six), 1,
                        List.of("Cropping2D")),
                new Unsupported("LocalResponseNormalization", () -> between(
                        new LocalResponseNormalization.Builder().build(), six), 1,
                        List.of("LocalResponseNormalization")),
                new Unsupported("SpaceToDepthLayer", () -> CnnNets.init(CnnNets.list(63, TestNets.Reg.NONE, 0)
                        .layer(new ConvolutionLayer.Builder(3, 3).nOut(3).activation(Activation.TANH).build())
                        .layer(new SpaceToDepthLayer.Builder(2, CNN2DFormat.NCHW).build())
                        .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX)
                                .build()), six), 1, List.of("SpaceToDepthLayer")),
                new Unsupported("NHWC convolution", () -> CnnNets.init(CnnNets.list(64, TestNets.Reg.NONE, 0)
                        .layer(new ConvolutionLayer.Builder(3, 3).nOut(3).dataFormat(CNN2DFormat.NHWC)
                                .activation(Activation.TANH).build())
                        .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX)
                                .build()), InputType.convolutional(6, 6, 1, CNN2DFormat.NHWC)), 0,
                        List.of("ConvolutionLayer", "NHWC")))
                .map(Arguments::of);
    }

    private static DataSet dataFor(MultiLayerNetwork net, long[] shape, int n) {
        Nd4j.getRandom().setSeed(65);
        return new DataSet(Nd4j.randn(DataType.DOUBLE, shape), CnnNets.labels(net, n, 66));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unsupported")
    void layerWithoutAnROperator_fallsBackToFiniteDifferences_andIsNamed(Unsupported c) {
        MultiLayerNetwork net = c.network().get();
        double[] before = TestNets.snapshot(net);
        Dl4jInfluenceModel model = Dl4jInfluenceModel.of(net);
        assertThat(model.hvpMode()).isEqualTo(HvpMode.FINITE_DIFFERENCE);
        assertThat(model.batchedPerExampleGradients()).isFalse();
        String describe = model.describe();
        assertThat(describe).contains("FINITE_DIFFERENCE").contains("no R-operator because")
                .contains("layer " + c.position());
        for (String name : c.names()) {
            assertThat(describe).as("describe() names the layer that has no R-operator").contains(name);
        }
        for (HvpMode exact : new HvpMode[] {HvpMode.EXACT, HvpMode.GAUSS_NEWTON}) {
            var thrown = assertThatThrownBy(() -> Dl4jInfluenceModel.builder(net).hvpMode(exact).build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(exact.toString())
                    .hasMessageContaining("layer " + c.position());
            for (String name : c.names()) {
                thrown.hasMessageContaining(name);
            }
        }
        // the fallback works: objective is DL4J's score, the FD operator is symmetric to its own accuracy
        boolean nhwc = c.names().contains("NHWC");
        DataSet d = dataFor(net, nhwc ? new long[] {6, 6, 6, 1} : new long[] {6, 1, 6, 6}, 6);
        assertThat(model.objective(d)).isCloseTo(net.score(d), within(Tolerances.OBJECTIVE));
        assertThat(HvpSelfCheck.symmetry(model.hessian(d), 1, 67).relativeSymmetryError()).isLessThan(1e-6);
        // Kronecker-factored curvature is refused, naming the layer and the remedy
        assertThat(model.layerStatistics(d)).isEmpty();
        var kfac = assertThatThrownBy(() -> org.influence4j.InfluenceEstimator.forModel(model).withTrainingData(d)
                .withSolver(org.influence4j.solver.IHVPSolver.kfac()).inverse())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("per-layer statistics")
                .hasMessageContaining("layer " + c.position()).hasMessageContaining("conjugateGradient");
        for (String name : c.names()) {
            kfac.hasMessageContaining(name);
        }
        assertThat(TestNets.snapshot(net)).isEqualTo(before);
    }

    // ------------------------------------------------------------------------------------------ the user's network

    /** A CNN with dropout (a DropoutLayer and a dense layer's dropOut), l2, on flat 8×8 inputs. */
    private static MultiLayerNetwork withDropout() {
        return CnnNets.init(new NeuralNetConfiguration.Builder().seed(71).dataType(DataType.DOUBLE).l2(1e-3)
                        .weightInit(org.deeplearning4j.nn.weights.WeightInit.XAVIER)
                        .updater(new org.nd4j.linalg.learning.config.Adam(0.01)).list()
                        .layer(new ConvolutionLayer.Builder(3, 3).nOut(3).activation(Activation.TANH).build())
                        .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2)
                                .stride(2, 2).build())
                        .layer(new DropoutLayer.Builder(0.5).build())
                        .layer(new DenseLayer.Builder().nOut(5).activation(Activation.SIGMOID).dropOut(0.8).build())
                        .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX)
                                .build()),
                InputType.convolutionalFlat(8, 8, 1));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(HvpMode.class)
    void userNetwork_isNeverModified_byModelsProductsOrFailures(HvpMode mode) {
        MultiLayerNetwork net = withDropout();
        DataSet d = new DataSet(Nd4j.randn(DataType.DOUBLE, 10, 64), CnnNets.labels(net, 10, 72));
        net.fit(d); // an updater state and a score, as a trained network has
        INDArray paramsBefore = net.params().dup();
        INDArray updaterBefore = net.getUpdater().getStateViewArray().dup();
        String confBefore = net.getLayerWiseConfigurations().toJson();
        var listeners = new ArrayList<>(net.getListeners());
        double scoreBefore = net.score();
        INDArray inputBefore = net.getInput();
        INDArray labelsBefore = net.getLabels();

        Dl4jInfluenceModel m = Dl4jInfluenceModel.builder(net).hvpMode(mode).build();
        INDArray v = Vectors.gaussian(new SplittableRandom(73), m.numParameters());
        m.objective(d);
        m.objectiveGradient(d);
        m.losses(d);
        m.hessian(d).apply(v);
        m.hessian(d, HvpMode.FINITE_DIFFERENCE).apply(v);
        m.perExampleGradientDots(d, v);
        m.perExampleGradients(d);
        m.miniBatchHessian(d, 4).sampleBatch(new SplittableRandom(74)).apply(v);
        INDArray nan = v.dup();
        nan.putScalar(0, Double.NaN);
        assertThatThrownBy(() -> m.hessian(d).apply(nan)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> m.hessian(d, HvpMode.FINITE_DIFFERENCE).apply(nan))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(m.parameters()).isEqualTo(paramsBefore);

        assertThat(net.params()).isEqualTo(paramsBefore);
        assertThat(net.getUpdater().getStateViewArray()).isEqualTo(updaterBefore);
        assertThat(net.getLayerWiseConfigurations().toJson()).isEqualTo(confBefore); // dropout still configured
        assertThat(net.getListeners()).isEqualTo(listeners);
        assertThat(net.score()).isEqualTo(scoreBefore);
        assertThat(net.getInput()).isSameAs(inputBefore);
        assertThat(net.getLabels()).isSameAs(labelsBefore);
    }
}
