package org.influence4j.solver;

import java.time.Duration;
import java.util.Objects;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The outcome of one inverse-HVP solve {@code Hx = b}, with diagnostics.
 *
 * <p>{@link #residualNorm()} is the <em>true</em> residual {@code ‖b − Hx‖₂}, recomputed with one extra
 * product after the iteration ends (not the recurrence's estimate, which drifts). {@link #iterations()}
 * counts operator products made by the iteration (HVP evaluations), excluding that final check.
 * {@link #toString()} prints the diagnostics, never the solution vector.
 *
 * <p>Immutable: the constructor copies {@code solution} and {@link #solution()} returns a fresh copy on every
 * call ({@code p} doubles), so a caller writing to it cannot corrupt this result or anything that shares it
 * (for instance a {@code PreparedInfluence}).
 *
 * @param solution          the solution {@code x}, rank-1 DOUBLE (copied on construction and on access)
 * @param iterations        HVP evaluations spent by the solver
 * @param residualNorm      true residual {@code ‖b − Hx‖₂}
 * @param rightHandSideNorm {@code ‖b‖₂}
 * @param converged         whether the solver met its tolerance (or solved directly)
 * @param stopReason        why the solver stopped
 * @param elapsed           wall-clock time of the solve
 * @param diagnostics       solver-specific diagnostics
 */
public record SolverResult(INDArray solution, int iterations, double residualNorm, double rightHandSideNorm,
                           boolean converged, StopReason stopReason, Duration elapsed,
                           SolverDiagnostics diagnostics) {

    /** Validates the components (non-null, non-negative counts). */
    public SolverResult {
        solution = Objects.requireNonNull(solution, "solution").dup();
        Objects.requireNonNull(stopReason, "stopReason");
        Objects.requireNonNull(elapsed, "elapsed");
        Objects.requireNonNull(diagnostics, "diagnostics");
        if (iterations < 0) {
            throw new IllegalArgumentException("iterations (" + iterations + ") must be >= 0");
        }
    }

    /** The solution {@code x}: a fresh rank-1 DOUBLE copy owned by the caller (writing to it changes nothing here). */
    @Override
    public INDArray solution() {
        return solution.dup();
    }

    /**
     * The less accurate of two results, for reporting the worst of many solves: an unconverged one before a converged
     * one, then the larger relative residual; {@code a} on a tie. Either may be null (then the other is returned).
     */
    public static SolverResult lessAccurate(SolverResult a, SolverResult b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        boolean bWorse = !b.converged() && a.converged()
                || b.converged() == a.converged() && b.relativeResidual() > a.relativeResidual();
        return bWorse ? b : a;
    }

    /** {@code ‖b − Hx‖ / ‖b‖}, or the absolute residual when {@code b = 0}. */
    public double relativeResidual() {
        return rightHandSideNorm == 0 ? residualNorm : residualNorm / rightHandSideNorm;
    }

    /**
     * What a flagged result means, as the exception a strict caller throws: empty when {@link #converged()};
     * otherwise a {@link NotConvergedException} (iteration or depth limit), a {@link NotPositiveDefiniteException}
     * (negative curvature met by conjugate gradient, or an exact spectrum modified by its
     * {@link EigenvaluePolicy}) carrying the one suggested damping of {@link #suggestedDamping(double)}, or a
     * {@link DivergenceException} (LiSSA). The message names the values and the remedies. Building it costs
     * nothing; throwing or logging it is the caller's decision ({@code InfluenceEstimator} does both, by its
     * strictness).
     *
     * @param damping the damping λ of the solved operator {@code H + λI}, for the message and the suggestion
     */
    public java.util.Optional<NumericalException> failure(double damping) {
        return java.util.Optional.ofNullable(Failures.of(this, damping));
    }

    /**
     * The damping suggested for a result that met non-positive curvature, by one rule for every solver:
     * {@code λ' = λ + 2·max(−θ, 0) + max(1e-6·(λ + |θ|), 1e-12)}, with {@code θ} the solver's smallest-eigenvalue
     * estimate of {@code H + λI} ({@link SolverDiagnostics#smallestEigenvalueEstimate()}). The factor 2 is a
     * margin for iterative estimates, which lie inside the spectrum and so underestimate {@code |θ|}; for the
     * exact solver it simply doubles the shift. NaN when the solver has no estimate.
     *
     * @param damping the damping λ of the solved operator
     */
    public double suggestedDamping(double damping) {
        return Failures.suggestedDamping(damping, diagnostics.smallestEigenvalueEstimate());
    }

    @Override
    public String toString() {
        return String.format("SolverResult[%s, converged=%s, stop=%s, iterations=%d, residual=%.3e, "
                        + "relativeResidual=%.3e, elapsed=%d ms, %s]",
                diagnostics.solver(), converged, stopReason, iterations, residualNorm, relativeResidual(),
                elapsed.toMillis(), diagnostics);
    }
}
