package org.influence4j.hvp;

import java.util.SplittableRandom;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A Hessian that can also be evaluated on random mini-batches of the data it averages over: the
 * stochastic operator that LiSSA needs.
 *
 * <p>{@link #apply(org.nd4j.linalg.api.ndarray.INDArray)} is the full-data Hessian {@code H}.
 * {@link #sampleBatch(SplittableRandom)} draws a mini-batch (without replacement within the batch) with
 * the given generator and returns the Hessian {@code H_B} of the objective restricted to that batch, an
 * unbiased estimate: {@code E[H_B] = H}. The regulariser's Hessian is included in every batch.
 * {@link #applySampled(SplittableRandom, INDArray)} draws the same batch and returns one product with it, for
 * callers that use each batch once (LiSSA's steps).
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

    /**
     * Draws one mini-batch with {@code rng} and returns {@code H_B v}: the batch that {@link #sampleBatch} would
     * draw from the same generator state, used for this one product. It is what a stochastic solver calls once per
     * step, so an implementation can drop everything the batch needed (its rows of the data, a forward pass over
     * them) before returning — or keep it in reused buffers — rather than leave it to the garbage collector. That
     * matters for ND4J arrays, whose memory lives off the Java heap: the heap sees only their small wrappers, so a
     * collection that would free them can be thousands of steps away. The default is
     * {@code sampleBatch(rng).apply(v)}, which leaves the batch's arrays to the collector; implementations whose
     * batches hold ND4J arrays should override it.
     *
     * @param rng random source, advanced exactly as by {@link #sampleBatch}
     * @param v   vector of length {@link #dimension()}; not modified
     * @return a fresh rank-1 DOUBLE array {@code H_B v} owned by the caller
     * @throws IllegalArgumentException if {@code v} has the wrong length or contains NaN/Inf
     */
    default INDArray applySampled(SplittableRandom rng, INDArray v) {
        return sampleBatch(rng).apply(v);
    }

    /** Number of examples in each sampled batch. */
    int batchSize();
}
