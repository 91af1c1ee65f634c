package org.influence4j.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/** Helpers for ND4J {@link DataSet}s: subsets, removal and materialising iterators. Inputs are not modified. */
public final class DataSets {

    private DataSets() {
    }

    /**
     * The examples at {@code indices} (in that order) as a new data set with copied arrays.
     *
     * @param indices at least one index in {@code [0, n)} (repeats allowed); not modified
     * @throws IllegalArgumentException if {@code indices} is empty or an index is out of range
     */
    public static DataSet subset(DataSet data, int[] indices) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(indices, "indices");
        checkIndices(indices, data.numExamples());
        INDArray x = rows(data.getFeatures(), indices);
        INDArray y = rows(data.getLabels(), indices);
        return new DataSet(x, y);
    }

    /** All examples except those at {@code removed} (which may be empty), in order, as a new data set. */
    public static DataSet without(DataSet data, int[] removed) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(removed, "removed");
        int n = data.numExamples();
        boolean[] drop = new boolean[n];
        for (int i : removed) {
            if (i < 0 || i >= n) {
                throw new IllegalArgumentException("removed index " + i + " is out of range [0, " + n + ")");
            }
            drop[i] = true;
        }
        int[] keep = new int[n - (int) Arrays.stream(removed).distinct().count()];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (!drop[i]) {
                keep[k++] = i;
            }
        }
        if (keep.length == 0) {
            throw new IllegalArgumentException("removing " + removed.length + " indices leaves no training data");
        }
        return subset(data, keep);
    }

    /** Reads every batch of {@code iterator} (after a reset, if supported) into one data set. */
    public static DataSet collect(DataSetIterator iterator) {
        Objects.requireNonNull(iterator, "iterator");
        if (iterator.resetSupported()) {
            iterator.reset();
        }
        List<DataSet> parts = new ArrayList<>();
        while (iterator.hasNext()) {
            parts.add(iterator.next());
        }
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("iterator returned no data; at least one example is required");
        }
        if (parts.size() == 1) {
            DataSet d = parts.get(0);
            return new DataSet(d.getFeatures().dup(), d.getLabels() == null ? null : d.getLabels().dup());
        }
        return DataSet.merge(parts);
    }

    /**
     * The entries of {@code a} along its first dimension (the examples) at {@code indices}, in that order, as a new
     * array (copied, same data type); null for null.
     *
     * @param a       an array of rank ≥ 2, or null; not modified
     * @param indices at least one index in {@code [0, a.size(0))} (repeats allowed); not modified
     * @throws IllegalArgumentException if {@code indices} is empty or an index is out of range
     */
    public static INDArray rows(INDArray a, int[] indices) {
        Objects.requireNonNull(indices, "indices");
        if (a == null) {
            return null;
        }
        checkIndices(indices, a.size(0));
        long[] idx = Arrays.stream(indices).asLongStream().toArray();
        if (a.rank() == 2) {
            INDArray pulled = Nd4j.pullRows(a, 1, indices);
            INDArray out = pulled.dup();
            pulled.close(); // an intermediate copy: freed now rather than by the garbage collector
            return out;
        }
        INDArray out = Nd4j.create(a.dataType(), shapeWithRows(a.shape(), indices.length));
        for (int r = 0; r < idx.length; r++) {
            out.slice(r).assign(a.slice(idx[r]));
        }
        return out;
    }

    private static void checkIndices(int[] indices, long n) {
        if (indices.length == 0) {
            throw new IllegalArgumentException("indices is empty; a subset needs at least one example index");
        }
        for (int i : indices) {
            if (i < 0 || i >= n) {
                throw new IllegalArgumentException("index " + i + " is out of range [0, " + n + ")");
            }
        }
    }

    private static long[] shapeWithRows(long[] shape, int rows) {
        long[] s = shape.clone();
        s[0] = rows;
        return s;
    }
}
