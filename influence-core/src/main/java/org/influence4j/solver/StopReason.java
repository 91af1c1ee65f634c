package org.influence4j.solver;

/** Why a solver stopped. */
public enum StopReason {
    /** The convergence criterion was met (relative residual or relative change below the tolerance). */
    CONVERGED,
    /** The right-hand side is zero; the solution is zero without any product. */
    ZERO_RIGHT_HAND_SIDE,
    /** The iteration limit was reached before the tolerance. */
    MAX_ITERATIONS,
    /**
     * Conjugate gradient met a direction with {@code pᵀHp ≤ 0}: the operator is not positive definite
     * (an indefinite Hessian, or too little damping).
     */
    NON_POSITIVE_CURVATURE,
    /**
     * The exact solver's {@link EigenvaluePolicy} modified at least one eigenvalue {@code μ ≤ τ} of {@code H + λI}: the
     * solution inverts the modified operator.
     */
    NOT_POSITIVE_DEFINITE,
    /**
     * Conjugate gradient stopped making progress: its true residual did not decrease over several checks, or it met a
     * curvature indistinguishable from zero at the operator's scale — the attainable accuracy at this conditioning in
     * floating point is reached (the best iterate is returned). Raise the tolerance or the damping.
     */
    STAGNATED,
    /**
     * A scalar of conjugate gradient's recurrence (α, β or a norm) became non-finite; the solve stopped before a
     * non-finite vector reached the operator and returned its best finite iterate.
     */
    BREAKDOWN,
    /** LiSSA's recursion grew or became non-finite: the scale is too small or the damping too low. */
    DIVERGED,
    /** A direct solve (exact solver) finished; the residual was recomputed. */
    DIRECT,
    /**
     * A closed-form inverse of an approximate curvature (Kronecker-factored, or the identity) was applied: the result
     * solves the approximation exactly, not {@code H + λI}; its residual against {@code H + λI} is measured only when
     * the solver was asked to (NaN otherwise). How close the approximation's scores are to exact influence is a
     * property of the model, measured in this project's accuracy studies.
     */
    APPROXIMATE
}
