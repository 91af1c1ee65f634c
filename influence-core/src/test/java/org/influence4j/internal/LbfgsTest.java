package org.influence4j.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;

import org.junit.jupiter.api.Test;

class LbfgsTest {

    private static final Lbfgs.Options OPTIONS = new Lbfgs.Options(10, 40, false);

    /** Rosenbrock's function {@code (1 − a)² + 100(b − a²)²}, minimum 0 at (1, 1). */
    private static double rosenbrock(double[] x, double[] g) {
        double a = x[0];
        double b = x[1];
        g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
        g[1] = 200 * (b - a * a);
        return (1 - a) * (1 - a) + 100 * (b - a * a) * (b - a * a);
    }

    @Test
    void minimize_findsRosenbrockMinimum_toTolerance_andLeavesStartUnchanged() {
        double[] x0 = {-1.2, 1.0};
        Lbfgs.Result r = Lbfgs.minimize(LbfgsTest::rosenbrock, x0, 1e-10, 500, OPTIONS, Lbfgs.IterationHook.NONE);
        assertThat(r.converged()).isTrue();
        assertThat(r.stop()).isEqualTo(Lbfgs.Stop.CONVERGED);
        assertThat(r.gradientNorm()).isLessThanOrEqualTo(1e-10);
        assertThat(r.x()[0]).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.x()[1]).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.evaluations()).isGreaterThanOrEqualTo(r.iterations() + 1);
        assertThat(x0).containsExactly(-1.2, 1.0);
    }

    @Test
    void minimize_onQuadratic_isExactWithinDimensionPlusFewSteps_andDeterministic() {
        // f = ½ xᵀ diag(1..5) x − 1ᵀx, minimum x_i = 1/i
        Lbfgs.Objective f = (x, g) -> {
            double v = 0;
            for (int i = 0; i < x.length; i++) {
                g[i] = (i + 1) * x[i] - 1;
                v += 0.5 * (i + 1) * x[i] * x[i] - x[i];
            }
            return v;
        };
        Lbfgs.Result a = Lbfgs.minimize(f, new double[5], 1e-12, 100, new Lbfgs.Options(20, 40, true),
                Lbfgs.IterationHook.NONE);
        Lbfgs.Result b = Lbfgs.minimize(f, new double[5], 1e-12, 100, new Lbfgs.Options(20, 40, true),
                Lbfgs.IterationHook.NONE);
        assertThat(a.converged()).isTrue();
        for (int i = 0; i < 5; i++) {
            assertThat(a.x()[i]).isCloseTo(1.0 / (i + 1), org.assertj.core.data.Offset.offset(1e-11));
        }
        assertThat(a.x()).isEqualTo(b.x());
        assertThat(a.iterations()).isEqualTo(b.iterations());
    }

    @Test
    void minimize_stopsAtBudget_andHookSeesEveryIteration_andMayCancel() {
        List<Integer> seen = new ArrayList<>();
        Lbfgs.Result r = Lbfgs.minimize(LbfgsTest::rosenbrock, new double[] {-1.2, 1}, 0, 3, OPTIONS,
                (it, f, gn) -> seen.add(it));
        assertThat(r.stop()).isEqualTo(Lbfgs.Stop.MAX_ITERATIONS);
        assertThat(r.iterations()).isEqualTo(3);
        assertThat(seen).containsExactly(0, 1, 2);
        assertThatThrownBy(() -> Lbfgs.minimize(LbfgsTest::rosenbrock, new double[] {-1.2, 1}, 0, 10, OPTIONS,
                (it, f, gn) -> {
                    throw new CancellationException("stop");
                })).isInstanceOf(CancellationException.class);
    }

    @Test
    void minimize_reportsStall_whenNoStepDecreases() {
        // a "gradient" that is not the objective's: every step along −g increases f
        Lbfgs.Result r = Lbfgs.minimize((x, g) -> {
            g[0] = -1;
            return x[0];
        }, new double[] {0}, 1e-12, 10, new Lbfgs.Options(5, 5, false), Lbfgs.IterationHook.NONE);
        assertThat(r.stop()).isEqualTo(Lbfgs.Stop.LINE_SEARCH_STALLED);
        assertThat(r.converged()).isFalse();
        assertThat(r.iterations()).isZero();
    }

    @Test
    void badArguments_areRejectedNamingThem() {
        assertThatThrownBy(() -> new Lbfgs.Options(0, 1, false)).hasMessageContaining("memory (0)");
        assertThatThrownBy(() -> new Lbfgs.Options(1, 0, false)).hasMessageContaining("maxBacktracks (0)");
        assertThatThrownBy(() -> Lbfgs.minimize(LbfgsTest::rosenbrock, new double[2], Double.NaN, 1, OPTIONS,
                Lbfgs.IterationHook.NONE)).hasMessageContaining("tolerance (NaN)");
        assertThatThrownBy(() -> Lbfgs.minimize(LbfgsTest::rosenbrock, new double[2], 1, -1, OPTIONS,
                Lbfgs.IterationHook.NONE)).hasMessageContaining("maxIterations (-1)");
    }
}
