package org.influence4j.model;

import java.util.Objects;
import java.util.SplittableRandom;

import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.hvp.MiniBatchHessianVectorProduct;
import org.influence4j.internal.Arguments;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/** Default mini-batch Hessian: samples distinct examples and asks the model for the subset's Hessian. */
final class SampledMiniBatchHessian implements MiniBatchHessianVectorProduct {

    private final InfluenceModel model;
    private final DataSet data;
    private final int batchSize;
    private final HessianVectorProduct full;

    SampledMiniBatchHessian(InfluenceModel model, DataSet data, int batchSize) {
        this.model = Objects.requireNonNull(model, "model");
        this.data = Arguments.checkDataSet("data", data);
        Arguments.checkPositive("batchSize", batchSize);
        this.batchSize = Math.min(batchSize, data.numExamples());
        this.full = model.hessian(data);
    }

    @Override
    public HessianVectorProduct sampleBatch(SplittableRandom rng) {
        int n = data.numExamples();
        if (batchSize == n) {
            return full;
        }
        return model.hessian(DataSets.subset(data,
                org.influence4j.internal.Sampling.sampleWithoutReplacement(n, batchSize, rng)));
    }

    @Override
    public int batchSize() {
        return batchSize;
    }

    @Override
    public long dimension() {
        return full.dimension();
    }

    @Override
    public INDArray apply(INDArray v) {
        return full.apply(v);
    }

    @Override
    public String toString() {
        return "SampledMiniBatchHessian[batchSize=" + batchSize + ", " + full + "]";
    }
}
