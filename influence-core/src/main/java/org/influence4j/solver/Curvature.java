package org.influence4j.solver;

import java.util.SplittableRandom;
import java.util.function.Supplier;

import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.hvp.MiniBatchHessianVectorProduct;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The curvature of a training objective as an {@link IHVPSolver} sees it when it is
 * {@link IHVPSolver#prepare(Curvature, double) prepared}: the undamped Hessian {@code H = ∇²R(θ̂)} over the
 * training data as an operator, its mini-batch Hessians (for stochastic solvers), and a cache for
 * damping-independent work (a dense eigendecomposition, Kronecker factors) that every damping and every copy
 * of an estimator sharing this curvature reuses.
 *
 * <p>A curvature never exposes a model or a framework type: a model produces it
 * ({@link org.influence4j.model.InfluenceModel#curvature(org.nd4j.linalg.dataset.DataSet)}) and solvers consume
 * it. Implementations must be thread-safe; {@link #cached} computes each key at most once.
 */
public interface Curvature {

    /** Dimension {@code p} of the parameter space. */
    long dimension();

    /** Number of training examples {@code n} the objective averages over. */
    int numExamples();

    /**
     * The undamped Hessian {@code H} of the objective over the whole training data (the same instance on every
     * call). Solvers damp it themselves ({@code hessian().damped(λ)}).
     */
    HessianVectorProduct hessian();

    /**
     * The Hessian with mini-batch sampling: {@code apply} is {@link #hessian()}, and each
     * {@link MiniBatchHessianVectorProduct#sampleBatch sampled batch} is the objective's Hessian on
     * {@code batchSize} distinct examples (the regulariser included), an unbiased estimate of {@code H}. A batch
     * at least as large as the training data is the full Hessian (deterministic).
     *
     * @param batchSize examples per batch, {@code ≥ 1}; capped at {@link #numExamples()}
     */
    MiniBatchHessianVectorProduct miniBatches(int batchSize);

    /**
     * The value of {@code compute} for {@code key}, computed at most once per curvature (concurrent callers for
     * the same key wait for the first) and shared by every solver, damping and estimator copy that uses this
     * curvature. Keys must implement {@code equals}/{@code hashCode} (records are ideal) and must not depend on
     * the damping when the value does not. {@code compute} must not throw for a condition a later call could
     * avoid; an exception is rethrown and nothing is cached.
     *
     * @param key     identifies the value (e.g. {@code new MyFactorKey(options)})
     * @param compute computes it; runs on the calling thread, outside any lock shared with other keys
     * @param <T>     value type
     */
    <T> T cached(Object key, Supplier<T> compute);

    /**
     * The model's layer structure and per-layer statistics over the training data, which Kronecker-factored
     * curvatures ({@link IHVPSolver#kfac()}, {@link IHVPSolver#ekfac()}) are fitted from; empty when the model
     * offers none (the default; see {@link org.influence4j.model.InfluenceModel#layerStatistics}).
     */
    default java.util.Optional<LayerStatistics> layerStatistics() {
        return java.util.Optional.empty();
    }

    /**
     * An identity of the objective behind this curvature — the model's parameters and the training data — as a
     * hexadecimal digest, so that work persisted to disk (fitted Kronecker factors) is reused only for the same
     * network and data; empty when unknown (the default).
     */
    default String fingerprint() {
        return "";
    }

    /**
     * A curvature with the same mini-batches whose full Hessian is the explicit {@code p × p} matrix of
     * {@link #hessian()} (formed once with {@code p} products, symmetrised, and cached in this curvature): every
     * later product is a matrix–vector product. Worth it when an iterative solver will spend more than about
     * {@code p} products in total, e.g. many queries on a small network. Memory {@code 8p²} bytes.
     */
    default Curvature dense() {
        return new DenseCurvature(this);
    }

    /**
     * The layer-block-diagonal part of this curvature: {@code H_bd} equals {@code H} on every pair of parameters of
     * the same layer block ({@link #layerStatistics()}'s {@link LayerStatistics#blocks() blocks}, a layer's weights
     * and bias together) and is zero between layers. K-FAC and EK-FAC approximate the same blocks of the
     * Gauss–Newton matrix (on a Gauss–Newton model, e.g. DL4J's {@code HvpMode.GAUSS_NEWTON}, exactly these blocks)
     * and factorise each; solving with {@code H_bd}, by CG for instance, therefore separates what dropping the
     * cross-layer blocks costs on a network (full solve against this one) from what the Kronecker factorisation costs
     * (this one against EK-FAC). Its inverse is the block-wise inverse, {@code (H_bd + λI)⁻¹ = diag_b((H_bb + λI)⁻¹)}.
     *
     * <p>A product runs one product of {@link #hessian()} per block on which its input is not zero (the input
     * restricted to the block); solvers count it as one product. Mini-batch products are block-diagonal too (one
     * batch, one product per block). The layer statistics and fingerprint are those of this curvature; values are
     * cached in this curvature's cache under keys of their own, one set per partition, so a factorisation of
     * {@code H_bd} is never taken for one of {@code H} (fitted Kronecker factors are fitted again, not shared).
     *
     * @return the block-diagonal curvature over the layer blocks
     * @throws IllegalStateException    if this curvature has no layer statistics (use
     *                                  {@link #blockDiagonal(java.util.List)})
     * @throws IllegalArgumentException if the layer blocks do not partition the parameters
     */
    default Curvature blockDiagonal() {
        return BlockDiagonalCurvature.ofLayers(this);
    }

    /**
     * The block-diagonal part of this curvature over the given blocks of parameter indices, as
     * {@link #blockDiagonal()} but for any partition (a model without layer statistics, or coarser blocks).
     *
     * @param blocks a partition of {@code 0 … p−1}: non-empty index arrays, none shared, together covering every
     *               index; copied, not modified
     * @throws IllegalArgumentException naming the index or block if {@code blocks} is not such a partition
     */
    default Curvature blockDiagonal(java.util.List<int[]> blocks) {
        return BlockDiagonalCurvature.of(this, blocks);
    }

    /**
     * A curvature made of an operator alone (no training data behind it): mini-batches are the full operator
     * (deterministic), {@link #numExamples()} is 1. For solvers used on an explicit operator, tests and
     * custom models without data sets.
     *
     * @param hessian the undamped operator; not copied
     */
    static Curvature of(HessianVectorProduct hessian) {
        return new OperatorCurvature(java.util.Objects.requireNonNull(hessian, "hessian"));
    }

    /** A mini-batch operator that samples the full operator every time (batch = the whole data). */
    static MiniBatchHessianVectorProduct fullBatch(HessianVectorProduct h, int n) {
        return new MiniBatchHessianVectorProduct() {
            @Override
            public HessianVectorProduct sampleBatch(SplittableRandom rng) {
                return h;
            }

            @Override
            public int batchSize() {
                return n;
            }

            @Override
            public long dimension() {
                return h.dimension();
            }

            @Override
            public INDArray apply(INDArray v) {
                return h.apply(v);
            }

            @Override
            public String toString() {
                return "FullBatch[" + h + "]";
            }
        };
    }
}
