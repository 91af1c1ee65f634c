package org.influence4j.internal;

import java.util.Objects;
import java.util.SplittableRandom;

import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.hvp.MiniBatchHessianVectorProduct;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The sampling half of a {@link MiniBatchHessianVectorProduct} over the {@code n} rows of a training set, one rule
 * for every model: a batch is {@link Sampling#sampleWithoutReplacement the first batchSize entries of a seeded
 * permutation} of the rows, and a batch as large as the data is the full operator (deterministic; the generator is
 * not advanced). Subclasses say what the Hessian on given rows is ({@link #batch}) and may compute one product on
 * given rows without keeping anything ({@link #batchProduct}), which {@link #applySampled} uses. Immutable;
 * thread-safe if the subclass is.
 */
public abstract class RowSampledHessian implements MiniBatchHessianVectorProduct {

    private final HessianVectorProduct full;
    private final int n;
    private final int batchSize;

    /**
     * @param full      the Hessian over all {@code n} rows ({@link #apply} and the batch of the whole data)
     * @param n         rows of the training data, {@code ≥ 1}
     * @param batchSize requested rows per batch, {@code ≥ 1}; capped at {@code n}
     */
    protected RowSampledHessian(HessianVectorProduct full, int n, int batchSize) {
        this.full = Objects.requireNonNull(full, "full");
        Arguments.checkPositive("n", n);
        Arguments.checkPositive("batchSize", batchSize);
        this.n = n;
        this.batchSize = Math.min(batchSize, n);
    }

    /** The Hessian of the objective on the examples at {@code rows} (distinct, in sampling order). */
    protected abstract HessianVectorProduct batch(int[] rows);

    /**
     * {@code batch(rows).apply(v)}: the default. Override it to release the batch's ND4J arrays (or to work in
     * reused memory) before returning.
     *
     * @return a fresh rank-1 DOUBLE array owned by the caller
     */
    protected INDArray batchProduct(int[] rows, INDArray v) {
        return batch(rows).apply(v);
    }

    @Override
    public final HessianVectorProduct sampleBatch(SplittableRandom rng) {
        return batchSize == n ? full : batch(draw(rng));
    }

    @Override
    public final INDArray applySampled(SplittableRandom rng, INDArray v) {
        return batchSize == n ? full.apply(v) : batchProduct(draw(rng), v);
    }

    private int[] draw(SplittableRandom rng) {
        return Sampling.sampleWithoutReplacement(n, batchSize, rng);
    }

    @Override
    public int batchSize() {
        return batchSize;
    }

    /** The full operator. */
    protected HessianVectorProduct full() {
        return full;
    }

    @Override
    public long dimension() {
        return full.dimension();
    }

    @Override
    public INDArray apply(INDArray v) {
        return full.apply(v);
    }
}
