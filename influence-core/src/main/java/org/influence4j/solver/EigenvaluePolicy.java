package org.influence4j.solver;

/**
 * What the exact solver does with eigenvalues {@code μ ≤ 0} of the damped operator {@code H + λI}.
 */
public enum EigenvaluePolicy {
    /** Throw {@link NotPositiveDefiniteException} suggesting a damping (default). */
    FAIL,
    /**
     * Replace {@code μ ≤ ε·max|μ|} by {@code ε·max|μ|} (ε = the solver's clip threshold); directions of
     * negative curvature then contribute almost nothing.
     */
    CLIP,
    /** Use {@code |μ|} (the "absolute value" or saddle-free Newton choice). */
    ABSOLUTE
}
