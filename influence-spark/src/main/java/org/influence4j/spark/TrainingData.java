package org.influence4j.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Training examples held by Spark: an RDD of blocks of consecutive examples ({@code RowBlock}s), each example a flat
 * feature vector and a label vector (one-hot for classification), numbered {@code 0 … n−1} in the data's order.
 * The number is an example's identity everywhere: in top-k results, in score files, in self-influence rows, and in
 * the seeds of sampled Fisher labels ({@link org.influence4j.solver.FisherSampling#SAMPLED}), so that results do not
 * depend on how the examples are partitioned.
 *
 * <p>Construction validates the data in one Spark job (count, widths, finiteness) and persists the blocks
 * ({@code MEMORY_AND_DISK}), since every influence computation passes over them several times; {@link #unpersist()}
 * releases them. The driver never holds the examples (except in {@link #of(JavaSparkContext, DataSet, int)}, where
 * the caller already does). Partitions may be empty.
 *
 * <p>Immutable and thread-safe.
 */
public final class TrainingData {

    /** Examples per block (a block is turned into one ND4J data set on an executor). */
    static final int BLOCK_ROWS = 1024;

    private final JavaRDD<RowBlock> blocks;
    private final long numExamples;
    private final int featureWidth;
    private final int labelWidth;
    private final String source;

    private TrainingData(JavaRDD<RowBlock> blocks, long numExamples, int featureWidth, int labelWidth,
                         String source) {
        this.blocks = blocks;
        this.numExamples = numExamples;
        this.featureWidth = featureWidth;
        this.labelWidth = labelWidth;
        this.source = source;
    }

    /**
     * Validates and persists {@code blocks}: one job computes the count, the widths and the first non-finite value.
     *
     * @param blocks blocks of consecutive examples whose indices, over all partitions in order, are {@code 0 … n−1}
     * @param source a description of where the data came from (for messages)
     * @throws IllegalArgumentException if there are no examples, widths differ, an index is out of place or a value
     *                                  is not finite (naming the example)
     */
    static TrainingData validated(JavaRDD<RowBlock> blocks, String source) {
        JavaRDD<RowBlock> persisted = blocks.persist(StorageLevel.MEMORY_AND_DISK());
        try {
            List<BlockSummary> summaries = persisted.map(BlockSummary::of).collect();
            if (summaries.isEmpty()) {
                throw new IllegalArgumentException("the training data (" + source + ") has no examples; give at "
                        + "least one row");
            }
            List<BlockSummary> sorted = new ArrayList<>(summaries);
            sorted.sort((a, b) -> Long.compare(a.first, b.first));
            long next = 0;
            BlockSummary head = sorted.get(0);
            for (BlockSummary s : sorted) {
                if (s.first != next) {
                    throw new IllegalArgumentException("the training data (" + source + ") numbers its examples with "
                            + "a gap or an overlap at example " + Math.min(s.first, next) + "; examples must be "
                            + "numbered 0 … n−1 in order");
                }
                if (s.featureWidth != head.featureWidth || s.labelWidth != head.labelWidth) {
                    throw new IllegalArgumentException("the training data (" + source + ") has " + s.featureWidth
                            + " features and " + s.labelWidth + " label entries at example " + s.first + " but "
                            + head.featureWidth + " and " + head.labelWidth + " at example 0; every example needs the "
                            + "same widths");
                }
                if (s.firstNonFinite >= 0) {
                    throw new IllegalArgumentException("the training data (" + source + ") has a non-finite value "
                            + "(NaN or infinite) in example " + s.firstNonFinite + "; clean or drop that row");
                }
                next = s.first + s.rows;
            }
            return new TrainingData(persisted, next, head.featureWidth, head.labelWidth, source);
        } catch (RuntimeException e) {
            persisted.unpersist(false);
            throw e;
        }
    }

    /** What the validation job learns of one block. */
    private record BlockSummary(long first, int rows, int featureWidth, int labelWidth, long firstNonFinite)
            implements java.io.Serializable {
        static BlockSummary of(RowBlock b) {
            long bad = -1;
            for (int i = 0; i < b.rows() && bad < 0; i++) {
                for (int j = 0; j < b.featureWidth(); j++) {
                    if (!Double.isFinite(b.features()[i * b.featureWidth() + j])) {
                        bad = b.first() + i;
                        break;
                    }
                }
                for (int j = 0; j < b.labelWidth() && bad < 0; j++) {
                    if (!Double.isFinite(b.labels()[i * b.labelWidth() + j])) {
                        bad = b.first() + i;
                    }
                }
            }
            return new BlockSummary(b.first(), b.rows(), b.featureWidth(), b.labelWidth(), bad);
        }
    }

    /**
     * The examples of a local data set, distributed over {@code partitions} partitions of consecutive examples (for
     * data that already fits on the driver, and for comparing with a single-machine run on the same data).
     *
     * @param sc         the Spark context
     * @param data       features {@code [n, d]} (or any shape whose first dimension is the example; flattened per
     *                   example in 'c' order) and labels {@code [n, k]}; not modified
     * @param partitions {@code ≥ 1}; partitions beyond the number of blocks stay empty
     */
    public static TrainingData of(JavaSparkContext sc, DataSet data, int partitions) {
        Objects.requireNonNull(sc, "sc");
        Objects.requireNonNull(data, "data");
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions (" + partitions + ") must be >= 1");
        }
        if (data.getFeatures() == null || data.getLabels() == null || data.numExamples() == 0) {
            throw new IllegalArgumentException("data has no examples (features and labels are required)");
        }
        int n = data.numExamples();
        INDArray x = data.getFeatures().castTo(DataType.DOUBLE).reshape('c', n, -1);
        INDArray y = data.getLabels().castTo(DataType.DOUBLE).reshape('c', n, -1);
        if (y.size(0) != n) {
            throw new IllegalArgumentException("data has " + n + " feature rows but " + y.size(0) + " label rows");
        }
        int d = (int) x.size(1);
        int k = (int) y.size(1);
        // blocks of equal size per partition, so that every partition gets work when n allows it
        int perPartition = (int) Math.max(1, Math.min(BLOCK_ROWS, (n + partitions - 1) / partitions));
        List<RowBlock> list = new ArrayList<>();
        for (int from = 0; from < n; from += perPartition) {
            int rows = Math.min(perPartition, n - from);
            double[] xs = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, from + rows),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()).dup('c').data().asDouble();
            double[] ys = y.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, from + rows),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()).dup('c').data().asDouble();
            list.add(new RowBlock(from, rows, xs, ys, d, k));
        }
        return validated(sc.parallelize(list, partitions), "a local data set of " + n + " examples");
    }

    /** The number of examples {@code n}. */
    public long numExamples() {
        return numExamples;
    }

    /** Features per example. */
    public int featureWidth() {
        return featureWidth;
    }

    /** Label entries per example. */
    public int labelWidth() {
        return labelWidth;
    }

    /** The number of Spark partitions. */
    public int partitions() {
        return blocks.getNumPartitions();
    }

    /** Where the data came from. */
    public String source() {
        return source;
    }

    /** The persisted blocks. */
    JavaRDD<RowBlock> blocks() {
        return blocks;
    }

    /** The Spark context of the data. */
    JavaSparkContext context() {
        return JavaSparkContext.fromSparkContext(blocks.context());
    }

    /** Releases the persisted blocks (later computations read the source again). */
    public void unpersist() {
        blocks.unpersist(false);
    }

    @Override
    public String toString() {
        return "TrainingData[n=" + numExamples + ", features=" + featureWidth + ", labels=" + labelWidth
                + ", partitions=" + partitions() + ", " + source + "]";
    }
}
