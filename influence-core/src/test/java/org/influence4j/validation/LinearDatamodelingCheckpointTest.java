package org.influence4j.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.influence4j.validation.LinearDatamodelingScoreTest.assertSameResults;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Resuming from the checkpoint file: after a failure, a cancellation or a crash that cut the last line, a resumed run
 * trains exactly what is missing and gives bit for bit the report of an uninterrupted run; a file written for another
 * configuration is rejected and left byte for byte as it was; a larger M extends a smaller one. Also cancellation
 * by interrupt.
 */
class LinearDatamodelingCheckpointTest {

    static final int M_TEST = 3;
    static final int N = 40;
    static final int SUBSETS = 12;
    static final int SEEDS = 2;
    static final int TOTAL = SUBSETS * SEEDS;
    static final double[][] W = SumTrainer.gaussian(M_TEST, N, 31);
    static final DataSet TEST = SumTrainer.testPoints(M_TEST);
    static final LinearDatamodelingScore LDS = LinearDatamodelingScore.defaults().withSubsets(SUBSETS)
            .withSeedsPerSubset(SEEDS).withBootstrap(100);

    @TempDir
    Path dir;

    static SumTrainer trainer() {
        return SumTrainer.noisy(W, 1.5);
    }

    /** Succeeds for the first {@code k} calls, then fails every call (a crash that keeps failing). */
    static final class FailAfter implements SubsetTrainer {
        final SumTrainer inner = trainer();
        final int k;
        final AtomicInteger calls = new AtomicInteger();

        FailAfter(int k) {
            this.k = k;
        }

        @Override
        public double[] measure(int[] subset, long seed, DataSet testPoints, Measurement measurement) {
            if (calls.incrementAndGet() > k) {
                throw new IllegalStateException("simulated crash");
            }
            return inner.measure(subset, seed, testPoints, measurement);
        }

        @Override
        public String describe() {
            return inner.describe(); // the same trainings as trainer(): the checkpoint applies to both
        }
    }

    static DatamodelReport uninterrupted() {
        return LDS.run(W, trainer(), TEST);
    }

    static List<String> lines(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8);
    }

    @Test
    void file_holdsTheHeaderAndOneExactLinePerTraining() throws IOException {
        Path file = dir.resolve("lds.txt");
        LinearDatamodelingScore oneSeed = LDS.withSeedsPerSubset(1).withCheckpoint(file);
        DatamodelReport r = oneSeed.run(W, trainer(), TEST);
        List<String> lines = lines(file);
        assertThat(lines).hasSize(1 + SUBSETS);
        assertThat(lines.get(0)).startsWith(LinearDatamodelingScore.CHECKPOINT_TAG + "\tn=40\tm=3\tfraction=0.5\t"
                + "seed=0\tmeasurement=LOSS\tseedsPerSubset=1\ttestPoints=sha256:").endsWith("\ttrainer="
                + trainer().describe());
        double[][] actual = r.actual();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(" ");
            assertThat(f).hasSize(2 + M_TEST);
            int j = Integer.parseInt(f[0]);
            assertThat(f[1]).isEqualTo("0");
            for (int t = 0; t < M_TEST; t++) {
                assertThat(Double.parseDouble(f[2 + t])).isEqualTo(actual[j][t]); // Double.toString round-trips
            }
        }
        assertThat(Files.readAllBytes(file)[(int) Files.size(file) - 1]).isEqualTo((byte) '\n');
    }

    @Test
    void afterATrainerFailure_resumingTrainsExactlyTheRest_andEqualsAnUninterruptedRun() throws IOException {
        Path file = dir.resolve("lds.txt");
        int k = 7;
        FailAfter failing = new FailAfter(k);
        Throwable t = catchThrowable(() -> LDS.withCheckpoint(file).run(W, failing, TEST));
        assertThat(t).isInstanceOf(IllegalStateException.class).hasMessage("simulated crash");
        assertThat(lines(file)).hasSize(1 + k); // one thread: exactly the k trainings that succeeded

        SumTrainer resumed = trainer();
        DatamodelReport r = LDS.withCheckpoint(file).run(W, resumed, TEST);
        assertThat(resumed.calls.get()).isEqualTo(TOTAL - k);
        assertThat(r.trainingsLoaded()).isEqualTo(k);
        assertThat(r.trainingsRun()).isEqualTo(TOTAL - k);
        assertSameResults(r, uninterrupted());
        assertThat(lines(file)).hasSize(1 + TOTAL);

        // a third run loads everything and trains nothing
        SumTrainer again = trainer();
        assertSameResults(LDS.withCheckpoint(file).run(W, again, TEST), uninterrupted());
        assertThat(again.calls.get()).isZero();
    }

    @Test
    void interruptFromTheListener_cancels_keepsTheFlag_andTheResumedRunEqualsAnUninterruptedOne() throws IOException {
        Path file = dir.resolve("lds.txt");
        int k = 5;
        LinearDatamodelingScore interrupting = LDS.withCheckpoint(file).withThreads(2).withListener(e -> {
            if (e.completed() == k) {
                Thread.currentThread().interrupt();
            }
        });
        Throwable t = catchThrowable(() -> interrupting.run(W, trainer(), TEST));
        boolean flag = Thread.interrupted(); // read and clear, so that JUnit's thread goes on uninterrupted
        assertThat(t).isInstanceOf(CancellationException.class).hasMessageContaining("interrupted");
        assertThat(flag).as("interrupt flag kept").isTrue();
        int kept = lines(file).size() - 1;
        assertThat(kept).isBetween(k, TOTAL); // k taken, maybe a few more that had finished: all recorded

        SumTrainer resumed = trainer();
        DatamodelReport r = LDS.withCheckpoint(file).withThreads(3).run(W, resumed, TEST);
        assertThat(r.trainingsLoaded()).isEqualTo(kept);
        assertThat(resumed.calls.get()).isEqualTo(TOTAL - kept);
        assertSameResults(r, uninterrupted());
    }

    @Test
    void interruptFromAnotherThread_endsASlowRunPromptly_withCancellation() throws Exception {
        SubsetTrainer slow = (subset, seed, testPoints, measurement) -> {
            long end = System.nanoTime() + 50_000_000L; // 50 ms of work that ignores interrupts
            while (System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            return new double[testPoints.numExamples()];
        };
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        Thread runner = new Thread(() -> {
            try {
                LinearDatamodelingScore.defaults().withThreads(2).run(W, slow, TEST); // 100 trainings: ~2.5 s
            } catch (Throwable e) {
                thrown.set(e);
            }
            flag.set(Thread.currentThread().isInterrupted());
        });
        runner.start();
        Thread.sleep(200);
        long interruptedAt = System.nanoTime();
        runner.interrupt();
        runner.join(5000);
        assertThat(runner.isAlive()).isFalse();
        assertThat((System.nanoTime() - interruptedAt) / 1e9).as("seconds to stop").isLessThan(1.0);
        assertThat(thrown.get()).isInstanceOf(CancellationException.class);
        assertThat(flag.get()).isTrue();
    }

    @Test
    void interruptedBeforeTheRun_throwsCancellation_withoutTraining() {
        SumTrainer trainer = trainer();
        Thread.currentThread().interrupt();
        Throwable t = catchThrowable(() -> LDS.run(W, trainer, TEST));
        boolean flag = Thread.interrupted();
        assertThat(t).isInstanceOf(CancellationException.class);
        assertThat(flag).isTrue();
        assertThat(trainer.calls.get()).isZero();
    }

    @Test
    void truncatedLastLine_isIgnored_trainedAgain_andTheFileRepaired() throws IOException {
        Path file = dir.resolve("lds.txt");
        LDS.withCheckpoint(file).run(W, trainer(), TEST);
        byte[] full = Files.readAllBytes(file);
        // drop the newline and two digits: what is left of the line still parses, as wrong numbers
        Files.write(file, Arrays.copyOf(full, full.length - 3));

        SumTrainer resumed = trainer();
        DatamodelReport r = LDS.withCheckpoint(file).run(W, resumed, TEST);
        assertThat(resumed.calls.get()).isEqualTo(1);
        assertThat(r.trainingsLoaded()).isEqualTo(TOTAL - 1);
        assertSameResults(r, uninterrupted());
        List<String> lines = lines(file);
        assertThat(lines).hasSize(1 + TOTAL);
        for (String line : lines.subList(1, lines.size())) {
            assertThat(line.split(" ")).hasSize(2 + M_TEST);
        }
        byte[] repaired = Files.readAllBytes(file);
        assertThat(repaired[repaired.length - 1]).isEqualTo((byte) '\n');
    }

    @Test
    void emptyFileOrHeaderCutShort_startsAfresh() throws IOException {
        Path file = dir.resolve("lds.txt");
        Files.write(file, new byte[0]);
        SumTrainer first = trainer();
        LDS.withCheckpoint(file).run(W, first, TEST);
        assertThat(first.calls.get()).isEqualTo(TOTAL);
        String header = lines(file).get(0);

        Files.writeString(file, header.substring(0, 25), StandardCharsets.UTF_8);
        SumTrainer second = trainer();
        assertSameResults(LDS.withCheckpoint(file).run(W, second, TEST), uninterrupted());
        assertThat(second.calls.get()).isEqualTo(TOTAL);
        assertThat(lines(file)).hasSize(1 + TOTAL).first().isEqualTo(header);
    }

    @Test
    void headerOfAnotherConfiguration_isRejected_namingTheField_andTheFileIsUnchanged() throws IOException {
        Path file = dir.resolve("lds.txt");
        LDS.withCheckpoint(file).run(W, trainer(), TEST);
        byte[] before = Files.readAllBytes(file);
        LinearDatamodelingScore at = LDS.withCheckpoint(file);

        double[][] wider = Arrays.stream(W).map(row -> Arrays.copyOf(row, N + 1)).toArray(double[][]::new);
        DataSet otherLabels = TEST.copy();
        otherLabels.getLabels().putScalar(0, 0, 7.0);
        double[][] fewer = Arrays.copyOf(W, 2);
        SumTrainer otherTrainer = SumTrainer.noisy(W, 2.5);
        List<Object[]> cases = List.of(
                new Object[] {"fraction", (Runnable) () -> at.withFraction(0.4).run(W, trainer(), TEST)},
                new Object[] {"seed", (Runnable) () -> at.withSeed(1).run(W, trainer(), TEST)},
                new Object[] {"measurement", (Runnable) () -> at.withMeasurement(Measurement.MARGIN)
                        .run(W, trainer(), TEST)},
                new Object[] {"seedsPerSubset", (Runnable) () -> at.withSeedsPerSubset(3).run(W, trainer(), TEST)},
                new Object[] {"trainer", (Runnable) () -> at.run(W, otherTrainer, TEST)},
                new Object[] {"testPoints", (Runnable) () -> at.run(W, trainer(), otherLabels)},
                new Object[] {"n", (Runnable) () -> at.run(wider, trainer(), TEST)},
                new Object[] {"m", (Runnable) () -> at.run(fewer, trainer(), SumTrainer.testPoints(2))});
        for (Object[] c : cases) {
            String field = (String) c[0];
            assertThatThrownBy(((Runnable) c[1])::run).as(field).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(file.toString()).hasMessageContaining(" " + field + "=")
                    .hasMessageContaining("delete the file or choose another checkpoint path");
            assertThat(Files.readAllBytes(file)).as(field + ": file unchanged").isEqualTo(before);
        }
        assertThat(otherTrainer.calls.get()).isZero();
    }

    @Test
    void notACheckpoint_orACorruptLine_isRejected_andTheFileIsUnchanged() throws IOException {
        Path foreign = Files.writeString(dir.resolve("notes.txt"), "my notes\nabout LDS\n");
        byte[] foreignBytes = Files.readAllBytes(foreign);
        assertThatThrownBy(() -> LDS.withCheckpoint(foreign).run(W, trainer(), TEST))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(foreign.toString())
                .hasMessageContaining("is not a linear datamodeling checkpoint").hasMessageContaining("my notes");
        assertThat(Files.readAllBytes(foreign)).isEqualTo(foreignBytes);

        Path file = dir.resolve("lds.txt");
        LDS.withCheckpoint(file).run(W, trainer(), TEST);
        List<String> lines = new java.util.ArrayList<>(lines(file));
        lines.set(3, "1 0 0.5 oops 0.25");
        Files.write(file, lines, StandardCharsets.UTF_8);
        byte[] corrupt = Files.readAllBytes(file);
        SumTrainer t = trainer();
        assertThatThrownBy(() -> LDS.withCheckpoint(file).run(W, t, TEST))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(file.toString())
                .hasMessageContaining("line 4 is corrupt").hasMessageContaining("oops");
        assertThat(Files.readAllBytes(file)).isEqualTo(corrupt);
        assertThat(t.calls.get()).isZero();
    }

    @Test
    void largerM_reusesTheTrainingsOfTheSmallerOne_andSmallerMLoadsAPart() throws IOException {
        Path file = dir.resolve("lds.txt");
        SumTrainer first = trainer();
        LDS.withSubsets(10).withCheckpoint(file).run(W, first, TEST);
        assertThat(first.calls.get()).isEqualTo(10 * SEEDS);

        SumTrainer extend = trainer();
        DatamodelReport r15 = LDS.withSubsets(15).withCheckpoint(file).run(W, extend, TEST);
        assertThat(extend.calls.get()).isEqualTo(5 * SEEDS);
        assertThat(r15.trainingsLoaded()).isEqualTo(10 * SEEDS);
        assertSameResults(r15, LDS.withSubsets(15).run(W, trainer(), TEST));

        byte[] before = Files.readAllBytes(file);
        SumTrainer shrink = trainer();
        DatamodelReport r5 = LDS.withSubsets(5).withCheckpoint(file).run(W, shrink, TEST);
        assertThat(shrink.calls.get()).isZero();
        assertThat(r5.trainingsLoaded()).isEqualTo(5 * SEEDS);
        assertSameResults(r5, LDS.withSubsets(5).run(W, trainer(), TEST));
        assertThat(Files.readAllBytes(file)).as("lines beyond M are kept").isEqualTo(before);
    }

    @Test
    void bootstrapAndThreads_areNotInTheHeader_changingThemReusesTheFile() {
        Path file = dir.resolve("lds.txt");
        LDS.withBootstrap(0).withCheckpoint(file).run(W, trainer(), TEST);
        SumTrainer t = trainer();
        DatamodelReport r = LDS.withBootstrap(100).withThreads(3).withCheckpoint(file).run(W, t, TEST);
        assertThat(t.calls.get()).isZero();
        assertSameResults(r, uninterrupted());
    }

    @Test
    void missingDirectoryOrADirectoryPath_isRejected_andNothingIsCreated() {
        Path missing = dir.resolve("no-such-dir").resolve("lds.txt");
        assertThatThrownBy(() -> LDS.withCheckpoint(missing).run(W, trainer(), TEST))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(missing.getParent().toString())
                .hasMessageContaining("does not exist");
        assertThat(Files.exists(missing.getParent())).isFalse();
        assertThatThrownBy(() -> LDS.withCheckpoint(dir).run(W, trainer(), TEST))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is a directory");
    }
}
