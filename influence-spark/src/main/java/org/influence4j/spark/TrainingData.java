package org.influence4j.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
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
 * <p>Sources: a local {@link DataSet} ({@link #of}), rows of a Spark SQL {@link Dataset} ({@link #fromRows}), CSV
 * ({@link #fromCsv}) and Parquet ({@link #fromParquet}) files read by Spark, and IDX image and label files (MNIST,
 * Fashion-MNIST) read by the tasks themselves ({@link #fromIdx}). None of them writes to its input. Malformed input
 * (a missing column, a value of the wrong type, a class index out of range, a truncated file, a non-finite value) is
 * an {@link IllegalArgumentException} whose message names the column or file, the row or example, and the value;
 * an input that cannot be read at all (an I/O error) fails with Spark's or Hadoop's own exception.
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

    /**
     * The rows of a Spark SQL {@link Dataset}: one example per row, its features from an array column and its label
     * from a class-index or label-vector column.
     *
     * <p><b>Format.</b> The features column is {@code array<double>} or {@code array<float>} (any numeric element
     * type is accepted and widened to DOUBLE); every row needs the same number of features, at least one. Spark ML
     * vectors ({@code VectorUDT}) are not read directly, since influence4j does not depend on spark-mllib: convert
     * such a column first with {@code org.apache.spark.ml.functions.vector_to_array}. The label column is either
     * <ul>
     *   <li>a numeric class index ({@code int}, {@code long}, ..., or a {@code double} holding an integer), one-hot
     *       encoded with {@code numClasses ≥ 1} entries; or</li>
     *   <li>a label vector ({@code array<double>}, or another numeric array) used as it is: with
     *       {@code numClasses = 0} its width is taken from the data (all rows must agree), with
     *       {@code numClasses > 0} every vector must have exactly {@code numClasses} entries.</li>
     * </ul>
     * Columns are found by their exact name (case included); other columns are ignored (and, for columnar sources,
     * not read).
     *
     * <p><b>Numbering.</b> Rows are numbered {@code 0 … n−1} by {@code javaRDD().zipWithIndex()}: partition 0's rows
     * first, then partition 1's, each partition's rows in their order. The number is therefore the row's position in
     * the Dataset's order and does not depend on how many partitions there are, provided that order is
     * deterministic: rows read from files, or sorted ({@code orderBy}), come in the same order every time; rows out
     * of a shuffle without a sort ({@code repartition}, joins, aggregations) may not, so sort, checkpoint or persist
     * such a Dataset first. The result keeps the Dataset's partitioning; consecutive rows of a partition are grouped
     * into blocks of at most {@value #BLOCK_ROWS}.
     *
     * <p><b>Memory and cost.</b> The driver holds one count per partition. Each task converts its partition a block
     * at a time; the blocks are persisted ({@code MEMORY_AND_DISK}) as DOUBLE, {@code 8·(features + labels)} bytes
     * per example. The Dataset is evaluated twice: once by {@code zipWithIndex} to count each partition's rows, once
     * to build and validate the blocks; it is not modified, cached or written.
     *
     * @param rows           the rows; not modified
     * @param featuresColumn the name of the numeric array column of features
     * @param labelColumn    the name of the class-index or label-vector column
     * @param numClasses     classes of a class-index label ({@code ≥ 1}); for a label vector its width, or 0 to take
     *                       the width from the data
     * @return the validated, persisted training data
     * @throws IllegalArgumentException if a column is missing (naming it and the columns there are) or of a type not
     *                                  listed above, if {@code numClasses} does not fit the label form, if there are no
     *                                  rows, or if a row has a null, a class index that is not an integer in
     *                                  {@code [0, numClasses)}, a width unlike the other rows' or a non-finite value
     *                                  (naming the row and the value)
     */
    public static TrainingData fromRows(Dataset<Row> rows, String featuresColumn, String labelColumn,
                                        int numClasses) {
        return RowLoader.fromRows(rows, featuresColumn, labelColumn, numClasses);
    }

    /**
     * A CSV file (or a directory or glob of CSV files) with a header row: the label in one column, every other column
     * a feature, in the file's column order. Read by Spark ({@code header}, {@code inferSchema}, {@code FAILFAST})
     * and then as {@link #fromRows}.
     *
     * <p><b>Format.</b> Every column but {@code labelColumn} must be numeric: a single non-numeric value makes Spark
     * read its column as text, an error naming the column (drop or convert such columns in Spark and use
     * {@link #fromRows}); an empty field is an error naming the row and column. The label is a class index in
     * {@code [0, numClasses)} (written {@code 3} or {@code 3.0}), one-hot encoded. A record with more or fewer
     * fields than the header fails the read with Spark's exception ({@code FAILFAST}).
     *
     * <p><b>Numbering.</b> Rows are numbered in the order Spark reads them. For one file that is the file's order
     * (line 2 is example 0). For several files it is Spark's choice, not the files' names: Spark 3.5 sorts the file
     * splits by size, largest first, before packing them into partitions. For numbers that mean something across
     * files, give one file, or build a sorted Dataset yourself and call {@link #fromRows}.
     *
     * <p><b>Memory and cost.</b> As {@link #fromRows}; the files are read three times (schema inference, counting
     * rows per partition, building the blocks), never written.
     *
     * @param spark       the Spark session
     * @param path        the CSV file, directory or glob, in any file system Spark reads ({@code file://},
     *                    {@code hdfs://}, ...); not modified
     * @param labelColumn the header name of the class-index column
     * @param numClasses  classes, {@code ≥ 1}
     * @return the validated, persisted training data
     * @throws IllegalArgumentException if the label column is missing (naming the columns there are) or not numeric,
     *                                  if another column is not numeric (naming it), if there are no rows, or if a row
     *                                  has an empty field, a class index that is not an integer in
     *                                  {@code [0, numClasses)} or a non-finite value (naming the row and the value)
     */
    public static TrainingData fromCsv(SparkSession spark, String path, String labelColumn, int numClasses) {
        return RowLoader.fromCsv(spark, path, labelColumn, numClasses);
    }

    /**
     * A Parquet file (or directory of files) read by Spark, then as {@link #fromRows}: the features in a numeric
     * array column, the label a class index or a label vector. Only the two columns are read.
     *
     * <p><b>Numbering.</b> Rows are numbered in the order Spark reads them: a file's row groups in order; for several
     * files Spark's choice (Spark 3.5 sorts the file splits by size, largest first), not the files' names. For
     * numbers that mean something across files, write one file or sort the rows and call {@link #fromRows}.
     *
     * @param spark          the Spark session
     * @param path           the Parquet file or directory, in any file system Spark reads; not modified
     * @param featuresColumn the name of the numeric array column of features
     * @param labelColumn    the name of the class-index or label-vector column
     * @param numClasses     as in {@link #fromRows}
     * @return the validated, persisted training data
     * @throws IllegalArgumentException as {@link #fromRows}
     */
    public static TrainingData fromParquet(SparkSession spark, String path, String featuresColumn, String labelColumn,
                                           int numClasses) {
        return RowLoader.fromParquet(spark, path, featuresColumn, labelColumn, numClasses);
    }

    /**
     * An IDX image file and its label file, the format of MNIST and Fashion-MNIST
     * ({@code train-images-idx3-ubyte.gz}, {@code train-labels-idx1-ubyte.gz}), read by the Spark tasks themselves.
     *
     * <p><b>Format.</b> Big-endian. Images: magic {@code 0x00000803} (unsigned bytes, 3 dimensions), count, rows,
     * columns, then the pixel bytes. Labels: magic {@code 0x00000801}, count, then one byte per example. Each file may
     * be plain or gzip-compressed, recognised by its first bytes, not its name. An example's features are its pixels
     * row-major, scaled to {@code [0, 1]} by {@code byte / 255}; its label is one-hot with {@code numClasses}
     * entries.
     *
     * <p><b>Numbering.</b> Example {@code i} is the {@code i}-th image of the file, whatever {@code partitions} is.
     * Partition {@code p} holds examples {@code ⌊p·n/partitions⌋ …} up to the next partition's first (empty when
     * {@code partitions > n}), in blocks of at most {@value #BLOCK_ROWS}.
     *
     * <p><b>Memory and cost.</b> The driver reads only the two headers (and a plain file's length). Each task opens
     * both files through Hadoop's {@code FileSystem} (so {@code hdfs://}, {@code file://} and every scheme the
     * context's Hadoop configuration knows work; a path without a scheme uses the default file system) and reads its
     * range: a plain file by seeking, a gzipped file by decoding and discarding everything before the range (so the
     * tasks of a gzipped file decode about {@code (partitions + 1)/2} times its size between them). A task holds one block of
     * bytes and one of doubles at a time; the persisted blocks take {@code 8·(rows·columns + numClasses)} bytes per
     * example. The files are never written.
     *
     * @param sc          the Spark context; its Hadoop configuration is copied now and shipped with the tasks
     * @param imagesPath  the {@code idx3-ubyte} image file, plain or gzipped; not modified
     * @param labelsPath  the {@code idx1-ubyte} label file, plain or gzipped; not modified
     * @param numClasses  classes, {@code ≥ 1}; every label must be below it
     * @param partitions  {@code ≥ 1}
     * @return the validated, persisted training data
     * @throws IllegalArgumentException if a file does not exist, has the wrong magic number (saying when the two look
     *                                  swapped), is truncated or longer than its header says, if the image and label
     *                                  counts differ or are 0, or if a label is {@code ≥ numClasses} (naming the file,
     *                                  the example and the value)
     * @throws java.io.UncheckedIOException if a header cannot be read (an I/O error on the driver); I/O errors in the
     *                                      tasks fail the job with Spark's exception
     */
    public static TrainingData fromIdx(JavaSparkContext sc, String imagesPath, String labelsPath, int numClasses,
                                       int partitions) {
        return IdxLoader.fromIdx(sc, imagesPath, labelsPath, numClasses, partitions);
    }

    /**
     * Builds and validates the blocks of a loading factory. Malformed input found by a task reaches the driver as a
     * {@link BadDataException} inside Spark's job failure; it is rethrown as an {@code IllegalArgumentException} that
     * names the source (its cause is Spark's exception).
     *
     * @param source a description of the source
     * @param blocks builds the (lazy) blocks; may itself run a job (counting partitions)
     */
    static TrainingData loading(String source, Supplier<JavaRDD<RowBlock>> blocks) {
        try {
            return validated(blocks.get(), source);
        } catch (Exception e) {
            // Spark throws its checked SparkException without declaring it; anything else is rethrown as it is
            BadDataException bad = BadDataException.in(e);
            if (bad != null) {
                throw new IllegalArgumentException("the training data (" + source + "): " + bad.getMessage(), e);
            }
            throw e;
        }
    }

    /**
     * The examples with the given indices, collected to the driver in the order asked (for showing the training
     * examples an explanation names; one Spark job that keeps only those rows).
     *
     * @param indices example indices in {@code [0, n)}; repeats allowed; at most a few thousand
     * @return a fresh DOUBLE data set {@code [indices.length, featureWidth]}, {@code [indices.length, labelWidth]}
     * @throws IllegalArgumentException if an index is out of range (naming it)
     */
    public DataSet examples(long... indices) {
        Objects.requireNonNull(indices, "indices");
        if (indices.length == 0) {
            throw new IllegalArgumentException("indices is empty; ask for at least one example");
        }
        for (long i : indices) {
            if (i < 0 || i >= numExamples) {
                throw new IllegalArgumentException("example index " + i + " is outside [0, " + numExamples + ")");
            }
        }
        long[] wanted = java.util.Arrays.stream(indices).distinct().sorted().toArray();
        List<RowBlock> found = blocks.flatMap(b -> {
            List<RowBlock> out = new ArrayList<>();
            int from = java.util.Arrays.binarySearch(wanted, b.first());
            from = from < 0 ? -from - 1 : from;
            for (int j = from; j < wanted.length && wanted[j] < b.end(); j++) {
                int r = (int) (wanted[j] - b.first());
                out.add(new RowBlock(wanted[j], 1,
                        java.util.Arrays.copyOfRange(b.features(), r * b.featureWidth(), (r + 1) * b.featureWidth()),
                        java.util.Arrays.copyOfRange(b.labels(), r * b.labelWidth(), (r + 1) * b.labelWidth()),
                        b.featureWidth(), b.labelWidth()));
            }
            return out.iterator();
        }).collect();
        java.util.Map<Long, RowBlock> byIndex = new java.util.HashMap<>();
        for (RowBlock r : found) {
            byIndex.put(r.first(), r);
        }
        double[] x = new double[indices.length * featureWidth];
        double[] y = new double[indices.length * labelWidth];
        for (int k = 0; k < indices.length; k++) {
            RowBlock r = byIndex.get(indices[k]);
            System.arraycopy(r.features(), 0, x, k * featureWidth, featureWidth);
            System.arraycopy(r.labels(), 0, y, k * labelWidth, labelWidth);
        }
        return new DataSet(org.nd4j.linalg.factory.Nd4j.create(x, new long[] {indices.length, featureWidth},
                DataType.DOUBLE), org.nd4j.linalg.factory.Nd4j.create(y, new long[] {indices.length, labelWidth},
                DataType.DOUBLE));
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
