package org.influence4j.bench.progress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ProgressTest {

    @Test
    void start_drawsNothingWithoutTerminal_butCountsSteps() {
        // surefire runs tests without a console, so even a requested bar is not drawn
        try (Progress p = Progress.start("loop", 10, true)) {
            p.step();
            p.stepBy(3);
            p.message("rho = 0.9");
            assertThat(p.isShown()).isEqualTo(System.console() != null);
            assertThat(p.done()).isEqualTo(4);
            assertThat(p.total()).isEqualTo(10);
        }
        assertThat(Progress.shouldShow(false)).isFalse();
    }

    @Test
    void rejectsNegativeCounts() {
        assertThatThrownBy(() -> Progress.start("x", -1, false)).hasMessage("total (-1) must be >= 0");
        assertThatThrownBy(() -> Progress.disabled(1).stepBy(-2)).hasMessage("steps (-2) must be >= 0");
    }
}
