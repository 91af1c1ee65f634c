package org.influence4j.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.influence4j.validation.ValidationReport.Point;
import org.influence4j.validation.ValidationReport.Reason;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** The protocol of {@link LeaveOneOutValidation}, against a fake retrainer with a known answer. */
class LeaveOneOutValidationTest {

    static final double BASELINE = 2.0;
    static final DataSet TEST = new DataSet(Nd4j.zeros(DataType.DOUBLE, 1, 2), Nd4j.zeros(DataType.DOUBLE, 1, 2));

    /** Scores 0, ±1, ±2 … with alternating signs: |score| grows with the index, one exact tie (3 and 4). */
    static double[] scores(int n) {
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = (i % 2 == 0 ? 1 : -1) * i;
        }
        if (n > 4) {
            s[3] = 4;
        }
        return s;
    }

    /** Loss = baseline + Σ (−score/n)(1 + 0.1·i/n): agrees with the prediction up to a monotone distortion. */
    static class FakeRetrainer implements Retrainer {
        final double[] scores;
        final List<int[]> calls = new ArrayList<>();

        FakeRetrainer(double[] scores) {
            this.scores = scores;
        }

        @Override
        public double testLossWithout(int[] removed, DataSet testPoint) {
            calls.add(removed.clone());
            double loss = BASELINE;
            int n = scores.length;
            for (int i : removed) {
                loss += -scores[i] / n * (1 + 0.1 * i / n);
            }
            return loss;
        }
    }

    @Test
    void run_followsTheProtocol() {
        double[] s = scores(40);
        double[] copy = s.clone();
        FakeRetrainer r = new FakeRetrainer(s);
        List<ValidationListener.Progress> events = new ArrayList<>();
        ValidationReport report = LeaveOneOutValidation.defaults().withTopK(5).withRandomSample(4).withSeed(7)
                .withListener(events::add).run(s, r, TEST);

        assertThat(s).containsExactly(copy);
        assertThat(r.calls.get(0)).isEmpty(); // the baseline first
        assertThat(r.calls).hasSize(1 + 5 + 4);
        assertThat(report.baselineLoss()).isEqualTo(BASELINE);
        assertThat(report.numTrainingPoints()).isEqualTo(40);
        List<Point> pts = report.points();
        assertThat(pts.subList(0, 5)).extracting(Point::index).containsExactly(39, 38, 37, 36, 35);
        assertThat(pts.subList(0, 5)).extracting(Point::reason).containsOnly(Reason.TOP_K);
        assertThat(pts.subList(5, 9)).extracting(Point::reason).containsOnly(Reason.RANDOM);
        Set<Integer> distinct = new HashSet<>();
        pts.forEach(p -> distinct.add(p.index()));
        assertThat(distinct).hasSize(9);
        for (Point p : pts) {
            assertThat(p.score()).isEqualTo(s[p.index()]);
            assertThat(p.predicted()).isEqualTo(-s[p.index()] / 40);
            assertThat(p.actual()).isEqualTo(r.testLossWithout(new int[] {p.index()}, TEST) - BASELINE);
        }
        assertThat(report.all().count()).isEqualTo(9);
        assertThat(report.all().pearson()).isEqualTo(Correlations.pearson(report.predicted(), report.actual()));
        // the distortion is monotone except where predictions tie (indices 3 and 4)
        assertThat(report.all().spearman()).isGreaterThan(0.95);
        assertThat(report.topK().count()).isEqualTo(5);
        assertThat(report.seed()).isEqualTo(7);
        assertThat(events).extracting(ValidationListener.Progress::completed).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertThat(events).allMatch(e -> e.total() == 9);
        assertThat(report.toString()).contains("pearson", "top-k", "seed=7");
    }

    @Test
    void topK_breaksTiesByLowerIndex_andRandomSampleDependsOnlyOnSeed() {
        double[] s = {0, 1, -5, 5, 2, 0.5};
        ValidationReport r = LeaveOneOutValidation.defaults().withTopK(2).withRandomSample(0)
                .run(s, new FakeRetrainer(s), TEST);
        assertThat(r.points()).extracting(Point::index).containsExactly(2, 3);
        double[] big = scores(60);
        LeaveOneOutValidation v = LeaveOneOutValidation.defaults().withTopK(3).withRandomSample(10);
        int[] a = randomIndices(v.withSeed(1).run(big, new FakeRetrainer(big), TEST));
        int[] b = randomIndices(v.withSeed(1).run(big, new FakeRetrainer(big), TEST));
        int[] c = randomIndices(v.withSeed(2).run(big, new FakeRetrainer(big), TEST));
        assertThat(a).containsExactly(b);
        assertThat(a).isNotEqualTo(c);
    }

    @Test
    void explicitIndices_areRetrainedInOrder_andNDArrayScoresAreAccepted() {
        double[] s = scores(10);
        ValidationReport r = LeaveOneOutValidation.defaults().withIndices(4, 1, 7)
                .run(Nd4j.createFromArray(s), new FakeRetrainer(s), TEST);
        assertThat(r.points()).extracting(Point::index).containsExactly(4, 1, 7);
        assertThat(r.points()).extracting(Point::reason).containsOnly(Reason.EXPLICIT);
        assertThat(r.topK().count()).isZero();
        assertThat(r.topK().pearson()).isNaN();
        assertThat(LeaveOneOutValidation.defaults().withIndices(4, 1).withIndices().indices()).isEmpty();
    }

    @Test
    void badInputs_areRejected() {
        double[] s = scores(3);
        FakeRetrainer r = new FakeRetrainer(s);
        assertThatThrownBy(() -> LeaveOneOutValidation.defaults().withTopK(5).withRandomSample(0).run(s, r, TEST))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("k = 5").hasMessageContaining("n = 3");
        assertThatThrownBy(() -> LeaveOneOutValidation.defaults().withTopK(2).withRandomSample(2).run(s, r, TEST))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("topK + randomSample (2 + 2)");
        assertThatThrownBy(() -> LeaveOneOutValidation.defaults().withTopK(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("topK (-1)");
        assertThatThrownBy(() -> LeaveOneOutValidation.defaults().withIndices(1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duplicates");
        assertThatThrownBy(() -> LeaveOneOutValidation.defaults().withIndices(3).run(s, r, TEST))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("explicit index 3");
        assertThatThrownBy(() -> LeaveOneOutValidation.defaults().run(new double[] {1, Double.NaN}, r, TEST))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scores contains NaN at index 1");
        assertThatThrownBy(() -> LeaveOneOutValidation.defaults().run(new double[0], r, TEST))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scores is empty");
        Retrainer broken = (removed, test) -> removed.length == 0 ? 1.0 : Double.NaN;
        assertThatThrownBy(() -> LeaveOneOutValidation.defaults().withTopK(1).withRandomSample(0).run(s, broken, TEST))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("non-finite");
    }

    private static int[] randomIndices(ValidationReport r) {
        return r.points().stream().filter(p -> p.reason() == Reason.RANDOM).mapToInt(Point::index).toArray();
    }
}
