package org.influence4j.validation;

import org.nd4j.linalg.dataset.DataSet;

/**
 * Ground truth for the linear datamodeling score ({@link LinearDatamodelingScore}): trains a model on a subset of
 * the training data and measures it on test examples. Where a {@link Retrainer} removes a few points from θ̂, a
 * subset trainer trains on a random half of the data; the two ground truths answer different questions (the effect
 * of one point, the additivity of many).
 *
 * <p>Implementations never modify the user's model, the training data or the arguments, and must be thread-safe:
 * {@link LinearDatamodelingScore} may call {@link #measure} from several threads at once.
 */
public interface SubsetTrainer {

    /**
     * Trains a model on the training examples at {@code subset} and measures it on every test example.
     *
     * @param subset      distinct training indices in increasing order, in range; not modified
     * @param seed        seed of this training (initialisation, shuffling, sampling); a trainer whose result does not
     *                    depend on it (a convex model trained to its unique optimum) ignores it
     * @param testPoints  {@code m ≥ 1} test examples (one per row); not modified
     * @param measurement what to measure on each test example
     * @return {@code m} finite values, the measurement of each test example (row order) under the trained model
     * @throws IllegalArgumentException if the measurement does not apply to the model (a margin without one-hot
     *                                  labels), or the test points do not fit the model
     */
    double[] measure(int[] subset, long seed, DataSet testPoints, Measurement measurement);

    /**
     * Whether trainings of the same subset with different seeds can differ. {@code false} tells the datamodeling
     * score that one seed per subset suffices; the default is {@code true}.
     */
    default boolean seedDependent() {
        return true;
    }

    /**
     * A one-line description of how subsets are trained, for reports and for the header of a
     * {@linkplain LinearDatamodelingScore#withCheckpoint checkpoint file}, where it decides whether recorded trainings
     * are reused: it should name everything that determines a training (the model, its settings, a fingerprint of the
     * training data), as the reference trainers of {@code SoftmaxRegression} and {@code RidgeRegression} do. The
     * default is the class name.
     */
    default String describe() {
        return getClass().getSimpleName();
    }
}
