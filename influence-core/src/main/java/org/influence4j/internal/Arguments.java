package org.influence4j.internal;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Argument checks shared by the influence4j modules. <b>Not public API</b>: this package may change
 * without notice.
 *
 * <p>Every check throws {@link IllegalArgumentException} (or {@link NullPointerException} for a null
 * argument) whose message names the argument, the offending value and, where there is one, the remedy.
 * Checks are NaN-safe: {@code !(x >= 0)} rejects NaN.
 */
public final class Arguments {

    private Arguments() {
    }

    /** Throws unless {@code value} is finite and {@code >= 0}. */
    public static double checkNonNegative(String name, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " (" + value + ") must be finite and >= 0");
        }
        return value;
    }

    /** Throws unless {@code value} is finite and {@code > 0}. */
    public static double checkPositive(String name, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " (" + value + ") must be finite and > 0");
        }
        return value;
    }

    /** Throws unless {@code value >= 1}. */
    public static int checkPositive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " (" + value + ") must be >= 1");
        }
        return value;
    }

    /** Throws unless {@code value >= 0}. */
    public static int checkNonNegative(String name, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " (" + value + ") must be >= 0");
        }
        return value;
    }

    /** Throws unless the array has a floating-point data type (DOUBLE, FLOAT, HALF, BFLOAT16). */
    public static INDArray checkFloatingPoint(String name, INDArray array) {
        if (array == null) {
            throw new NullPointerException(name + " must not be null");
        }
        if (!array.dataType().isFPType()) {
            throw new IllegalArgumentException(name + " has data type " + array.dataType()
                    + "; a floating-point array (DOUBLE recommended) is required");
        }
        return array;
    }

    /**
     * Checks that {@code v} is a vector of the given length: rank 1, or a row/column matrix of that
     * length, floating point and finite.
     *
     * @return {@code v} itself (never copied)
     */
    public static INDArray checkVector(String name, INDArray v, long length) {
        checkFloatingPoint(name, v);
        boolean vectorShape = v.rank() == 1 || (v.rank() == 2 && (v.rows() == 1 || v.columns() == 1));
        if (!vectorShape || v.length() != length) {
            throw new IllegalArgumentException(name + " has shape " + java.util.Arrays.toString(v.shape())
                    + "; expected a vector of length " + length + " (shape [" + length + "])");
        }
        checkFinite(name, v);
        return v;
    }

    /** Throws if any element of {@code array} is NaN or infinite, naming the first bad flat index. */
    public static INDArray checkFinite(String name, INDArray array) {
        checkFloatingPoint(name, array);
        if (array.isEmpty()) {
            return array;
        }
        // Fast path: one reduction; the sum of |x| is finite iff every element is (barring overflow,
        // which the exact scan below then resolves).
        INDArray d = array.dataType() == DataType.DOUBLE ? array : array.castTo(DataType.DOUBLE);
        double s = Vectors.norm1(d);
        if (d != array) {
            d.close(); // the DOUBLE copy of a FLOAT array: freed now, not by the garbage collector
        }
        if (Double.isFinite(s)) {
            return array;
        }
        INDArray flat = array.reshape(array.length());
        for (long i = 0; i < flat.length(); i++) {
            double x = flat.getDouble(i);
            if (!Double.isFinite(x)) {
                throw new IllegalArgumentException(name + " contains " + x + " at flat index " + i
                        + "; remove or impute non-finite values before computing influence");
            }
        }
        return array;
    }

    /**
     * Checks a data set: non-null, at least one example, features and labels present with the same number
     * of rows, floating point and finite.
     */
    public static DataSet checkDataSet(String name, DataSet data) {
        if (data == null) {
            throw new NullPointerException(name + " must not be null");
        }
        INDArray x = data.getFeatures();
        INDArray y = data.getLabels();
        if (x == null || y == null) {
            throw new IllegalArgumentException(name + " must have both features and labels (features "
                    + (x == null ? "missing" : "present") + ", labels " + (y == null ? "missing" : "present") + ")");
        }
        if (x.isEmpty() || x.size(0) == 0) {
            throw new IllegalArgumentException(name + " is empty; at least one example is required");
        }
        if (y.rank() == 0 || y.size(0) != x.size(0)) {
            throw new IllegalArgumentException(name + " has " + x.size(0) + " feature rows but labels of shape "
                    + java.util.Arrays.toString(y.shape()) + "; features and labels need the same number of rows");
        }
        checkFinite(name + " features", x);
        checkFinite(name + " labels", y);
        return data;
    }

    /** Tolerance of the label checks: entries {@code >= -1e-6}, row sums within {@code 1e-6} of 1. */
    public static final double LABEL_TOLERANCE = 1e-6;

    /**
     * Checks classification labels that must be class distributions: a matrix {@code [n, k]} whose every entry is
     * {@code >= 0} and whose every row sums to 1, both within {@link #LABEL_TOLERANCE} (one-hot rows or
     * probability rows). The row {@code [1.5, -0.5, 0]} sums to 1 and is rejected. Labels of another rank are left
     * to the caller's shape checks.
     *
     * @param name   the argument, e.g. {@code "training data labels"}, for the message
     * @param labels the labels, finite (see {@link #checkFinite}); not modified
     * @return {@code labels} itself
     * @throws IllegalArgumentException naming the first bad row, its values and the remedy
     */
    public static INDArray checkClassLabels(String name, INDArray labels) {
        return checkLabelRows(name, labels, true);
    }

    /**
     * Checks soft classification labels of any mass: a matrix {@code [n, k]} whose every entry is {@code >= 0}
     * (within {@link #LABEL_TOLERANCE}); rows need not sum to 1. Labels of another rank are left to the caller.
     *
     * @param name   the argument, for the message
     * @param labels the labels, finite; not modified
     * @return {@code labels} itself
     * @throws IllegalArgumentException naming the first row with a negative entry, its values and the remedy
     */
    public static INDArray checkSoftLabels(String name, INDArray labels) {
        return checkLabelRows(name, labels, false);
    }

    private static INDArray checkLabelRows(String name, INDArray labels, boolean unitRows) {
        checkFinite(name, labels);
        if (labels.rank() != 2 || labels.isEmpty()) {
            return labels;
        }
        INDArray y = labels.dataType() == DataType.DOUBLE ? labels : labels.castTo(DataType.DOUBLE);
        double[] mins = y.min(1).toDoubleVector();
        double[] sums = unitRows ? y.sum(1).toDoubleVector() : null;
        for (int i = 0; i < mins.length; i++) {
            boolean negative = !(mins[i] >= -LABEL_TOLERANCE);
            boolean badSum = unitRows && !(Math.abs(sums[i] - 1.0) <= LABEL_TOLERANCE);
            if (negative || badSum) {
                String problem = negative
                        ? "has a negative entry (" + mins[i] + ")"
                        : "sums to " + sums[i];
                throw new IllegalArgumentException(name + " row " + i + " " + rowText(y, i) + " " + problem
                        + (unitRows
                                ? "; every label row must be a class distribution (entries >= 0 that sum to 1 within "
                                        + LABEL_TOLERANCE + "): pass one-hot rows or probability rows"
                                : "; label entries must be >= 0: pass one-hot rows or non-negative soft labels"));
            }
        }
        return labels;
    }

    /** Row {@code i} as {@code [a, b, c]}, at most 10 entries. */
    private static String rowText(INDArray y, int i) {
        long k = y.size(1);
        StringBuilder sb = new StringBuilder("[");
        for (long j = 0; j < Math.min(k, 10); j++) {
            sb.append(j == 0 ? "" : ", ").append(y.getDouble(i, j));
        }
        return sb.append(k > 10 ? ", ... (" + k + " entries)]" : "]").toString();
    }

    /**
     * A byte count in readable binary units that never reads as zero for a non-zero count: {@code "0 bytes"},
     * {@code "1 byte"}, {@code "312 bytes"} below 1 KiB, then one decimal in KiB, MiB, GiB, TiB, PiB or EiB
     * ({@code "1.5 KiB"}, {@code "8.0 MiB"}, {@code "2.3 GiB"}; 1 KiB = 1024 bytes).
     *
     * @param bytes the count, {@code >= 0}
     * @return the text
     * @throws IllegalArgumentException if {@code bytes < 0}
     */
    public static String formatBytes(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes (" + bytes + ") must be >= 0");
        }
        if (bytes < 1024) {
            return bytes + (bytes == 1 ? " byte" : " bytes");
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = bytes / 1024.0;
        int u = 0;
        // move up a unit when the rounded value would print as 1024.0
        while (u < units.length - 1 && Math.round(v * 10) >= 1024 * 10) {
            v /= 1024.0;
            u++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** Returns a DOUBLE copy of {@code v} as a rank-1 array (always a fresh array). */
    public static INDArray toDoubleVector(INDArray v) {
        INDArray d = v.dataType() == DataType.DOUBLE ? v.dup() : v.castTo(DataType.DOUBLE);
        return d.rank() == 1 ? d : d.reshape(d.length());
    }

    /**
     * The removal set of a {@code Retrainer}, sorted: checks that {@code removed} holds distinct 0-based indices below
     * {@code n} and leaves at least one of the {@code n} training examples; not modified.
     *
     * @throws NullPointerException     if {@code removed} is null
     * @throws IllegalArgumentException naming the offending index, or if every example is removed
     */
    public static java.util.List<Integer> removalSet(int[] removed, int n) {
        java.util.Objects.requireNonNull(removed, "removed");
        int[] sorted = removed.clone();
        java.util.Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            if (sorted[i] < 0 || sorted[i] >= n) {
                throw new IllegalArgumentException("removed contains " + sorted[i] + ", out of range for " + n
                        + " training examples; indices are 0-based rows of the training set");
            }
            if (i > 0 && sorted[i] == sorted[i - 1]) {
                throw new IllegalArgumentException("removed contains " + sorted[i] + " twice; give distinct indices");
            }
        }
        if (sorted.length == n) {
            throw new IllegalArgumentException("removed contains all " + n + " training examples; at least one must "
                    + "remain");
        }
        return java.util.Arrays.stream(sorted).boxed().toList();
    }
}
