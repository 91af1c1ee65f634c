package org.influence4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.function.Supplier;

import org.deeplearning4j.nn.api.NeuralNetwork;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.influence4j.InfluenceEstimator;
import org.influence4j.solver.IHVPSolver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Transfer learning: a frozen feature extractor with a trainable head. The frozen layers' parameters are constants of
 * the objective, left out of the analysed parameters by default, and kept fixed by every training protocol; the
 * scores equal those of the head alone on the frozen part's outputs (the oracle: a separate head-only network fed
 * the activations DL4J computes for the frozen part). A {@code NoOp} updater does not freeze a layer in DL4J, so such a
 * layer is analysed.
 */
class FrozenLayerTest {

    /** Scores of the full network and of the head-only oracle: the same exact solve, summed in another order. */
    private static final double SCORES_VS_HEAD = 1e-10;

    private static NeuralNetConfiguration.Builder conf(IUpdater updater) {
        return new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.DOUBLE).updater(updater)
                .weightInit(WeightInit.XAVIER).l2(1e-3);
    }

    private static DenseLayer hidden(int nIn, int nOut) {
        return new DenseLayer.Builder().nIn(nIn).nOut(nOut).activation(Activation.TANH).build();
    }

    private static OutputLayer output(int nIn) {
        return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(nIn).nOut(3)
                .activation(Activation.SOFTMAX).build();
    }

    /**
     * One transfer-learning network.
     *
     * @param name    what it covers
     * @param network builds the network, trained a little (frozen part first, then the head)
     * @param data    its training data
     * @param head    the head alone (untrained; its parameters are copied from the network)
     * @param offset  flat offset of the head's parameters in the network
     */
    record Case(String name, Supplier<NeuralNetwork> network, Supplier<DataSet> data, Supplier<MultiLayerNetwork> head,
                long offset) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static MultiLayerNetwork mln(MultiLayerConfiguration c, DataSet train, int steps) {
        MultiLayerNetwork net = new MultiLayerNetwork(c);
        net.init();
        for (int i = 0; i < steps; i++) {
            net.fit(train);
        }
        return net;
    }

    private static MultiLayerNetwork headOf(org.deeplearning4j.nn.conf.layers.Layer... layers) {
        var list = conf(new Sgd(0.1)).list();
        for (var l : layers) {
            list.layer(l);
        }
        return mln(list.build(), null, 0);
    }

    /** 36 random 1×6×6 images with one-hot labels of 3 classes. */
    private static DataSet images() {
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 36, 1, 6, 6);
        return new DataSet(x, TestNets.random(8, 36, 1, 3, LossFunctions.LossFunction.MCXENT).getLabels());
    }

    static List<Case> cases() {
        return List.of(
                new Case("MLP, FrozenLayer 4-6 > head 6-3", () -> mln(conf(new Sgd(0.1)).list()
                        .layer(new FrozenLayer(hidden(4, 6))).layer(output(6)).build(), TestNets.iris(), 200),
                        TestNets::iris, () -> headOf(output(6)), 30),
                new Case("MLP, FrozenLayerWithBackprop 4-6-5 > head 5-4-3", () -> mln(conf(new Sgd(0.1)).list()
                        .layer(new FrozenLayerWithBackprop(hidden(4, 6)))
                        .layer(new FrozenLayerWithBackprop(hidden(6, 5)))
                        .layer(hidden(5, 4)).layer(output(4)).build(), TestNets.iris(), 200),
                        TestNets::iris, () -> headOf(hidden(5, 4), output(4)), 30 + 35),
                new Case("CNN, FrozenLayerWithBackprop conv3x3 > maxpool > head dense 8-5 > 3", () -> mln(
                        conf(new Sgd(0.1)).list()
                                .layer(new FrozenLayerWithBackprop(new ConvolutionLayer.Builder(3, 3).nOut(2)
                                        .activation(Activation.TANH).build()))
                                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2)
                                        .stride(2, 2).build())
                                .layer(new DenseLayer.Builder().nOut(5).activation(Activation.TANH).build())
                                .layer(output(5)).setInputType(InputType.convolutional(6, 6, 1)).build(), images(), 20),
                        FrozenLayerTest::images, () -> headOf(hidden(8, 5), output(5)), 20),
                new Case("ComputationGraph, FrozenLayerWithBackprop 4-6 > head 6-3", () -> {
                    ComputationGraph g = new ComputationGraph(conf(new Sgd(0.1)).graphBuilder().addInputs("in")
                            .addLayer("frozen", new FrozenLayerWithBackprop(hidden(4, 6)), "in")
                            .addLayer("out", output(6), "frozen").setOutputs("out").build());
                    g.init();
                    for (int i = 0; i < 200; i++) {
                        g.fit(TestNets.iris());
                    }
                    return g;
                }, TestNets::iris, () -> headOf(output(6)), 30));
    }

    /** The frozen part's output for {@code x}, as DL4J computes it, flattened as DL4J feeds it to a dense layer. */
    private static INDArray frozenFeatures(NeuralNetwork net, INDArray x) {
        INDArray a;
        if (net instanceof MultiLayerNetwork m) {
            int first = 0;
            while (FrozenLayers.isFrozen(m.getLayerWiseConfigurations().getConf(first).getLayer(), m.getLayer(first))
                    || m.getLayer(first).numParams() == 0) {
                first++;
            }
            a = m.feedForwardToLayer(first - 1, x, false).get(first);
        } else {
            a = ((ComputationGraph) net).feedForward(x, false).get("frozen");
        }
        return a.rank() == 2 ? a.dup() : a.dup('c').reshape('c', a.size(0), a.length() / a.size(0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void frozenFeatureExtractor_isAConstantOfTheObjective_scoresEqualTheHeadAlone(Case c) {
        NeuralNetwork net = c.network().get();
        DataSet train = c.data().get();
        double[] before = TestNets.snapshot((org.deeplearning4j.nn.api.Model) net);
        MultiLayerNetwork head = c.head().get();
        long p = net.params().length();
        head.setParams(net.params().reshape(p).get(NDArrayIndex.interval(c.offset(), p)).dup()
                .reshape(1, p - c.offset()));
        Dl4jInfluenceModel model = Dl4jInfluenceModel.builder(net).build();
        assertThat(model.numParameters()).isEqualTo(head.numParams()).isEqualTo(p - c.offset());
        assertThat(model.describe()).contains("p=" + head.numParams() + " of " + p);

        INDArray features = frozenFeatures(net, train.getFeatures());
        DataSet headTrain = new DataSet(features, train.getLabels());
        DataSet test = train.get(new int[] {17, 3});
        DataSet headTest = new DataSet(features.getRows(17, 3), test.getLabels());
        // the oracle's own check: the head on the frozen features reproduces the network's outputs
        assertThat(TestNets.rel(head.output(features), net instanceof MultiLayerNetwork m
                ? m.output(train.getFeatures()) : ((ComputationGraph) net).outputSingle(train.getFeatures())))
                .isLessThan(1e-14);

        double[] full = InfluenceEstimator.forModel(net).withTrainingData(train).withDamping(0.01)
                .withSolver(IHVPSolver.exact()).influenceOn(test).toDoubleArray();
        double[] oracle = InfluenceEstimator.forModel(head).withTrainingData(headTrain).withDamping(0.01)
                .withSolver(IHVPSolver.exact()).influenceOn(headTest).toDoubleArray();
        double scale = java.util.Arrays.stream(oracle).map(Math::abs).max().orElse(1);
        for (int i = 0; i < full.length; i++) {
            assertThat(Math.abs(full[i] - oracle[i])).as("score %d", i).isLessThanOrEqualTo(SCORES_VS_HEAD * scale);
        }
        assertThat(TestNets.snapshot((org.deeplearning4j.nn.api.Model) net)).containsExactly(before);
    }

    @Test
    void namingAFrozenLayer_isAnErrorWithTheRemedy() {
        MultiLayerNetwork net = mln(conf(new Sgd(0.1)).list().layer(new FrozenLayer(hidden(4, 6))).layer(output(6))
                .build(), TestNets.iris(), 0);
        assertThatThrownBy(() -> Dl4jInfluenceModel.builder(net).parameters(ParameterSubset.layers("0")).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("layer 0")
                .hasMessageContaining("is frozen").hasMessageContaining("ParameterSubset");
    }

    // ------------------------------------------------------------------------------------------------ training

    /** FrozenLayer, FrozenLayerWithBackprop, then a trainable hidden layer and the output; l2 on every layer. */
    private static MultiLayerNetwork frozenTwice(IUpdater updater) {
        return mln(conf(updater).l2(1e-2).list().layer(new FrozenLayer(hidden(4, 6)))
                .layer(new FrozenLayerWithBackprop(hidden(6, 6))).layer(hidden(6, 5)).layer(output(5)).build(),
                TestNets.iris(), 0);
    }

    private static double[] frozenPart(org.deeplearning4j.nn.api.Model net, int end) {
        return java.util.Arrays.copyOf(TestNets.snapshot(net), end);
    }

    @Test
    void frozenLayers_stayBitwiseFixed_underEveryProtocol_andLbfgsConverges() {
        DataSet train = TestNets.iris();
        int frozenEnd = 30 + 42;
        for (TrainingProtocol protocol : List.of(TrainingProtocol.lbfgs().withIterations(400, 400),
                TrainingProtocol.ownUpdater(20), TrainingProtocol.adam().withIterations(20, 20))) {
            MultiLayerNetwork net = frozenTwice(protocol.updater());
            double[] frozen = frozenPart(net, frozenEnd);
            double[] all = TestNets.snapshot(net);
            TrainingProtocol.Outcome o = Dl4jTraining.trainInPlace(net, train, protocol.withTolerance(1e-7));
            assertThat(frozenPart(net, frozenEnd)).as(protocol.kind().toString()).containsExactly(frozen);
            assertThat(TestNets.snapshot(net)).as("the head trained").isNotEqualTo(all);
            // the objective's gradient is the adapter's: the frozen layers' regulariser is not part of R
            assertThat(o.gradientNorm()).isCloseTo(Dl4jRetrainer.objectiveGradientNorm(net, train),
                    org.assertj.core.data.Offset.offset(1e-12));
            if (protocol.kind() == TrainingProtocol.Kind.LBFGS) {
                assertThat(o.converged()).as(o.toString()).isTrue();
            }
        }
        // ComputationGraph, the network's own updater (DL4J's fit)
        ComputationGraph g = new ComputationGraph(conf(new Adam(0.05)).l2(1e-2).graphBuilder().addInputs("in")
                .addLayer("frozen", new FrozenLayerWithBackprop(hidden(4, 6)), "in")
                .addLayer("out", output(6), "frozen").setOutputs("out").build());
        g.init();
        double[] frozen = frozenPart(g, 30);
        Dl4jTraining.trainInPlace(g, train, TrainingProtocol.ownUpdater(20));
        assertThat(frozenPart(g, 30)).containsExactly(frozen);
    }

    @Test
    void retrainer_keepsFrozenLayersFixed() {
        DataSet train = TestNets.iris();
        MultiLayerNetwork net = frozenTwice(new Adam(0.05));
        Dl4jTraining.trainInPlace(net, train, TrainingProtocol.ownUpdater(30));
        Dl4jRetrainer r = Dl4jRetrainer.builder(net, train).protocol(TrainingProtocol.ownUpdater(20)).build();
        // retrained without example 5: the frozen layers' parameters are the same, so the distance comes from the head
        MultiLayerNetwork copy = net.clone();
        Dl4jTraining.trainInPlace(copy, org.influence4j.model.DataSets.without(train, new int[] {5}),
                TrainingProtocol.ownUpdater(20));
        MultiLayerNetwork base = net.clone();
        Dl4jTraining.trainInPlace(base, train, TrainingProtocol.ownUpdater(20));
        assertThat(r.parameterDistance(new int[] {5})).isCloseTo(copy.params().distance2(base.params()),
                org.assertj.core.data.Offset.offset(1e-12));
        assertThat(frozenPart(copy, 72)).containsExactly(frozenPart(net, 72));
    }

    // ------------------------------------------------------------------------------------------------ NoOp

    @Test
    void noOpUpdater_doesNotFreezeALayerInDl4j_soItIsAnalysed() {
        DataSet train = TestNets.iris();
        MultiLayerNetwork net = mln(conf(new Adam(0.05)).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(6).activation(Activation.TANH).updater(new NoOp()).build())
                .layer(output(6)).build(), train, 0);
        double[] before = frozenPart(net, 30);
        net.fit(train);
        // DL4J 1.0.0-M2.1 subtracts the raw gradient of a NoOp layer (NoOpUpdater "makes no changes to the
        // gradient"): the layer is trained with learning rate 1. If a later DL4J freezes it, revisit FrozenLayers.
        assertThat(frozenPart(net, 30)).isNotEqualTo(before);
        assertThat(Dl4jInfluenceModel.of(net).numParameters()).isEqualTo(net.numParams());
        ComputationGraph g = new ComputationGraph(conf(new Adam(0.05)).graphBuilder().addInputs("in")
                .addLayer("noop", new DenseLayer.Builder().nIn(4).nOut(6).activation(Activation.TANH)
                        .updater(new NoOp()).build(), "in")
                .addLayer("out", output(6), "noop").setOutputs("out").build());
        g.init();
        assertThat(Dl4jInfluenceModel.of(g).numParameters()).isEqualTo(g.numParams());
    }
}
