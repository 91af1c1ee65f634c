package org.influence4j;

/**
 * Test tolerances in one place, each derived from the method it checks.
 */
public final class Tolerances {

    private Tolerances() {
    }

    /** Products that are exact up to rounding in DOUBLE: a few hundred ulps of the operands. */
    public static final double ROUNDING = 1e-12;

    /**
     * Central finite differences with step 1e-5 along a unit direction: truncation h²/6·‖∇³R‖ ≈ 1e-11 and
     * round-off ε‖∇R‖/h ≈ 1e-11 relative for O(1) objectives; 1e-7 leaves room for larger third
     * derivatives.
     */
    public static final double FINITE_DIFFERENCE = 1e-7;
}
