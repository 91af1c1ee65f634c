package org.influence4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.InfluenceEstimator;
import org.influence4j.InfluenceMatrix;
import org.influence4j.solver.IHVPSolver;
import org.influence4j.solver.KroneckerFactors;
import org.influence4j.solver.KroneckerSolver;
import org.influence4j.solver.SolverResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The engine's pieces against their single-machine counterparts: Kronecker factors directly, the mini-batch products
 * LiSSA samples, the tree merge of more than {@link Jobs#FAN_IN} partitions, progress, and cancellation.
 */
class SparkEngineTest {

    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("influence4j-engine-tests")
                .set("spark.ui.enabled", "false"));
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.stop();
        }
    }

    @Test
    void kroneckerFactors_equalSingleMachine_overFortyPartitions() {
        DataSet train = SparkNets.data(21, 200, 6);
        MultiLayerNetwork net = SparkNets.trained(SparkNets.mlp(4), train);
        InfluenceEstimator single = InfluenceEstimator.forModel(net).withTrainingData(train).withDamping(0.01);
        // 40 partitions: the merge runs a level of the tree on executors (fan-in 16) before the driver
        TrainingData data = TrainingData.of(sc, train, 40);
        assertThat(data.partitions()).isGreaterThan(Jobs.FAN_IN);
        SparkInfluence spark = SparkInfluence.forModel(SparkModel.of(net)).withTrainingData(data).withDamping(0.01);
        for (KroneckerSolver solver : List.of(IHVPSolver.kfac(), IHVPSolver.ekfac())) {
            KroneckerFactors a = solver.factors(single.curvature());
            KroneckerFactors b = solver.factors(spark.curvature());
            assertThat(b.blocks()).isEqualTo(a.blocks());
            assertThat(b.numExamples()).isEqualTo(200);
            for (int k = 0; k < a.blocks().size(); k++) {
                INDArray ea = a.eigenvalues(k);
                INDArray eb = b.eigenvalues(k);
                double scale = ea.amaxNumber().doubleValue();
                assertThat(eb.sub(ea).amaxNumber().doubleValue()).as(solver + " block " + k)
                        .isLessThan(1e-10 * scale);
            }
            // the prepared inverses agree on a random vector
            INDArray v = Nd4j.rand(DataType.DOUBLE, 1, net.numParams()).reshape(net.numParams());
            INDArray xa = single.withSolver(solver).inverse().solve(v).solution();
            INDArray xb = spark.withSolver(solver).inverse().solve(v).solution();
            assertThat(xb.sub(xa).norm2Number().doubleValue()).isLessThan(1e-9 * xa.norm2Number().doubleValue());
        }
        data.unpersist();
    }

    @Test
    void lissaMiniBatches_equalSingleMachine() {
        DataSet train = SparkNets.data(22, 90, 6);
        DataSet test = SparkNets.data(23, 2, 6);
        MultiLayerNetwork net = SparkNets.trained(SparkNets.mlp(6), train);
        IHVPSolver lissa = IHVPSolver.lissa().withBatchSize(16).withDepth(40).withScale(10).withSeed(5);
        InfluenceMatrix expected = InfluenceEstimator.forModel(net).withTrainingData(train).withDamping(0.05)
                .withSolver(lissa).influenceOnEach(test);
        TrainingData data = TrainingData.of(sc, train, 3);
        SparkInfluence spark = SparkInfluence.forModel(SparkModel.of(net)).withTrainingData(data).withDamping(0.05)
                .withSolver(lissa);
        SparkInfluence.Queries r = spark.topInfluences(test, 90);
        double scale = expected.values().amaxNumber().doubleValue();
        assertThat(scale).isGreaterThan(1e-6);
        for (int q = 0; q < 2; q++) {
            int[] order = r.top().get(q).helpful();
            double[] scores = r.top().get(q).helpfulScores();
            for (int j = 0; j < order.length; j++) {
                assertThat(scores[j]).isCloseTo(expected.value(q, order[j]), within(1e-9 * scale));
            }
        }
        data.unpersist();
    }

    @Test
    void progress_isReported_andInterruptCancelsTheJobs() throws Exception {
        DataSet train = SparkNets.data(24, 400, 6);
        DataSet test = SparkNets.data(25, 6, 6);
        MultiLayerNetwork net = SparkNets.trained(SparkNets.mlp(8), train);
        TrainingData data = TrainingData.of(sc, train, 4);
        List<String> events = new CopyOnWriteArrayList<>();
        SparkInfluence spark = SparkInfluence.forModel(SparkModel.of(net)).withTrainingData(data).withDamping(1e-4)
                .withProgressListener((task, done, total) -> events.add(task + " " + done + "/" + total));
        // a first, uninterrupted call reports solves and finished tasks
        spark.withSolver(IHVPSolver.ekfac()).topInfluences(test, 2);
        assertThat(events).anyMatch(e -> e.startsWith("solves 6/6"));
        assertThat(events).anyMatch(e -> e.startsWith("layer statistics"));
        assertThat(events).anyMatch(e -> e.startsWith("scoring"));
        // conjugate gradient with little damping runs many products: interrupt it after the first ones
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            try {
                spark.withSolver(IHVPSolver.conjugateGradient()).topInfluences(test, 2);
            } catch (Throwable t) {
                thrown.set(t);
            }
            flag.set(Thread.currentThread().isInterrupted());
        });
        events.clear();
        worker.start();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (events.stream().noneMatch(e -> e.startsWith("Hessian-vector product")) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        worker.interrupt();
        worker.join(60_000);
        assertThat(worker.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(CancellationException.class);
        assertThat(flag.get()).as("the interrupt flag stays set").isTrue();
        Thread.sleep(500);
        assertThat(sc.statusTracker().getActiveJobIds()).as("no job keeps running").isEmpty();
        // the state is usable afterwards (a failed or cancelled preparation is not cached)
        SolverResult again = spark.withSolver(IHVPSolver.ekfac()).inverse().solve(
                Nd4j.ones(DataType.DOUBLE, net.numParams()));
        assertThat(again.converged()).isTrue();
        data.unpersist();
    }

    @Test
    void examples_collectOnlyTheAskedRows_inTheAskedOrder() {
        DataSet train = SparkNets.data(28, 150, 6);
        TrainingData data = TrainingData.of(sc, train, 4);
        DataSet rows = data.examples(149, 0, 77, 0);
        long[] asked = {149, 0, 77, 0};
        for (int k = 0; k < asked.length; k++) {
            assertThat(rows.getFeatures().getRow(k)).isEqualTo(train.getFeatures().getRow(asked[k]));
            assertThat(rows.getLabels().getRow(k)).isEqualTo(train.getLabels().getRow(asked[k]));
        }
        assertThatThrownBy(() -> data.examples(150)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("example index 150 is outside [0, 150)");
        data.unpersist();
    }

    @Test
    void nonFiniteTestPoint_isNamed() {
        DataSet train = SparkNets.data(26, 40, 6);
        MultiLayerNetwork net = SparkNets.mlp(2);
        TrainingData data = TrainingData.of(sc, train, 2);
        DataSet bad = SparkNets.data(27, 2, 6);
        bad.getFeatures().putScalar(1, 3, Double.NaN);
        SparkInfluence spark = SparkInfluence.forModel(SparkModel.of(net)).withTrainingData(data)
                .withSolver(IHVPSolver.ekfac());
        assertThatThrownBy(() -> spark.topInfluences(bad, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("testPoints");
        data.unpersist();
    }
}
