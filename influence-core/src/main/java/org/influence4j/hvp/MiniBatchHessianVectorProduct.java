package org.influence4j.hvp;

import java.util.SplittableRandom;

/**
 * A Hessian that can also be evaluated on random mini-batches of the data it averages over: the
 * stochastic operator that LiSSA needs.
 *
 * <p>{@link #apply(org.nd4j.linalg.api.ndarray.INDArray)} is the full-data Hessian {@code H}.
 * {@link #sampleBatch(SplittableRandom)} draws a mini-batch (without replacement within the batch) with
 * the given generator and returns the Hessian {@code H_B} of the objective restricted to that batch, an
 * unbiased estimate: {@code E[H_B] = H}. The regulariser's Hessian is included in every batch.
 *
 * <p>Implementations are deterministic given the generator state, so a seeded solver is reproducible.
 */
public interface MiniBatchHessianVectorProduct extends HessianVectorProduct {

    /**
     * Draws one mini-batch with {@code rng} and returns its Hessian operator.
     *
     * @param rng random source, advanced by the call
     */
    HessianVectorProduct sampleBatch(SplittableRandom rng);

    /** Number of examples in each sampled batch. */
    int batchSize();
}
