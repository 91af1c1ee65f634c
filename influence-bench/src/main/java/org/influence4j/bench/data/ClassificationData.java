package org.influence4j.bench.data;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A labelled classification data set: features {@code [n, d]} and one-hot labels {@code [n, k]}, both
 * {@code DOUBLE}, plus the names of the {@code k} classes (class {@code c} is column {@code c} of the labels).
 *
 * @param name       where the data came from (bundled name or file), for messages and reports
 * @param data       the examples; features {@code [n, d]} and labels {@code [n, k]}, both {@code DOUBLE}
 * @param classNames the class names, {@code k} of them, in label-column order
 */
public record ClassificationData(String name, DataSet data, List<String> classNames) {

    /** Validates shapes and data types and copies {@code classNames}. */
    public ClassificationData {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(data, "data");
        classNames = List.copyOf(classNames);
        INDArray x = data.getFeatures();
        INDArray y = data.getLabels();
        if (x == null || y == null) {
            throw new IllegalArgumentException("data of '" + name + "' needs both features and labels");
        }
        if (x.rank() != 2 || y.rank() != 2 || x.rows() != y.rows()) {
            throw new IllegalArgumentException("features " + Arrays.toString(x.shape()) + " and labels "
                    + Arrays.toString(y.shape()) + " of '" + name + "' must be [n, d] and [n, k]");
        }
        if (x.dataType() != DataType.DOUBLE || y.dataType() != DataType.DOUBLE) {
            throw new IllegalArgumentException("features (" + x.dataType() + ") and labels (" + y.dataType()
                    + ") of '" + name + "' must be DOUBLE");
        }
        if (y.columns() != classNames.size()) {
            throw new IllegalArgumentException("labels of '" + name + "' have " + y.columns()
                    + " columns but there are " + classNames.size() + " class names " + classNames);
        }
    }

    /**
     * Builds a data set from class indices.
     *
     * @param name       where the data came from
     * @param features   {@code [n, d]} {@code DOUBLE} features; not copied (the caller hands them over)
     * @param labels     class index of each example, in {@code [0, classNames.size())}; not modified
     * @param classNames the class names
     * @return the data set with one-hot labels
     */
    public static ClassificationData of(String name, INDArray features, int[] labels, List<String> classNames) {
        return new ClassificationData(name, new DataSet(features, oneHot(labels, classNames.size())), classNames);
    }

    /**
     * One-hot encodes class indices.
     *
     * @param labels     class indices in {@code [0, numClasses)}; not modified
     * @param numClasses the number of classes (columns), {@code >= 1}
     * @return a fresh {@code [labels.length, numClasses]} {@code DOUBLE} matrix
     */
    public static INDArray oneHot(int[] labels, int numClasses) {
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses (" + numClasses + ") must be >= 1");
        }
        double[] flat = new double[labels.length * numClasses];
        for (int i = 0; i < labels.length; i++) {
            int c = labels[i];
            if (c < 0 || c >= numClasses) {
                throw new IllegalArgumentException("labels[" + i + "] (" + c + ") must be in [0, " + numClasses + ")");
            }
            flat[i * numClasses + c] = 1.0;
        }
        return Nd4j.create(flat, new long[] {labels.length, numClasses}, 'c');
    }

    /** The number of examples {@code n}. */
    public int numExamples() {
        return data.getFeatures().rows();
    }

    /** The number of features {@code d}. */
    public int numFeatures() {
        return data.getFeatures().columns();
    }

    /** The number of classes {@code k}. */
    public int numClasses() {
        return classNames.size();
    }

    /** The class index of each example (the arg-max of its label row), as a fresh array. */
    public int[] labelIndices() {
        return data.getLabels().argMax(1).toIntVector();
    }

    /** How many examples each class has, indexed by class. */
    public int[] classCounts() {
        int[] counts = new int[numClasses()];
        for (int c : labelIndices()) {
            counts[c]++;
        }
        return counts;
    }

    /** The same examples under another name (arrays shared, not copied). */
    public ClassificationData withName(String newName) {
        return new ClassificationData(newName, data, classNames);
    }

    @Override
    public String toString() {
        return "ClassificationData[" + name + ": n=" + numExamples() + ", d=" + numFeatures() + ", classes="
                + classNames + "]";
    }
}
