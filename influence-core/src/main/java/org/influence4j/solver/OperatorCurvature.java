package org.influence4j.solver;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.hvp.MiniBatchHessianVectorProduct;
import org.influence4j.internal.Memo;

/** {@link Curvature#of(HessianVectorProduct)}: an operator without data; a per-instance cache. */
final class OperatorCurvature implements Curvature {

    private final HessianVectorProduct hessian;
    private final Map<Object, Supplier<?>> cache = new ConcurrentHashMap<>();

    OperatorCurvature(HessianVectorProduct hessian) {
        this.hessian = hessian;
    }

    @Override
    public long dimension() {
        return hessian.dimension();
    }

    @Override
    public int numExamples() {
        return 1;
    }

    @Override
    public HessianVectorProduct hessian() {
        return hessian;
    }

    @Override
    public MiniBatchHessianVectorProduct miniBatches(int batchSize) {
        return hessian instanceof MiniBatchHessianVectorProduct mb ? mb : Curvature.fullBatch(hessian, 1);
    }

    @Override
    public <T> T cached(Object key, Supplier<T> compute) {
        return Memo.get(cache, key, compute);
    }

    @Override
    public String toString() {
        return "Curvature[" + hessian + "]";
    }
}
