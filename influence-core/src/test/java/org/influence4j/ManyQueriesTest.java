package org.influence4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import org.influence4j.internal.Vectors;
import org.influence4j.model.DataSets;
import org.influence4j.model.SoftmaxRegression;
import org.influence4j.solver.IHVPSolver;
import org.influence4j.solver.StopReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** Many test points at once: equal to one query at a time, streamed to top-k, CSV and binary sinks safely. */
class ManyQueriesTest {

    static DataSet data(long seed, int n) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] x = new double[n][4];
        double[][] y = new double[n][3];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 4; j++) {
                x[i][j] = rng.nextGaussian();
            }
            y[i][rng.nextInt(3)] = 1.0;
        }
        return new DataSet(Nd4j.createFromArray(x), Nd4j.createFromArray(y));
    }

    static final DataSet TRAIN = data(1, 90);
    static final DataSet TESTS = data(2, 7);
    static final SoftmaxRegression MODEL = SoftmaxRegression.at(Vectors.gaussian(new SplittableRandom(3), 15)
            .muli(0.5), 3, 0.05);

    static InfluenceEstimator estimator() {
        return InfluenceEstimator.forModel(MODEL).withTrainingData(TRAIN).withDamping(0.01);
    }

    @Test
    void eachRowEqualsTheSingleQuery() {
        for (IHVPSolver solver : List.of(IHVPSolver.exact(), IHVPSolver.conjugateGradient(), IHVPSolver.ekfac(),
                IHVPSolver.identity())) {
            InfluenceEstimator est = estimator().withSolver(solver);
            InfluenceMatrix m = est.influenceOnEach(TESTS);
            assertThat(m.queries()).isEqualTo(7);
            assertThat(m.examples()).isEqualTo(90);
            for (int q = 0; q < 7; q++) {
                InfluenceScores one = est.influenceOn(DataSets.subset(TESTS, new int[] {q}));
                InfluenceScores row = m.scores(q);
                double err = row.values().sub(one.values()).norm2Number().doubleValue()
                        / one.values().norm2Number().doubleValue();
                assertThat(err).as(solver + " query " + q).isLessThan(1e-9);
                assertThat(row.regularizerTerm(0)).isCloseTo(one.regularizerTerm(0),
                        org.assertj.core.api.Assertions.within(1e-9 * Math.abs(one.regularizerTerm(0)) + 1e-15));
            }
        }
        // one and two test points take the dot-product path: the same scores
        for (int[] subset : new int[][] {{3}, {5, 1}}) {
            InfluenceEstimator est = estimator().withSolver(IHVPSolver.ekfac());
            InfluenceMatrix few = est.influenceOnEach(DataSets.subset(TESTS, subset));
            InfluenceMatrix all = est.influenceOnEach(TESTS);
            for (int j = 0; j < subset.length; j++) {
                double err = few.scores(j).values().sub(all.scores(subset[j]).values()).norm2Number().doubleValue()
                        / all.scores(subset[j]).values().norm2Number().doubleValue();
                assertThat(err).as("subset " + Arrays.toString(subset) + " row " + j).isLessThan(1e-12);
            }
        }
        InfluenceMatrix k = estimator().withSolver(IHVPSolver.kfac()).influenceOnEach(TESTS);
        assertThat(k.diagnostics().solverResult(0).stopReason()).isEqualTo(StopReason.APPROXIMATE);
        assertThat(k.diagnostics().solverResult(0).iterations()).isZero();
    }

    @Test
    void topKMatchesSortingTheMatrix() {
        InfluenceEstimator est = estimator();
        InfluenceMatrix m = est.influenceOnEach(TESTS);
        InfluenceSinks.TopK top = InfluenceSinks.topK(5);
        est.influenceOnEach(TESTS, top);
        for (int q = 0; q < 7; q++) {
            double[] v = m.scores(q).toDoubleArray();
            int[] order = IntStream.range(0, v.length).boxed().sorted(Comparator.comparingDouble(i -> v[i]))
                    .mapToInt(Integer::intValue).toArray();
            InfluenceSinks.TopInfluences t = top.result().get(q);
            assertThat(t.helpful()).containsExactly(Arrays.copyOf(order, 5));
            int[] harmful = IntStream.range(0, 5).map(i -> order[order.length - 1 - i]).toArray();
            assertThat(t.harmful()).containsExactly(harmful);
            assertThat(t.helpfulScores()[0]).isEqualTo(v[order[0]]);
        }
        assertThatThrownBy(() -> InfluenceSinks.topK(0)).hasMessageContaining("k (0)");
        assertThatThrownBy(() -> InfluenceSinks.topK(3).result()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void csvAndBinaryFilesHoldTheMatrix(@TempDir Path dir) throws Exception {
        InfluenceEstimator est = estimator();
        InfluenceMatrix m = est.influenceOnEach(TESTS);
        Path csv = dir.resolve("scores.csv");
        Path bin = dir.resolve("scores.bin");
        est.influenceOnEach(TESTS, InfluenceSinks.csv(csv, null, false));
        est.influenceOnEach(TESTS, InfluenceSinks.binary(bin, false));
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines).hasSize(91);
        assertThat(lines.get(0)).isEqualTo("train_index,query_0,query_1,query_2,query_3,query_4,query_5,query_6");
        for (int i = 0; i < 90; i++) {
            String[] f = lines.get(i + 1).split(",");
            assertThat(Integer.parseInt(f[0])).isEqualTo(i);
            for (int q = 0; q < 7; q++) {
                assertThat(Double.parseDouble(f[q + 1])).isEqualTo(m.value(q, i));
            }
        }
        try (DataInputStream in = new DataInputStream(Files.newInputStream(bin))) {
            byte[] magic = new byte[8];
            in.readFully(magic);
            assertThat(new String(magic, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("I4JINFL1");
            assertThat(in.readInt()).isEqualTo(7);
            assertThat(in.readInt()).isEqualTo(90);
            for (int i = 0; i < 90; i++) {
                for (int q = 0; q < 7; q++) {
                    assertThat(in.readDouble()).isEqualTo(m.value(q, i));
                }
            }
            assertThat(in.read()).isEqualTo(-1);
        }
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
                    .containsExactly("scores.bin", "scores.csv"); // no temporary files left
        }
    }

    @Test
    void teeFeedsEverySinkAndFilesGetTheUsualPermissions(@TempDir Path dir) throws Exception {
        InfluenceEstimator est = estimator();
        Path bin = dir.resolve("scores.bin");
        InfluenceSinks.TopK top = InfluenceSinks.topK(3);
        est.influenceOnEach(TESTS, InfluenceSinks.all(InfluenceSinks.binary(bin, false), top));
        assertThat(top.result()).hasSize(7);
        assertThat(Files.size(bin)).isEqualTo(16 + 8L * 7 * 90);
        Path reference = Files.createFile(dir.resolve("reference"));
        if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
            assertThat(Files.getPosixFilePermissions(bin)).isEqualTo(Files.getPosixFilePermissions(reference));
        }
        // a sink whose begin fails: the sinks begun before it are aborted (no partial file)
        Path csv = dir.resolve("partial.csv");
        InfluenceSink failing = new InfluenceSink() {
            @Override
            public void begin(int queries, int examples) {
                throw new IllegalStateException("cannot begin");
            }

            @Override
            public void accept(int firstExample, INDArray scores) {
            }
        };
        assertThatThrownBy(() -> est.influenceOnEach(TESTS, InfluenceSinks.all(InfluenceSinks.csv(csv, null, false),
                failing))).hasMessageContaining("cannot begin");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
                    .containsExactly("reference", "scores.bin");
        }
        assertThatThrownBy(() -> InfluenceSinks.all()).hasMessageContaining("sinks is empty");
    }

    @Test
    void existingFilesAreRefusedAndNeverTouchedByAFailedRun(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("old.csv");
        Files.writeString(csv, "earlier results\n");
        assertThatThrownBy(() -> InfluenceSinks.csv(csv, null, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(csv.toString())
                .hasMessageContaining("already exists");
        assertThatThrownBy(() -> InfluenceSinks.binary(dir.resolve("missing/x.bin"), true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not exist");
        // overwriting allowed, but the run fails while scoring: the old file stays as it was
        InfluenceEstimator failing = estimator().withProgressListener((task, done, total) -> {
            if (task.equals("scoring")) {
                throw new IllegalStateException("stop");
            }
        });
        assertThatThrownBy(() -> failing.influenceOnEach(TESTS, InfluenceSinks.csv(csv, null, true)))
                .hasMessageContaining("stop");
        assertThat(Files.readString(csv)).isEqualTo("earlier results\n");
        try (var files = Files.list(dir)) {
            assertThat(files.count()).isEqualTo(1);
        }
        assertThatThrownBy(() -> estimator().influenceOnEach(TESTS, InfluenceSinks.csv(dir.resolve("n.csv"),
                List.of("a", "b"), false))).hasMessageContaining("queryNames has 2 names for 7 test points");
        assertThat(dir.resolve("n.csv")).doesNotExist();
    }

    @Test
    void inputsAreNotModifiedAndBadInputIsNamed() {
        INDArray x = TESTS.getFeatures().dup();
        INDArray t = TRAIN.getFeatures().dup();
        estimator().influenceOnEach(TESTS);
        assertThat(TESTS.getFeatures()).isEqualTo(x);
        assertThat(TRAIN.getFeatures()).isEqualTo(t);
        assertThatThrownBy(() -> estimator().influenceOnEach(null)).hasMessageContaining("testPoints");
        assertThatThrownBy(() -> estimator().influenceOnEach(TESTS, null)).hasMessageContaining("sink");
        DataSet wide = data(5, 2);
        DataSet bad = new DataSet(Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.DOUBLE, 2, 6), wide.getLabels());
        assertThatThrownBy(() -> estimator().influenceOnEach(bad)).isInstanceOf(IllegalArgumentException.class);
    }
}
