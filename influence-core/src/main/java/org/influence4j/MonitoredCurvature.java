package org.influence4j;

import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.hvp.MiniBatchHessianVectorProduct;
import org.influence4j.solver.Curvature;
import org.influence4j.solver.LayerStatistics;
import org.influence4j.solver.SolveMonitor;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The estimator's view of a curvature: every product of its operators (full, dense, sampled mini-batch) is reported
 * to {@link SolveMonitor#product()} first, so that progress, cancellation and the time budget work for any solver.
 */
final class MonitoredCurvature implements Curvature {

    private final Curvature base;

    MonitoredCurvature(Curvature base) {
        this.base = base;
    }

    static Curvature of(Curvature c) {
        return c instanceof MonitoredCurvature ? c : new MonitoredCurvature(c);
    }

    @Override
    public long dimension() {
        return base.dimension();
    }

    @Override
    public int numExamples() {
        return base.numExamples();
    }

    @Override
    public HessianVectorProduct hessian() {
        return new Monitored(base.hessian());
    }

    @Override
    public MiniBatchHessianVectorProduct miniBatches(int batchSize) {
        MiniBatchHessianVectorProduct mb = base.miniBatches(batchSize);
        return new MiniBatchHessianVectorProduct() {
            @Override
            public HessianVectorProduct sampleBatch(SplittableRandom rng) {
                return new Monitored(mb.sampleBatch(rng));
            }

            @Override
            public INDArray applySampled(SplittableRandom rng, INDArray v) {
                SolveMonitor.product();
                return mb.applySampled(rng, v);
            }

            @Override
            public int batchSize() {
                return mb.batchSize();
            }

            @Override
            public long dimension() {
                return mb.dimension();
            }

            @Override
            public INDArray apply(INDArray v) {
                SolveMonitor.product();
                return mb.apply(v);
            }

            @Override
            public String toString() {
                return mb.toString();
            }
        };
    }

    /** Each batch of a statistics pass is reported to the caller's listener (progress, budget, cancellation). */
    @Override
    public Optional<LayerStatistics> layerStatistics() {
        return base.layerStatistics().map(MonitoredStatistics::new);
    }

    private record MonitoredStatistics(LayerStatistics s) implements LayerStatistics {
        @Override
        public java.util.List<org.influence4j.solver.LayerBlock> blocks() {
            return s.blocks();
        }

        @Override
        public int numExamples() {
            return s.numExamples();
        }

        @Override
        public <A> A aggregate(org.influence4j.solver.FisherSampling sampling, long seed, Supplier<A> zero,
                               java.util.function.BiConsumer<A, org.influence4j.solver.LayerBatch> add,
                               java.util.function.BinaryOperator<A> combine) {
            SolveMonitor.Listener listener = SolveMonitor.current();
            if (listener == null) {
                return s.aggregate(sampling, seed, zero, add, combine);
            }
            return s.aggregate(sampling, seed, zero, new CountingAdd<>(add, listener, s.numExamples()), combine);
        }
    }

    /**
     * {@code add}, then the examples done reported to the monitor. Serializable when {@code add} is, as the
     * {@link org.influence4j.solver.LayerStatistics} contract asks: a copy shipped to another machine has no monitor
     * (the listener is transient) and only adds.
     */
    private static final class CountingAdd<A> implements java.util.function.BiConsumer<A,
            org.influence4j.solver.LayerBatch>, java.io.Serializable {
        private static final long serialVersionUID = 1L;
        private final java.util.function.BiConsumer<A, org.influence4j.solver.LayerBatch> add;
        private final transient SolveMonitor.Listener listener;
        private final long total;
        private long done;

        CountingAdd(java.util.function.BiConsumer<A, org.influence4j.solver.LayerBatch> add,
                    SolveMonitor.Listener listener, long total) {
            this.add = add;
            this.listener = listener;
            this.total = total;
        }

        @Override
        public void accept(A acc, org.influence4j.solver.LayerBatch batch) {
            add.accept(acc, batch);
            if (listener != null) {
                synchronized (this) {
                    done += batch.examples();
                    listener.onExamples("layer statistics", done, total);
                }
            }
        }
    }

    @Override
    public String fingerprint() {
        return base.fingerprint();
    }

    @Override
    public <T> T cached(Object key, Supplier<T> compute) {
        return base.cached(key, compute);
    }

    /** The dense matrix is formed from this (monitored) operator and cached in the same cache. */
    @Override
    public Curvature dense() {
        return of(Curvature.super.dense());
    }

    /** The base's block-diagonal curvature, monitored: each block-diagonal product is reported once. */
    @Override
    public Curvature blockDiagonal() {
        return of(base.blockDiagonal());
    }

    @Override
    public Curvature blockDiagonal(java.util.List<int[]> blocks) {
        return of(base.blockDiagonal(blocks));
    }

    @Override
    public String toString() {
        return base.toString();
    }

    /** An operator whose products are reported first. */
    private record Monitored(HessianVectorProduct h) implements HessianVectorProduct {
        @Override
        public long dimension() {
            return h.dimension();
        }

        @Override
        public INDArray apply(INDArray v) {
            SolveMonitor.product();
            return h.apply(v);
        }

        @Override
        public Optional<INDArray> denseMatrix() {
            return h.denseMatrix();
        }

        @Override
        public String toString() {
            return h.toString();
        }
    }
}
