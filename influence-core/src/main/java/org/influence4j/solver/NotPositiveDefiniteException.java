package org.influence4j.solver;

/**
 * The operator (after damping) is not positive definite where the solver requires it: conjugate gradient
 * met {@code pᵀHp ≤ 0}, or the exact solver found an eigenvalue ≤ 0 under its fail policy. Carries the
 * curvature found and a damping that would make the operator positive definite (exact solver) or is a
 * reasonable first try (CG).
 */
public class NotPositiveDefiniteException extends NumericalException {

    private static final long serialVersionUID = 1L;

    private final double curvature;
    private final double suggestedDamping;

    /**
     * @param message          description including the curvature and the suggested damping
     * @param curvature        the non-positive curvature found ({@code pᵀHp/pᵀp} or the smallest eigenvalue)
     * @param suggestedDamping damping λ to add
     */
    public NotPositiveDefiniteException(String message, double curvature, double suggestedDamping) {
        super(message);
        this.curvature = curvature;
        this.suggestedDamping = suggestedDamping;
    }

    /** The non-positive curvature found. */
    public double curvature() {
        return curvature;
    }

    /** A damping λ suggested to the caller. */
    public double suggestedDamping() {
        return suggestedDamping;
    }
}
