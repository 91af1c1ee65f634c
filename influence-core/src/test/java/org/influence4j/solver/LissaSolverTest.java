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
    void solve_throwsDivergenceSayingIncreaseScaleOrDamping_forIndefiniteOperator() {
        HessianVectorProduct h = SolverFixtures.withLeadingEigenvalues(30, new double[] {-1}, 1.3, 9.7, 8).operator();
        DivergenceException e = catchThrowableOfType(DivergenceException.class,
                () -> IHVPSolver.lissa().withTolerance(0).solve(h, SolverFixtures.gaussian(30, 1)));
        assertThat(e.getMessage()).contains("increase scale or damping").contains("negative eigenvalue");
    }

    @Test
    void solve_throwsDivergenceNamingScale_whenScaleIsBelowHalfTheLargestEigenvalue() {
        SolverFixtures.Problem problem = SolverFixtures.spd(30, 10, 5); // λmax = 10
        DivergenceException e = catchThrowableOfType(DivergenceException.class,
                () -> IHVPSolver.lissa().withScale(3).solve(problem.operator(), SolverFixtures.gaussian(30, 1)));
        assertThat(e.getMessage()).contains("increase scale or damping").contains("use scale >");
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
    void strictSolve_throwsNotConverged_whenDepthIsTooSmall() {
        NotConvergedException e = catchThrowableOfType(NotConvergedException.class,
                () -> IHVPSolver.lissa().withDepth(3).withStrict(true).solve(PROBLEM.operator(), SolverFixtures.gaussian(P, 1)));
        assertThat(e.partialResult().stopReason()).isEqualTo(StopReason.MAX_ITERATIONS);
        assertThat(e.getMessage()).contains("depth 3");
    }
}
