package org.influence4j.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

import org.influence4j.validation.LeaveOneOutValidation.Selection;
import org.influence4j.validation.ValidationReport.Point;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The public selection, the prefetching {@code runAll}, and the detection of retrainings that left the warm start's
 * basin, against fake retrainers whose answers are known.
 */
class LeaveOneOutSelectionAndBasinTest {

    private static final DataSet TEST = LeaveOneOutValidationTest.TEST;

    @Test
    void selection_isExactlyWhatRunRetrains_inReportOrder() {
        double[] s = LeaveOneOutValidationTest.scores(40);
        LeaveOneOutValidation loo = LeaveOneOutValidation.defaults().withTopK(5).withRandomSample(4).withSeed(7);
        LeaveOneOutValidationTest.FakeRetrainer r = new LeaveOneOutValidationTest.FakeRetrainer(s);

        List<Selection> selection = loo.selection(s);
        ValidationReport report = loo.run(s, r, TEST);

        assertThat(selection).extracting(Selection::index)
                .containsExactlyElementsOf(report.points().stream().map(Point::index).toList());
        assertThat(selection).extracting(Selection::reason)
                .containsExactlyElementsOf(report.points().stream().map(Point::reason).toList());
        assertThat(r.calls.subList(1, r.calls.size())).extracting(c -> c[0])
                .containsExactlyElementsOf(selection.stream().map(Selection::index).toList());
        assertThatThrownBy(() -> loo.selection(new double[] {1, Double.NaN}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scores contains NaN at index 1");
    }

    /** Records prefetches; answers like {@link LeaveOneOutValidationTest.FakeRetrainer}. */
    static final class PrefetchingRetrainer extends LeaveOneOutValidationTest.FakeRetrainer {
        final List<List<String>> prefetched = new ArrayList<>();

        PrefetchingRetrainer(double[] scores) {
            super(scores);
        }

        @Override
        public void prefetch(Collection<int[]> removals) {
            prefetched.add(removals.stream().map(Arrays::toString).toList());
        }
    }

    @Test
    void runAll_prefetchesEveryRemovalSetOnce_thenEqualsSeparateRuns() {
        double[] s1 = LeaveOneOutValidationTest.scores(30);
        double[] s2 = s1.clone();
        s2[0] = 100; // a different top point
        LeaveOneOutValidation loo = LeaveOneOutValidation.defaults().withTopK(3).withRandomSample(2).withSeed(1);
        PrefetchingRetrainer r = new PrefetchingRetrainer(s1);

        List<ValidationReport> all = loo.runAll(List.of(s1, s2), r, List.of(TEST, TEST));

        assertThat(r.prefetched).hasSize(1);
        List<String> expected = new ArrayList<>(List.of("[]"));
        for (double[] s : List.of(s1, s2)) {
            for (Selection sel : loo.selection(s)) {
                String k = "[" + sel.index() + "]";
                if (!expected.contains(k)) {
                    expected.add(k);
                }
            }
        }
        assertThat(r.prefetched.get(0)).containsExactlyElementsOf(expected);
        assertThat(all.get(0).actual()).containsExactly(loo.run(s1, r, TEST).actual());
        assertThat(all.get(1).actual()).containsExactly(loo.run(s2, r, TEST).actual());
        assertThatThrownBy(() -> loo.runAll(List.of(s1), r, List.of(TEST, TEST)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scores has 1 vectors")
                .hasMessageContaining("testPoints has 2");
    }

    /**
     * Actual change = predicted for ordinary points, parameter distance 0.01·(1 + i/n); points 1 and 2 jump to another
     * optimum: distance 1 and actual change +1.6 / +2.0 (the pattern seen with L-BFGS on an SGD-trained network).
     */
    static final class JumpingRetrainer implements Retrainer {
        final double[] scores;
        final double scale; // actual = scale · predicted for ordinary points

        JumpingRetrainer(double[] scores, double scale) {
            this.scores = scores;
            this.scale = scale;
        }

        @Override
        public double testLossWithout(int[] removed, DataSet testPoint) {
            if (removed.length == 0) {
                return 1.0;
            }
            int i = removed[0];
            return 1.0 + (i == 1 ? 1.6 : i == 2 ? 2.0 : scale * -scores[i] / scores.length);
        }

        @Override
        public double parameterDistance(int[] removed) {
            int i = removed[0];
            return i == 1 || i == 2 ? 1.0 : 0.01 * (1 + (double) i / scores.length);
        }
    }

    @Test
    void retrainingsThatLeftTheBasin_areFlagged_andLeftOutOfTheAgreement() {
        int n = 20;
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = Math.sin(1.0 + i) * (1 + i % 3); // predicted = −s/n, |predicted| ≤ 0.15
        }
        LeaveOneOutValidation loo = LeaveOneOutValidation.defaults().withIndices(
                java.util.stream.IntStream.range(0, 16).toArray());

        ValidationReport report = loo.run(s, new JumpingRetrainer(s, 1.0), TEST);

        assertThat(report.leftBasinCount()).isEqualTo(2);
        assertThat(report.leftBasin()).extracting(Point::index).containsExactly(1, 2);
        assertThat(report.points().get(1).parameterDistance()).isEqualTo(1.0);
        assertThat(report.points().get(3).leftBasin()).isFalse();
        // the other 14 points agree exactly: the headline agreement is perfect, the all-points one is not
        assertThat(report.all().count()).isEqualTo(14);
        assertThat(report.all().pearson()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(report.allPoints().count()).isEqualTo(16);
        assertThat(report.allPoints().pearson()).isLessThan(0.5);
        assertThat(report.toString()).contains("left basin=2");
    }

    @Test
    void anInaccurateEstimator_isNotFlagged_whenEveryRetrainingIsASmallStep() {
        int n = 20;
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = Math.sin(1.0 + i);
        }
        // every actual change 30× its prediction (beyond the factor 10), but no retraining moved far
        Retrainer inaccurate = new Retrainer() {
            @Override
            public double testLossWithout(int[] removed, DataSet testPoint) {
                return removed.length == 0 ? 1.0 : 1.0 + 30.0 * -s[removed[0]] / n;
            }

            @Override
            public double parameterDistance(int[] removed) {
                return 0.01 * (1 + removed[0] % 3);
            }
        };
        LeaveOneOutValidation loo = LeaveOneOutValidation.defaults().withTopK(10).withRandomSample(0);

        ValidationReport report = loo.run(s, inaccurate, TEST);

        assertThat(report.leftBasinCount()).isZero();
        assertThat(report.all()).isEqualTo(report.allPoints());
    }

    @Test
    void withoutReportedDistances_nothingIsFlagged() {
        double[] s = LeaveOneOutValidationTest.scores(20);
        ValidationReport report = LeaveOneOutValidation.defaults().withTopK(5).withRandomSample(0)
                .run(s, (removed, t) -> removed.length == 0 ? 0.0 : 1e3, TEST);

        assertThat(report.points()).allSatisfy(p -> {
            assertThat(p.parameterDistance()).isNaN();
            assertThat(p.leftBasin()).isFalse();
        });
    }
}
