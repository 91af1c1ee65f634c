package org.influence4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The Armijo backtracking search against closed forms on one-dimensional quadratics. */
class LineSearchTest {

    /** R(θ) = ½·a·θ² at θ, with its gradient. */
    private record Quadratic(double a, double theta) implements LineSearch.Trial {
        @Override
        public double objective() {
            return 0.5 * a * theta * theta;
        }

        @Override
        public double[] gradient() {
            return new double[] {a * theta};
        }
    }

    @Test
    void backtrack_halvesUntilArmijoHolds_asTheClosedFormPredicts() {
        // from θ = 1 along d = −g = −a: R(1 − α·a) ≤ R(1) − c·α·a² ⇔ α ≤ 2(1 − c)/a; for a = 10 the first
        // α = 2⁻ᵏ below 0.19998 is 1/8 (k = 3)
        double a = 10;
        var accepted = LineSearch.backtrack(0.5 * a, -a * a, a, 40, false, alpha -> new Quadratic(a, 1 - alpha * a));

        assertThat(accepted).isPresent();
        assertThat(accepted.get().step()).isEqualTo(0.125);
        assertThat(accepted.get().roundOff()).isFalse();
        assertThat(accepted.get().trial().theta()).isEqualTo(1 - 0.125 * a);
    }

    @Test
    void backtrack_stalls_onAnAscentDirection_andRejectsNonFiniteTrials() {
        var ascent = LineSearch.backtrack(0.5, 1.0, 1.0, 10, false, alpha -> new Quadratic(1, 1 + alpha));
        var nan = LineSearch.backtrack(0.5, -1.0, 1.0, 5, false, alpha -> new Quadratic(Double.NaN, 1));

        assertThat(ascent).isEmpty();
        assertThat(nan).isEmpty();
        assertThatThrownBy(() -> LineSearch.backtrack(0, -1, 1, 0, false, alpha -> new Quadratic(1, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxHalvings (0)");
    }

    /** A trial with a given objective and gradient. */
    private record Fixed(double objective, double[] gradient) implements LineSearch.Trial {
    }

    @Test
    void backtrack_acceptsByGradient_inTheRoundOffRegime_onlyWhenAsked() {
        // the trial's objective is one ulp above the start (Armijo fails) but within 16 ulp(1) = 3.6e-15 of it, and its
        // gradient is smaller: only the round-off rule accepts it
        double f0 = 0.5;
        Fixed trial = new Fixed(f0 + Math.ulp(f0), new double[] {1e-9});

        var withRule = LineSearch.backtrack(f0, -1e-30, 1e-8, 3, true, alpha -> trial);
        var without = LineSearch.backtrack(f0, -1e-30, 1e-8, 3, false, alpha -> trial);
        var largerGradient = LineSearch.backtrack(f0, -1e-30, 1e-10, 3, true, alpha -> trial);

        assertThat(withRule).isPresent();
        assertThat(withRule.get().roundOff()).isTrue();
        assertThat(withRule.get().step()).isEqualTo(1.0);
        assertThat(without).isEmpty();
        assertThat(largerGradient).isEmpty();
    }
}
