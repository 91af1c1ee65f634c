package org.influence4j.solver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.ArrayList;
import java.util.List;

import org.influence4j.hvp.HessianVectorProduct;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ConjugateGradientSolverTest extends SolverContractTest {

    @Override
    IHVPSolver solver() {
        return IHVPSolver.conjugateGradient();
    }

    /** One negative eigenvalue (−2) among 1…10: CG must meet pᵀHp ≤ 0 before it can converge. */
    private static SolverFixtures.Problem indefinite() {
        return SolverFixtures.withLeadingEigenvalues(40, new double[] {-2}, 1, 10, 23);
    }

    @ParameterizedTest(name = "κ = {0}")
    @ValueSource(doubles = {1, 1e3, 1e6})
    void solve_meetsToleranceOnTrueResidual_forConditionNumbers(double kappa) {
        SolverFixtures.Problem problem = SolverFixtures.spd(60, kappa, 31);
        INDArray b = SolverFixtures.gaussian(60, 32);
        SolverResult result = IHVPSolver.conjugateGradient().solve(problem.operator(), b);
        assertThat(result.converged()).isTrue();
        assertThat(result.stopReason()).isEqualTo(StopReason.CONVERGED);
        double trueResidual = b.sub(problem.operator().apply(result.solution())).norm2Number().doubleValue();
        assertThat(trueResidual).isLessThanOrEqualTo(SolverFixtures.CG_TOLERANCE * result.rightHandSideNorm());
        assertThat(result.residualNorm()).isCloseTo(trueResidual, org.assertj.core.data.Offset.offset(1e-12));
        // ‖x − x*‖/‖x*‖ ≤ κ·‖r‖/‖b‖
        assertThat(SolverFixtures.relativeError(result.solution(), problem.oracle(b, 0)))
                .isLessThanOrEqualTo(kappa * SolverFixtures.CG_TOLERANCE);
        SolverDiagnostics.Cg diagnostics = (SolverDiagnostics.Cg) result.diagnostics();
        assertThat(diagnostics.minCurvature()).isGreaterThanOrEqualTo(1 - 1e-9);
        assertThat(diagnostics.maxCurvature()).isLessThanOrEqualTo(kappa * (1 + 1e-9));
    }

    @Test
    void solve_convergesInOneIteration_forIdentity() {
        SolverResult result = IHVPSolver.conjugateGradient()
                .solve(SolverFixtures.spd(20, 1, 1).operator(), SolverFixtures.gaussian(20, 2));
        assertThat(result.iterations()).isEqualTo(1);
    }

    @Test
    void solve_stopsWithNonPositiveCurvature_forIndefiniteOperator() {
        SolverFixtures.Problem problem = indefinite();
        SolverResult result = IHVPSolver.conjugateGradient().solve(problem.operator(), SolverFixtures.gaussian(40, 3));
        assertThat(result.converged()).isFalse();
        assertThat(result.stopReason()).isEqualTo(StopReason.NON_POSITIVE_CURVATURE);
        SolverDiagnostics.Cg diagnostics = (SolverDiagnostics.Cg) result.diagnostics();
        assertThat(diagnostics.minCurvature()).isLessThanOrEqualTo(0).isGreaterThanOrEqualTo(-2 - 1e-9);
        assertThat(result.residualNorm()).isFinite().isPositive();
    }

    @Test
    void failure_suggestsDampingThatMakesCgConverge_forIndefiniteOperator() {
        SolverFixtures.Problem problem = indefinite();
        INDArray b = SolverFixtures.gaussian(40, 3);
        SolverResult flagged = IHVPSolver.conjugateGradient().solve(problem.operator(), b);
        NotPositiveDefiniteException e = (NotPositiveDefiniteException) flagged.failure(0).orElseThrow();
        assertThat(e.curvature()).isLessThanOrEqualTo(0);
        assertThat(e.suggestedDamping()).isPositive().isEqualTo(flagged.suggestedDamping(0));
        assertThat(e.getMessage()).contains("not positive definite").contains("use a damping of at least")
                .contains("Gauss–Newton").doesNotContain("CLIP");

        HessianVectorProduct damped = problem.operator().damped(e.suggestedDamping());
        SolverResult result = IHVPSolver.conjugateGradient().solve(damped, b);
        assertThat(result.converged()).isTrue();
        assertThat(SolverFixtures.relativeError(result.solution(), problem.oracle(b, e.suggestedDamping())))
                .isLessThan(1e-6);
    }

    @Test
    void solve_returnsFlaggedResult_atIterationLimit() {
        SolverFixtures.Problem problem = SolverFixtures.spd(60, 1e6, 31);
        SolverResult result = IHVPSolver.conjugateGradient().withMaxIterations(5)
                .solve(problem.operator(), SolverFixtures.gaussian(60, 32));
        assertThat(result.converged()).isFalse();
        assertThat(result.stopReason()).isEqualTo(StopReason.MAX_ITERATIONS);
        assertThat(result.iterations()).isEqualTo(5);
        assertThat(result.relativeResidual()).isGreaterThan(SolverFixtures.CG_TOLERANCE);
    }

    @Test
    void failure_isNotConvergedWithPartialResult_atIterationLimit() {
        SolverFixtures.Problem problem = SolverFixtures.spd(60, 1e6, 31);
        SolverResult r = IHVPSolver.conjugateGradient().withMaxIterations(5)
                .solve(problem.operator(), SolverFixtures.gaussian(60, 32));
        NotConvergedException e = (NotConvergedException) r.failure(0).orElseThrow();
        assertThat(e.partialResult().converged()).isFalse();
        assertThat(e.partialResult().iterations()).isEqualTo(5);
        assertThat(e.getMessage()).contains("after 5 HVPs").contains("increase the iterations");
        assertThat(IHVPSolver.conjugateGradient().solve(problem.operator(), SolverFixtures.gaussian(60, 32))
                .failure(0)).isEmpty();
    }

    @Test
    void jacobiPreconditioner_reducesIterations_forBadlyScaledDiagonallyDominantMatrix() {
        // A = D^½ C D^½: C = I + small symmetric noise (well conditioned), D log-spaced over 1e-3…1e3
        int p = 50;
        java.util.Random rng = new java.util.Random(5);
        double[][] a = new double[p][p];
        double[] d = new double[p];
        for (int i = 0; i < p; i++) {
            d[i] = Math.pow(10, -3 + 6.0 * i / (p - 1));
        }
        for (int i = 0; i < p; i++) {
            for (int j = 0; j < i; j++) {
                double c = 0.3 / p * rng.nextGaussian();
                a[i][j] = c * Math.sqrt(d[i] * d[j]);
                a[j][i] = a[i][j];
            }
            a[i][i] = d[i];
        }
        INDArray matrix = Nd4j.createFromArray(a);
        HessianVectorProduct h = HessianVectorProduct.ofMatrix(matrix);
        INDArray b = SolverFixtures.gaussian(p, 6);
        SolverResult plain = IHVPSolver.conjugateGradient().solve(h, b);
        SolverResult jacobi = IHVPSolver.conjugateGradient().withJacobiPreconditioner(Nd4j.diag(matrix)).solve(h, b);
        assertThat(plain.converged()).isTrue();
        assertThat(jacobi.converged()).isTrue();
        assertThat(((SolverDiagnostics.Cg) jacobi.diagnostics()).preconditioned()).isTrue();
        assertThat(jacobi.iterations()).isLessThan(plain.iterations() / 2);
        assertThat(SolverFixtures.relativeError(jacobi.solution(), plain.solution())).isLessThan(1e-4);
    }

    @Test
    void jacobiPreconditioner_rejectsNonPositiveOrMisSizedDiagonal() {
        assertThatThrownBy(() -> IHVPSolver.conjugateGradient().withJacobiPreconditioner(Nd4j.createFromArray(1.0, 0.0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("diagonal");
        ConjugateGradientSolver cg = IHVPSolver.conjugateGradient().withJacobiPreconditioner(Nd4j.ones(3));
        assertThatThrownBy(() -> cg.solve(PROBLEM.operator(), SolverFixtures.gaussian(P, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Jacobi diagonal has length 3");
    }

    @Test
    void initialGuess_atSolution_costsOneCountedProduct() {
        INDArray b = SolverFixtures.gaussian(P, 8);
        SolverResult result = IHVPSolver.conjugateGradient().withInitialGuess(PROBLEM.oracle(b, 0))
                .solve(PROBLEM.operator(), b);
        assertThat(result.converged()).isTrue();
        assertThat(result.iterations()).isEqualTo(1);
    }

    @Test
    void listener_receivesOneEventPerIteration_endingBelowTolerance() {
        List<IterationListener.Event> events = new ArrayList<>();
        SolverResult result = IHVPSolver.conjugateGradient().withListener(events::add)
                .solve(PROBLEM.operator(), SolverFixtures.gaussian(P, 9));
        assertThat(events).hasSize(result.iterations());
        assertThat(events.get(events.size() - 1).measure()).isLessThanOrEqualTo(SolverFixtures.CG_TOLERANCE);
        assertThat(events).allSatisfy(e -> assertThat(e.solver()).isEqualTo("cg"));
    }

    @Test
    void configuration_isImmutableAndPrinted() {
        ConjugateGradientSolver base = IHVPSolver.conjugateGradient();
        ConjugateGradientSolver tuned = base.withTolerance(1e-4).withMaxIterations(7);
        assertThat(base.tolerance()).isEqualTo(1e-8);
        assertThat(base.maxIterations(30)).isEqualTo(300);
        assertThat(base.maxIterations(10_000_000)).isEqualTo(ConjugateGradientSolver.MAX_ITERATIONS_CAP);
        assertThat(tuned.maxIterations(30)).isEqualTo(7);
        assertThat(tuned.toString()).contains("tolerance=1.0E-4", "maxIterations=7");
        assertThatThrownBy(() -> base.withTolerance(Double.NaN)).hasMessageContaining("tolerance (NaN)");
    }
}
