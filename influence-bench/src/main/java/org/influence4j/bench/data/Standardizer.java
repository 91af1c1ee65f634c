package org.influence4j.bench.data;

import java.util.Arrays;
import java.util.Objects;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Feature standardisation {@code x' = (x − mean) / scale}, column by column, with statistics fitted on one data
 * set (the training set) and applied to others. {@code scale} is the population standard deviation
 * (divisor {@code n}); a constant column gets scale 1 so that it maps to 0 instead of NaN.
 *
 * @param mean  the column means; the record keeps a copy
 * @param scale the column scales, all {@code > 0}; the record keeps a copy
 */
public record Standardizer(double[] mean, double[] scale) {

    /** Validates and copies the statistics. */
    public Standardizer {
        Objects.requireNonNull(mean, "mean");
        Objects.requireNonNull(scale, "scale");
        if (mean.length != scale.length) {
            throw new IllegalArgumentException("mean has " + mean.length + " entries but scale has " + scale.length);
        }
        mean = mean.clone();
        scale = scale.clone();
        for (int j = 0; j < scale.length; j++) {
            if (!(scale[j] > 0) || !Double.isFinite(scale[j]) || !Double.isFinite(mean[j])) {
                throw new IllegalArgumentException("scale[" + j + "] (" + scale[j] + ") must be finite and > 0 and "
                        + "mean[" + j + "] (" + mean[j] + ") finite");
            }
        }
    }

    /**
     * Fits the column statistics of {@code x}.
     *
     * @param x the {@code [n, d]} features, {@code n >= 1}; not modified
     * @return the fitted standardiser
     */
    public static Standardizer fit(INDArray x) {
        if (x.rank() != 2 || x.rows() < 1) {
            throw new IllegalArgumentException("x must be [n, d] with n >= 1, was " + Arrays.toString(x.shape()));
        }
        INDArray xd = x.castTo(DataType.DOUBLE);
        double[] mean = xd.mean(0).toDoubleVector();
        double[] sd = xd.std(false, 0).toDoubleVector();
        for (int j = 0; j < sd.length; j++) {
            // a constant column: scale 1 keeps it finite (it becomes all zeros)
            if (!(sd[j] > 1e-12 * Math.max(1.0, Math.abs(mean[j])))) {
                sd[j] = 1.0;
            }
        }
        return new Standardizer(mean, sd);
    }

    /**
     * Standardises features.
     *
     * @param x {@code [n, d]} features with {@code d = mean().length}; not modified
     * @return a fresh {@code DOUBLE} array
     */
    public INDArray apply(INDArray x) {
        if (x.rank() != 2 || x.columns() != mean.length) {
            throw new IllegalArgumentException("x must be [n, " + mean.length + "], was " + Arrays.toString(x.shape()));
        }
        INDArray m = Nd4j.createFromArray(mean).reshape(1, mean.length);
        INDArray s = Nd4j.createFromArray(scale).reshape(1, scale.length);
        return x.castTo(DataType.DOUBLE).subRowVector(m).diviRowVector(s);
    }

    /** Standardises the features of {@code data}; labels are shared, the input is not modified. */
    public ClassificationData apply(ClassificationData data) {
        return new ClassificationData(data.name(), new DataSet(apply(data.data().getFeatures()),
                data.data().getLabels()), data.classNames());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Standardizer other && Arrays.equals(mean, other.mean) && Arrays.equals(scale, other.scale);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(scale);
    }

    @Override
    public String toString() {
        return "Standardizer[mean=" + Arrays.toString(mean) + ", scale=" + Arrays.toString(scale) + "]";
    }

    /** The column means (a copy). */
    @Override
    public double[] mean() {
        return mean.clone();
    }

    /** The column scales (a copy). */
    @Override
    public double[] scale() {
        return scale.clone();
    }
}
