package org.influence4j.dl4j;

/**
 * How {@link Dl4jInfluenceModel#hessian(org.nd4j.linalg.dataset.DataSet)} multiplies by the Hessian.
 */
public enum HvpMode {
    /**
     * {@link #EXACT} when every analysed layer has an R-operator (dense layers with the supported activations
     * and losses), otherwise {@link #FINITE_DIFFERENCE}. The default.
     */
    AUTO,
    /**
     * Pearlmutter's R-operator (forward-over-reverse) on a hand-written backward pass: exact to round-off.
     * Cost per product after a one-off forward/backward pass: about 6 matrix products per dense layer
     * (2 for the first analysed layer). Rejected with an {@link IllegalArgumentException} for networks it cannot handle.
     */
    EXACT,
    /**
     * The Gauss–Newton matrix {@code G = (1/n) Σ Jᵢᵀ H_out,i Jᵢ + ∇²Ω}: the exact Hessian without the terms
     * that involve the output residual and the activations' second derivatives. Positive semi-definite for the
     * supported (convex) losses. Same cost and same restrictions as {@link #EXACT}.
     */
    GAUSS_NEWTON,
    /**
     * Central differences of DL4J's own gradient, computed on the private copy with perturbed parameters
     * ({@link org.influence4j.hvp.FiniteDifferenceHvp}): works for any feed-forward layer DL4J can backpropagate.
     * Cost: 2 batch gradients per product; relative error about 1e-9 in DOUBLE.
     */
    FINITE_DIFFERENCE
}
