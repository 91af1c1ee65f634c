package org.influence4j.model;

import java.util.Objects;

import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.internal.Arguments;
import org.influence4j.internal.RowSampledHessian;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Default mini-batch Hessian: samples distinct examples and asks the model for the subset's Hessian. Each batch's
 * subset and operator are left to the garbage collector (the model's operator may keep references to the subset, so
 * they cannot be closed here); models whose batch operators hold much off-heap memory override
 * {@link InfluenceModel#miniBatchHessian} (as {@link SoftmaxRegression} does).
 */
final class SampledMiniBatchHessian extends RowSampledHessian {

    private final InfluenceModel model;
    private final DataSet data;

    SampledMiniBatchHessian(InfluenceModel model, DataSet data, int batchSize) {
        super(fullHessian(model, data, batchSize), data.numExamples(), batchSize);
        this.model = model;
        this.data = data;
    }

    private static HessianVectorProduct fullHessian(InfluenceModel model, DataSet data, int batchSize) {
        Objects.requireNonNull(model, "model");
        Arguments.checkDataSet("data", data);
        Arguments.checkPositive("batchSize", batchSize);
        return model.hessian(data);
    }

    @Override
    protected HessianVectorProduct batch(int[] rows) {
        return model.hessian(DataSets.subset(data, rows));
    }

    @Override
    public String toString() {
        return "SampledMiniBatchHessian[batchSize=" + batchSize() + ", " + full() + "]";
    }
}
