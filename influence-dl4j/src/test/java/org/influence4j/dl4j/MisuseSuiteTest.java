package org.influence4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.InfluenceEstimator;
import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.solver.Curvature;
import org.influence4j.solver.IHVPSolver;
import org.influence4j.validation.LeaveOneOutValidation;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The misuse suite: public entry points of influence-core and influence-dl4j × bad-input classes (null, NaN, ±Inf,
 * empty, wrong width, out of range, wrong dtype). Each case asserts the exception type, that the message names the
 * argument and the value, and that nothing the caller passed in (arrays, network) changed.
 */
class MisuseSuiteTest {

    static final MultiLayerNetwork NET = TestNets.irisMlp(DataType.DOUBLE, 20);
    static final DataSet TRAIN = TestNets.iris();

    record Case(String name, Runnable call, Class<? extends Throwable> type, List<String> fragments) {
        @Override
        public String toString() {
            return name;
        }
    }

    static DataSet withFeature(double value) {
        INDArray x = TRAIN.getFeatures().getRow(0, true).dup();
        x.putScalar(0, 1, value);
        return new DataSet(x, TRAIN.getLabels().getRow(0, true).dup());
    }

    static Case c(String name, Runnable call, Class<? extends Throwable> type, String... fragments) {
        return new Case(name, call, type, List.of(fragments));
    }

    static Stream<Arguments> cases() {
        InfluenceEstimator est = InfluenceEstimator.forModel(NET).withTrainingData(TRAIN).withDamping(0.01);
        Dl4jInfluenceModel model = Dl4jInfluenceModel.of(NET);
        long p = model.numParameters();
        DataSet empty = new DataSet(Nd4j.create(DataType.DOUBLE, 0, 4), Nd4j.create(DataType.DOUBLE, 0, 3));
        DataSet wide = new DataSet(Nd4j.zeros(DataType.DOUBLE, 1, 5), TRAIN.getLabels().getRow(0, true).dup());
        DataSet badLabels = new DataSet(TRAIN.getFeatures().getRow(0, true).dup(),
                Nd4j.createFromArray(new double[][] {{1.5, -0.5, 0}}));
        INDArray nanV = Nd4j.zeros(DataType.DOUBLE, p);
        nanV.putScalar(3, Double.NaN);
        INDArray infV = Nd4j.zeros(DataType.DOUBLE, p);
        infV.putScalar(2, Double.NEGATIVE_INFINITY);
        INDArray intV = Nd4j.zeros(DataType.INT, p);
        HessianVectorProduct h = model.hessian(TRAIN);
        List<Case> cs = new ArrayList<>();
        // estimator configuration
        cs.add(c("damping NaN", () -> est.withDamping(Double.NaN), IllegalArgumentException.class, "damping", "NaN"));
        cs.add(c("damping -1", () -> est.withDamping(-1), IllegalArgumentException.class, "damping", "-1"));
        cs.add(c("damping +Inf", () -> est.withDamping(Double.POSITIVE_INFINITY), IllegalArgumentException.class,
                "damping", "Infinity"));
        cs.add(c("solver null", () -> est.withSolver(null), NullPointerException.class, "solver"));
        cs.add(c("training null", () -> est.withTrainingData((DataSet) null), NullPointerException.class, "training"));
        cs.add(c("training empty", () -> est.withTrainingData(empty), IllegalArgumentException.class,
                "training data", "empty"));
        cs.add(c("curvature wrong dimension", () -> est.withCurvature(Curvature.of(
                HessianVectorProduct.ofMatrix(Nd4j.eye(3).castTo(DataType.DOUBLE)))), IllegalArgumentException.class,
                "curvature has dimension 3", String.valueOf(p)));
        cs.add(c("time budget zero", () -> est.withTimeBudget(java.time.Duration.ZERO),
                IllegalArgumentException.class, "timeBudget", "PT0S"));
        // estimator queries
        cs.add(c("test point null", () -> est.influenceOn(null), NullPointerException.class, "testPoint"));
        cs.add(c("test point NaN", () -> est.influenceOn(withFeature(Double.NaN)), IllegalArgumentException.class,
                "testPoint", "NaN"));
        cs.add(c("test point +Inf", () -> est.influenceOn(withFeature(Double.POSITIVE_INFINITY)),
                IllegalArgumentException.class, "testPoint", "Infinity"));
        cs.add(c("test point -Inf", () -> est.prepare(withFeature(Double.NEGATIVE_INFINITY)),
                IllegalArgumentException.class, "testPoint", "Infinity"));
        cs.add(c("test point empty", () -> est.influenceOn(empty), IllegalArgumentException.class, "testPoint",
                "empty"));
        cs.add(c("test point wrong width", () -> est.influenceOn(wide), IllegalArgumentException.class, "features",
                "5"));
        cs.add(c("test point labels not a distribution", () -> est.influenceOn(badLabels),
                IllegalArgumentException.class, "labels", "-0.5"));
        cs.add(c("parameters example NaN", () -> est.influenceOnParameters(withFeature(Double.NaN)),
                IllegalArgumentException.class, "example", "NaN"));
        // model SPI
        cs.add(c("dots wrong length", () -> model.perExampleGradientDots(TRAIN, Nd4j.zeros(DataType.DOUBLE, p + 1)),
                IllegalArgumentException.class, "v has shape", String.valueOf(p + 1)));
        cs.add(c("dots NaN", () -> model.perExampleGradientDots(TRAIN, nanV), IllegalArgumentException.class, "v",
                "NaN"));
        cs.add(c("hvp -Inf", () -> h.apply(infV), IllegalArgumentException.class, "v", "Infinity"));
        cs.add(c("hvp wrong dtype", () -> h.apply(intV), IllegalArgumentException.class, "v", "INT"));
        cs.add(c("losses null", () -> model.losses(null), NullPointerException.class, "data"));
        // solvers
        cs.add(c("cg tolerance NaN", () -> IHVPSolver.conjugateGradient().withTolerance(Double.NaN),
                IllegalArgumentException.class, "tolerance", "NaN"));
        cs.add(c("cg max iterations 0", () -> IHVPSolver.conjugateGradient().withMaxIterations(0),
                IllegalArgumentException.class, "maxIterations", "0"));
        cs.add(c("cg rhs NaN", () -> IHVPSolver.conjugateGradient().solve(h, nanV), IllegalArgumentException.class,
                "b", "NaN"));
        cs.add(c("lissa batch size 0", () -> IHVPSolver.lissa().withBatchSize(0), IllegalArgumentException.class,
                "batchSize", "0"));
        cs.add(c("lissa depth -3", () -> IHVPSolver.lissa().withDepth(-3), IllegalArgumentException.class, "depth",
                "-3"));
        cs.add(c("exact clip threshold 2", () -> IHVPSolver.exact().withClipThreshold(2), IllegalArgumentException.class,
                "clipThreshold", "2"));
        cs.add(c("exact max bytes 0", () -> IHVPSolver.exact().withMaxBytes(0), IllegalArgumentException.class,
                "maxBytes", "0"));
        cs.add(c("prepare damping -1", () -> IHVPSolver.conjugateGradient().prepare(Curvature.of(h), -1),
                IllegalArgumentException.class, "damping", "-1"));
        // validation and retraining
        cs.add(c("top-k -1", () -> LeaveOneOutValidation.defaults().withTopK(-1), IllegalArgumentException.class,
                "topK", "-1"));
        cs.add(c("random sample -2", () -> LeaveOneOutValidation.defaults().withRandomSample(-2),
                IllegalArgumentException.class, "-2"));
        cs.add(c("retrainer wrong label width", () -> Dl4jRetrainer.builder(NET, new DataSet(TRAIN.getFeatures(),
                Nd4j.zeros(DataType.DOUBLE, TRAIN.numExamples(), 2))).build(), IllegalArgumentException.class,
                "train labels have 2 columns", "3 outputs"));
        cs.add(c("retrainer index out of range", () -> Dl4jRetrainer.builder(NET, TRAIN).build()
                .testLossWithout(new int[] {TRAIN.numExamples()}, TRAIN.get(0)), IllegalArgumentException.class,
                "removed contains " + TRAIN.numExamples(), "out of range"));
        cs.add(c("retrainer test point wrong width", () -> Dl4jRetrainer.builder(NET, TRAIN).build()
                .testLossWithout(new int[] {1}, wide), IllegalArgumentException.class, "testPoint features have 5"));
        cs.add(c("adapter: not a network", () -> InfluenceEstimator.forModel((Object) "a string"),
                IllegalArgumentException.class, "java.lang.String"));
        cs.add(c("subset blank layer", () -> ParameterSubset.layers(" "), IllegalArgumentException.class, "blank"));
        return cs.stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void badInput_isRejectedWithAMessageNamingIt_andChangesNothing(Case c) {
        double[] net = TestNets.snapshot(NET);
        double[] x = TRAIN.getFeatures().dup().data().asDouble();
        double[] y = TRAIN.getLabels().dup().data().asDouble();

        Throwable t = catchThrowable(c.call()::run);

        assertThat(t).as(c.name()).isInstanceOf(c.type());
        for (String f : c.fragments()) {
            assertThat(t.getMessage()).as(c.name()).contains(f);
        }
        assertThat(TestNets.snapshot(NET)).containsExactly(net);
        assertThat(TRAIN.getFeatures().data().asDouble()).containsExactly(x);
        assertThat(TRAIN.getLabels().data().asDouble()).containsExactly(y);
    }
}
