package org.influence4j.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.influence4j.bench.study.TestPoints;
import org.junit.jupiter.api.Test;

class TestPointOptionTest {

    /** Losses of 8 test examples: highest at 5 (ties with 6, the lower index wins), lower median at 1 (0.4). */
    private static final double[] LOSSES = {0.1, 0.4, 0.2, 0.3, 0.6, 0.9, 0.9, 0.5};

    private static int[] indices(List<TestPoints.Choice> c) {
        return c.stream().mapToInt(TestPoints.Choice::index).toArray();
    }

    @Test
    void entriesExpandInTheOrderGiven() {
        List<TestPoints.Choice> c = TestPointOption.resolveAll(List.of("7", "2-3", "highest-loss", " Median-Loss "),
                LOSSES);
        assertThat(indices(c)).containsExactly(7, 2, 3, 5, 1);
        assertThat(c.get(3).kind()).isEqualTo(TestPoints.Kind.HIGHEST_LOSS);
        assertThat(c.get(4).kind()).isEqualTo(TestPoints.Kind.MEDIAN_LOSS);
        assertThat(c.get(0).kind()).isEqualTo(TestPoints.Kind.INDEX);
        assertThat(c.get(0).loss()).isEqualTo(0.5);
        assertThat(indices(TestPointOption.resolveAll(List.of("4-4"), LOSSES))).containsExactly(4);
    }

    @Test
    void highestLosses_highestFirst_tiesByLowerIndex() {
        List<TestPoints.Choice> c = TestPointOption.highestLosses(3, LOSSES);
        assertThat(indices(c)).containsExactly(5, 6, 4);
        assertThat(c.get(0).kind()).isEqualTo(TestPoints.Kind.HIGHEST_LOSS);
        assertThat(c.get(1).kind()).isEqualTo(TestPoints.Kind.HIGH_LOSS);
        assertThat(indices(TestPointOption.highestLosses(1, LOSSES))).containsExactly(TestPoints.highestLoss(LOSSES));
        assertThatThrownBy(() -> TestPointOption.highestLosses(9, LOSSES))
                .hasMessage("--highest-loss (9) must be between 1 and the test set size (8)");
    }

    @Test
    void mistakesAreNamed_formBeforeAnyWork_rangeAndKeywordsAgainstTheTestSet() {
        assertThatThrownBy(() -> TestPointOption.checkSyntax(List.of())).hasMessageStartingWith("--test-point is empty");
        assertThatThrownBy(() -> TestPointOption.checkSyntax(List.of("2", "1-3")))
                .hasMessage("--test-point names test example 2 twice (as '2' and '1-3'); list each test example once");
        assertThatThrownBy(() -> TestPointOption.checkSyntax(List.of("0-9", "5-20")))
                .hasMessageContaining("test example 5 twice");
        assertThatThrownBy(() -> TestPointOption.checkSyntax(List.of("3 - 1")))
                .hasMessage("--test-point range 3 - 1 is descending; write 1-3");
        TestPointOption.checkSyntax(List.of("0-99999999999", "highest-loss")); // the size is only known later
        assertThatThrownBy(() -> TestPointOption.resolveAll(List.of("0-99999999999"), LOSSES))
                .hasMessage("--test-point range 0-99999999999 is out of range: the test set has 8 examples (0..7)");
        assertThatThrownBy(() -> TestPointOption.resolveAll(List.of("5", "highest-loss"), LOSSES))
                .hasMessage("--test-point names test example 5 twice (as '5' and 'highest-loss'); list each test "
                        + "example once");
        assertThatThrownBy(() -> TestPointOption.resolveAll(List.of("median-loss", "median-loss"), LOSSES))
                .hasMessageContaining("test example 1 twice ('median-loss' is listed twice)");
    }
}
