package org.influence4j.solver;

import java.util.function.Supplier;

import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.hvp.Hvps;
import org.influence4j.hvp.MiniBatchHessianVectorProduct;

/** {@link Curvature#dense()}: the explicit matrix of the base curvature's Hessian, cached in the base's cache. */
final class DenseCurvature implements Curvature {
    private record DenseKey() {
    }

    private final Curvature base;

    DenseCurvature(Curvature base) {
        this.base = base;
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
        return base.cached(new DenseKey(), () -> HessianVectorProduct.ofMatrix(Hvps.toDense(base.hessian())));
    }

    @Override
    public MiniBatchHessianVectorProduct miniBatches(int batchSize) {
        return batchSize >= numExamples() ? Curvature.fullBatch(hessian(), numExamples()) : base.miniBatches(batchSize);
    }

    @Override
    public java.util.Optional<LayerStatistics> layerStatistics() {
        return base.layerStatistics();
    }

    @Override
    public String fingerprint() {
        return base.fingerprint();
    }

    @Override
    public <T> T cached(Object key, Supplier<T> compute) {
        return base.cached(key, compute);
    }

    @Override
    public Curvature dense() {
        return this;
    }

    @Override
    public String toString() {
        return "DenseCurvature[" + base + "]";
    }
}
