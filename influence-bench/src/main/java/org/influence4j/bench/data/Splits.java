package org.influence4j.bench.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.influence4j.model.DataSets;

/**
 * Seeded, stratified train/test splits. Each class contributes test examples in proportion to its size
 * (largest-remainder rounding, ties to the lower class index); within a class the test examples are chosen by a
 * Fisher–Yates shuffle driven by {@link java.util.Random} with the given seed, whose sequence is specified by the
 * JDK and therefore identical on every JVM. Both index lists are returned in ascending order, so example {@code i}
 * of a split set is row {@code indices[i]} of the source.
 */
public final class Splits {

    private Splits() {
    }

    /**
     * The row indices of a stratified split.
     *
     * @param train rows of the training set, ascending
     * @param test  rows of the test set, ascending
     */
    public record SplitIndices(int[] train, int[] test) {

        /** Copies the arrays. */
        public SplitIndices {
            train = train.clone();
            test = test.clone();
        }

        /** The training rows (a copy). */
        @Override
        public int[] train() {
            return train.clone();
        }

        /** The test rows (a copy). */
        @Override
        public int[] test() {
            return test.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SplitIndices s && Arrays.equals(train, s.train) && Arrays.equals(test, s.test);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(train) + Arrays.hashCode(test);
        }

        @Override
        public String toString() {
            return "SplitIndices[train=" + train.length + " rows, test=" + test.length + " rows]";
        }
    }

    /**
     * Computes a stratified split of labelled rows.
     *
     * @param labels     the class index of each row, in {@code [0, numClasses)}; not modified
     * @param numClasses the number of classes
     * @param testCount  how many rows go to the test set, in {@code [1, labels.length − 1]}
     * @param seed       the random seed
     * @return the split
     */
    public static SplitIndices stratifiedIndices(int[] labels, int numClasses, int testCount, long seed) {
        int n = labels.length;
        if (testCount < 1 || testCount >= n) {
            throw new IllegalArgumentException("testCount (" + testCount + ") must be in [1, " + (n - 1) + "] for "
                    + n + " rows");
        }
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < numClasses; c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("labels[" + i + "] (" + labels[i] + ") must be in [0, "
                        + numClasses + ")");
            }
            byClass.get(labels[i]).add(i);
        }
        int[] counts = byClass.stream().mapToInt(List::size).toArray();
        int[] perClass = apportion(counts, testCount);
        Random random = new Random(seed);
        boolean[] isTest = new boolean[n];
        for (int c = 0; c < numClasses; c++) {
            int[] rows = byClass.get(c).stream().mapToInt(Integer::intValue).toArray();
            for (int i = rows.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = rows[i];
                rows[i] = rows[j];
                rows[j] = t;
            }
            for (int k = 0; k < perClass[c]; k++) {
                isTest[rows[k]] = true;
            }
        }
        int[] test = new int[testCount];
        int[] train = new int[n - testCount];
        int a = 0;
        int b = 0;
        for (int i = 0; i < n; i++) {
            if (isTest[i]) {
                test[a++] = i;
            } else {
                train[b++] = i;
            }
        }
        return new SplitIndices(train, test);
    }

    /**
     * Splits a data set into stratified training and test sets.
     *
     * @param data      the examples; not modified (the results hold copies)
     * @param testCount how many examples go to the test set
     * @param seed      the random seed
     * @return the two sets, named {@code name + "/train"} and {@code name + "/test"}
     */
    public static TrainTestData stratified(ClassificationData data, int testCount, long seed) {
        SplitIndices split = stratifiedIndices(data.labelIndices(), data.numClasses(), testCount, seed);
        return new TrainTestData(subset(data, split.train, "/train"), subset(data, split.test, "/test"));
    }

    private static ClassificationData subset(ClassificationData data, int[] rows, String suffix) {
        return new ClassificationData(data.name() + suffix, DataSets.subset(data.data(), rows), data.classNames());
    }

    /** Largest-remainder apportionment of {@code total} proportional to {@code counts}; ties to the lower index. */
    static int[] apportion(int[] counts, int total) {
        long sum = Arrays.stream(counts).asLongStream().sum();
        int[] alloc = new int[counts.length];
        double[] remainder = new double[counts.length];
        int given = 0;
        for (int c = 0; c < counts.length; c++) {
            double exact = (double) counts[c] * total / sum;
            alloc[c] = (int) Math.floor(exact);
            remainder[c] = exact - alloc[c];
            given += alloc[c];
        }
        Integer[] order = new Integer[counts.length];
        for (int c = 0; c < order.length; c++) {
            order[c] = c;
        }
        Arrays.sort(order, (x, y) -> remainder[x] != remainder[y] ? Double.compare(remainder[y], remainder[x])
                : Integer.compare(x, y));
        for (int i = 0; given < total; i++) {
            alloc[order[i]]++;
            given++;
        }
        return alloc;
    }
}
