package org.influence4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.influence4j.InfluenceEstimator;
import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.validation.Measurement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * The misuse suite of influence-dl4j: every public entry point ({@link Dl4jInfluenceModel}'s factories, builder
 * options and {@code InfluenceModel} methods, {@link Dl4jRetrainer}'s builder and calls, {@link Dl4jSubsetTrainer}'s
 * builder and {@code measure}, {@link Dl4jTraining#trainInPlace}, {@link TrainingProtocol}, {@link TrainingObjective},
 * {@link ParameterSubset}) ×
 * each bad-input class that applies (null, NaN, ±Inf, empty, wrong width, out of range, wrong data type, unsupported
 * network or layer). Each case asserts the exception type, that the message names the argument and the value, and
 * that nothing the caller passed in changed: every data array bitwise, and every fixture network's parameters,
 * updater state and configuration JSON.
 */
class MisuseSuiteTest {

    /** The bad-input classes of the suite. */
    enum Bad { NULL, NAN, INFINITE, EMPTY, WRONG_WIDTH, OUT_OF_RANGE, WRONG_DTYPE, UNSUPPORTED }

    record Case(String entry, Bad bad, String what, ThrowingCallable call, Class<? extends Throwable> type,
                List<String> fragments) {
        @Override
        public String toString() {
            return entry + " [" + bad + "] " + what;
        }
    }

    // ------------------------------------------------------------------------------------------------ fixtures

    static final MultiLayerNetwork NET = TestNets.irisMlp(DataType.DOUBLE, 20);
    static final MultiLayerNetwork FLOAT_NET = TestNets.irisMlp(DataType.FLOAT, 0);
    static final MultiLayerNetwork SGD_NET = sgdNet();
    static final ComputationGraph GRAPH = graph();
    static final ComputationGraph TWO_OUTPUTS = twoOutputs();
    static final MultiLayerNetwork UNINITIALISED = new MultiLayerNetwork(NET.getLayerWiseConfigurations().clone());
    static final MultiLayerNetwork HALF_NET = TestNets.mlp(1, DataType.HALF, 4, new int[] {}, 3, Activation.TANH,
            Activation.SOFTMAX, LossFunction.MCXENT, TestNets.Reg.NONE, 0);
    static final MultiLayerNetwork NAN_PARAMS = withParam(NET, 7, Double.NaN);
    static final MultiLayerNetwork INF_PARAMS = withParam(NET, 30, Double.NEGATIVE_INFINITY);
    static final MultiLayerNetwork RECURRENT = init(TestNets.sgd(3).list()
            .layer(new LSTM.Builder().nIn(4).nOut(3).activation(Activation.TANH).build())
            .layer(new RnnOutputLayer.Builder(LossFunction.MCXENT).nIn(3).nOut(3).activation(Activation.SOFTMAX)
                    .build()));
    static final MultiLayerNetwork BATCH_NORM = init(TestNets.sgd(4).list()
            .layer(new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build())
            .layer(new BatchNormalization.Builder().nOut(5).build())
            .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(5).nOut(3).activation(Activation.SOFTMAX)
                    .build()));
    static final MultiLayerNetwork ALL_FROZEN = init(TestNets.sgd(5).list()
            .layer(new FrozenLayer(new DenseLayer.Builder().nIn(4).nOut(3).activation(Activation.TANH).build()))
            .layer(new FrozenLayerWithBackprop(new OutputLayer.Builder(LossFunction.MCXENT).nIn(3).nOut(3)
                    .activation(Activation.SOFTMAX).build())));
    static final MultiLayerNetwork L1_NET = init(TestNets.sgd(6).l1(1e-3).list()
            .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(4).nOut(3).activation(Activation.SOFTMAX)
                    .build()));
    static final MultiLayerNetwork SOFTSIGN = init(TestNets.sgd(7).list()
            .layer(new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.SOFTSIGN).build())
            .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(5).nOut(3).activation(Activation.SOFTMAX)
                    .build()));
    static final MultiLayerNetwork MSE_NET = TestNets.mlp(8, DataType.DOUBLE, 4, new int[] {5}, 3, Activation.TANH,
            Activation.IDENTITY, LossFunction.MSE, TestNets.Reg.NONE, 0);
    static final List<Model> NETWORKS = List.of(NET, FLOAT_NET, SGD_NET, GRAPH, TWO_OUTPUTS, HALF_NET, NAN_PARAMS,
            INF_PARAMS, RECURRENT, BATCH_NORM, ALL_FROZEN, L1_NET, SOFTSIGN, MSE_NET);

    static final DataSet TRAIN = TestNets.iris();
    static final Dl4jInfluenceModel MODEL = Dl4jInfluenceModel.of(NET);
    static final int P = (int) MODEL.numParameters();
    static final HessianVectorProduct H = MODEL.hessian(TRAIN);
    static final Dl4jRetrainer RETRAINER = Dl4jRetrainer.builder(NET, TRAIN).build();
    static final DataSet POINT = TRAIN.get(0);
    static final Dl4jSubsetTrainer SUBSET_TRAINER = Dl4jSubsetTrainer.builder(NET, TRAIN)
            .protocol(TrainingProtocol.minibatch(1, 50)).build();
    static final Dl4jSubsetTrainer MSE_SUBSET_TRAINER = Dl4jSubsetTrainer.builder(MSE_NET, TRAIN)
            .protocol(TrainingProtocol.minibatch(1, 50)).build();

    static final DataSet EMPTY = new DataSet(Nd4j.create(DataType.DOUBLE, 0, 4), Nd4j.create(DataType.DOUBLE, 0, 3));
    static final DataSet WIDE = new DataSet(Nd4j.zeros(DataType.DOUBLE, 1, 5), POINT.getLabels().dup());
    static final DataSet LABELS_2 = new DataSet(POINT.getFeatures().dup(), Nd4j.createFromArray(new double[][] {{1, 0}}));
    static final DataSet NOT_DISTRIBUTION = new DataSet(POINT.getFeatures().dup(),
            Nd4j.createFromArray(new double[][] {{1.5, -0.5, 0}}));
    static final DataSet SOFT_LABELS = new DataSet(POINT.getFeatures().dup(),
            Nd4j.createFromArray(new double[][] {{0.5, 0.5, 0}}));
    static final DataSet X_NAN = withFeature(Double.NaN);
    static final DataSet X_POS_INF = withFeature(Double.POSITIVE_INFINITY);
    static final DataSet X_NEG_INF = withFeature(Double.NEGATIVE_INFINITY);
    static final DataSet X_INT = new DataSet(Nd4j.ones(DataType.INT32, 1, 4), POINT.getLabels().dup());
    static final DataSet TRAIN_LABELS_2 = new DataSet(TRAIN.getFeatures().dup(),
            Nd4j.zeros(DataType.DOUBLE, TRAIN.numExamples(), 2));
    static final DataSet TRAIN_NAN = new DataSet(withEntry(TRAIN.getFeatures(), 40, 2, Double.NaN),
            TRAIN.getLabels().dup());
    static final INDArray NAN_V = withEntry(Nd4j.zeros(DataType.DOUBLE, 1, P), 0, 3, Double.NaN).reshape(P);
    static final INDArray INF_V = withEntry(Nd4j.zeros(DataType.DOUBLE, 1, P), 0, 2, Double.POSITIVE_INFINITY)
            .reshape(P);
    static final INDArray LONG_V = Nd4j.zeros(DataType.DOUBLE, P + 1);
    static final INDArray INT_V = Nd4j.zeros(DataType.INT32, P);

    static MultiLayerNetwork init(NeuralNetConfiguration.ListBuilder list) {
        MultiLayerNetwork net = new MultiLayerNetwork(list.build());
        net.init();
        return net;
    }

    static MultiLayerNetwork sgdNet() {
        return init(TestNets.sgd(2).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(5).nOut(3).activation(Activation.SOFTMAX)
                        .build()));
    }

    static ComputationGraph graph() {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.DOUBLE)
                .updater(new Adam(0.01)).weightInit(WeightInit.XAVIER).graphBuilder().addInputs("in")
                .addLayer("h", new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunction.MCXENT).nIn(5).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "h")
                .setOutputs("out").build());
        g.init();
        return g;
    }

    static ComputationGraph twoOutputs() {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .graphBuilder().addInputs("in")
                .addLayer("a", new OutputLayer.Builder(LossFunction.MSE).nIn(4).nOut(1).activation(Activation.IDENTITY)
                        .build(), "in")
                .addLayer("b", new OutputLayer.Builder(LossFunction.MSE).nIn(4).nOut(1).activation(Activation.IDENTITY)
                        .build(), "in")
                .setOutputs("a", "b").build());
        g.init();
        return g;
    }

    static MultiLayerNetwork withParam(MultiLayerNetwork net, int i, double value) {
        MultiLayerNetwork c = net.clone();
        c.params().putScalar(i, value);
        return c;
    }

    static INDArray withEntry(INDArray a, int r, int c, double value) {
        INDArray d = a.dup();
        d.putScalar(r, c, value);
        return d;
    }

    static DataSet withFeature(double value) {
        INDArray x = POINT.getFeatures().dup();
        x.putScalar(0, 1, value);
        return new DataSet(x, POINT.getLabels().dup());
    }

    /** Everything a case could change: data arrays bitwise; networks' parameters, updater state and JSON. */
    static List<Object> state() {
        List<Object> s = new ArrayList<>();
        for (DataSet d : List.of(TRAIN, POINT, EMPTY, WIDE, LABELS_2, NOT_DISTRIBUTION, SOFT_LABELS, X_NAN, X_POS_INF,
                X_NEG_INF, X_INT, TRAIN_LABELS_2, TRAIN_NAN)) {
            s.add(bits(d.getFeatures()));
            s.add(bits(d.getLabels()));
        }
        for (INDArray v : List.of(NAN_V, INF_V, LONG_V, INT_V)) {
            s.add(bits(v));
        }
        for (Model m : NETWORKS) {
            s.add(m.params() == null ? null : bits(m.params()));
            INDArray updater = m instanceof MultiLayerNetwork mln ? mln.getUpdater(false) == null ? null
                    : mln.getUpdater(false).getStateViewArray()
                    : ((ComputationGraph) m).getUpdater(false) == null ? null
                    : ((ComputationGraph) m).getUpdater(false).getStateViewArray();
            s.add(updater == null ? null : bits(updater));
            s.add(m instanceof MultiLayerNetwork mln ? mln.getLayerWiseConfigurations().toJson()
                    : ((ComputationGraph) m).getConfiguration().toJson());
            s.add(m instanceof MultiLayerNetwork mln ? mln.getIterationCount()
                    : ((ComputationGraph) m).getIterationCount());
        }
        return s;
    }

    static long[] bits(INDArray a) {
        double[] v = a.data().asDouble();
        long[] b = new long[v.length + a.rank() + 1];
        for (int i = 0; i < v.length; i++) {
            b[i] = Double.doubleToRawLongBits(v[i]);
        }
        System.arraycopy(a.shape(), 0, b, v.length, a.rank());
        b[b.length - 1] = a.dataType().ordinal();
        return b;
    }

    // ------------------------------------------------------------------------------------------------ the table

    static final Class<IllegalArgumentException> IAE = IllegalArgumentException.class;
    static final Class<NullPointerException> NPE = NullPointerException.class;

    static Case c(String entry, Bad bad, String what, ThrowingCallable call, Class<? extends Throwable> type,
                  String... fragments) {
        return new Case(entry, bad, what, call, type, List.of(fragments));
    }

    /** The bad data sets for a {@code DataSet} argument named {@code name} in the message. */
    static void dataSetCases(List<Case> cs, String entry, String name, Consumer<DataSet> call) {
        cs.add(c(entry, Bad.NULL, "null", () -> call.accept(null), NPE, name));
        cs.add(c(entry, Bad.EMPTY, "0 rows", () -> call.accept(EMPTY), IAE, name, "empty"));
        cs.add(c(entry, Bad.NAN, "NaN feature", () -> call.accept(X_NAN), IAE, name + " features", "NaN",
                "flat index 1"));
        cs.add(c(entry, Bad.INFINITE, "+Inf feature", () -> call.accept(X_POS_INF), IAE, name + " features",
                "Infinity"));
        cs.add(c(entry, Bad.INFINITE, "-Inf feature", () -> call.accept(X_NEG_INF), IAE, name + " features",
                "-Infinity"));
        cs.add(c(entry, Bad.WRONG_WIDTH, "5 features", () -> call.accept(WIDE), IAE, name, "[1, 5]", "4"));
        cs.add(c(entry, Bad.WRONG_WIDTH, "2 label columns", () -> call.accept(LABELS_2), IAE, name, "[1, 2]", "3"));
        cs.add(c(entry, Bad.OUT_OF_RANGE, "label row [1.5, -0.5, 0]", () -> call.accept(NOT_DISTRIBUTION), IAE, name,
                "row 0", "-0.5"));
        cs.add(c(entry, Bad.WRONG_DTYPE, "INT features", () -> call.accept(X_INT), IAE, name, "INT"));
    }

    /** The bad vectors {@code v} of the parameter dimension. */
    static void vectorCases(List<Case> cs, String entry, Consumer<INDArray> call) {
        cs.add(c(entry, Bad.NULL, "null v", () -> call.accept(null), NPE, "v"));
        cs.add(c(entry, Bad.NAN, "NaN at 3", () -> call.accept(NAN_V), IAE, "v", "NaN", "flat index 3"));
        cs.add(c(entry, Bad.INFINITE, "+Inf at 2", () -> call.accept(INF_V), IAE, "v", "Infinity", "flat index 2"));
        cs.add(c(entry, Bad.WRONG_WIDTH, "length p+1", () -> call.accept(LONG_V), IAE, "v", "[" + (P + 1) + "]",
                String.valueOf(P)));
        cs.add(c(entry, Bad.WRONG_DTYPE, "INT", () -> call.accept(INT_V), IAE, "v", "INT"));
    }

    static Stream<Case> cases() {
        List<Case> cs = new ArrayList<>();
        adapterCases(cs);
        modelCases(cs);
        retrainerCases(cs);
        subsetTrainerCases(cs);
        trainingCases(cs);
        return cs.stream();
    }

    static void adapterCases(List<Case> cs) {
        String e = "Dl4jInfluenceModel.builder";
        cs.add(c(e, Bad.NULL, "null network", () -> Dl4jInfluenceModel.builder(null), NPE, "network"));
        cs.add(c(e, Bad.UNSUPPORTED, "a String", () -> Dl4jInfluenceModel.builder("net").build(), IAE,
                "java.lang.String", "MultiLayerNetwork or ComputationGraph"));
        cs.add(c("Dl4jInfluenceModel.of(MultiLayerNetwork)", Bad.NULL, "null", () -> Dl4jInfluenceModel.of(
                (MultiLayerNetwork) null), NPE, "network"));
        cs.add(c("Dl4jInfluenceModel.of(ComputationGraph)", Bad.NULL, "null", () -> Dl4jInfluenceModel.of(
                (ComputationGraph) null), NPE, "network"));
        e = "Dl4jInfluenceModel.of(MultiLayerNetwork)";
        cs.add(c(e, Bad.UNSUPPORTED, "not initialised", () -> Dl4jInfluenceModel.of(UNINITIALISED), IAE,
                "not been initialised", "init()"));
        cs.add(c(e, Bad.WRONG_DTYPE, "HALF parameters", () -> Dl4jInfluenceModel.of(HALF_NET), IAE, "HALF",
                "DOUBLE"));
        cs.add(c(e, Bad.NAN, "a NaN parameter", () -> Dl4jInfluenceModel.of(NAN_PARAMS), IAE, "NaN",
                "flat index 7", "layer 0"));
        cs.add(c(e, Bad.INFINITE, "a -Inf parameter", () -> Dl4jInfluenceModel.of(INF_PARAMS), IAE, "-Infinity",
                "flat index 30", "layer 1"));
        cs.add(c(e, Bad.UNSUPPORTED, "a recurrent layer", () -> Dl4jInfluenceModel.of(RECURRENT), IAE, "layer 0",
                "LSTM", "recurrent"));
        cs.add(c(e, Bad.UNSUPPORTED, "BatchNormalization analysed", () -> Dl4jInfluenceModel.of(BATCH_NORM), IAE,
                "layer 1", "BatchNormalization"));
        cs.add(c(e, Bad.UNSUPPORTED, "every layer frozen", () -> Dl4jInfluenceModel.of(ALL_FROZEN), IAE,
                "every layer with parameters is frozen"));
        cs.add(c(e, Bad.UNSUPPORTED, "an l1 regulariser", () -> Dl4jInfluenceModel.of(L1_NET), IAE, "layer 0",
                "not quadratic", "l1"));
        cs.add(c("Dl4jInfluenceModel.of(ComputationGraph)", Bad.UNSUPPORTED, "two outputs",
                () -> Dl4jInfluenceModel.of(TWO_OUTPUTS), IAE, "2 outputs", "[a, b]"));
        e = "Dl4jInfluenceModel.Builder.hvpMode";
        cs.add(c(e, Bad.NULL, "null", () -> Dl4jInfluenceModel.builder(NET).hvpMode(null), NPE, "mode"));
        cs.add(c(e, Bad.UNSUPPORTED, "EXACT with a softsign layer", () -> Dl4jInfluenceModel.builder(SOFTSIGN)
                .hvpMode(HvpMode.EXACT).build(), IAE, "hvpMode EXACT", "not available"));
        cs.add(c(e, Bad.UNSUPPORTED, "GAUSS_NEWTON with a softsign layer", () -> Dl4jInfluenceModel.builder(SOFTSIGN)
                .hvpMode(HvpMode.GAUSS_NEWTON).build(), IAE, "hvpMode GAUSS_NEWTON", "not available"));
        e = "Dl4jInfluenceModel.Builder.parameters";
        cs.add(c(e, Bad.NULL, "null", () -> Dl4jInfluenceModel.builder(NET).parameters(null), NPE, "subset"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "unknown layer 7", () -> Dl4jInfluenceModel.builder(NET)
                .parameters(ParameterSubset.layers("7")).build(), IAE, "unknown layer \"7\"", "0 \"layer0\""));
        cs.add(c(e, Bad.OUT_OF_RANGE, "unknown layer name", () -> Dl4jInfluenceModel.builder(GRAPH)
                .parameters(ParameterSubset.layers("dense")).build(), IAE, "unknown layer \"dense\"", "\"h\""));
        cs.add(c(e, Bad.UNSUPPORTED, "a layer without parameters", () -> Dl4jInfluenceModel.builder(BATCH_NORM)
                .parameters(ParameterSubset.layers("0", "1")).build(), IAE, "layer 1", "BatchNormalization"));
        cs.add(c(e, Bad.UNSUPPORTED, "a frozen layer", () -> Dl4jInfluenceModel.builder(ALL_FROZEN)
                .parameters(ParameterSubset.layers("0")).build(), IAE, "layer 0", "is frozen"));
        e = "Dl4jInfluenceModel.Builder.finiteDifferenceStep";
        cs.add(c(e, Bad.OUT_OF_RANGE, "0", () -> Dl4jInfluenceModel.builder(NET).finiteDifferenceStep(0), IAE,
                "finiteDifferenceStep (0.0)"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "-1e-5", () -> Dl4jInfluenceModel.builder(NET).finiteDifferenceStep(-1e-5), IAE,
                "finiteDifferenceStep (-1.0E-5)"));
        cs.add(c(e, Bad.NAN, "NaN", () -> Dl4jInfluenceModel.builder(NET).finiteDifferenceStep(Double.NaN), IAE,
                "finiteDifferenceStep (NaN)"));
        cs.add(c(e, Bad.INFINITE, "+Inf", () -> Dl4jInfluenceModel.builder(NET)
                .finiteDifferenceStep(Double.POSITIVE_INFINITY), IAE, "finiteDifferenceStep (Infinity)"));
        cs.add(c("Dl4jInfluenceModel.Builder.progressListener", Bad.NULL, "null", () -> Dl4jInfluenceModel
                .builder(NET).progressListener(null), NPE, "listener"));
        cs.add(c("Dl4jInfluenceModel.Builder.cacheBudget", Bad.OUT_OF_RANGE, "-1", () -> Dl4jInfluenceModel
                .builder(NET).cacheBudget(-1), IAE, "cacheBudget (-1 bytes)"));
        e = "ParameterSubset.layers";
        cs.add(c(e, Bad.NULL, "null array", () -> ParameterSubset.layers((String[]) null), NPE, "layers"));
        cs.add(c(e, Bad.EMPTY, "no layers", ParameterSubset::layers, IAE, "layers is empty"));
        cs.add(c(e, Bad.EMPTY, "a blank name", () -> ParameterSubset.layers("0", " "), IAE, "blank", "[0,  ]"));
        cs.add(c(e, Bad.NULL, "a null name", () -> ParameterSubset.layers("0", null), IAE, "blank", "[0, null]"));
        e = "InfluenceEstimator.forModel(network)";
        cs.add(c(e, Bad.UNSUPPORTED, "a recurrent network through the adapter",
                () -> InfluenceEstimator.forModel((Object) RECURRENT), IAE, "recurrent"));
        cs.add(c(e, Bad.UNSUPPORTED, "an uninitialised network through the adapter",
                () -> InfluenceEstimator.forModel((Object) UNINITIALISED), IAE, "init()"));
    }

    static void modelCases(List<Case> cs) {
        dataSetCases(cs, "Dl4jInfluenceModel.objective", "data", MODEL::objective);
        dataSetCases(cs, "Dl4jInfluenceModel.objectiveGradient", "data", MODEL::objectiveGradient);
        dataSetCases(cs, "Dl4jInfluenceModel.losses", "data", MODEL::losses);
        dataSetCases(cs, "Dl4jInfluenceModel.meanLossGradient", "data", MODEL::meanLossGradient);
        dataSetCases(cs, "Dl4jInfluenceModel.perExampleGradients", "data", MODEL::perExampleGradients);
        dataSetCases(cs, "Dl4jInfluenceModel.hessian", "data", MODEL::hessian);
        dataSetCases(cs, "Dl4jInfluenceModel.hessian(data, GAUSS_NEWTON)", "data",
                d -> MODEL.hessian(d, HvpMode.GAUSS_NEWTON));
        dataSetCases(cs, "Dl4jInfluenceModel.layerStatistics", "data", MODEL::layerStatistics);
        dataSetCases(cs, "Dl4jInfluenceModel.perExampleGradientDots", "data",
                d -> MODEL.perExampleGradientDots(d, Nd4j.zeros(DataType.DOUBLE, P)));
        vectorCases(cs, "Dl4jInfluenceModel.perExampleGradientDots", v -> MODEL.perExampleGradientDots(TRAIN, v));
        vectorCases(cs, "Dl4jInfluenceModel.hessian(data).apply", H::apply);
        cs.add(c("Dl4jInfluenceModel.hessian(data, mode)", Bad.NULL, "null mode", () -> MODEL.hessian(TRAIN, null),
                NPE, "mode"));
        cs.add(c("Dl4jInfluenceModel.hessian(data, mode)", Bad.UNSUPPORTED, "EXACT on a softsign layer",
                () -> Dl4jInfluenceModel.of(SOFTSIGN).hessian(TRAIN, HvpMode.EXACT), IAE, "EXACT", "softsign"));
        cs.add(c("Dl4jInfluenceModel.miniBatchHessian", Bad.OUT_OF_RANGE, "batch size 0",
                () -> MODEL.miniBatchHessian(TRAIN, 0), IAE, "batchSize (0)"));
        cs.add(c("InfluenceEstimator.influenceOn(network)", Bad.WRONG_WIDTH, "5 features",
                () -> InfluenceEstimator.forModel(NET).withTrainingData(TRAIN).influenceOn(WIDE), IAE, "testPoint",
                "[1, 5]", "4"));
        cs.add(c("InfluenceEstimator.withTrainingData(network)", Bad.WRONG_WIDTH, "2 label columns",
                () -> InfluenceEstimator.forModel(NET).withTrainingData(TRAIN_LABELS_2), IAE, "training data",
                "[1, 2]", "3"));
    }

    static void retrainerCases(List<Case> cs) {
        String e = "Dl4jRetrainer.builder";
        cs.add(c(e, Bad.NULL, "null network", () -> Dl4jRetrainer.builder(null, TRAIN), NPE, "network"));
        cs.add(c(e, Bad.NULL, "null train", () -> Dl4jRetrainer.builder(NET, null), NPE, "train"));
        cs.add(c(e, Bad.EMPTY, "empty train", () -> Dl4jRetrainer.builder(NET, EMPTY), IAE, "train", "empty"));
        cs.add(c(e, Bad.NAN, "NaN in train", () -> Dl4jRetrainer.builder(NET, TRAIN_NAN), IAE, "train features",
                "NaN", "flat index 162"));
        cs.add(c(e, Bad.WRONG_DTYPE, "INT train features", () -> Dl4jRetrainer.builder(NET, X_INT), IAE, "train",
                "INT"));
        e = "Dl4jRetrainer.Builder.build";
        cs.add(c(e, Bad.WRONG_WIDTH, "2 label columns", () -> Dl4jRetrainer.builder(NET, TRAIN_LABELS_2).build(), IAE,
                "train labels have 2 columns", "3 outputs"));
        cs.add(c(e, Bad.WRONG_WIDTH, "5 feature columns", () -> Dl4jRetrainer.builder(NET, WIDE).build(), IAE,
                "train features have 5 columns", "4 inputs"));
        cs.add(c(e, Bad.UNSUPPORTED, "a String", () -> Dl4jRetrainer.builder("net", TRAIN).build(), IAE,
                "java.lang.String"));
        cs.add(c(e, Bad.UNSUPPORTED, "not initialised", () -> Dl4jRetrainer.builder(UNINITIALISED, TRAIN).build(), IAE,
                "init()"));
        cs.add(c(e, Bad.WRONG_DTYPE, "HALF network", () -> Dl4jRetrainer.builder(HALF_NET, TRAIN).build(), IAE,
                "HALF"));
        cs.add(c(e, Bad.UNSUPPORTED, "L-BFGS on a ComputationGraph", () -> Dl4jRetrainer.builder(GRAPH, TRAIN)
                .protocol(TrainingProtocol.lbfgs()).build(), IAE, "protocol LBFGS", "ComputationGraph"));
        cs.add(c("Dl4jRetrainer.Builder.protocol", Bad.NULL, "null", () -> Dl4jRetrainer.builder(NET, TRAIN)
                .protocol(null), NPE, "protocol"));
        cs.add(c("Dl4jRetrainer.Builder.iterations", Bad.OUT_OF_RANGE, "0", () -> Dl4jRetrainer.builder(NET, TRAIN)
                .iterations(0), IAE, "iterations (0)"));
        cs.add(c("Dl4jRetrainer.Builder.threads", Bad.OUT_OF_RANGE, "-2", () -> Dl4jRetrainer.builder(NET, TRAIN)
                .threads(-2), IAE, "threads (-2)"));
        cs.add(c("Dl4jRetrainer.Builder.listener", Bad.NULL, "null", () -> Dl4jRetrainer.builder(NET, TRAIN)
                .listener(null), NPE, "listener"));
        int n = TRAIN.numExamples();
        e = "Dl4jRetrainer.testLossWithout";
        cs.add(c(e, Bad.NULL, "null removed", () -> RETRAINER.testLossWithout(null, POINT), NPE, "removed"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "index n", () -> RETRAINER.testLossWithout(new int[] {n}, POINT), IAE,
                "removed contains " + n, "out of range"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "index -1", () -> RETRAINER.testLossWithout(new int[] {-1}, POINT), IAE,
                "removed contains -1"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "index 4 twice", () -> RETRAINER.testLossWithout(new int[] {4, 4}, POINT), IAE,
                "removed contains 4 twice"));
        dataSetCasesForRetrainer(cs, e, d -> RETRAINER.testLossWithout(new int[] {1}, d));
        e = "Dl4jRetrainer.retrainingNoise";
        dataSetCasesForRetrainer(cs, e, RETRAINER::retrainingNoise);
        e = "Dl4jRetrainer.prefetch";
        cs.add(c(e, Bad.NULL, "null", () -> RETRAINER.prefetch(null), NPE, "removals"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "index n among valid ones", () -> RETRAINER.prefetch(List.of(new int[] {2},
                new int[] {n})), IAE, "removed contains " + n));
        cs.add(c("Dl4jRetrainer.parameterDistance", Bad.OUT_OF_RANGE, "index n",
                () -> RETRAINER.parameterDistance(new int[] {n}), IAE, "removed contains " + n));
        cs.add(c("Dl4jRetrainer.parameterDistance", Bad.NULL, "null", () -> RETRAINER.parameterDistance(null), NPE,
                "removed"));
        e = "Dl4jRetrainer.objectiveGradientNorm";
        cs.add(c(e, Bad.NULL, "null network", () -> Dl4jRetrainer.objectiveGradientNorm(null, TRAIN), NPE,
                "network"));
        cs.add(c(e, Bad.WRONG_WIDTH, "2 label columns", () -> Dl4jRetrainer.objectiveGradientNorm(NET,
                TRAIN_LABELS_2), IAE, "data labels", "[150, 2]", "3"));
    }

    /** The test-point checks of the retrainer (labels are not required to be distributions there). */
    static void dataSetCasesForRetrainer(List<Case> cs, String entry, Consumer<DataSet> call) {
        testPointCases(cs, entry, "testPoint", call);
    }

    /** The checks of a test-point argument named {@code name}. */
    static void testPointCases(List<Case> cs, String entry, String name, Consumer<DataSet> call) {
        cs.add(c(entry, Bad.NULL, "null test point", () -> call.accept(null), NPE, name));
        cs.add(c(entry, Bad.EMPTY, "empty test point", () -> call.accept(EMPTY), IAE, name, "empty"));
        cs.add(c(entry, Bad.NAN, "NaN feature", () -> call.accept(X_NAN), IAE, name + " features", "NaN"));
        cs.add(c(entry, Bad.INFINITE, "-Inf feature", () -> call.accept(X_NEG_INF), IAE, name + " features",
                "-Infinity"));
        cs.add(c(entry, Bad.WRONG_WIDTH, "5 features", () -> call.accept(WIDE), IAE,
                name + " features have 5 columns", "4 inputs"));
        cs.add(c(entry, Bad.WRONG_WIDTH, "2 label columns", () -> call.accept(LABELS_2), IAE,
                name + " labels have 2 columns", "3 outputs"));
        cs.add(c(entry, Bad.WRONG_DTYPE, "INT features", () -> call.accept(X_INT), IAE, name, "INT"));
    }

    static void subsetTrainerCases(List<Case> cs) {
        String e = "Dl4jSubsetTrainer.builder";
        cs.add(c(e, Bad.NULL, "null network", () -> Dl4jSubsetTrainer.builder(null, TRAIN), NPE, "network"));
        cs.add(c(e, Bad.NULL, "null train", () -> Dl4jSubsetTrainer.builder(NET, null), NPE, "train"));
        cs.add(c(e, Bad.EMPTY, "empty train", () -> Dl4jSubsetTrainer.builder(NET, EMPTY), IAE, "train", "empty"));
        cs.add(c(e, Bad.NAN, "NaN in train", () -> Dl4jSubsetTrainer.builder(NET, TRAIN_NAN), IAE, "train features",
                "NaN", "flat index 162"));
        cs.add(c(e, Bad.WRONG_DTYPE, "INT train features", () -> Dl4jSubsetTrainer.builder(NET, X_INT), IAE, "train",
                "INT"));
        e = "Dl4jSubsetTrainer.Builder.build";
        cs.add(c(e, Bad.WRONG_WIDTH, "2 label columns", () -> Dl4jSubsetTrainer.builder(NET, TRAIN_LABELS_2).build(),
                IAE, "train labels have 2 columns", "3 outputs"));
        cs.add(c(e, Bad.WRONG_WIDTH, "5 feature columns", () -> Dl4jSubsetTrainer.builder(NET, WIDE).build(), IAE,
                "train features have 5 columns", "4 inputs"));
        cs.add(c(e, Bad.UNSUPPORTED, "a String", () -> Dl4jSubsetTrainer.builder("net", TRAIN).build(), IAE,
                "java.lang.String"));
        cs.add(c(e, Bad.UNSUPPORTED, "not initialised", () -> Dl4jSubsetTrainer.builder(UNINITIALISED, TRAIN).build(),
                IAE, "init()"));
        cs.add(c(e, Bad.WRONG_DTYPE, "HALF network", () -> Dl4jSubsetTrainer.builder(HALF_NET, TRAIN).build(), IAE,
                "HALF"));
        cs.add(c(e, Bad.UNSUPPORTED, "L-BFGS on a ComputationGraph", () -> Dl4jSubsetTrainer.builder(GRAPH, TRAIN)
                .protocol(TrainingProtocol.lbfgs()).build(), IAE, "protocol LBFGS", "ComputationGraph", "minibatch"));
        cs.add(c(e, Bad.UNSUPPORTED, "ADAM on an Sgd network", () -> Dl4jSubsetTrainer.builder(SGD_NET, TRAIN)
                .protocol(TrainingProtocol.adam()).build(), IAE, "protocol ADAM", "Adam updater", "Sgd"));
        cs.add(c(e, Bad.UNSUPPORTED, "an l1 regulariser", () -> Dl4jSubsetTrainer.builder(L1_NET, TRAIN).build(), IAE,
                "layer 0", "not quadratic"));
        cs.add(c("Dl4jSubsetTrainer.Builder.start", Bad.NULL, "null", () -> Dl4jSubsetTrainer.builder(NET, TRAIN)
                .start(null), NPE, "start"));
        cs.add(c("Dl4jSubsetTrainer.Builder.protocol", Bad.NULL, "null", () -> Dl4jSubsetTrainer.builder(NET, TRAIN)
                .protocol(null), NPE, "protocol"));
        cs.add(c("Dl4jSubsetTrainer.Builder.listener", Bad.NULL, "null", () -> Dl4jSubsetTrainer.builder(NET, TRAIN)
                .listener(null), NPE, "listener"));
        int n = TRAIN.numExamples();
        e = "Dl4jSubsetTrainer.measure";
        Measurement loss = Measurement.LOSS;
        cs.add(c(e, Bad.NULL, "null subset", () -> SUBSET_TRAINER.measure(null, 0, POINT, loss), NPE, "subset"));
        cs.add(c(e, Bad.EMPTY, "empty subset", () -> SUBSET_TRAINER.measure(new int[0], 0, POINT, loss), IAE,
                "subset is empty"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "index n", () -> SUBSET_TRAINER.measure(new int[] {1, n}, 0, POINT, loss), IAE,
                "subset[1] (" + n + ")", "out of range for " + n));
        cs.add(c(e, Bad.OUT_OF_RANGE, "index -1", () -> SUBSET_TRAINER.measure(new int[] {-1, 2}, 0, POINT, loss),
                IAE, "subset[0] (-1)", "out of range"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "decreasing", () -> SUBSET_TRAINER.measure(new int[] {5, 3}, 0, POINT, loss),
                IAE, "subset[1] (3)", "subset[0] (5)", "increasing order"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "index 4 twice", () -> SUBSET_TRAINER.measure(new int[] {4, 4}, 0, POINT,
                loss), IAE, "subset[1] (4)", "distinct"));
        cs.add(c(e, Bad.NULL, "null measurement", () -> SUBSET_TRAINER.measure(new int[] {1}, 0, POINT, null), NPE,
                "measurement"));
        testPointCases(cs, e, "testPoints", d -> SUBSET_TRAINER.measure(new int[] {1, 2}, 0, d, loss));
        cs.add(c(e, Bad.UNSUPPORTED, "MARGIN of an identity output", () -> MSE_SUBSET_TRAINER.measure(new int[] {1},
                0, POINT, Measurement.MARGIN), IAE, "MARGIN", "softmax", "is identity", "Measurement.LOSS"));
        cs.add(c(e, Bad.UNSUPPORTED, "MARGIN of soft labels", () -> SUBSET_TRAINER.measure(new int[] {1}, 0,
                SOFT_LABELS, Measurement.MARGIN), IAE, "MARGIN", "one-hot", "row 0", "[0.5, 0.5, 0.0]",
                "Measurement.LOSS"));
        assertThat(SUBSET_TRAINER.trainings()).isEmpty(); // every case is rejected before any training
    }

    static void trainingCases(List<Case> cs) {
        TrainingProtocol lbfgs = TrainingProtocol.lbfgs().withIterations(5, 5);
        String e = "Dl4jTraining.trainInPlace";
        cs.add(c(e, Bad.NULL, "null protocol", () -> Dl4jTraining.trainInPlace(NET, TRAIN, null), NPE, "protocol"));
        cs.add(c(e, Bad.NULL, "null data", () -> Dl4jTraining.trainInPlace(NET, null, lbfgs), NPE, "data"));
        cs.add(c(e, Bad.NULL, "null network", () -> Dl4jTraining.trainInPlace(null, TRAIN, lbfgs), IAE, "network",
                "null"));
        cs.add(c(e, Bad.EMPTY, "empty data", () -> Dl4jTraining.trainInPlace(NET, EMPTY, lbfgs), IAE, "data",
                "empty"));
        cs.add(c(e, Bad.NAN, "NaN in data", () -> Dl4jTraining.trainInPlace(NET, TRAIN_NAN, lbfgs), IAE,
                "data features", "NaN", "flat index 162"));
        cs.add(c(e, Bad.WRONG_WIDTH, "2 label columns", () -> Dl4jTraining.trainInPlace(NET, TRAIN_LABELS_2, lbfgs),
                IAE, "data labels have 2 columns", "3 outputs"));
        cs.add(c(e, Bad.WRONG_WIDTH, "5 features", () -> Dl4jTraining.trainInPlace(NET, WIDE,
                TrainingProtocol.ownUpdater(1)), IAE, "data features have 5 columns", "4 inputs"));
        cs.add(c(e, Bad.WRONG_DTYPE, "a FLOAT network", () -> Dl4jTraining.trainInPlace(FLOAT_NET, TRAIN, lbfgs), IAE,
                "network has data type FLOAT", "DOUBLE"));
        cs.add(c(e, Bad.UNSUPPORTED, "a String", () -> Dl4jTraining.trainInPlace("net", TRAIN, lbfgs), IAE,
                "java.lang.String"));
        cs.add(c(e, Bad.UNSUPPORTED, "L-BFGS on a ComputationGraph", () -> Dl4jTraining.trainInPlace(GRAPH, TRAIN,
                lbfgs), IAE, "protocol LBFGS", "ComputationGraph"));
        cs.add(c(e, Bad.UNSUPPORTED, "ADAM on an Sgd network", () -> Dl4jTraining.trainInPlace(SGD_NET, TRAIN,
                TrainingProtocol.adam().withIterations(1, 1)), IAE, "protocol ADAM", "Adam updater"));
        cs.add(c(e, Bad.NAN, "NaN in data, mini-batches", () -> Dl4jTraining.trainInPlace(NET, TRAIN_NAN,
                TrainingProtocol.minibatch(1, 10), 3), IAE, "data features", "NaN", "flat index 162"));
        e = "TrainingProtocol";
        cs.add(c(e, Bad.NULL, "null kind", () -> new TrainingProtocol(null, 1e-8, 1, 1, 0.1), IAE, "kind"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "tolerance 0", () -> TrainingProtocol.lbfgs().withTolerance(0), IAE,
                "tolerance (0.0)"));
        cs.add(c(e, Bad.NAN, "tolerance NaN", () -> TrainingProtocol.lbfgs().withTolerance(Double.NaN), IAE,
                "tolerance (NaN)"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "train iterations 0", () -> TrainingProtocol.lbfgs().withIterations(0, 5), IAE,
                "trainIterations (0)"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "retrain iterations -1", () -> TrainingProtocol.lbfgs().withIterations(5, -1),
                IAE, "retrainIterations (-1)"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "own updater 0 steps", () -> TrainingProtocol.ownUpdater(0), IAE,
                "trainIterations (0)"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "learning rate 0", () -> TrainingProtocol.adam().withLearningRate(0), IAE,
                "learningRate (0.0)"));
        cs.add(c(e, Bad.INFINITE, "learning rate -Inf", () -> TrainingProtocol.adam()
                .withLearningRate(Double.NEGATIVE_INFINITY), IAE, "learningRate (-Infinity)"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "mini-batch 0 epochs", () -> TrainingProtocol.minibatch(0, 32), IAE,
                "epochs (0)"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "mini-batch size 0", () -> TrainingProtocol.minibatch(20, 0), IAE,
                "batchSize (0)", "MINIBATCH"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "mini-batch size -1", () -> TrainingProtocol.minibatch(20, 32)
                .withBatchSize(-1), IAE, "batchSize (-1)"));
        cs.add(c(e, Bad.UNSUPPORTED, "a batch size for L-BFGS", () -> TrainingProtocol.lbfgs().withBatchSize(32), IAE,
                "batchSize (32)", "LBFGS", "minibatch(epochs, batchSize)"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "MINIBATCH without a batch size", () -> new TrainingProtocol(
                TrainingProtocol.Kind.MINIBATCH, 1e-8, 5, 5, 0.01), IAE, "batchSize (0)", "minibatch(epochs, batchSize)"));
        e = "TrainingObjective.of";
        cs.add(c(e, Bad.NULL, "null network", () -> TrainingObjective.of(null, TRAIN), NPE, "net"));
        cs.add(c(e, Bad.NULL, "null data", () -> TrainingObjective.of(NET, null), NPE, "data"));
        cs.add(c(e, Bad.UNSUPPORTED, "an l1 regulariser", () -> TrainingObjective.of(L1_NET, TRAIN), IAE, "layer 0",
                "not quadratic"));
        e = "TrainingObjective.evaluate";
        TrainingObjective objective = TrainingObjective.of(NET, TRAIN);
        cs.add(c(e, Bad.WRONG_WIDTH, "theta of length p+1", () -> objective.evaluate(new double[P + 1],
                new double[P]), IAE, "theta (" + (P + 1) + ")", String.valueOf(P)));
        cs.add(c(e, Bad.WRONG_WIDTH, "grad of length 1", () -> objective.evaluate(new double[P], new double[1]), IAE,
                "grad (1)", String.valueOf(P)));
    }

    // ------------------------------------------------------------------------------------------------ the runner

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void badInput_isRejectedWithAMessageNamingIt_andChangesNothing(Case c) {
        List<Object> before = state();

        Throwable t = catchThrowable(c.call());

        assertThat(t).as(c.toString()).isInstanceOf(c.type());
        for (String f : c.fragments()) {
            assertThat(t.getMessage()).as(c + ": message names " + f).contains(f);
        }
        List<Object> after = state();
        for (int i = 0; i < before.size(); i++) {
            Object b = before.get(i);
            Object a = after.get(i);
            if (b instanceof long[] bb) {
                assertThat((long[]) a).as(c + ": state " + i + " (bitwise)").containsExactly(bb);
            } else {
                assertThat(a).as(c + ": state " + i).isEqualTo(b);
            }
        }
    }

    @Test
    void theTable_coversEveryBadInputClass_andCountsItsCases() {
        List<Case> all = cases().toList();
        Map<Bad, Integer> perClass = new EnumMap<>(Bad.class);
        for (Case c : all) {
            perClass.merge(c.bad(), 1, Integer::sum);
        }
        assertThat(perClass.keySet()).containsExactlyInAnyOrder(Bad.values());
        assertThat(all.stream().map(Case::toString).distinct().count()).as("case names are unique")
                .isEqualTo(all.size());
        org.slf4j.LoggerFactory.getLogger(MisuseSuiteTest.class).info("dl4j misuse suite: {} cases, {} entry points, "
                + "{}", all.size(), all.stream().map(Case::entry).distinct().count(), perClass);
        assertThat(Arrays.asList(Bad.values())).hasSize(8);
    }
}
