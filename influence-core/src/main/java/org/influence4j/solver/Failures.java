package org.influence4j.solver;

import java.util.Locale;

/**
 * The one owner of what a flagged {@link SolverResult} means: its exception, its message and the suggested
 * damping. Package-private; reached through {@link SolverResult#failure(double)}.
 */
final class Failures {

    private Failures() {
    }

    static double suggestedDamping(double damping, double theta) {
        if (Double.isNaN(theta)) {
            return Double.NaN;
        }
        return damping + 2 * Math.max(-theta, 0) + Math.max(1e-6 * (damping + Math.abs(theta)), 1e-12);
    }

    /** The exception of a flagged result, or null when it converged. */
    static NumericalException of(SolverResult r, double damping) {
        if (r.converged()) {
            return null;
        }
        SolverDiagnostics d = r.diagnostics();
        double theta = d.smallestEigenvalueEstimate();
        double suggested = suggestedDamping(damping, theta);
        String remedies = String.format(Locale.ROOT, "use a damping of at least %.3g (withDamping(%.3g)), or the "
                + "Gauss–Newton curvature (positive semi-definite; for DL4J networks HvpMode.GAUSS_NEWTON); if the "
                + "model was not trained to a minimum, train it further", suggested, suggested);
        return switch (r.stopReason()) {
            case NON_POSITIVE_CURVATURE -> new NotPositiveDefiniteException(String.format(Locale.ROOT,
                    "H + λI (λ = %g) is not positive definite: conjugate gradient met curvature pᵀHp/pᵀp = %.4g after "
                            + "%d HVPs (smallest eigenvalue estimate %.4g); the flagged iterate has relative residual "
                            + "%.3g; %s; or IHVPSolver.exact() (its default EigenvaluePolicy.TRUNCATE inverts the "
                            + "positive part) when p is small", damping, ((SolverDiagnostics.Cg) d).minCurvature(),
                    r.iterations(), theta, r.relativeResidual(), remedies), theta, suggested);
            case NOT_POSITIVE_DEFINITE -> {
                SolverDiagnostics.Exact e = (SolverDiagnostics.Exact) d;
                yield new NotPositiveDefiniteException(String.format(Locale.ROOT,
                        "H + λI (λ = %g) is not positive definite: its smallest eigenvalue is %.4g (largest %.4g); "
                                + "EigenvaluePolicy.%s modified %d eigenvalue(s), so the solution inverts a modified "
                                + "operator; %s", damping, e.minEigenvalue(), e.maxEigenvalue(), e.policy(),
                        e.clipped(), remedies), theta, suggested);
            }
            case DIVERGED -> {
                SolverDiagnostics.Lissa l = (SolverDiagnostics.Lissa) d;
                String cause = Double.isNaN(l.divergenceCurvature()) ? "the iterate became non-finite"
                        : l.divergenceCurvature() < 0 ? String.format(Locale.ROOT, "the growing direction has "
                        + "curvature %.4g < 0: H + λI has a negative eigenvalue and the series diverges for every "
                        + "scale; %s", l.divergenceCurvature(), remedies)
                        : String.format(Locale.ROOT, "the growing direction has curvature %.4g against 2·scale = "
                        + "%.4g: use withScale(%.4g) or larger", l.divergenceCurvature(), 2 * l.scale(),
                        Math.max(l.divergenceCurvature(), 2 * l.scale()));
                yield new DivergenceException(String.format(Locale.ROOT, "LiSSA diverged after %d HVPs (scale %.4g, "
                        + "batch size %d): %s", r.iterations(), l.scale(), l.batchSize(), cause));
            }
            case STAGNATED -> new NotConvergedException(String.format(Locale.ROOT, "conjugate gradient stagnated "
                    + "after %d HVPs at relative residual %.3g, the attainable accuracy for this operator in DOUBLE; the "
                    + "tolerance %.3g is below it: raise the tolerance, or the damping (which lowers the condition "
                    + "number)", r.iterations(), r.relativeResidual(), ((SolverDiagnostics.Cg) d).tolerance()), r);
            case BREAKDOWN -> new NotConvergedException(String.format(Locale.ROOT, "conjugate gradient broke down after "
                    + "%d HVPs (a scalar of its recurrence became non-finite); returned its best finite iterate, "
                    + "relative residual %.3g; raise the damping or the tolerance", r.iterations(),
                    r.relativeResidual()), r);
            default -> new NotConvergedException(String.format(Locale.ROOT, "the %s solve did not converge: %s "
                    + "after %d HVPs, relative residual %.3g; increase the iterations (CG) or depth (LiSSA), or the "
                    + "damping", d.solver(), r.stopReason(), r.iterations(), r.relativeResidual())
                    + (d instanceof SolverDiagnostics.Lissa l ? lissaDepth(l, damping) : ""), r);
        };
    }

    /**
     * Why a LiSSA run stopped at its depth, with numbers: the depth its scale and the damping call for
     * ({@link SolverDiagnostics.Lissa#depthForTolerance}), or, when the depth was enough for that, the sampling noise.
     */
    private static String lissaDepth(SolverDiagnostics.Lissa l, double damping) {
        double needed = l.depthForTolerance(damping);
        if (Double.isNaN(needed)) {
            return "";
        }
        double tol = l.tolerance() > 0 ? l.tolerance() : LissaSolver.DEFAULT_TOLERANCE;
        String rate = String.format(Locale.ROOT, ". Along directions where H is flat (eigenvalues near 0, as for a "
                + "softmax output's biases) LiSSA shrinks the residual by only 1 − λ/s = %.6g per step (scale s = "
                + "%.4g, λ = %g)", 1 - damping / l.scale(), l.scale(), damping);
        if (needed > l.depth()) {
            return rate + String.format(Locale.ROOT, ", so a tolerance of %.1e can take a depth of up to "
                    + "(s/λ)·ln(1/tol) ≈ %.0f, not %d: use withDepth(%.0f) (one HVP per step), a larger damping, or "
                    + "conjugate gradient (IHVPSolver.conjugateGradient()), whose iterations grow with √(s/λ) rather "
                    + "than s/λ", tol, needed, l.depth(), needed);
        }
        return rate + String.format(Locale.ROOT, ", which a depth of %d covers (%.0f steps reach %.1e)%s", l.depth(),
                needed, tol, l.batchSize() > 0 ? "; what remains is mini-batch noise, which keeps the step's relative "
                + "change above the tolerance: judge the result by its residual, or reduce the noise with withRepeats "
                + "or larger batches" : "");
    }
}
