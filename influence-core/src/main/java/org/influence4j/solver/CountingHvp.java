package org.influence4j.solver;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.influence4j.hvp.HessianVectorProduct;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Wraps an operator and counts its products (thread-safe), passing the closed form through: the exact
 * solver reports the HVPs it spent forming a dense matrix with it. Package-private.
 */
class CountingHvp implements HessianVectorProduct {

    private final HessianVectorProduct delegate;
    private final AtomicInteger products = new AtomicInteger();

    CountingHvp(HessianVectorProduct delegate) {
        this.delegate = delegate;
    }

    /** Products made so far. */
    int products() {
        return products.get();
    }

    @Override
    public long dimension() {
        return delegate.dimension();
    }

    @Override
    public INDArray apply(INDArray v) {
        products.incrementAndGet();
        return delegate.apply(v);
    }

    @Override
    public Optional<INDArray> denseMatrix() {
        return delegate.denseMatrix();
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
