package org.influence4j;

/** What an {@link InfluenceScores} vector measures. Both use the sign convention of DESIGN / docs/conventions.md. */
public enum ScoreKind {
    /** {@code I_up,loss(zᵢ, z_test) = −∇L_testᵀ(H+λI)⁻¹∇ℓ(zᵢ)} for a fixed test point. */
    TEST_INFLUENCE,
    /**
     * {@code I_up,loss(zᵢ, zᵢ) = −∇ℓ(zᵢ)ᵀ(H+λI)⁻¹∇ℓ(zᵢ)}: each training point's influence on its own loss.
     * Non-positive when {@code H+λI} is positive definite; the self-influence {@code gᵀH⁻¹g} of the
     * literature is its negation.
     */
    SELF_INFLUENCE
}
