package org.influence4j.solver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.influence4j.hvp.HessianVectorProduct;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class LissaSolverTest extends SolverContractTest {

    @Override
    IHVPSolver solver() {
        return IHVPSolver.lissa().withSeed(7);
    }

    /**
     * Ridge Hessian over n = 1000 Gaussian examples, p = 6, regulariser 1 in every batch, batches of 800.
     * Eigenvalues ≈ 2 ± 0.15, so scale ≈ 4.3 and the step contracts by ≈ 0.5; the batch noise
     * ‖H_B − H‖ ≈ √(p(1 − B/n)/B) ≈ 0.04 gives a per-repeat relative error of about 0.01, and 8 repeats
     * bring it to ≈ 0.004, inside the 1e-2 tolerance with a margin of ~2.5.
     */
    private static SolverFixtures.RidgeMiniBatch ridge() {
        return SolverFixtures.RidgeMiniBatch.random(1000, 6, 1.0, 800, 3);
    }

    @Test
    void solve_matchesOracle_forWellConditionedDeterministicDampedOperator() {
        SolverFixtures.Problem problem = SolverFixtures.spd(40, 10, 5);
        INDArray b = SolverFixtures.gaussian(40, 6);
        SolverResult result = IHVPSolver.lissa().solve(problem.operator().damped(0.1), b);
        assertThat(result.converged()).isTrue();
        assertThat(SolverFixtures.relativeError(result.solution(), problem.oracle(b, 0.1)))
                .isLessThan(SolverFixtures.LISSA_RELATIVE_ERROR);
        SolverDiagnostics.Lissa d = (SolverDiagnostics.Lissa) result.diagnostics();
        assertThat(d.scaleEstimated()).isTrue();
        // power iteration approaches λmax = 10.1 from below; scale = 1.25·estimate
        assertThat(d.lambdaMaxEstimate()).isBetween(5.0, 10.1 + 1e-9);
        assertThat(d.scale()).isEqualTo(LissaSolver.DEFAULT_SAFETY * d.lambdaMaxEstimate());
        assertThat(d.batchSize()).isZero();
        assertThat(d.repeats()).isEqualTo(1);
    }

    @Test
    void solve_matchesOracle_forMiniBatchRidgeHessian() {
        SolverFixtures.RidgeMiniBatch ridge = ridge();
        INDArray b = SolverFixtures.gaussian(6, 4);
        double damping = 0.01;
        INDArray exact = IHVPSolver.exact()
                .solve(HessianVectorProduct.ofMatrix(ridge.fullMatrix()).damped(damping), b).solution();
        SolverResult result = IHVPSolver.lissa().withRepeats(8).withDepth(100).withSeed(9)
                .solve(ridge.damped(damping), b);
        SolverDiagnostics.Lissa d = (SolverDiagnostics.Lissa) result.diagnostics();
        assertThat(d.batchSize()).isEqualTo(800);
        assertThat(d.repeats()).isEqualTo(8);
        assertThat(d.seed()).isEqualTo(9);
        assertThat(d.spread()).isPositive();
        assertThat(d.scale()).isEqualTo(LissaSolver.DEFAULT_MINI_BATCH_SAFETY * d.lambdaMaxEstimate());
        assertThat(SolverFixtures.relativeError(result.solution(), exact)).isLessThan(SolverFixtures.LISSA_RELATIVE_ERROR);
        assertThat(result.relativeResidual()).isLessThan(SolverFixtures.LISSA_RELATIVE_ERROR);
    }

    @Test
    void solve_isReproducibleWithSameSeedAndVariesWithSeed_forMiniBatchOperator() {
        HessianVectorProduct h = ridge().damped(0.01);
        INDArray b = SolverFixtures.gaussian(6, 4);
        LissaSolver lissa = IHVPSolver.lissa().withDepth(50).withRepeats(2);
        double[] first = SolverFixtures.bits(lissa.withSeed(1).solve(h, b).solution());
        assertThat(SolverFixtures.bits(lissa.withSeed(1).solve(h, b).solution())).containsExactly(first);
        assertThat(SolverFixtures.bits(lissa.withSeed(2).solve(h, b).solution())).isNotEqualTo(first);
    }

    @Test
    void solve_flagsDivergenceWithNegativeCurvature_andItsFailureSaysIncreaseDamping_forIndefiniteOperator() {
        HessianVectorProduct h = SolverFixtures.withLeadingEigenvalues(30, new double[] {-1}, 1.3, 9.7, 8).operator();
        SolverResult r = IHVPSolver.lissa().withTolerance(0).solve(h, SolverFixtures.gaussian(30, 1));
        assertThat(r.converged()).isFalse();
        assertThat(r.stopReason()).isEqualTo(StopReason.DIVERGED);
        assertThat(r.solution().norm2Number().doubleValue()).isFinite();
        SolverDiagnostics.Lissa d = (SolverDiagnostics.Lissa) r.diagnostics();
        assertThat(d.divergenceCurvature()).isNegative(); // the growing direction is the eigenvalue −1
        DivergenceException e = (DivergenceException) r.failure(0).orElseThrow();
        assertThat(e.getMessage()).contains("LiSSA diverged").contains("negative eigenvalue")
                .contains("use a damping of at least");
        // one suggested-damping rule: λ + 2|θ| + margin, θ the curvature of the growing direction
        assertThat(r.suggestedDamping(0)).isGreaterThan(-2 * d.divergenceCurvature());
    }

    @Test
    void solve_flagsDivergenceNamingScale_whenScaleIsBelowHalfTheLargestEigenvalue() {
        SolverFixtures.Problem problem = SolverFixtures.spd(30, 10, 5); // λmax = 10
        SolverResult r = IHVPSolver.lissa().withScale(3).solve(problem.operator(), SolverFixtures.gaussian(30, 1));
        assertThat(r.stopReason()).isEqualTo(StopReason.DIVERGED);
        assertThat(((SolverDiagnostics.Lissa) r.diagnostics()).divergenceCurvature()).isGreaterThan(6);
        assertThat(r.failure(0).orElseThrow()).isInstanceOf(DivergenceException.class)
                .hasMessageContaining("2·scale").hasMessageContaining("use withScale(");
        assertThat(r.suggestedDamping(0)).isNaN(); // positive curvature: damping is not the remedy
    }

    @Test
    void iterations_countStepsAndPowerIterations() {
        INDArray b = SolverFixtures.gaussian(P, 2);
        SolverResult fixed = IHVPSolver.lissa().withScale(15).withTolerance(0).withDepth(40).solve(PROBLEM.operator(), b);
        assertThat(fixed.iterations()).isEqualTo(40);
        assertThat(fixed.converged()).isFalse();
        assertThat(fixed.stopReason()).isEqualTo(StopReason.MAX_ITERATIONS);
        assertThat(((SolverDiagnostics.Lissa) fixed.diagnostics()).lambdaMaxEstimate()).isNaN();
        SolverResult estimated = IHVPSolver.lissa().withTolerance(0).withDepth(40).solve(PROBLEM.operator(), b);
        assertThat(estimated.iterations()).isBetween(41, 40 + LissaSolver.POWER_ITERATIONS);
    }

    @Test
    void failure_isNotConvergedWithThePartialResult_whenDepthIsTooSmall() {
        SolverResult r = IHVPSolver.lissa().withDepth(3).solve(PROBLEM.operator(), SolverFixtures.gaussian(P, 1));
        NotConvergedException e = (NotConvergedException) r.failure(0.5).orElseThrow();
        assertThat(e.partialResult()).isSameAs(r);
        assertThat(e.partialResult().stopReason()).isEqualTo(StopReason.MAX_ITERATIONS);
        assertThat(e.getMessage()).contains("lissa solve did not converge").contains("depth (LiSSA)");
    }
}
