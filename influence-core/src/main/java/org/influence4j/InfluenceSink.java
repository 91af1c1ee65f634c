package org.influence4j;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Receives the scores of many test points at once ({@link InfluenceEstimator#influenceOnEach(DataSet, InfluenceSink)})
 * block by block, so that an {@code n × Q} result never has to fit in memory: {@link #begin} once, then
 * {@link #accept} for consecutive blocks of training examples in order, then {@link #end} — or {@link #abort} when
 * the computation fails or is cancelled (a file sink then leaves no partial file behind and any file that was there
 * before unchanged). Ready-made sinks: {@link InfluenceSinks}.
 *
 * <p>Scores follow {@link InfluenceScores}' sign convention: {@code I_up,loss(zᵢ, z_q) = −∇ℓ(z_q)ᵀ(H+λI)⁻¹∇ℓ(zᵢ)}
 * (negative: helpful).
 */
public interface InfluenceSink {

    /**
     * Called once before any block.
     *
     * @param queries  the test points {@code Q}
     * @param examples the training examples {@code n}
     */
    void begin(int queries, int examples);

    /**
     * One block: {@code scores[r, q]} is the influence of training example {@code firstExample + r} on test point
     * {@code q}. Blocks arrive in order and cover {@code 0 … n−1} once.
     *
     * @param firstExample index of the block's first training example
     * @param scores       {@code [rows, Q]} DOUBLE; valid only during the call (copy what you keep), not to be modified
     */
    void accept(int firstExample, INDArray scores);

    /** Called once after the last block (flush and close here). */
    default void end() {
    }

    /** Called instead of {@link #end} when the computation stopped early; release resources, keep nothing partial. */
    default void abort() {
    }
}
