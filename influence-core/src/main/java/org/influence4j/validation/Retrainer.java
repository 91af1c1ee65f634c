package org.influence4j.validation;

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
}
