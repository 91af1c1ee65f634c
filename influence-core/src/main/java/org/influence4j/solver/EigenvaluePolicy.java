package org.influence4j.solver;

/**
 * What the exact solver does with eigenvalues {@code μ ≤ τ = ε·max|μ|} of the damped operator {@code H + λI}
 * (ε = the solver's clip threshold). Whatever the policy, a solve in which it modified an eigenvalue is flagged
 * ({@code converged = false}, {@link StopReason#NOT_POSITIVE_DEFINITE}, with the smallest eigenvalue): a lenient
 * caller uses the result and warns, a strict one throws {@link NotPositiveDefiniteException} with a suggested
 * damping. For neural networks use {@link #TRUNCATE} (the default) or a positive semi-definite Gauss–Newton
 * curvature.
 */
public enum EigenvaluePolicy {
    /**
     * Replace {@code μ ≤ τ = ε·max|μ|} by {@code τ} (ε = the solver's clip threshold). Beware: the inverse then
     * weights those directions by {@code 1/τ}, the <em>largest</em> factor in the spectrum, so a right-hand side
     * with any component along a negative-curvature direction is dominated by it. Use it only where those components
     * are known to vanish (the exactly singular softmax-bias direction); otherwise prefer {@link #TRUNCATE} or
     * {@link #ABSOLUTE}.
     */
    CLIP,
    /**
     * Drop the directions with {@code μ ≤ τ = ε·max|μ|}: the inverse is the pseudo-inverse of the positive part,
     * {@code Σ_{μᵢ > τ} vᵢvᵢᵀ/μᵢ}, so directions of negative or near-zero curvature contribute nothing (the
     * default). If every direction is dropped the solution is zero.
     */
    TRUNCATE,
    /** Use {@code |μ|} (the "absolute value" or saddle-free Newton choice). */
    ABSOLUTE
}
