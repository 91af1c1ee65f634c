package org.influence4j.spark;

import java.io.Serializable;
import java.util.Objects;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Consecutive training examples {@code first … first + rows − 1} of a {@link TrainingData}: their flat features and
 * label vectors, row-major, DOUBLE. The unit that partitions hold and executors turn into an ND4J {@link DataSet}
 * ({@link #toDataSet()}). Immutable by contract (the arrays are not copied; nobody writes to them).
 *
 * @param first    the index of the block's first example in the whole training set, {@code ≥ 0}
 * @param rows     examples in the block, {@code ≥ 1}
 * @param features {@code rows × featureWidth} values, row-major
 * @param labels   {@code rows × labelWidth} values, row-major
 * @param featureWidth features per example, {@code ≥ 1}
 * @param labelWidth   label entries per example (classes for one-hot labels), {@code ≥ 1}
 */
record RowBlock(long first, int rows, double[] features, double[] labels, int featureWidth, int labelWidth)
        implements Serializable {

    RowBlock {
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(labels, "labels");
        if (first < 0 || rows < 1 || featureWidth < 1 || labelWidth < 1
                || features.length != (long) rows * featureWidth || labels.length != (long) rows * labelWidth) {
            throw new IllegalArgumentException("inconsistent row block: first=" + first + ", rows=" + rows
                    + ", features " + features.length + " for width " + featureWidth + ", labels " + labels.length
                    + " for width " + labelWidth);
        }
    }

    /** The index one past the block's last example. */
    long end() {
        return first + rows;
    }

    /** A fresh DOUBLE data set {@code [rows, featureWidth]}, {@code [rows, labelWidth]}. */
    DataSet toDataSet() {
        return new DataSet(Nd4j.create(features, new long[] {rows, featureWidth}, DataType.DOUBLE),
                Nd4j.create(labels, new long[] {rows, labelWidth}, DataType.DOUBLE));
    }
}
