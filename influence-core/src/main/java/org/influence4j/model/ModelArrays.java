package org.influence4j.model;

import java.util.Arrays;

import org.influence4j.internal.Arguments;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** Input checks and DOUBLE conversion shared by the reference models. Package-private. */
final class ModelArrays {

    private ModelArrays() {
    }

    /** A fresh DOUBLE 'c'-order copy ({@code a} is not modified). */
    static INDArray doubleCopy(INDArray a) {
        return a.dataType() == DataType.DOUBLE ? a.dup('c') : a.castTo(DataType.DOUBLE).dup('c');
    }

    /** Checks {@code data} (non-empty, finite) and returns its features as a DOUBLE {@code [n, d]} copy. */
    static INDArray features(String name, DataSet data, long numFeatures) {
        Arguments.checkDataSet(name, data);
        return featureMatrix(name + " features", data.getFeatures(), numFeatures);
    }

    /** The number of columns of the (rank-2) features of {@code data}, checked non-empty and finite. */
    static long numFeatures(String name, DataSet data) {
        Arguments.checkDataSet(name, data);
        INDArray x = data.getFeatures();
        if (x.rank() != 2 || x.size(1) == 0) {
            throw new IllegalArgumentException(name + " features have shape " + Arrays.toString(x.shape())
                    + "; expected a matrix [n, d] with d >= 1");
        }
        return x.size(1);
    }

    /** Checks a feature matrix {@code [n, numFeatures]} and returns a DOUBLE copy. */
    static INDArray featureMatrix(String name, INDArray x, long numFeatures) {
        Arguments.checkFinite(name, x);
        if (x.rank() != 2 || x.size(1) != numFeatures || x.size(0) == 0) {
            throw new IllegalArgumentException(name + " has shape " + Arrays.toString(x.shape())
                    + "; expected [n, " + numFeatures + "] with n >= 1");
        }
        return doubleCopy(x);
    }

    /** Rank-1 DOUBLE copy of a parameter vector, checked for shape and finiteness. */
    static double[] vector(String name, INDArray v, long length) {
        Arguments.checkVector(name, v, length);
        return Arguments.toDoubleVector(v).toDoubleVector();
    }

    /** A column {@code [n, 1]} DOUBLE array of {@code values}. */
    static INDArray column(double[] values) {
        return Nd4j.createFromArray(values).reshape(values.length, 1);
    }

    /** {@code [x, 1]}: the features with a column of ones appended (a fresh DOUBLE matrix). */
    static INDArray withOnes(INDArray x) {
        return Nd4j.hstack(x, Nd4j.ones(DataType.DOUBLE, x.size(0), 1));
    }
}
