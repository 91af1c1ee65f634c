package org.influence4j.validation;

/**
 * What a {@link SubsetTrainer} measures on each test example of a model trained on a subset: the quantity whose
 * change the linear datamodeling score ({@link LinearDatamodelingScore}) correlates with the summed influence scores.
 *
 * <p>For a classifier with a softmax (or sigmoid) output and the true class {@code y}, both measurements are
 * functions of the probability {@code p_y} alone: {@code loss = −log p_y} and {@code margin = log p_y − log(1 − p_y)},
 * so {@code margin = −loss − log(1 − e^{−loss})} is strictly decreasing in the loss. With one training seed per subset
 * the per-test-point Spearman correlation is therefore the same for both (after the sign flip below); they differ
 * only when measurements are averaged over several seeds, where the margin, being unbounded in both directions, is
 * the less skewed average (Park et al. 2023).
 */
public enum Measurement {

    /**
     * The per-example loss {@code ℓ(z_test, θ_S)} without regulariser, exactly the loss whose gradient the influence
     * scores use. A harmful training point (positive {@code I_up,loss}) raises it: it correlates positively with the
     * summed scores.
     */
    LOSS,

    /**
     * The classification margin {@code log p_y − log(1 − p_y)} of the true class {@code y} (one-hot labels). A
     * harmful training point lowers it: the datamodeling score correlates the summed scores with the <em>negated</em>
     * margin, so that agreement is positive for both measurements.
     */
    MARGIN
}
