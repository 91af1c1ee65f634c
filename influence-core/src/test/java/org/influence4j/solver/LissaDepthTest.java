package org.influence4j.solver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.influence4j.hvp.HessianVectorProduct;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** LiSSA's depth requirement, {@code (s/λ)·ln(1/tol)}, stated by the diagnostics and the failure message, and true. */
class LissaDepthTest {

    @Test
    void depthForTolerance_isLogOfTheToleranceOverLogOfTheSlowestContraction() {
        SolverDiagnostics.Lissa d = new SolverDiagnostics.Lissa(40, true, 20, 1000, 1, 128, 42, 0, 1e-8, Double.NaN);
        // −ln(1 − λ/s) ≈ λ/s: (s/λ)·ln(1/tol) = 4000 · 18.42 ≈ 73,700
        assertThat(d.depthForTolerance(0.01)).isEqualTo(Math.ceil(Math.log(1e8) / -Math.log1p(-0.01 / 40)))
                .isCloseTo(4000 * Math.log(1e8), within(10.0));
        assertThat(d.depthForTolerance(0)).isNaN();
        SolverDiagnostics.Lissa noTolerance = new SolverDiagnostics.Lissa(40, true, 20, 1000, 1, 128, 42, 0, 0,
                Double.NaN);
        assertThat(noTolerance.depthForTolerance(0.01)).isEqualTo(d.depthForTolerance(0.01)); // the default tolerance
    }

    /**
     * A singular H (eigenvalues 0 … 1) damped by λ = 0.01: the scale is about 1.25, so the null direction contracts by
     * 1 − 0.008 per step and the default tolerance needs about 2,300 steps. The default depth of 1,000 stops short, the
     * failure says how deep to go, and that depth converges.
     */
    @Test
    void failure_namesTheDepthThatConverges_whenTheDefaultDepthCannot() {
        double[] spectrum = new double[20];
        for (int i = 0; i < spectrum.length; i++) {
            spectrum[i] = i / 19.0; // 0 … 1, one exact zero
        }
        HessianVectorProduct a = SolverFixtures.withSpectrum(spectrum, 5).operator().damped(0.01);
        INDArray b = SolverFixtures.gaussian(20, 6);
        SolverResult shallow = IHVPSolver.lissa().solve(a, b);
        assertThat(shallow.stopReason()).isEqualTo(StopReason.MAX_ITERATIONS);
        SolverDiagnostics.Lissa d = (SolverDiagnostics.Lissa) shallow.diagnostics();
        double needed = d.depthForTolerance(0.01);
        assertThat(needed).isBetween(1500.0, 4000.0);
        assertThat(shallow.failure(0.01).orElseThrow()).isInstanceOf(NotConvergedException.class)
                .hasMessageContaining("lissa solve did not converge")
                .hasMessageContaining(String.format(java.util.Locale.ROOT, "withDepth(%.0f)", needed))
                .hasMessageContaining("not 1000").hasMessageContaining("conjugateGradient");
        SolverResult deep = IHVPSolver.lissa().withDepth((int) needed).solve(a, b);
        assertThat(deep.converged()).isTrue();
        assertThat(deep.iterations()).isLessThanOrEqualTo((int) needed + LissaSolver.POWER_ITERATIONS);
    }

    @Test
    void failure_blamesTheSamplingNoise_whenTheDepthSufficesForTheDeterministicRecursion() {
        SolverFixtures.RidgeMiniBatch ridge = SolverFixtures.RidgeMiniBatch.random(1000, 6, 1.0, 800, 3);
        SolverResult r = IHVPSolver.lissa().withDepth(2000).solve(ridge.damped(1.0), SolverFixtures.gaussian(6, 4));
        assertThat(r.stopReason()).isEqualTo(StopReason.MAX_ITERATIONS);
        assertThat(r.failure(1.0).orElseThrow()).hasMessageContaining("mini-batch noise")
                .hasMessageContaining("withRepeats");
    }
}
