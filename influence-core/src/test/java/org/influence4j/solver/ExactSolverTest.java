package org.influence4j.solver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assumptions.assumeThat;

import org.influence4j.hvp.HessianVectorProduct;
import org.nd4j.linalg.api.buffer.DataType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ExactSolverTest extends SolverContractTest {

    @Override
    IHVPSolver solver() {
        return IHVPSolver.exact();
    }

    /** Spectrum {−0.5, 0, 0.1 … 5}: one negative and one zero eigenvalue. */
    private static SolverFixtures.Problem indefinite() {
        return SolverFixtures.withLeadingEigenvalues(30, new double[] {-0.5, 0}, 0.1, 5, 17);
    }

    @ParameterizedTest(name = "κ = {0}")
    @ValueSource(doubles = {1, 1e3, 1e6})
    void solve_matchesDenseOracle_forConditionNumbers(double kappa) {
        SolverFixtures.Problem problem = SolverFixtures.spd(60, kappa, 41);
        INDArray b = SolverFixtures.gaussian(60, 42);
        SolverResult result = IHVPSolver.exact().solve(problem.operator(), b);
        assertThat(result.stopReason()).isEqualTo(StopReason.DIRECT);
        assertThat(result.converged()).isTrue();
        assertThat(result.iterations()).isZero(); // closed form: no HVP
        assertThat(SolverFixtures.relativeError(result.solution(), problem.oracle(b, 0)))
                .isLessThanOrEqualTo(SolverFixtures.EXACT_ERROR_PER_KAPPA * kappa);
        SolverDiagnostics.Exact d = (SolverDiagnostics.Exact) result.diagnostics();
        assertThat(d.conditionNumber()).isCloseTo(kappa, org.assertj.core.data.Percentage.withPercentage(1e-6));
        assertThat(d.clipped()).isZero();
    }

    @Test
    void solve_spendsOneHvpPerParameter_forOperatorWithoutClosedForm() {
        SolverFixtures.Problem problem = SolverFixtures.spd(25, 100, 3);
        SolverFixtures.Counting h = new SolverFixtures.Counting(problem.operator());
        INDArray b = SolverFixtures.gaussian(25, 4);
        SolverResult result = IHVPSolver.exact().solve(h.damped(0.5), b);
        assertThat(result.iterations()).isEqualTo(25);
        assertThat(SolverFixtures.relativeError(result.solution(), problem.oracle(b, 0.5))).isLessThan(1e-12 * 100);
    }

    @Test
    void factorization_reusedAcrossDampings_matchesFreshSolves() {
        SolverFixtures.Problem problem = SolverFixtures.spd(40, 1e3, 9);
        INDArray b = SolverFixtures.gaussian(40, 10);
        SolverFixtures.Counting counting = new SolverFixtures.Counting(problem.operator());
        Curvature curvature = Curvature.of(counting);
        EigenFactorization f = IHVPSolver.exact().factorize(curvature);
        // the curvature is undamped: eigenvalues of H itself
        assertThat(f.eigenvalues().getDouble(0)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-10));
        assertThat(f.eigenvalues().getDouble(39)).isCloseTo(1e3, org.assertj.core.data.Offset.offset(1e-9));
        for (double damping : new double[] {0, 0.01, 1, 100}) {
            SolverResult reused = f.solve(b, damping);
            SolverResult fresh = IHVPSolver.exact().solve(problem.operator().damped(damping), b);
            assertThat(SolverFixtures.relativeError(reused.solution(), fresh.solution())).isLessThan(1e-12);
            assertThat(SolverFixtures.relativeError(reused.solution(), problem.oracle(b, damping))).isLessThan(1e-12 * 1e3);
            assertThat(((SolverDiagnostics.Exact) reused.diagnostics()).damping()).isEqualTo(damping);
            assertThat(reused.relativeResidual()).isLessThan(1e-12);
            // the prepared inverse of the same curvature reuses the cached decomposition
            SolverResult prepared = IHVPSolver.exact().prepare(curvature, damping).solve(b);
            assertThat(SolverFixtures.bits(prepared.solution())).containsExactly(SolverFixtures.bits(reused.solution()));
        }
        // p products formed the matrix once; each solve spent one product on its true residual (2 per damping)
        assertThat(counting.products()).isEqualTo(40 + 2 * 4);
        assertThat(IHVPSolver.exact().withPolicy(EigenvaluePolicy.ABSOLUTE).factorize(curvature).eigenvalues()
                .getDouble(0)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-10));
        assertThat(counting.products()).isEqualTo(48); // another policy: a view of the same decomposition
    }

    @Test
    void inverseQuadraticForms_matchOracle() {
        SolverFixtures.Problem problem = SolverFixtures.spd(20, 50, 12);
        EigenFactorization f = IHVPSolver.exact().factorize(problem.operator());
        INDArray rows = Nd4j.vstack(SolverFixtures.gaussian(20, 1).reshape(1, 20), SolverFixtures.gaussian(20, 2).reshape(1, 20),
                SolverFixtures.gaussian(20, 3).reshape(1, 20));
        double[] before = SolverFixtures.bits(rows);
        INDArray forms = f.inverseQuadraticForms(rows, 0.2);
        assertThat(forms.rank()).isEqualTo(1);
        assertThat(forms.length()).isEqualTo(3);
        for (int i = 0; i < 3; i++) {
            INDArray r = rows.getRow(i).dup();
            double expected = r.mul(problem.oracle(r, 0.2)).sumNumber().doubleValue(); // rᵀ(H + λI)⁻¹r
            assertThat(forms.getDouble(i)).isCloseTo(expected, org.assertj.core.data.Percentage.withPercentage(1e-9));
        }
        assertThat(SolverFixtures.bits(rows)).containsExactly(before);
        assertThatThrownBy(() -> f.inverseQuadraticForms(Nd4j.ones(2, 19), 0.2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rows has shape [2, 19]");
    }

    @Test
    void defaultPolicy_truncatesAndFlags_withSuggestedDampingThatMakesTheOperatorPositiveDefinite() {
        SolverFixtures.Problem problem = indefinite();
        INDArray b = SolverFixtures.gaussian(30, 5);
        SolverResult flagged = IHVPSolver.exact().solve(problem.operator().damped(0.1), b);
        assertThat(flagged.converged()).isFalse();
        assertThat(flagged.stopReason()).isEqualTo(StopReason.NOT_POSITIVE_DEFINITE);
        assertThat(((SolverDiagnostics.Exact) flagged.diagnostics()).policy()).isEqualTo(EigenvaluePolicy.TRUNCATE);
        NotPositiveDefiniteException e = (NotPositiveDefiniteException) flagged.failure(0.1).orElseThrow();
        assertThat(e.curvature()).isCloseTo(-0.4, org.assertj.core.data.Offset.offset(1e-12));
        // λ + 2·|μ_min| + 1e-6·(λ + |μ_min|) = 0.1 + 0.8 + 5e-7
        assertThat(e.suggestedDamping()).isCloseTo(0.9 + 5e-7, org.assertj.core.data.Offset.offset(1e-10));
        assertThat(e.getMessage()).contains("not positive definite").contains("smallest eigenvalue is -0.4")
                .contains("withDamping(0.900)").contains("TRUNCATE modified 1").doesNotContain("CLIP");
        double total = e.suggestedDamping();
        SolverResult exact = IHVPSolver.exact().solve(problem.operator().damped(total), b);
        assertThat(exact.converged()).isTrue();
        assertThat(exact.failure(total)).isEmpty();
        assertThat(SolverFixtures.relativeError(exact.solution(), problem.oracle(b, total))).isLessThan(1e-6);
        SolverResult cg = IHVPSolver.conjugateGradient().solve(problem.operator().damped(total), b);
        assertThat(cg.converged()).isTrue();
    }

    @Test
    void clipPolicy_replacesSmallEigenvaluesByThreshold() {
        SolverFixtures.Problem problem = indefinite();
        INDArray b = SolverFixtures.gaussian(30, 5);
        double eps = 1e-3;
        SolverResult result = IHVPSolver.exact().withPolicy(EigenvaluePolicy.CLIP).withClipThreshold(eps)
                .solve(problem.operator(), b);
        double tau = eps * 5.0; // ε·max|μ|
        double[] mu = problem.spectrum().clone();
        for (int i = 0; i < mu.length; i++) {
            mu[i] = Math.max(mu[i], tau);
        }
        assertThat(SolverFixtures.relativeError(result.solution(), problem.oracleWithSpectrum(b, mu))).isLessThan(1e-9);
        SolverDiagnostics.Exact d = (SolverDiagnostics.Exact) result.diagnostics();
        assertThat(d.clipped()).isEqualTo(2);
        assertThat(d.policy()).isEqualTo(EigenvaluePolicy.CLIP);
        assertThat(d.minEigenvalue()).isCloseTo(-0.5, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(d.conditionNumber()).isCloseTo(1 / eps, org.assertj.core.data.Percentage.withPercentage(1e-6));
    }

    @Test
    void truncatePolicy_isThePseudoInverseOfThePositivePart() {
        SolverFixtures.Problem problem = indefinite();
        INDArray b = SolverFixtures.gaussian(30, 5);
        double eps = 1e-3;
        SolverResult result = IHVPSolver.exact().withPolicy(EigenvaluePolicy.TRUNCATE).withClipThreshold(eps)
                .solve(problem.operator(), b);
        double[] mu = problem.spectrum().clone();
        for (int i = 0; i < mu.length; i++) {
            mu[i] = mu[i] > eps * 5.0 ? mu[i] : Double.POSITIVE_INFINITY; // weight 1/μ = 0
        }
        INDArray clipped = IHVPSolver.exact().withPolicy(EigenvaluePolicy.CLIP).withClipThreshold(eps)
                .solve(problem.operator(), b).solution();

        assertThat(SolverFixtures.relativeError(result.solution(), problem.oracleWithSpectrum(b, mu))).isLessThan(1e-9);
        SolverDiagnostics.Exact d = (SolverDiagnostics.Exact) result.diagnostics();
        assertThat(d.clipped()).isEqualTo(2);
        assertThat(d.policy()).isEqualTo(EigenvaluePolicy.TRUNCATE);
        assertThat(d.conditionNumber()).isCloseTo(5.0 / 0.1, org.assertj.core.data.Percentage.withPercentage(1e-6));
        // CLIP weights the two replaced directions by 1/τ: its solution is far larger than the truncated one
        assertThat(clipped.norm2Number().doubleValue()).isGreaterThan(10 * result.solution().norm2Number().doubleValue());
    }

    @Test
    void truncatePolicy_dropsEveryDirectionOfANegativeDefiniteOperator_toAFlaggedZero() {
        HessianVectorProduct negative = HessianVectorProduct.ofMatrix(Nd4j.createFromArray(
                new double[][] {{-2, 0}, {0, -1}}));
        SolverResult r = IHVPSolver.exact().solve(negative, Nd4j.createFromArray(1.0, 1.0));
        assertThat(r.solution().toDoubleVector()).containsExactly(0.0, 0.0);
        assertThat(r.stopReason()).isEqualTo(StopReason.NOT_POSITIVE_DEFINITE);
        assertThat(((SolverDiagnostics.Exact) r.diagnostics()).clipped()).isEqualTo(2);
        // suggested λ' = 0 + 2·2 + 1e-6·2 makes it positive definite
        assertThat(r.suggestedDamping(0)).isCloseTo(4 + 2e-6, org.assertj.core.data.Offset.offset(1e-12));
        SolverResult zero = IHVPSolver.exact().solve(HessianVectorProduct.ofMatrix(Nd4j.zeros(DataType.DOUBLE, 2, 2)),
                Nd4j.createFromArray(1.0, 1.0));
        assertThat(zero.solution().toDoubleVector()).containsExactly(0.0, 0.0);
        assertThat(zero.converged()).isFalse();
    }

    @Test
    void absolutePolicy_invertsAbsoluteEigenvalues() {
        SolverFixtures.Problem problem = indefinite();
        INDArray b = SolverFixtures.gaussian(30, 5);
        SolverResult result = IHVPSolver.exact().withPolicy(EigenvaluePolicy.ABSOLUTE).withClipThreshold(1e-3)
                .solve(problem.operator(), b);
        double[] mu = problem.spectrum().clone();
        for (int i = 0; i < mu.length; i++) {
            mu[i] = Math.max(Math.abs(mu[i]), 1e-3 * 5.0);
        }
        assertThat(SolverFixtures.relativeError(result.solution(), problem.oracleWithSpectrum(b, mu))).isLessThan(1e-9);
        assertThat(((SolverDiagnostics.Exact) result.diagnostics()).clipped()).isEqualTo(2); // −0.5 flipped, 0 raised
    }

    @Test
    void lapackeDsyevd_agreesWithNd4jEigenFallback() {
        assumeThat(ExactSolver.lapackeAvailable()).as("nd4j-native with its OpenBLAS binding").isTrue();
        SolverFixtures.Problem problem = SolverFixtures.spd(50, 100, 13);
        INDArray b = SolverFixtures.gaussian(50, 14);
        EigenFactorization lapacke = IHVPSolver.exact().withBackend(ExactSolver.Backend.LAPACKE_DSYEVD)
                .factorize(problem.operator());
        EigenFactorization eigen = IHVPSolver.exact().withBackend(ExactSolver.Backend.ND4J_EIGEN)
                .factorize(problem.operator());
        assertThat(lapacke.backend()).isEqualTo(ExactSolver.Backend.LAPACKE_DSYEVD);
        assertThat(eigen.backend()).isEqualTo(ExactSolver.Backend.ND4J_EIGEN);
        assertThat(IHVPSolver.exact().factorize(problem.operator()).backend()).isEqualTo(ExactSolver.Backend.LAPACKE_DSYEVD);
        assertThat(SolverFixtures.relativeError(eigen.eigenvalues(), lapacke.eigenvalues())).isLessThan(SolverFixtures.BACKENDS_AGREE);
        // eigenvectors are columns on both paths: H·V = V·diag(w)
        for (EigenFactorization f : new EigenFactorization[] {lapacke, eigen}) {
            INDArray v = f.eigenvectors();
            INDArray hv = problem.matrix().mmul(v);
            INDArray vw = v.mulRowVector(f.eigenvalues());
            assertThat(hv.sub(vw).norm2Number().doubleValue()).isLessThan(1e-12 * 100 * 50);
        }
        assertThat(SolverFixtures.relativeError(eigen.solve(b, 0.3).solution(), lapacke.solve(b, 0.3).solution()))
                .isLessThan(SolverFixtures.BACKENDS_AGREE);
        assertThat(lapacke.toString()).contains("LAPACKE_DSYEVD");
    }

    @Test
    void solve_refusesOperatorWhoseDenseMatrixExceedsMaxBytes() {
        assertThatThrownBy(() -> IHVPSolver.exact().withMaxBytes(1000).solve(PROBLEM.operator(), SolverFixtures.gaussian(P, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dense Hessian with p = 30")
                .hasMessageContaining("conjugateGradient").hasMessageContaining("needs 7.0 KiB but the limit maxBytes is 1000 bytes");
        // the smallest limit is still printed in readable, non-zero units; the prepared path checks before forming
        assertThatThrownBy(() -> IHVPSolver.exact().withMaxBytes(1).prepare(Curvature.of(PROBLEM.operator()), 0.1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the limit maxBytes is 1 byte;");
    }

    @Test
    void factorization_solveRejectsBadArguments() {
        EigenFactorization f = IHVPSolver.exact().factorize(PROBLEM.operator());
        assertThatThrownBy(() -> f.solve(SolverFixtures.gaussian(P, 1), -1)).hasMessageContaining("damping (-1.0)");
        assertThatThrownBy(() -> f.solve(Nd4j.ones(P + 2), 0)).hasMessageContaining("b has shape");
        assertThat(f.solve(Nd4j.zeros(P), 0.1).stopReason()).isEqualTo(StopReason.ZERO_RIGHT_HAND_SIDE);
    }
}
