package org.influence4j.solver;

import java.util.Objects;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The layer statistics of one batch of examples that a {@link LayerStatistics} hands to its consumer: for every
 * {@link LayerBlock} {@code k}, the input vectors {@code a} at every position and, for each of {@link #draws()}
 * label draws, the pre-activation gradients {@code s} at the same positions. Rows are grouped by example: rows
 * {@code i·T … i·T + T − 1} belong to the batch's example {@code i} ({@code T} = the block's positions).
 *
 * <p>Draws carry their weights: summing {@code s sᵀ} over the draws of one example gives that example's
 * contribution to the expected curvature (for {@link FisherSampling#EXPECTED} the gradients are scaled by the square
 * roots of the label probabilities; for one sampled or observed label there is one draw of weight 1).
 *
 * <p>The arrays are DOUBLE, 'c' order, and valid only during the consumer's call (they may live in a workspace that
 * is reused afterwards): copy what you keep. Consumers must not modify them.
 */
public final class LayerBatch {

    private final int examples;
    private final INDArray[] activations;
    private final INDArray[][] errors;

    /**
     * @param examples    examples in the batch, {@code ≥ 1}
     * @param activations per block, {@code [examples·T, inputs]} (bias column of ones included)
     * @param errors      per block, per draw, {@code [examples·T, outputs]}
     */
    public LayerBatch(int examples, INDArray[] activations, INDArray[][] errors) {
        this.examples = examples;
        this.activations = Objects.requireNonNull(activations, "activations");
        this.errors = Objects.requireNonNull(errors, "errors");
        if (activations.length != errors.length) {
            throw new IllegalArgumentException("activations has " + activations.length + " blocks but errors has "
                    + errors.length);
        }
    }

    /** Examples in the batch. */
    public int examples() {
        return examples;
    }

    /** Blocks. */
    public int blocks() {
        return activations.length;
    }

    /** Label draws per example (the same for every block). */
    public int draws() {
        return errors.length == 0 ? 0 : errors[0].length;
    }

    /** Block {@code k}'s inputs {@code [examples·T, inputs]}. */
    public INDArray activations(int k) {
        return activations[k];
    }

    /** Block {@code k}'s pre-activation gradients of draw {@code d}, {@code [examples·T, outputs]}. */
    public INDArray errors(int k, int d) {
        return errors[k][d];
    }
}
