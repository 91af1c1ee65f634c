package org.influence4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.SplittableRandom;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.hvp.HvpSelfCheck;
import org.influence4j.hvp.Hvps;
import org.influence4j.internal.Vectors;
import org.influence4j.model.InfluenceModel;
import org.influence4j.model.ModelAdapter;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/** Gauss–Newton, parameter subsets, FLOAT networks, graphs, batched scoring, fallbacks and bad input. */
class Dl4jInfluenceModelTest {

    private static MultiLayerNetwork smallMlp(TestNets.Reg reg) {
        return TestNets.mlp(5, DataType.DOUBLE, 4, new int[] {5, 4}, 3, Activation.TANH, Activation.SOFTMAX,
                LossFunction.MCXENT, reg, 0.01);
    }

    private static DataSet data(int n) {
        return TestNets.random(9, n, 4, 3, LossFunction.MCXENT);
    }

    // -------------------------------------------------------------------------------------- Gauss–Newton

    @Test
    void gaussNewton_isSymmetricPositiveSemiDefinite() {
        MultiLayerNetwork net = smallMlp(TestNets.Reg.WEIGHT_DECAY);
        DataSet d = data(30);
        Dl4jInfluenceModel model = Dl4jInfluenceModel.builder(net).hvpMode(HvpMode.GAUSS_NEWTON).build();
        HessianVectorProduct g = model.hessian(d);
        assertThat(g.toString()).contains("GaussNewton");
        assertThat(HvpSelfCheck.symmetry(g, 5, 1).relativeSymmetryError()).isLessThan(Tolerances.SYMMETRY);
        SplittableRandom rng = new SplittableRandom(3);
        for (int t = 0; t < 20; t++) {
            INDArray v = Vectors.gaussian(rng, model.numParameters());
            assertThat(Vectors.dot(v, g.apply(v))).isGreaterThanOrEqualTo(0.0);
        }
        INDArray dense = Hvps.toDense(g);
        double minEig = org.nd4j.linalg.eigen.Eigen.symmetricGeneralizedEigenvalues(dense.dup()).minNumber()
                .doubleValue();
        double maxEig = Hvps.toDense(g).norm2Number().doubleValue();
        assertThat(minEig).isGreaterThan(-1e-12 * maxEig);
        // the exact Hessian of this tanh net is indefinite, GN is not: they differ
        INDArray exact = Hvps.toDense(model.hessian(d, HvpMode.EXACT));
        assertThat(exact.sub(dense).norm2Number().doubleValue()).isGreaterThan(1e-6);
    }

    @Test
    void gaussNewton_equalsExactHessian_forSoftmaxRegression() {
        MultiLayerNetwork net = TestNets.mlp(5, DataType.DOUBLE, 4, new int[] {}, 3, Activation.TANH,
                Activation.SOFTMAX, LossFunction.MCXENT, TestNets.Reg.L2, 0.01);
        DataSet d = data(25);
        Dl4jInfluenceModel model = Dl4jInfluenceModel.of(net);
        HessianVectorProduct exact = model.hessian(d, HvpMode.EXACT);
        HessianVectorProduct gn = model.hessian(d, HvpMode.GAUSS_NEWTON);
        SplittableRandom rng = new SplittableRandom(4);
        for (int t = 0; t < 5; t++) {
            INDArray v = Vectors.gaussian(rng, model.numParameters());
            assertThat(TestNets.rel(gn.apply(v), exact.apply(v))).isLessThan(1e-14);
        }
    }

    // -------------------------------------------------------------------------------------- parameter subsets

    @Test
    void subsets_areSubBlocksOfTheFullHessianAndGradient() {
        MultiLayerNetwork net = smallMlp(TestNets.Reg.L2);
        DataSet d = data(20);
        Dl4jInfluenceModel full = Dl4jInfluenceModel.of(net);
        INDArray h = Hvps.toDense(full.hessian(d));
        INDArray g = full.objectiveGradient(d);
        INDArray theta = full.parameters();
        // layer sizes: 0: 4*5+5 = 25, 1: 5*4+4 = 24, 2: 4*3+3 = 15
        long[][] ranges = {{49, 64}, {0, 25, 49, 64}, {25, 49}};
        ParameterSubset[] subsets = {ParameterSubset.lastLayer(), ParameterSubset.layers("0", "2"),
                ParameterSubset.layers("1")};
        for (int s = 0; s < subsets.length; s++) {
            Dl4jInfluenceModel sub = Dl4jInfluenceModel.builder(net).parameters(subsets[s]).build();
            int[] idx = indices(ranges[s]);
            assertThat(sub.numParameters()).isEqualTo(idx.length);
            assertThat(sub.hvpMode()).isEqualTo(HvpMode.EXACT);
            assertThat(TestNets.rel(sub.parameters(), pick(theta, idx))).isZero();
            assertThat(TestNets.rel(sub.objectiveGradient(d), pick(g, idx))).isLessThan(1e-14);
            INDArray hs = Hvps.toDense(sub.hessian(d));
            INDArray block = Nd4j.create(DataType.DOUBLE, idx.length, idx.length);
            for (int i = 0; i < idx.length; i++) {
                for (int j = 0; j < idx.length; j++) {
                    block.putScalar(i, j, h.getDouble(idx[i], idx[j]));
                }
            }
            assertThat(hs.sub(block).norm2Number().doubleValue() / block.norm2Number().doubleValue())
                    .as("subset %s", subsets[s]).isLessThan(1e-13);
            INDArray v = Vectors.gaussian(new SplittableRandom(s), idx.length);
            INDArray vFull = Nd4j.zeros(DataType.DOUBLE, full.numParameters());
            for (int i = 0; i < idx.length; i++) {
                vFull.putScalar(idx[i], v.getDouble(i));
            }
            assertThat(TestNets.rel(sub.perExampleGradientDots(d, v), full.perExampleGradientDots(d, vFull)))
                    .isLessThan(1e-13);
            assertThat(sub.describe()).contains(subsets[s].toString());
        }
    }

    @Test
    void subset_byLayerName_andUnknownNamesAreRejected() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1)
                .dataType(DataType.DOUBLE).list()
                .layer(new DenseLayer.Builder().name("hidden").nIn(4).nOut(3).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).name("out").nIn(3).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        assertThat(Dl4jInfluenceModel.builder(net).parameters(ParameterSubset.layers("out")).build().numParameters())
                .isEqualTo(12);
        assertThatThrownBy(() -> Dl4jInfluenceModel.builder(net).parameters(ParameterSubset.layers("nope")).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope")
                .hasMessageContaining("hidden");
    }

    // -------------------------------------------------------------------------------------- FLOAT, graphs

    @Test
    void floatNetwork_isAnalysedInDouble_andLeftUnchanged() {
        MultiLayerNetwork f = TestNets.irisMlp(DataType.FLOAT, 50);
        double[] before = TestNets.snapshot(f);
        DataSet d = TestNets.iris();
        Dl4jInfluenceModel model = Dl4jInfluenceModel.of(f);
        assertThat(model.originalDataType()).isEqualTo(DataType.FLOAT);
        assertThat(model.parameters().dataType()).isEqualTo(DataType.DOUBLE);
        assertThat(model.describe()).contains("FLOAT");
        assertThat(model.hessian(d).apply(Nd4j.ones(DataType.DOUBLE, model.numParameters())).dataType())
                .isEqualTo(DataType.DOUBLE);
        // parameters are the FLOAT values, exactly representable in DOUBLE
        INDArray p = model.parameters();
        for (int i = 0; i < before.length; i++) {
            assertThat(p.getDouble(i)).isEqualTo((double) (float) before[i]);
        }
        // objective agrees with the FLOAT network's own score to float precision
        assertThat(model.objective(d)).isCloseTo(f.score(d), within(1e-5));
        assertThat(TestNets.snapshot(f)).isEqualTo(before);
        assertThat(f.params().dataType()).isEqualTo(DataType.FLOAT);
    }

    @Test
    void computationGraph_givesTheSameGradientAndHvpAsTheEquivalentMln() {
        MultiLayerNetwork mln = smallMlp(TestNets.Reg.L2);
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.DOUBLE)
                .l2(0.01).updater(new Adam(0.01)).weightInit(WeightInit.XAVIER).graphBuilder().addInputs("in")
                .addLayer("h1", new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build(), "in")
                .addLayer("h2", new DenseLayer.Builder().nIn(5).nOut(4).activation(Activation.TANH).build(), "h1")
                .addLayer("out", new OutputLayer.Builder(LossFunction.MCXENT).nIn(4).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "h2")
                .setOutputs("out").build();
        ComputationGraph cg = new ComputationGraph(conf);
        cg.init(mln.params().dup(), true);
        double[] before = TestNets.snapshot(cg);
        DataSet d = data(20);
        Dl4jInfluenceModel a = Dl4jInfluenceModel.of(mln);
        Dl4jInfluenceModel b = Dl4jInfluenceModel.of(cg);
        assertThat(b.hvpMode()).isEqualTo(HvpMode.EXACT);
        assertThat(b.objective(d)).isCloseTo(cg.score(d), within(1e-12));
        assertThat(b.objective(d)).isCloseTo(a.objective(d), within(1e-12));
        assertThat(TestNets.rel(b.objectiveGradient(d), a.objectiveGradient(d))).isLessThan(Tolerances.SAME_NETWORK);
        INDArray v = Vectors.gaussian(new SplittableRandom(1), a.numParameters());
        assertThat(TestNets.rel(b.hessian(d).apply(v), a.hessian(d).apply(v))).isLessThan(Tolerances.SAME_NETWORK);
        HessianVectorProduct fd = b.hessian(d, HvpMode.FINITE_DIFFERENCE);
        assertThat(TestNets.rel(fd.apply(v), a.hessian(d).apply(v))).isLessThan(Tolerances.HVP_VS_FD);
        assertThat(TestNets.rel(b.perExampleGradientDots(d, v), a.perExampleGradientDots(d, v)))
                .isLessThan(Tolerances.SAME_NETWORK);
        Dl4jInfluenceModel last = Dl4jInfluenceModel.builder(cg).parameters(ParameterSubset.layers("h2")).build();
        assertThat(last.numParameters()).isEqualTo(24);
        assertThat(TestNets.snapshot(cg)).isEqualTo(before);
    }

    @Test
    void multiOutputGraph_isRejected() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .graphBuilder().addInputs("in")
                .addLayer("a", new OutputLayer.Builder(LossFunction.MSE).nIn(2).nOut(1)
                        .activation(Activation.IDENTITY).build(), "in")
                .addLayer("b", new OutputLayer.Builder(LossFunction.MSE).nIn(2).nOut(1)
                        .activation(Activation.IDENTITY).build(), "in")
                .setOutputs("a", "b").build();
        ComputationGraph cg = new ComputationGraph(conf);
        cg.init();
        assertThatThrownBy(() -> Dl4jInfluenceModel.of(cg)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2 outputs").hasMessageContaining("single-input, single-output");
    }

    // -------------------------------------------------------------------------------------- batched scoring

    @Test
    void batchedPerExampleGradients_matchDl4jPerExampleGradients() {
        MultiLayerNetwork net = smallMlp(TestNets.Reg.L2);
        DataSet d = data(12);
        Dl4jInfluenceModel model = Dl4jInfluenceModel.of(net);
        assertThat(model.batchedPerExampleGradients()).isTrue();
        INDArray v = Vectors.gaussian(new SplittableRandom(2), model.numParameters());
        INDArray dots = model.perExampleGradientDots(d, v);
        INDArray rows = model.perExampleGradients(d);
        MultiLayerNetwork probe = net.clone();
        for (int i = 0; i < d.numExamples(); i++) {
            probe.setInput(d.getFeatures().getRow(i, true));
            probe.setLabels(d.getLabels().getRow(i, true));
            probe.computeGradientAndScore();
            INDArray gi = probe.gradient().gradient().dup().reshape(model.numParameters());
            double ref = Vectors.dot(gi, v);
            assertThat(dots.getDouble(i)).isCloseTo(ref, within(Tolerances.PER_EXAMPLE * Math.abs(ref)));
            assertThat(TestNets.rel(rows.getRow(i), gi)).isLessThan(Tolerances.PER_EXAMPLE);
        }
        // mean of the rows is the mean loss gradient
        assertThat(TestNets.rel(rows.mean(0), model.meanLossGradient(d))).isLessThan(1e-13);
    }

    // -------------------------------------------------------------------------------------- other layers

    private static MultiLayerNetwork cnn(boolean batchNorm) {
        return cnn(batchNorm, SubsamplingLayer.PoolingType.MAX);
    }

    private static MultiLayerNetwork cnn(boolean batchNorm, SubsamplingLayer.PoolingType pooling) {
        var list = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE).l2(1e-3)
                .weightInit(WeightInit.XAVIER).updater(new Adam(0.01)).list()
                .layer(new ConvolutionLayer.Builder(2, 2).nOut(2).activation(Activation.TANH).build());
        if (batchNorm) {
            list.layer(new BatchNormalization.Builder().build());
        }
        list.layer(new SubsamplingLayer.Builder(pooling).kernelSize(2, 2).stride(1, 1).pnorm(2).build())
                .layer(new DenseLayer.Builder().nOut(4).activation(Activation.SIGMOID).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(5, 5, 1));
        MultiLayerNetwork net = new MultiLayerNetwork(list.build());
        net.init();
        return net;
    }

    private static DataSet images(int n) {
        Nd4j.getRandom().setSeed(12);
        INDArray x = Nd4j.randn(DataType.DOUBLE, n, 1, 5, 5);
        INDArray y = TestNets.random(13, n, 1, 3, LossFunction.MCXENT).getLabels();
        return new DataSet(x, y);
    }

    @Test
    void convolutionalNetworkWithoutROperator_usesFiniteDifferences_andPerExampleLoop() {
        // p-norm pooling has no R-operator: the whole network falls back (max and average pooling are exact)
        MultiLayerNetwork net = cnn(false, SubsamplingLayer.PoolingType.PNORM);
        double[] before = TestNets.snapshot(net);
        DataSet d = images(6);
        List<Long> progress = new ArrayList<>();
        Dl4jInfluenceModel model = Dl4jInfluenceModel.builder(net)
                .progressListener((task, done, total) -> progress.add(done)).build();
        assertThat(model.hvpMode()).isEqualTo(HvpMode.FINITE_DIFFERENCE);
        assertThat(model.describe()).contains("FINITE_DIFFERENCE").contains("layer 1").contains("PNORM");
        assertThat(model.objective(d)).isCloseTo(net.score(d), within(1e-12));
        HessianVectorProduct h = model.hessian(d);
        assertThat(HvpSelfCheck.symmetry(h, 2, 3).relativeSymmetryError()).isLessThan(1e-7);
        INDArray v = Vectors.gaussian(new SplittableRandom(5), model.numParameters());
        INDArray dots = model.perExampleGradientDots(d, v);
        assertThat(progress).contains(6L);
        // the mean of the per-example dots is the mean gradient's dot
        assertThat(dots.meanNumber().doubleValue())
                .isCloseTo(Vectors.dot(model.meanLossGradient(d), v), within(1e-12));
        assertThatThrownBy(() -> Dl4jInfluenceModel.builder(net).hvpMode(HvpMode.EXACT).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("layer 1")
                .hasMessageContaining("PNORM").hasMessageContaining("FINITE_DIFFERENCE");
        assertThat(TestNets.snapshot(net)).isEqualTo(before);
    }

    @Test
    void convolutionalNetwork_denseHead_isExactOverAFrozenFeatureExtractor() {
        MultiLayerNetwork net = cnn(true); // batch norm in the frozen prefix: fine in inference mode
        DataSet d = images(8);
        Dl4jInfluenceModel head = Dl4jInfluenceModel.builder(net).parameters(ParameterSubset.layers("3", "4"))
                .build();
        assertThat(head.hvpMode()).isEqualTo(HvpMode.EXACT);
        assertThat(head.batchedPerExampleGradients()).isTrue();
        // the same head as a stand-alone MLP on the inference-mode features of layers 0-2
        INDArray feats = net.feedForwardToLayer(2, d.getFeatures(), false).get(3).dup().reshape(8, 18);
        MultiLayerNetwork alone = TestNets.mlp(1, DataType.DOUBLE, 18, new int[] {4}, 3, Activation.SIGMOID,
                Activation.SOFTMAX, LossFunction.MCXENT, TestNets.Reg.L2, 1e-3);
        alone.getLayer(0).setParams(net.getLayer(3).params().dup());
        alone.getLayer(1).setParams(net.getLayer(4).params().dup());
        DataSet featureData = new DataSet(feats, d.getLabels());
        Dl4jInfluenceModel reference = Dl4jInfluenceModel.of(alone);
        assertThat(head.objective(d)).isCloseTo(net.score(d), within(1e-12));
        assertThat(TestNets.rel(head.objectiveGradient(d), reference.objectiveGradient(featureData)))
                .isLessThan(1e-13);
        INDArray v = Vectors.gaussian(new SplittableRandom(1), head.numParameters());
        assertThat(TestNets.rel(head.hessian(d).apply(v),
                reference.hessian(featureData, HvpMode.FINITE_DIFFERENCE).apply(v))).isLessThan(Tolerances.HVP_VS_FD);
        // finite differences through DL4J's training-mode batch norm would change the objective: refused
        assertThatThrownBy(() -> head.hessian(d, HvpMode.FINITE_DIFFERENCE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("BatchNormalization");
        // batch norm among the analysed layers is rejected, with the remedy
        assertThatThrownBy(() -> Dl4jInfluenceModel.of(net)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("BatchNormalization").hasMessageContaining("lastLayer");
    }

    @Test
    void headOverCnn_matchesFiniteDifferencesWithoutBatchNorm() {
        MultiLayerNetwork net = cnn(false);
        DataSet d = images(8);
        Dl4jInfluenceModel head = Dl4jInfluenceModel.builder(net).parameters(ParameterSubset.lastLayer()).build();
        Dl4jInfluenceModel fd = Dl4jInfluenceModel.builder(net).parameters(ParameterSubset.lastLayer())
                .hvpMode(HvpMode.FINITE_DIFFERENCE).build();
        // DL4J's gradient (FD mode) vs the adapter's hand-written one on DL4J's features
        assertThat(TestNets.rel(head.objectiveGradient(d), fd.objectiveGradient(d))).isLessThan(1e-12);
        INDArray v = Vectors.gaussian(new SplittableRandom(8), head.numParameters());
        assertThat(TestNets.rel(head.hessian(d).apply(v), fd.hessian(d).apply(v))).isLessThan(Tolerances.HVP_VS_FD);
    }

    @Test
    void recurrentLayers_areRejected() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .list().layer(new LSTM.Builder().nIn(2).nOut(3).build())
                .layer(new RnnOutputLayer.Builder(LossFunction.MCXENT).nIn(3).nOut(2).activation(Activation.SOFTMAX)
                        .build()).build());
        net.init();
        assertThatThrownBy(() -> Dl4jInfluenceModel.of(net)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layer 0").hasMessageContaining("recurrent");
    }

    // -------------------------------------------------------------------------------------- adapter SPI

    @Test
    void serviceLoader_findsTheAdapter_whichIgnoresOtherTypes() {
        List<ModelAdapter> adapters = new ArrayList<>();
        ServiceLoader.load(ModelAdapter.class).forEach(adapters::add);
        assertThat(adapters).anyMatch(a -> a instanceof Dl4jModelAdapter);
        Dl4jModelAdapter a = new Dl4jModelAdapter();
        assertThat(a.adapt("not a network")).isEmpty();
        Optional<InfluenceModel> m = a.adapt(smallMlp(TestNets.Reg.NONE));
        assertThat(m).isPresent();
        assertThat(m.get().describe()).contains("EXACT");
    }

    // -------------------------------------------------------------------------------------- bad input

    @Test
    void badInputs_areRejectedWithClearMessages_andTheNetworkIsUntouched() {
        MultiLayerNetwork net = smallMlp(TestNets.Reg.L2);
        double[] before = TestNets.snapshot(net);
        Dl4jInfluenceModel model = Dl4jInfluenceModel.of(net);
        DataSet good = data(5);
        assertThatThrownBy(() -> model.objective(new DataSet(good.getFeatures(), Nd4j.zeros(DataType.DOUBLE, 5, 4))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("labels")
                .hasMessageContaining("3 outputs");
        assertThatThrownBy(() -> model.hessian(new DataSet(Nd4j.zeros(DataType.DOUBLE, 5, 7), good.getLabels())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("features")
                .hasMessageContaining("[n, 4]");
        assertThatThrownBy(() -> model.objective(new DataSet(Nd4j.zeros(DataType.DOUBLE, 0, 4),
                Nd4j.zeros(DataType.DOUBLE, 0, 3)))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty");
        INDArray nan = good.getFeatures().dup();
        nan.putScalar(2, 1, Double.NaN);
        assertThatThrownBy(() -> model.meanLossGradient(new DataSet(nan, good.getLabels())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN");
        assertThatThrownBy(() -> model.objective(new DataSet(good.getFeatures().castTo(DataType.INT),
                good.getLabels()))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("INT");
        INDArray soft = good.getLabels().mul(2);
        assertThatThrownBy(() -> model.hessian(new DataSet(good.getFeatures(), soft)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sum to 1");
        assertThatThrownBy(() -> model.perExampleGradientDots(good, Nd4j.zeros(DataType.DOUBLE, 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("v");

        MultiLayerNetwork broken = smallMlp(TestNets.Reg.NONE);
        INDArray p = broken.params();
        p.putScalar(30, Double.POSITIVE_INFINITY); // on our own network object
        assertThatThrownBy(() -> Dl4jInfluenceModel.of(broken)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Infinity").hasMessageContaining("layer 1");

        MultiLayerNetwork half = TestNets.mlp(1, DataType.HALF, 2, new int[] {}, 2, Activation.TANH,
                Activation.SOFTMAX, LossFunction.MCXENT, TestNets.Reg.NONE, 0);
        assertThatThrownBy(() -> Dl4jInfluenceModel.of(half)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("HALF");

        MultiLayerNetwork uninit = new MultiLayerNetwork(net.getLayerWiseConfigurations().clone());
        assertThatThrownBy(() -> Dl4jInfluenceModel.of(uninit)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("init()");
        assertThat(TestNets.snapshot(net)).isEqualTo(before);
    }

    @Test
    void userNetwork_isNeverTouched_byAnyOperation_evenWhenOneFailsMidway() {
        MultiLayerNetwork net = smallMlp(TestNets.Reg.L2);
        var listeners = new ArrayList<>(net.getListeners());
        double[] before = TestNets.snapshot(net);
        DataSet d = data(10);
        for (HvpMode mode : new HvpMode[] {HvpMode.EXACT, HvpMode.GAUSS_NEWTON, HvpMode.FINITE_DIFFERENCE}) {
            Dl4jInfluenceModel m = Dl4jInfluenceModel.builder(net).hvpMode(mode).build();
            INDArray v = Nd4j.ones(DataType.DOUBLE, m.numParameters());
            m.objective(d);
            m.objectiveGradient(d);
            m.losses(d);
            m.hessian(d).apply(v);
            m.perExampleGradientDots(d, v);
            m.perExampleGradients(d);
            m.miniBatchHessian(d, 3).sampleBatch(new SplittableRandom(1)).apply(v);
            assertThat(TestNets.snapshot(net)).isEqualTo(before);
            assertThat(m.parameters().toDoubleVector()).isEqualTo(before);
            // a failure in the middle of a finite-difference product leaves the network as it was
            HessianVectorProduct fd = m.hessian(d, HvpMode.FINITE_DIFFERENCE);
            INDArray bad = v.dup();
            bad.putScalar(0, Double.NaN);
            assertThatThrownBy(() -> fd.apply(bad)).isInstanceOf(IllegalArgumentException.class);
            assertThat(m.parameters().toDoubleVector()).isEqualTo(before);
        }
        assertThat(net.getInput()).isNull();
        assertThat(net.getLabels()).isNull();
        assertThat(net.getListeners()).isEqualTo(listeners);
        assertThat(net.params().dataType()).isEqualTo(DataType.DOUBLE);
        assertThat(TestNets.snapshot(net)).isEqualTo(before);
    }

    private static int[] indices(long[] ranges) {
        List<Integer> out = new ArrayList<>();
        for (int r = 0; r < ranges.length; r += 2) {
            for (long i = ranges[r]; i < ranges[r + 1]; i++) {
                out.add((int) i);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static INDArray pick(INDArray v, int[] idx) {
        INDArray out = Nd4j.create(DataType.DOUBLE, idx.length);
        for (int i = 0; i < idx.length; i++) {
            out.putScalar(i, v.getDouble(idx[i]));
        }
        return out;
    }

    @SuppressWarnings("unused")
    private static INDArray rowsOf(INDArray a, long from, long to) {
        return a.get(NDArrayIndex.interval(from, to));
    }
}
