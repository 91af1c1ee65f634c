package org.influence4j.validation;

import java.util.Collection;

import org.nd4j.linalg.dataset.DataSet;

/**
 * Ground truth for influence estimates: retrains the model without some training examples and reports
 * the new test loss. Implementations copy the model (never modify the original), remove the examples,
 * continue training <em>warm-started</em> from the trained parameters θ̂ with a fixed, deterministic
 * budget, and evaluate the mean loss (without regulariser) on the test point.
 *
 * <p>The leave-one-out protocol compares {@code testLossWithout({i}, test) − testLossWithout({}, test)}
 * with the predicted change {@code −I_up,loss(zᵢ, z_test)/n}: retraining with nothing removed under the same
 * budget is the baseline, so that whatever the retraining itself changes cancels out.
 *
 * <p>Two optional capabilities have no-op defaults: {@link #prefetch} lets a retrainer that caches per removal set
 * do a known batch of retrainings up front (for example in parallel) before the validation asks for them one by
 * one, and {@link #parameterDistance} reports how far a retraining moved from the baseline retraining, which
 * {@link LeaveOneOutValidation} uses to detect retrainings that left the warm start's basin.
 */
public interface Retrainer {

    /**
     * Retrains without the training examples at {@code removed} and returns the mean test loss.
     *
     * @param removed   training indices to remove (distinct, in range; may be empty for the baseline);
     *                  not modified
     * @param testPoint one or more test examples; not modified
     * @return the mean loss {@code (1/m)Σ ℓ(z_test, θ₋)} of the retrained model on the test point
     */
    double testLossWithout(int[] removed, DataSet testPoint);

    /**
     * Retrains the given removal sets now, if this retrainer caches its retrainings; later
     * {@link #testLossWithout} calls for them then only evaluate. The default does nothing (each retraining
     * happens when it is asked for).
     *
     * @param removals removal sets (as for {@link #testLossWithout}; the empty set is the baseline); not modified
     */
    default void prefetch(Collection<int[]> removals) {
    }

    /**
     * {@code ‖θ₋ − θ₀‖₂}: the Euclidean distance between the parameters retrained without {@code removed} and the
     * parameters of the baseline retraining (nothing removed). First order predicts a distance of order
     * {@code (1/n)‖H⁻¹∇ℓ(zᵢ)‖}; a far larger one means the retraining moved to another optimum. The default
     * returns NaN (not reported).
     *
     * @param removed training indices removed; not modified
     * @return the distance, or NaN if this retrainer does not report it
     */
    default double parameterDistance(int[] removed) {
        return Double.NaN;
    }
}
