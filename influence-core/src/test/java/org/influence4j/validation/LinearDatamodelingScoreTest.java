package org.influence4j.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import org.influence4j.Tolerances;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The protocol of {@link LinearDatamodelingScore} against synthetic trainers whose answer is known exactly: a
 * measurement equal to the summed scores has LDS 1, its negation −1, any strictly increasing transform of it 1
 * (Spearman only sees ranks); subsets, seeds, threads, listener and argument checks.
 */
class LinearDatamodelingScoreTest {

    static final int M_TEST = 6;
    static final int N = 40;

    static double[][] deepCopy(double[][] a) {
        return Arrays.stream(a).map(double[]::clone).toArray(double[][]::new);
    }

    // ------------------------------------------------------------------------------------------------ exact answers

    @Test
    void measurementEqualToTheSummedScores_givesLdsOne_andIntervalsOfOne() {
        double[][] w = SumTrainer.gaussian(M_TEST, N, 1);
        DatamodelReport r = LinearDatamodelingScore.defaults().withSubsets(30).withBootstrap(200)
                .run(w, SumTrainer.exact(w), SumTrainer.testPoints(M_TEST));
        assertThat(r.lds()).isEqualTo(1.0);
        assertThat(r.ldsLow()).isEqualTo(1.0);
        assertThat(r.ldsHigh()).isEqualTo(1.0);
        for (DatamodelReport.Point p : r.points()) {
            assertThat(p.spearman()).isEqualTo(1.0);
            assertThat(p.low()).isEqualTo(1.0);
            assertThat(p.high()).isEqualTo(1.0);
        }
        assertThat(r.excludedCount()).isZero();
        // predicted = Σ_{i∈S_j} w[t][i], the oracle summed here independently from subsets(n)
        int[][] sets = LinearDatamodelingScore.defaults().withSubsets(30).subsets(N);
        double[][] predicted = r.predicted();
        for (int j = 0; j < 30; j++) {
            for (int t = 0; t < M_TEST; t++) {
                double sum = 0;
                for (int i : sets[j]) {
                    sum += w[t][i];
                }
                assertThat(predicted[j][t]).isEqualTo(sum);
                assertThat(r.actual()[j][t]).isEqualTo(sum);
            }
        }
    }

    @Test
    void negatedMeasurement_givesLdsMinusOne() {
        double[][] w = SumTrainer.gaussian(M_TEST, N, 2);
        SumTrainer negated = new SumTrainer(w, x -> -x, 0, false, "negated");
        DatamodelReport r = LinearDatamodelingScore.defaults().withSubsets(25).withBootstrap(100)
                .run(w, negated, SumTrainer.testPoints(M_TEST));
        assertThat(r.lds()).isCloseTo(-1.0, within(Tolerances.ROUNDING));
        assertThat(r.ldsLow()).isCloseTo(-1.0, within(Tolerances.ROUNDING));
        assertThat(r.ldsHigh()).isCloseTo(-1.0, within(Tolerances.ROUNDING));
        for (double rho : r.spearman()) {
            assertThat(rho).isCloseTo(-1.0, within(Tolerances.ROUNDING));
        }
    }

    @Test
    void strictlyIncreasingTransformOfTheSum_givesLdsOne_spearmanSeesOnlyRanks() {
        double[][] w = SumTrainer.gaussian(M_TEST, N, 3);
        SumTrainer cubed = new SumTrainer(w, x -> x * x * x + Math.exp(x / 4), 0, false, "cubed");
        DatamodelReport r = LinearDatamodelingScore.defaults().withSubsets(40).withBootstrap(50)
                .run(w, cubed, SumTrainer.testPoints(M_TEST));
        assertThat(r.lds()).isEqualTo(1.0);
        assertThat(r.ldsLow()).isEqualTo(1.0);
    }

    @Test
    void margin_flipsTheSignOfTheAgreement() {
        double[][] w = SumTrainer.gaussian(M_TEST, N, 4);
        LinearDatamodelingScore margin = LinearDatamodelingScore.defaults().withSubsets(20).withBootstrap(0)
                .withMeasurement(Measurement.MARGIN);
        // a "margin" that rises with the summed scores disagrees: harmful points should lower it
        assertThat(margin.run(w, SumTrainer.exact(w), SumTrainer.testPoints(M_TEST)).lds())
                .isCloseTo(-1.0, within(Tolerances.ROUNDING));
        DatamodelReport agree = margin.run(w, new SumTrainer(w, x -> -x, 0, false, "neg"),
                SumTrainer.testPoints(M_TEST));
        assertThat(agree.lds()).isEqualTo(1.0);
        assertThat(agree.measurement()).isEqualTo(Measurement.MARGIN);
        // actual() is the raw measurement, without the sign
        assertThat(agree.actual()[0][0]).isEqualTo(-agree.predicted()[0][0]);
    }

    @Test
    void testPointWithConstantValues_isExcludedAndCounted() {
        double[][] w = SumTrainer.gaussian(3, N, 5);
        Arrays.fill(w[1], 0.25); // every subset sums to k·0.25: predicted constant, Spearman undefined
        DatamodelReport r = LinearDatamodelingScore.defaults().withSubsets(10).withBootstrap(20)
                .run(w, SumTrainer.noisy(w, 0.1), SumTrainer.testPoints(3));
        assertThat(r.point(1).excluded()).isTrue();
        assertThat(r.point(1).spearman()).isNaN();
        assertThat(r.point(1).low()).isNaN();
        assertThat(r.excludedCount()).isEqualTo(1);
        assertThat(r.lds()).isEqualTo((r.point(0).spearman() + r.point(2).spearman()) / 2);
    }

    @Test
    void noBootstrap_givesNaNBounds() {
        double[][] w = SumTrainer.gaussian(2, N, 6);
        DatamodelReport r = LinearDatamodelingScore.defaults().withSubsets(5).withBootstrap(0)
                .run(w, SumTrainer.exact(w), SumTrainer.testPoints(2));
        assertThat(r.lds()).isEqualTo(1.0);
        assertThat(r.ldsLow()).isNaN();
        assertThat(r.ldsHigh()).isNaN();
        assertThat(r.point(0).low()).isNaN();
        assertThat(r.bootstrapResamples()).isZero();
    }

    // ------------------------------------------------------------------------------------------------ subsets

    @Test
    void subsets_haveSizeFloorAlphaN_areSortedDistinctInRange_andReproducible() {
        LinearDatamodelingScore lds = LinearDatamodelingScore.defaults().withSubsets(50).withFraction(0.3);
        int[][] a = lds.subsets(57);
        assertThat(lds.subsetSize(57)).isEqualTo(17); // ⌊0.3·57⌋ = ⌊17.1⌋
        for (int[] s : a) {
            assertThat(s).hasSize(17);
            for (int q = 1; q < s.length; q++) {
                assertThat(s[q]).isGreaterThan(s[q - 1]); // sorted and distinct
            }
            assertThat(s[0]).isGreaterThanOrEqualTo(0);
            assertThat(s[s.length - 1]).isLessThan(57);
        }
        assertThat(lds.subsets(57)).isDeepEqualTo(a);
        assertThat(Arrays.stream(a).map(Arrays::toString).distinct().count()).isEqualTo(50);
        assertThat(lds.withSeed(1).subsets(57)[0]).isNotEqualTo(a[0]);
        // returned copies: changing them changes nothing
        a[0][0] = -5;
        assertThat(lds.subsets(57)[0][0]).isNotEqualTo(-5);
    }

    @Test
    void subsetJ_doesNotDependOnTheNumberOfSubsets() {
        int[][] small = LinearDatamodelingScore.defaults().withSubsets(10).withSeed(9).subsets(30);
        int[][] large = LinearDatamodelingScore.defaults().withSubsets(25).withSeed(9).subsets(30);
        assertThat(Arrays.copyOf(large, 10)).isDeepEqualTo(small);
    }

    @Test
    void everyIndex_isIncludedWithFrequencyAlpha_withinFiveBinomialStandardDeviations() {
        int n = 50;
        int subsets = 2000;
        LinearDatamodelingScore lds = LinearDatamodelingScore.defaults().withSubsets(subsets).withFraction(0.3);
        int[] count = new int[n];
        for (int[] s : lds.subsets(n)) {
            for (int i : s) {
                count[i]++;
            }
        }
        // each subset holds index i with probability k/n = 15/50 independently of the others: Binomial(2000, 0.3),
        // mean 600, sd √(2000·0.3·0.7) ≈ 20.5; P(any of 50 beyond 5 sd) < 50·5.7e-7 ≈ 3e-5
        double p = 15.0 / n;
        double sd = Math.sqrt(subsets * p * (1 - p));
        for (int i = 0; i < n; i++) {
            assertThat((double) count[i]).as("inclusions of index %d", i).isCloseTo(subsets * p, within(5 * sd));
        }
    }

    @Test
    void subsetSize_roundsAlphaNDown_snapsNearIntegers_andRejectsEmptyOrFullSubsets() {
        assertThat(LinearDatamodelingScore.defaults().subsetSize(101)).isEqualTo(50);
        assertThat(LinearDatamodelingScore.defaults().withFraction(0.29).subsetSize(100)).isEqualTo(29);
        assertThat(LinearDatamodelingScore.defaults().withFraction(0.5).subsetSize(2)).isEqualTo(1);
        assertThat(LinearDatamodelingScore.defaults().withFraction(0.999).subsetSize(10)).isEqualTo(9);
        assertThatThrownBy(() -> LinearDatamodelingScore.defaults().withFraction(0.01).subsetSize(40))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fraction (0.01)")
                .hasMessageContaining("n = 40").hasMessageContaining("raise the fraction");
        assertThatThrownBy(() -> LinearDatamodelingScore.defaults().withFraction(0.99999999999).subsetSize(10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("all 10 points")
                .hasMessageContaining("lower the fraction");
    }

    // ------------------------------------------------------------------------------------------------ seeds

    @Test
    void trainer_receivesTheDocumentedSeeds_seedPlusJPlusRTimesStride() {
        double[][] w = SumTrainer.gaussian(2, N, 7);
        SumTrainer trainer = SumTrainer.noisy(w, 0.5);
        LinearDatamodelingScore lds = LinearDatamodelingScore.defaults().withSubsets(4).withSeedsPerSubset(3)
                .withSeed(1000).withBootstrap(0);
        DatamodelReport r = lds.run(w, trainer, SumTrainer.testPoints(2));
        int[][] sets = lds.subsets(N);
        Set<String> expected = new HashSet<>();
        for (int j = 0; j < 4; j++) {
            for (int rep = 0; rep < 3; rep++) {
                long s = 1000 + j + rep * 1_000_003L;
                assertThat(lds.trainingSeed(j, rep)).isEqualTo(s);
                expected.add(Arrays.toString(sets[j]) + "/" + s);
            }
        }
        assertThat(trainer.seen).hasSize(12).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(trainer.calls.get()).isEqualTo(12);
        assertThat(r.seedsPerSubset()).isEqualTo(3);
        assertThat(r.trainingsRun()).isEqualTo(12);
        // actual = mean over the three seeds, summed in replicate order
        SplittableRandom[] g = {new SplittableRandom(1000), new SplittableRandom(1000 + 1_000_003L),
            new SplittableRandom(1000 + 2_000_006L)};
        double sum = 0;
        for (int i : sets[0]) {
            sum += w[0][i];
        }
        double mean = 0;
        for (SplittableRandom rng : g) {
            mean += sum + 0.5 * rng.nextGaussian();
        }
        assertThat(r.actual()[0][0]).isEqualTo(mean / 3);
    }

    @Test
    void seedIndependentTrainer_isTrainedOncePerSubset_whateverSeedsPerSubsetSays() {
        double[][] w = SumTrainer.gaussian(2, N, 8);
        SumTrainer trainer = SumTrainer.exact(w);
        DatamodelReport r = LinearDatamodelingScore.defaults().withSubsets(7).withSeedsPerSubset(5).withBootstrap(0)
                .run(w, trainer, SumTrainer.testPoints(2));
        assertThat(trainer.calls.get()).isEqualTo(7);
        assertThat(r.seedsPerSubset()).isEqualTo(1);
        assertThat(r.trainingsRun()).isEqualTo(7);
    }

    // ------------------------------------------------------------------------------------------------ threads

    @Test
    void results_areBitwiseTheSame_forOneAndThreeThreads() {
        double[][] w = SumTrainer.gaussian(5, N, 10);
        DataSet test = SumTrainer.testPoints(5);
        LinearDatamodelingScore lds = LinearDatamodelingScore.defaults().withSubsets(30).withSeedsPerSubset(2)
                .withBootstrap(300);
        DatamodelReport one = lds.run(w, SumTrainer.noisy(w, 2.0), test);
        DatamodelReport three = lds.withThreads(3).run(w, SumTrainer.noisy(w, 2.0), test);
        assertSameResults(three, one);
        assertThat(one.lds()).isBetween(0.3, 0.99); // noisy, so a real test of the reduction order
    }

    static void assertSameResults(DatamodelReport actual, DatamodelReport expected) {
        assertThat(Double.doubleToRawLongBits(actual.lds())).isEqualTo(Double.doubleToRawLongBits(expected.lds()));
        assertThat(Double.doubleToRawLongBits(actual.ldsLow()))
                .isEqualTo(Double.doubleToRawLongBits(expected.ldsLow()));
        assertThat(Double.doubleToRawLongBits(actual.ldsHigh()))
                .isEqualTo(Double.doubleToRawLongBits(expected.ldsHigh()));
        assertThat(actual.predicted()).isDeepEqualTo(expected.predicted());
        assertThat(actual.actual()).isDeepEqualTo(expected.actual());
        assertThat(actual.points()).isEqualTo(expected.points()); // records: Double.compare per component
        assertThat(actual.subsetCount()).isEqualTo(expected.subsetCount());
        assertThat(actual.seedsPerSubset()).isEqualTo(expected.seedsPerSubset());
    }

    @Test
    void listener_getsOneEventPerTraining_onTheCallingThread_inCompletionOrder() {
        double[][] w = SumTrainer.gaussian(2, N, 11);
        List<DatamodelListener.Progress> events = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        DatamodelReport r = LinearDatamodelingScore.defaults().withSubsets(6).withSeedsPerSubset(2).withThreads(3)
                .withBootstrap(0).withListener(e -> {
                    events.add(e);
                    threads.add(Thread.currentThread());
                }).run(w, SumTrainer.noisy(w, 1), SumTrainer.testPoints(2));
        assertThat(events).hasSize(12);
        assertThat(threads).containsOnly(Thread.currentThread());
        Set<String> pairs = new HashSet<>();
        for (int i = 0; i < events.size(); i++) {
            DatamodelListener.Progress e = events.get(i);
            assertThat(e.completed()).isEqualTo(i + 1);
            assertThat(e.total()).isEqualTo(12);
            assertThat(e.fromCheckpoint()).isZero();
            assertThat(e.elapsed().isNegative()).isFalse();
            pairs.add(e.subset() + "/" + e.replicate());
        }
        assertThat(pairs).hasSize(12);
        assertThat(r.trainingsRun()).isEqualTo(12);
        assertThat(r.trainingsLoaded()).isZero();
    }

    // ------------------------------------------------------------------------------------------------ inputs

    @Test
    void inputsAreNotModified_andTheNd4jOverloadGivesTheSameReport() {
        double[][] w = SumTrainer.gaussian(3, N, 12);
        double[][] before = deepCopy(w);
        DataSet test = SumTrainer.testPoints(3);
        INDArray x = test.getFeatures().dup();
        INDArray y = test.getLabels().dup();
        LinearDatamodelingScore lds = LinearDatamodelingScore.defaults().withSubsets(12).withBootstrap(50);
        DatamodelReport fromArrays = lds.run(w, SumTrainer.noisy(w, 1), test);
        assertThat(w).isDeepEqualTo(before);
        assertThat(test.getFeatures()).isEqualTo(x);
        assertThat(test.getLabels()).isEqualTo(y);

        INDArray scores = Nd4j.createFromArray(w);
        INDArray scoresCopy = scores.dup();
        DatamodelReport fromNd4j = lds.run(scores, SumTrainer.noisy(w, 1), test);
        assertThat(scores).isEqualTo(scoresCopy);
        assertSameResults(fromNd4j, fromArrays);
        // FLOAT scores are widened
        DatamodelReport fromFloat = lds.run(scores.castTo(DataType.FLOAT), SumTrainer.noisy(w, 1), test);
        assertThat(fromFloat.lds()).isCloseTo(fromArrays.lds(), within(0.05));

        // the report hands out copies
        double[][] p = fromArrays.predicted();
        p[0][0] = 1e9;
        assertThat(fromArrays.predicted()[0][0]).isNotEqualTo(1e9);
    }

    @Test
    void reportToString_isOneLine_withTheSummary() {
        double[][] w = SumTrainer.gaussian(2, N, 13);
        DatamodelReport r = LinearDatamodelingScore.defaults().withSubsets(5).withBootstrap(10)
                .run(w, SumTrainer.exact(w), SumTrainer.testPoints(2));
        assertThat(r.toString()).doesNotContain("\n").contains("LDS=1.0000").contains("subsets=5")
                .contains("SumTrainer[exact]");
        assertThat(r.subsetSize()).isEqualTo(20);
        assertThat(r.numTrainingPoints()).isEqualTo(N);
        assertThat(r.testPointCount()).isEqualTo(2);
        assertThat(r.fraction()).isEqualTo(0.5);
        assertThat(r.trainer()).isEqualTo("SumTrainer[exact]");
    }

    // ------------------------------------------------------------------------------------------------ configuration

    @Test
    void defaults_areTheDocumentedOnes() {
        LinearDatamodelingScore d = LinearDatamodelingScore.defaults();
        assertThat(d.subsetCount()).isEqualTo(100);
        assertThat(d.fraction()).isEqualTo(0.5);
        assertThat(d.seedsPerSubset()).isEqualTo(1);
        assertThat(d.seed()).isZero();
        assertThat(d.measurement()).isEqualTo(Measurement.LOSS);
        assertThat(d.bootstrapResamples()).isEqualTo(1000);
        assertThat(d.confidence()).isEqualTo(0.95);
        assertThat(d.threads()).isEqualTo(1);
        assertThat(d.listener()).isSameAs(DatamodelListener.NONE);
        assertThat(d.checkpoint()).isNull();
        // withX returns copies
        assertThat(d.withSubsets(7).subsetCount()).isEqualTo(7);
        assertThat(d.subsetCount()).isEqualTo(100);
    }

    @Test
    void badConfiguration_isRejected_namingTheArgumentAndValue() {
        LinearDatamodelingScore d = LinearDatamodelingScore.defaults();
        assertThatThrownBy(() -> d.withSubsets(2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("subsets (2)").hasMessageContaining(">= 3");
        for (double bad : new double[] {0, 1, Double.NaN, -0.5, 1.5}) {
            assertThatThrownBy(() -> d.withFraction(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("fraction (" + bad + ")");
        }
        assertThatThrownBy(() -> d.withSeedsPerSubset(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("seedsPerSubset (0)");
        assertThatThrownBy(() -> d.withBootstrap(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bootstrap resamples (-1)");
        for (double bad : new double[] {0, 1, Double.NaN}) {
            assertThatThrownBy(() -> d.withConfidence(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("confidence (" + bad + ")");
        }
        assertThatThrownBy(() -> d.withThreads(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("threads (0)");
        assertThatThrownBy(() -> d.withMeasurement(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("measurement");
        assertThatThrownBy(() -> d.withListener(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("listener");
    }

    @Test
    void badScoresOrTrainerOutput_areRejected_andInputsStayUnchanged() {
        double[][] w = SumTrainer.gaussian(3, N, 14);
        double[][] before = deepCopy(w);
        DataSet test = SumTrainer.testPoints(3);
        LinearDatamodelingScore lds = LinearDatamodelingScore.defaults().withSubsets(5).withBootstrap(0);
        SumTrainer ok = SumTrainer.exact(w);

        assertThatThrownBy(() -> lds.run(w, ok, SumTrainer.testPoints(2))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scores has 3 rows").hasMessageContaining("testPoints has 2");
        double[][] ragged = deepCopy(w);
        ragged[2] = Arrays.copyOf(ragged[2], N - 1);
        assertThatThrownBy(() -> lds.run(ragged, ok, test)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scores row 2 has length " + (N - 1)).hasMessageContaining("length " + N);
        double[][] nan = deepCopy(w);
        nan[1][7] = Double.NaN;
        assertThatThrownBy(() -> lds.run(nan, ok, test)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scores contains NaN at [1, 7]");
        double[][] one = {{1.0}};
        assertThatThrownBy(() -> lds.run(one, ok, SumTrainer.testPoints(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("length 1");
        assertThatThrownBy(() -> lds.run((double[][]) null, ok, test)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("scores");
        assertThatThrownBy(() -> lds.run(w, null, test)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("trainer");
        assertThatThrownBy(() -> lds.run(w, ok, null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("testPoints");
        assertThatThrownBy(() -> lds.run(Nd4j.ones(DataType.DOUBLE, N), ok, test))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scores has shape [" + N + "]");

        SubsetTrainer shortOutput = (s, seed, t, m) -> new double[] {1, 2};
        assertThatThrownBy(() -> lds.run(w, shortOutput, test)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("returned 2 values").hasMessageContaining("subset ")
                .hasMessageContaining("seed ").hasMessageContaining("expected 3");
        SubsetTrainer nanOutput = (s, seed, t, m) -> new double[] {1, Double.NaN, 3};
        assertThatThrownBy(() -> lds.run(w, nanOutput, test)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("returned NaN for test example 1").hasMessageContaining("seed ");
        SubsetTrainer failing = (s, seed, t, m) -> {
            throw new UnsupportedOperationException("trainer's own failure");
        };
        assertThatThrownBy(() -> lds.withThreads(2).run(w, failing, test))
                .isExactlyInstanceOf(UnsupportedOperationException.class).hasMessage("trainer's own failure");
        assertThat(w).isDeepEqualTo(before);
    }

    // ------------------------------------------------------------------------------------------------ bootstrap parts

    @Test
    void weightedSpearman_equalsSpearmanOfTheExpandedResample_withTies() {
        SplittableRandom rng = new SplittableRandom(15);
        for (int trial = 0; trial < 200; trial++) {
            int m = 3 + rng.nextInt(30);
            double[] x = new double[m];
            double[] y = new double[m];
            for (int j = 0; j < m; j++) {
                x[j] = rng.nextInt(5) == 0 ? 1.0 : rng.nextGaussian(); // ties between distinct subsets
                y[j] = rng.nextInt(4) == 0 ? (rng.nextBoolean() ? 0.0 : -0.0) : x[j] + rng.nextGaussian();
            }
            int[] count = new int[m];
            for (int q = 0; q < m; q++) {
                count[rng.nextInt(m)]++;
            }
            double[] ex = new double[m];
            double[] ey = new double[m];
            int at = 0;
            for (int j = 0; j < m; j++) {
                for (int c = 0; c < count[j]; c++) {
                    ex[at] = x[j];
                    ey[at++] = y[j];
                }
            }
            double expected = Correlations.spearman(ex, ey);
            double got = LinearDatamodelingScore.weightedSpearman(count, x, LinearDatamodelingScore.order(x), y,
                    LinearDatamodelingScore.order(y), new double[m], new double[m]);
            if (Double.isNaN(expected)) {
                assertThat(got).isNaN();
            } else {
                assertThat(got).as("trial %d", trial).isCloseTo(expected, within(Tolerances.ROUNDING));
            }
        }
    }

    @Test
    void quantile_interpolatesLinearly() {
        double[] v = {1, 2, 3, 4, 5};
        assertThat(LinearDatamodelingScore.quantile(v, 0)).isEqualTo(1);
        assertThat(LinearDatamodelingScore.quantile(v, 1)).isEqualTo(5);
        assertThat(LinearDatamodelingScore.quantile(v, 0.5)).isEqualTo(3);
        assertThat(LinearDatamodelingScore.quantile(v, 0.125)).isEqualTo(1.5);
        assertThat(LinearDatamodelingScore.quantile(new double[0], 0.5)).isNaN();
    }
}
