package org.influence4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.apache.spark.SparkConf;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.InfluenceEstimator;
import org.influence4j.InfluenceMatrix;
import org.influence4j.InfluenceScores;
import org.influence4j.InfluenceSinks;
import org.influence4j.dl4j.Dl4jInfluenceModel;
import org.influence4j.dl4j.HvpMode;
import org.influence4j.dl4j.ParameterSubset;
import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.model.InfluenceModel;
import org.influence4j.solver.IHVPSolver;
import org.influence4j.solver.LayerStatistics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The Spark engine against the single-machine estimator on the same model and data, in {@code local[2]} with task
 * retries allowed: top-k identity and scores, self-influence, score files, for an MLP and a LeNet-style CNN, for
 * conjugate gradient (distributed products), K-FAC and EK-FAC (distributed factors) and identity curvature; results
 * that do not depend on the partitioning; a task that fails once and is retried.
 */
class SparkEqualityTest {

    /** Scores agree to rounding: the summation order differs, CG's iterates drift by rounding only. */
    private static final double SCORE_TOL = 1e-8;

    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        // local[2, 3]: two threads, a failed task is retried up to 3 times (as on a cluster)
        sc = new JavaSparkContext(new SparkConf().setMaster("local[2,3]").setAppName("influence4j-tests")
                .set("spark.ui.enabled", "false").set("spark.sql.shuffle.partitions", "4"));
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.stop();
        }
    }

    /**
     * @param trained the network at a tight optimum (L-BFGS, for the MLP: its Hessian is then positive definite) or
     *                briefly fitted (the CNN, whose conjugate-gradient case uses the positive semi-definite
     *                Gauss–Newton products instead, and whose factors are positive semi-definite anyway)
     */
    record Case(String name, Supplier<MultiLayerNetwork> trained, int features, HvpMode mode, IHVPSolver solver,
                int[] partitions) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> cases() {
        Supplier<MultiLayerNetwork> mlp = () -> SparkNets.trained(SparkNets.mlp(7), SparkNets.data(1, 160, 6));
        Supplier<MultiLayerNetwork> cnn = () -> {
            MultiLayerNetwork net = SparkNets.lenet(11);
            DataSet train = SparkNets.data(1, 160, 100);
            for (int e = 0; e < 5; e++) {
                net.fit(train);
            }
            return net;
        };
        return Stream.of(
                new Case("MLP, conjugate gradient", mlp, 6, HvpMode.AUTO, IHVPSolver.conjugateGradient(),
                        new int[] {3}),
                new Case("MLP, K-FAC", mlp, 6, HvpMode.AUTO, IHVPSolver.kfac(), new int[] {2}),
                new Case("MLP, EK-FAC", mlp, 6, HvpMode.AUTO, IHVPSolver.ekfac(), new int[] {1, 3, 7}),
                new Case("MLP, identity", mlp, 6, HvpMode.AUTO, IHVPSolver.identity(), new int[] {2}),
                new Case("CNN, conjugate gradient (Gauss-Newton)", cnn, 100, HvpMode.GAUSS_NEWTON,
                        IHVPSolver.conjugateGradient(), new int[] {2}),
                new Case("CNN, EK-FAC", cnn, 100, HvpMode.AUTO, IHVPSolver.ekfac(), new int[] {1, 4}))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void topInfluences_equalSingleMachine(Case c) {
        DataSet train = SparkNets.data(1, 160, c.features());
        DataSet test = SparkNets.data(2, 3, c.features());
        MultiLayerNetwork net = c.trained().get();
        INDArray before = net.params().dup();
        InfluenceEstimator single = InfluenceEstimator.forModel(Dl4jInfluenceModel.builder(net).hvpMode(c.mode())
                .build()).withTrainingData(train).withDamping(0.01).withSolver(c.solver());
        InfluenceMatrix matrix = single.influenceOnEach(test);
        InfluenceSinks.TopK sink = InfluenceSinks.topK(6);
        single.influenceOnEach(test, sink);
        for (int partitions : c.partitions()) {
            TrainingData data = TrainingData.of(sc, train, partitions);
            SparkInfluence spark = SparkInfluence.forModel(SparkModel.of(net, c.mode(), ParameterSubset.all()))
                    .withTrainingData(data).withDamping(0.01).withSolver(c.solver());
            SparkInfluence.Queries r = spark.topInfluences(test, 6);
            assertThat(r.diagnostics().worstSolverResult().converged()).as("the solves converged").isTrue();
            assertThat(matrix.values().amaxNumber().doubleValue()).as("scores are not trivial").isGreaterThan(1e-6);
            assertSameTop(r.top(), sink.result(), matrix, c + ", " + partitions + " partitions");
            assertThat(r.diagnostics().queries()).isEqualTo(3);
            assertThat(r.diagnostics().examples()).isEqualTo(160);
            for (int q = 0; q < 3; q++) {
                assertThat(r.diagnostics().regularizerTerm(q))
                        .isCloseTo(matrix.diagnostics().regularizerTerm(q),
                                org.assertj.core.data.Offset.offset(1e-9 * (1 + Math.abs(
                                        matrix.diagnostics().regularizerTerm(q)))));
            }
            spark.release();
            data.unpersist();
        }
        assertThat(net.params()).as("the user's network is not modified").isEqualTo(before);
    }

    private static void assertSameTop(List<InfluenceSinks.TopInfluences> actual,
                                      List<InfluenceSinks.TopInfluences> expected, InfluenceMatrix matrix,
                                      String what) {
        assertThat(actual).hasSameSizeAs(expected);
        double scale = matrix.values().amaxNumber().doubleValue();
        for (int q = 0; q < expected.size(); q++) {
            InfluenceSinks.TopInfluences a = actual.get(q);
            InfluenceSinks.TopInfluences e = expected.get(q);
            assertThat(a.query()).isEqualTo(q);
            assertThat(a.helpful()).as(what + ": helpful of test point " + q).containsExactly(e.helpful());
            assertThat(a.harmful()).as(what + ": harmful of test point " + q).containsExactly(e.harmful());
            for (int j = 0; j < e.helpful().length; j++) {
                assertThat(a.helpfulScores()[j]).isCloseTo(e.helpfulScores()[j],
                        org.assertj.core.data.Offset.offset(SCORE_TOL * scale));
                assertThat(a.harmfulScores()[j]).isCloseTo(e.harmfulScores()[j],
                        org.assertj.core.data.Offset.offset(SCORE_TOL * scale));
            }
        }
    }

    @Test
    void scoresFileAndSelfInfluence_equalSingleMachine(@TempDir Path dir) {
        DataSet train = SparkNets.data(3, 120, 6);
        DataSet test = SparkNets.data(4, 4, 6);
        MultiLayerNetwork net = SparkNets.trained(SparkNets.mlp(5), train);
        InfluenceEstimator single = InfluenceEstimator.forModel(net).withTrainingData(train).withDamping(0.01)
                .withSolver(IHVPSolver.ekfac());
        InfluenceMatrix matrix = single.influenceOnEach(test);
        InfluenceScores self = single.selfInfluence();
        TrainingData data = TrainingData.of(sc, train, 3);
        SparkInfluence spark = SparkInfluence.forModel(SparkModel.of(net)).withTrainingData(data).withDamping(0.01)
                .withSolver(IHVPSolver.ekfac());
        String path = dir.resolve("scores.parquet").toString();
        SparkInfluence.Queries r = spark.topInfluences(test, 2, path);
        assertThat(r.scoresPath()).isEqualTo(path);
        SparkSession session = SparkSession.builder().sparkContext(sc.sc()).getOrCreate();
        List<Row> rows = session.read().parquet(path).orderBy("example").collectAsList();
        assertThat(rows).hasSize(120);
        double scale = matrix.values().amaxNumber().doubleValue();
        for (Row row : rows) {
            int i = (int) row.getLong(0);
            List<Double> s = row.getList(1);
            assertThat(s).hasSize(4);
            for (int q = 0; q < 4; q++) {
                assertThat(s.get(q)).isCloseTo(matrix.value(q, i), org.assertj.core.data.Offset.offset(
                        SCORE_TOL * scale));
            }
        }
        List<Row> selfRows = spark.selfInfluence().orderBy("example").collectAsList();
        assertThat(selfRows).hasSize(120);
        double selfScale = self.values().amaxNumber().doubleValue();
        for (Row row : selfRows) {
            int i = (int) row.getLong(0);
            assertThat(row.getDouble(1)).isCloseTo(self.value(i), org.assertj.core.data.Offset.offset(
                    SCORE_TOL * selfScale));
            assertThat(row.getDouble(2)).isCloseTo(self.regularizerTerm(i), org.assertj.core.data.Offset.offset(
                    SCORE_TOL * (1 + Math.abs(self.regularizerTerm(i)))));
        }
        // an existing path is refused before any work, and left as it was
        assertThatThrownBy(() -> spark.topInfluences(test, 2, path))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already exists");
        data.unpersist();
    }

    @Test
    void partitioning_doesNotChangeTheAnswer_evenWithEmptyPartitions() {
        DataSet train = SparkNets.data(5, 10, 6);
        DataSet test = SparkNets.data(6, 2, 6);
        MultiLayerNetwork net = SparkNets.trained(SparkNets.mlp(3), train);
        SparkModel model = SparkModel.of(net);
        SparkInfluence.Queries one = SparkInfluence.forModel(model).withTrainingData(TrainingData.of(sc, train, 1))
                .withSolver(IHVPSolver.ekfac()).withDamping(0.01).topInfluences(test, 10);
        // 16 partitions for 10 examples: six stay empty
        TrainingData sparse = TrainingData.of(sc, train, 16);
        assertThat(sparse.partitions()).isEqualTo(16);
        SparkInfluence.Queries many = SparkInfluence.forModel(model).withTrainingData(sparse)
                .withSolver(IHVPSolver.ekfac()).withDamping(0.01).topInfluences(test, 10);
        for (int q = 0; q < 2; q++) {
            assertThat(many.top().get(q).helpful()).containsExactly(one.top().get(q).helpful());
            double[] a = many.top().get(q).helpfulScores();
            double[] b = one.top().get(q).helpfulScores();
            for (int j = 0; j < a.length; j++) {
                assertThat(a[j]).isCloseTo(b[j], org.assertj.core.data.Offset.offset(1e-12 * (1 + Math.abs(b[j]))));
            }
        }
    }

    /** Fails the first call of a chosen kind made inside a Spark task; counts calls. */
    static final AtomicInteger FAILURES_LEFT = new AtomicInteger();
    /** Whether the products of the Hessian operators fail (instead of the gradients and statistics). */
    static final java.util.concurrent.atomic.AtomicBoolean FAIL_PRODUCTS = new java.util.concurrent.atomic.AtomicBoolean();

    @Test
    void aTaskThatFailsOnce_isRetried_andGivesTheSameResult() {
        DataSet train = SparkNets.data(7, 90, 6);
        DataSet test = SparkNets.data(8, 2, 6);
        MultiLayerNetwork net = SparkNets.trained(SparkNets.mlp(9), train);
        TrainingData data = TrainingData.of(sc, train, 3);
        SparkInfluence.Queries clean = SparkInfluence.forModel(SparkModel.of(net)).withTrainingData(data)
                .withSolver(IHVPSolver.ekfac()).withDamping(0.01).topInfluences(test, 5);
        String json = net.getLayerWiseConfigurations().toJson();
        INDArray params = net.params().dup();
        SparkModel flaky = SparkModel.custom(() -> {
            MultiLayerNetwork copy = new MultiLayerNetwork(
                    org.deeplearning4j.nn.conf.MultiLayerConfiguration.fromJson(json));
            copy.init(params.dup(), false);
            return new FlakyModel(Dl4jInfluenceModel.of(copy));
        }, "flaky MLP");
        FAILURES_LEFT.set(2);   // the first two task attempts that reach the model fail once each
        SparkInfluence.Queries retried = SparkInfluence.forModel(flaky).withTrainingData(data)
                .withSolver(IHVPSolver.ekfac()).withDamping(0.01).topInfluences(test, 5);
        assertThat(FAILURES_LEFT.get()).as("both injected failures happened").isZero();
        for (int q = 0; q < 2; q++) {
            assertThat(retried.top().get(q).helpful()).containsExactly(clean.top().get(q).helpful());
            assertThat(retried.top().get(q).harmful()).containsExactly(clean.top().get(q).harmful());
            assertThat(retried.top().get(q).helpfulScores()).containsExactly(clean.top().get(q).helpfulScores());
        }
        // conjugate gradient: a task of a distributed Hessian-vector product fails once and is retried
        SparkInfluence.Queries cleanCg = SparkInfluence.forModel(SparkModel.of(net)).withTrainingData(data)
                .withDamping(0.01).topInfluences(test, 5);
        FAILURES_LEFT.set(1);
        FAIL_PRODUCTS.set(true);
        SparkInfluence.Queries retriedCg;
        try {
            retriedCg = SparkInfluence.forModel(flaky).withTrainingData(data).withDamping(0.01)
                    .topInfluences(test, 5);
        } finally {
            FAIL_PRODUCTS.set(false);
        }
        assertThat(FAILURES_LEFT.get()).isZero();
        for (int q = 0; q < 2; q++) {
            assertThat(retriedCg.top().get(q).harmful()).containsExactly(cleanCg.top().get(q).harmful());
            assertThat(retriedCg.top().get(q).harmfulScores()).containsExactly(cleanCg.top().get(q).harmfulScores());
        }
        data.unpersist();
    }

    /** A model that throws once per remaining failure when called inside a Spark task. */
    static final class FlakyModel implements InfluenceModel {
        private final InfluenceModel m;

        FlakyModel(InfluenceModel m) {
            this.m = m;
        }

        private static void maybeFail() {
            if (TaskContext.get() != null && TaskContext.get().attemptNumber() == 0
                    && FAILURES_LEFT.getAndUpdate(x -> Math.max(0, x - 1)) > 0) {
                throw new IllegalStateException("injected executor failure");
            }
        }

        @Override
        public long numParameters() {
            return m.numParameters();
        }

        @Override
        public INDArray parameters() {
            return m.parameters();
        }

        @Override
        public double objective(DataSet data) {
            return m.objective(data);
        }

        @Override
        public INDArray objectiveGradient(DataSet data) {
            return m.objectiveGradient(data);
        }

        @Override
        public INDArray losses(DataSet data) {
            return m.losses(data);
        }

        @Override
        public INDArray meanLossGradient(DataSet data) {
            return m.meanLossGradient(data);
        }

        @Override
        public INDArray perExampleGradientDots(DataSet data, INDArray v) {
            if (!FAIL_PRODUCTS.get()) {
                maybeFail();
            }
            return m.perExampleGradientDots(data, v);
        }

        @Override
        public INDArray perExampleGradients(DataSet data) {
            if (!FAIL_PRODUCTS.get()) {
                maybeFail();
            }
            return m.perExampleGradients(data);
        }

        @Override
        public HessianVectorProduct hessian(DataSet data) {
            HessianVectorProduct h = m.hessian(data);
            return new HessianVectorProduct() {
                @Override
                public long dimension() {
                    return h.dimension();
                }

                @Override
                public INDArray apply(INDArray v) {
                    if (FAIL_PRODUCTS.get()) {
                        maybeFail();
                    }
                    return h.apply(v);
                }
            };
        }

        @Override
        public java.util.Optional<LayerStatistics> layerStatistics(DataSet data) {
            return m.layerStatistics(data);
        }

        @Override
        public java.util.Optional<LayerStatistics> layerStatistics(DataSet data, long firstExample) {
            if (!FAIL_PRODUCTS.get()) {
                maybeFail();
            }
            return m.layerStatistics(data, firstExample);
        }
    }

    @Test
    void badInput_isRefusedClearly_andChangesNothing(@TempDir Path dir) throws Exception {
        DataSet train = SparkNets.data(9, 40, 6);
        MultiLayerNetwork net = SparkNets.mlp(1);
        INDArray before = net.params().dup();
        // the data has 5 features, the network takes 6
        TrainingData narrow = TrainingData.of(sc, SparkNets.data(9, 40, 5), 2);
        SparkInfluence wrong = SparkInfluence.forModel(SparkModel.of(net)).withTrainingData(narrow);
        assertThatThrownBy(() -> wrong.topInfluences(SparkNets.data(1, 2, 6), 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("5 features")
                .hasMessageContaining("does not fit the model");
        narrow.unpersist();
        TrainingData data = TrainingData.of(sc, train, 2);
        SparkInfluence s = SparkInfluence.forModel(SparkModel.of(net)).withTrainingData(data).withDamping(0.01);
        assertThatThrownBy(() -> s.topInfluences(SparkNets.data(1, 2, 6), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("k (0)");
        assertThatThrownBy(() -> s.withDamping(-0.1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("damping (-0.1)");
        assertThatThrownBy(s::selfInfluence).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("IHVPSolver.kfac()");
        assertThatThrownBy(() -> SparkInfluence.forModel(SparkModel.of(net)).topInfluences(train, 1))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("withTrainingData");
        assertThatThrownBy(() -> SparkModel.of("not a network")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("MultiLayerNetwork");
        Path existing = dir.resolve("scores");
        Files.writeString(existing, "keep me");
        assertThatThrownBy(() -> s.topInfluences(SparkNets.data(1, 2, 6), 1, existing.toString()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already exists");
        assertThat(Files.readString(existing)).isEqualTo("keep me");
        assertThatThrownBy(() -> TrainingData.of(sc, train, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("partitions (0)");
        assertThat(net.params()).isEqualTo(before);
        data.unpersist();
    }
}
