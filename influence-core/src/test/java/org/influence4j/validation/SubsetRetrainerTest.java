package org.influence4j.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.stream.IntStream;

import org.influence4j.model.DataSets;
import org.influence4j.model.NewtonOptions;
import org.influence4j.model.SoftmaxRegression;
import org.influence4j.testdata.Iris;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

/**
 * {@link SubsetRetrainer}: leave-one-out retrained from scratch through a {@link SubsetTrainer} with one seed for
 * every retraining. Oracles: the exact refit of a strictly convex model, and a synthetic trainer whose noise is a
 * function of the seed (it cancels in every difference only if all retrainings share the seed).
 */
class SubsetRetrainerTest {

    @Test
    void softmaxRegression_equalsTheExactRefit() {
        DataSet[] parts = Iris.split(Iris.load(), 30, 20210101L);
        DataSet train = parts[0];
        DataSet tests = DataSets.subset(parts[1], new int[] {0, 1, 2, 3, 4});
        NewtonOptions tight = NewtonOptions.defaults().withTolerance(1e-12);
        SoftmaxRegression model = SoftmaxRegression.fit(train, 0.01, tight).model();
        Retrainer exact = model.retrainer(train, tight);
        SubsetRetrainer fromScratch = SubsetRetrainer.builder(model.subsetTrainer(train, tight), train.numExamples())
                .seed(3).testPoints(tests).threads(2).build();
        List<int[]> removals = List.of(new int[0], new int[] {0}, new int[] {17}, new int[] {119}, new int[] {5, 9});
        fromScratch.prefetch(removals);
        assertThat(fromScratch.trainings()).isEqualTo(removals.size());
        for (int[] r : removals) {
            for (int t = 0; t < tests.numExamples(); t++) {
                DataSet one = DataSets.subset(tests, new int[] {t});
                assertThat(fromScratch.testLossWithout(r, one)).as("removed %s, test %d", java.util.Arrays.toString(r),
                        t).isCloseTo(exact.testLossWithout(r, one), within(1e-10));
            }
            // several registered rows: the mean of their losses
            assertThat(fromScratch.testLossWithout(r, tests)).isCloseTo(exact.testLossWithout(r, tests),
                    within(1e-10));
        }
        assertThat(fromScratch.trainings()).as("every answer came from the cached trainings")
                .isEqualTo(removals.size());

        // the same validation, the same report
        double[] scores = IntStream.range(0, train.numExamples()).mapToDouble(i -> Math.sin(i)).toArray();
        LeaveOneOutValidation loo = LeaveOneOutValidation.defaults().withIndices(new int[] {0, 17, 40, 119});
        DataSet t0 = DataSets.subset(tests, new int[] {0});
        ValidationReport a = loo.run(scores, exact, t0);
        ValidationReport b = loo.run(scores, fromScratch, t0);
        for (int i = 0; i < a.actual().length; i++) {
            assertThat(b.actual()[i]).isCloseTo(a.actual()[i], within(1e-10));
        }
    }

    @Test
    void everyRetrainingSharesTheSeed_soSeedNoiseCancels() {
        int n = 12;
        int m = 3;
        double sigma = 10.0; // noise far larger than any one example's effect
        SumTrainer trainer = SumTrainer.noisy(SumTrainer.gaussian(m, n, 5), sigma);
        DataSet tests = SumTrainer.testPoints(m);
        SubsetRetrainer r = SubsetRetrainer.builder(trainer, n).seed(77).testPoints(tests).build();
        for (int t = 0; t < m; t++) {
            DataSet one = DataSets.subset(tests, new int[] {t});
            double base = r.testLossWithout(new int[0], one);
            for (int i = 0; i < n; i++) {
                // Σ_{j≠i} w[t][j] + σε_t(77) − (Σ_j w[t][j] + σε_t(77)) = −w[t][i]
                assertThat(r.testLossWithout(new int[] {i}, one) - base).isCloseTo(-trainer.w[t][i], within(1e-9));
            }
        }
        assertThat(trainer.seen).allMatch(s -> s.endsWith("/77"));
        assertThat(trainer.calls.get()).as("one training per removal set for all test points").isEqualTo(n + 1);
        assertThat(trainer.seen).contains("[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]/77",
                "[0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11]/77");
    }

    @Test
    void unregisteredTestPoint_trainsForItself() {
        int n = 6;
        SumTrainer trainer = SumTrainer.noisy(SumTrainer.gaussian(1, n, 9), 0.5);
        SubsetRetrainer r = SubsetRetrainer.builder(trainer, n).seed(4).build();
        DataSet one = SumTrainer.testPoints(1);
        double base = r.testLossWithout(new int[0], one);
        double without2 = r.testLossWithout(new int[] {2}, one);
        assertThat(without2 - base).isCloseTo(-trainer.w[0][2], within(1e-12));
        assertThat(trainer.calls.get()).isEqualTo(2);
        r.prefetch(List.of(new int[] {1})); // nothing registered: nothing to prefetch
        assertThat(trainer.calls.get()).isEqualTo(2);
    }

    @Test
    void badInput_isNamed_andChangesNothing() {
        int n = 5;
        SumTrainer trainer = SumTrainer.exact(SumTrainer.gaussian(2, n, 1));
        DataSet tests = SumTrainer.testPoints(2);
        DataSet before = tests.copy();
        SubsetRetrainer r = SubsetRetrainer.builder(trainer, n).testPoints(tests).build();
        int[] removed = {4, 4};
        assertThatThrownBy(() -> r.testLossWithout(removed, tests)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("removed contains 4 twice");
        assertThat(removed).containsExactly(4, 4);
        assertThatThrownBy(() -> r.testLossWithout(new int[] {5}, tests))
                .hasMessageContaining("removed contains 5, out of range for 5 training examples");
        assertThatThrownBy(() -> r.prefetch(List.of(new int[] {0, 1, 2, 3, 4})))
                .hasMessageContaining("at least one must remain");
        assertThatThrownBy(() -> SubsetRetrainer.builder(trainer, 1)).hasMessageContaining("trainingExamples (1)");
        assertThatThrownBy(() -> SubsetRetrainer.builder(trainer, n).threads(0)).hasMessageContaining("threads");
        assertThat(trainer.calls.get()).as("no training before the arguments were checked").isZero();
        assertThat(tests).isEqualTo(before);

        SubsetTrainer broken = new SubsetTrainer() {
            @Override
            public double[] measure(int[] subset, long seed, DataSet testPoints, Measurement measurement) {
                return new double[] {Double.NaN, 1};
            }
        };
        SubsetRetrainer b = SubsetRetrainer.builder(broken, n).testPoints(tests).build();
        assertThatThrownBy(() -> b.testLossWithout(new int[0], tests)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("returned NaN for test example 0");
    }

    @Test
    void interruptedPrefetch_isCancelled_andKeepsTheFlag() {
        int n = 8;
        SumTrainer trainer = SumTrainer.exact(SumTrainer.gaussian(1, n, 2));
        SubsetRetrainer r = SubsetRetrainer.builder(trainer, n).testPoints(SumTrainer.testPoints(1)).build();
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> r.prefetch(List.of(new int[0], new int[] {1})))
                    .isInstanceOf(CancellationException.class);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(trainer.calls.get()).isZero();
    }
}
