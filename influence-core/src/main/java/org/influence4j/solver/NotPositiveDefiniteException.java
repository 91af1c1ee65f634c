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

    /**
     * The library's one rule for a damping that makes {@code H + λ'I} positive definite, used by every solver result
     * and by {@code InfluenceEstimator.diagnose()}: {@code λ' = λ + 2·max(−θ, 0) + max(1e-6·(λ + |θ|), 1e-12)}, with
     * {@code θ} the smallest eigenvalue (or its estimate) of {@code H + λI}. The factor 2 is a margin for iterative
     * estimates, which lie inside the spectrum. NaN when {@code θ} is NaN.
     *
     * @param damping             the current damping λ
     * @param smallestEigenvalue  θ, the smallest eigenvalue (estimate) of {@code H + λI}
     */
    public static double suggestedDamping(double damping, double smallestEigenvalue) {
        return Failures.suggestedDamping(damping, smallestEigenvalue);
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
