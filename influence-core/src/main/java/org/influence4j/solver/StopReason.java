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
    /** The exact solver found eigenvalues ≤ 0 after damping and its policy is to fail. */
    NOT_POSITIVE_DEFINITE,
    /** LiSSA's recursion grew or became non-finite: the scale is too small or the damping too low. */
    DIVERGED,
    /** A direct solve (exact solver) finished; the residual was recomputed. */
    DIRECT
}
