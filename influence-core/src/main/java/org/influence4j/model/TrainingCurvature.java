package org.influence4j.model;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import com.google.common.base.Suppliers;

import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.hvp.MiniBatchHessianVectorProduct;
import org.influence4j.internal.Memo;
import org.influence4j.solver.Curvature;
import org.nd4j.linalg.dataset.DataSet;

/**
 * {@link InfluenceModel#curvature(DataSet)}'s default: the model's {@link InfluenceModel#hessian(DataSet)} over the
 * training data (formed on first use, then the same operator), its {@link InfluenceModel#miniBatchHessian}, and a
 * per-curvature cache.
 */
final class TrainingCurvature implements Curvature {

    private final InfluenceModel model;
    private final DataSet data;
    private final Supplier<HessianVectorProduct> hessian;
    private final Map<Object, Supplier<?>> cache = new ConcurrentHashMap<>();
    private final Supplier<java.util.Optional<org.influence4j.solver.LayerStatistics>> layers;
    private final Supplier<String> fingerprint;

    TrainingCurvature(InfluenceModel model, DataSet data) {
        this.model = Objects.requireNonNull(model, "model");
        this.data = Objects.requireNonNull(data, "data");
        this.hessian = Suppliers.memoize(() -> model.hessian(data));
        this.layers = Suppliers.memoize(() -> model.layerStatistics(data));
        this.fingerprint = Suppliers.memoize(() -> Fingerprint.of(model, data));
    }

    @Override
    public long dimension() {
        return model.numParameters();
    }

    @Override
    public int numExamples() {
        return data.numExamples();
    }

    @Override
    public HessianVectorProduct hessian() {
        return hessian.get();
    }

    @Override
    public MiniBatchHessianVectorProduct miniBatches(int batchSize) {
        return model.miniBatchHessian(data, batchSize);
    }

    @Override
    public java.util.Optional<org.influence4j.solver.LayerStatistics> layerStatistics() {
        return layers.get();
    }

    /** SHA-256 over the model's description and parameters and the training data (computed once). */
    @Override
    public String fingerprint() {
        return fingerprint.get();
    }

    @Override
    public <T> T cached(Object key, Supplier<T> compute) {
        return Memo.get(cache, key, compute);
    }

    @Override
    public String toString() {
        return "Curvature[" + model.describe() + ", n=" + data.numExamples() + "]";
    }
}
