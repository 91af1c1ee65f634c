package org.influence4j.solver;

/**
 * Solver-specific diagnostics carried by a {@link SolverResult}: one record per solver kind.
 */
public sealed interface SolverDiagnostics
        permits SolverDiagnostics.Cg, SolverDiagnostics.Lissa, SolverDiagnostics.Exact, SolverDiagnostics.Kronecker,
        SolverDiagnostics.Identity {

    /** Short name of the solver ("cg", "lissa", "exact"). */
    String solver();

    /**
     * The solver's best estimate of the smallest eigenvalue of the operator it solved ({@code H + λI}), when it
     * has one that matters (NaN otherwise): exact for the exact solver, a Ritz value or Rayleigh quotient (inside
     * the spectrum, so at most the true smallest in magnitude) for conjugate gradient, the curvature of the growing
     * direction for a diverged LiSSA recursion.
     */
    double smallestEigenvalueEstimate();

    /**
     * Conjugate gradient diagnostics.
     *
     * @param tolerance         the relative-residual tolerance used
     * @param preconditioned    whether Jacobi preconditioning was used
     * @param minCurvature      smallest Rayleigh quotient {@code pᵀHp / pᵀp} met along search directions
     * @param maxCurvature      largest Rayleigh quotient met
     * @param smallestEigenvalueEstimate the smallest Ritz value of the Lanczos matrix CG built (unpreconditioned),
     *                          capped by {@code minCurvature}; NaN before the first iteration
     */
    record Cg(double tolerance, boolean preconditioned, double minCurvature, double maxCurvature,
              double smallestEigenvalueEstimate) implements SolverDiagnostics {
        @Override
        public String solver() {
            return "cg";
        }
    }

    /**
     * LiSSA diagnostics.
     *
     * @param scale           scale {@code s} (the recursion contracts when {@code s > λmax(H+λI)/2})
     * @param scaleEstimated  whether the scale was chosen from a power-iteration estimate of λmax
     * @param lambdaMaxEstimate the power-iteration estimate of the largest eigenvalue (NaN if not estimated)
     * @param depth           recursion depth limit per repeat
     * @param repeats         number of independent repeats averaged
     * @param batchSize       mini-batch size (0 when a deterministic operator was used)
     * @param seed            seed of the mini-batch sampling
     * @param spread          relative spread across repeats: mean ‖x_r − x̄‖ / ‖x̄‖ (0 for one repeat)
     * @param tolerance       relative-change tolerance for early stopping
     * @param divergenceCurvature Rayleigh quotient {@code ΔᵀAΔ/ΔᵀΔ} of the growing direction when the recursion
     *                        diverged (negative: {@code A} is indefinite; above {@code 2s}: the scale is too
     *                        small); NaN otherwise
     */
    record Lissa(double scale, boolean scaleEstimated, double lambdaMaxEstimate, int depth, int repeats,
                 int batchSize, long seed, double spread, double tolerance, double divergenceCurvature)
            implements SolverDiagnostics {
        @Override
        public String solver() {
            return "lissa";
        }

        @Override
        public double smallestEigenvalueEstimate() {
            return divergenceCurvature < 0 ? divergenceCurvature : Double.NaN;
        }

        /**
         * The depth that the deterministic recursion may need to meet the {@link #tolerance()} (the default tolerance
         * when it is 0) for an operator damped by {@code damping}: each step multiplies the residual along an
         * eigenvector of {@code A = H + λI} with eigenvalue μ by {@code 1 − μ/s}, and when {@code H} is positive
         * semi-definite the slowest direction has {@code μ ≥ λ}, so
         * <pre>
         *   depth = ⌈ln(1/tol) / −ln(1 − λ/s)⌉ ≈ (s/λ)·ln(1/tol)
         * </pre>
         * steps bring it down by {@code tol}. It is the number actually needed when {@code H} has eigenvalues near 0 —
         * a softmax output's bias direction, a network's flat directions — and an upper bound otherwise. With
         * mini-batches the sampling noise adds a floor that no depth removes. NaN when {@code damping} or the scale is
         * not positive.
         *
         * @param damping the damping λ of the solved operator {@code H + λI}
         */
        public double depthForTolerance(double damping) {
            if (!(damping > 0) || !(scale > 0) || Double.isInfinite(scale)) {
                return Double.NaN;
            }
            double tol = tolerance > 0 ? tolerance : LissaSolver.DEFAULT_TOLERANCE;
            double perStep = -Math.log1p(-Math.min(damping / scale, 1 - 1e-16)); // −ln(1 − λ/s) > 0
            return Math.ceil(Math.log(1 / tol) / perStep);
        }
    }

    /**
     * Exact (eigendecomposition) diagnostics, for the damped operator actually solved.
     *
     * @param minEigenvalue   smallest eigenvalue of {@code H + λI} before any clipping
     * @param maxEigenvalue   largest eigenvalue of {@code H + λI}
     * @param conditionNumber {@code |λmax| / |λmin|} of the (possibly clipped) operator inverted, over the kept
     *                        directions
     * @param clipped         number of eigenvalues replaced (CLIP, ABSOLUTE) or dropped (TRUNCATE) by the policy
     * @param policy          the policy for eigenvalues ≤ 0
     * @param damping         the damping λ applied on top of the factorised operator
     */
    record Exact(double minEigenvalue, double maxEigenvalue, double conditionNumber, int clipped,
                 EigenvaluePolicy policy, double damping) implements SolverDiagnostics {
        @Override
        public String solver() {
            return "exact";
        }

        @Override
        public double smallestEigenvalueEstimate() {
            return minEigenvalue;
        }
    }

    /**
     * Kronecker-factored curvature (K-FAC or EK-FAC) diagnostics.
     *
     * @param method          {@code "kfac"} or {@code "ekfac"}
     * @param sampling        the labels the factors were fitted with
     * @param seed            the seed of sampled labels
     * @param blocks          number of layer blocks
     * @param dampingFactor   the heuristic damping factor (0 when off): each block adds
     *                        {@code dampingFactor × mean eigenvalue} to λ
     * @param minEigenvalue   smallest eigenvalue of the damped Kronecker-factored operator that was inverted
     * @param maxEigenvalue   largest eigenvalue of it
     * @param residualChecked whether the result's residual was measured against the true {@code H + λI} (one HVP);
     *                        otherwise the residual is NaN
     */
    record Kronecker(String method, FisherSampling sampling, long seed, int blocks, double dampingFactor,
                     double minEigenvalue, double maxEigenvalue, boolean residualChecked) implements SolverDiagnostics {
        @Override
        public String solver() {
            return method;
        }

        @Override
        public double smallestEigenvalueEstimate() {
            return minEigenvalue;
        }
    }

    /**
     * Identity curvature diagnostics (the inverse is the identity: scores are plain gradient dot products).
     *
     * @param residualChecked whether the result's residual was measured against the true {@code H + λI}
     */
    record Identity(boolean residualChecked) implements SolverDiagnostics {
        @Override
        public String solver() {
            return "identity";
        }

        @Override
        public double smallestEigenvalueEstimate() {
            return Double.NaN;
        }
    }
}
