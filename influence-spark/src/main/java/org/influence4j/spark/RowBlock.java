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

    /**
     * The blocks of {@code blocks} with runs of consecutive examples merged into blocks of at most {@code maxRows}
     * rows (blocks that do not continue the previous one start a new run), so that executors make fewer, larger
     * model calls.
     */
    static java.util.Iterator<RowBlock> runs(java.util.Iterator<RowBlock> blocks, int maxRows) {
        return new java.util.Iterator<>() {
            private RowBlock pending = blocks.hasNext() ? blocks.next() : null;

            @Override
            public boolean hasNext() {
                return pending != null;
            }

            @Override
            public RowBlock next() {
                if (pending == null) {
                    throw new java.util.NoSuchElementException();
                }
                java.util.List<RowBlock> run = new java.util.ArrayList<>();
                run.add(pending);
                long rows = pending.rows;
                pending = null;
                while (blocks.hasNext()) {
                    RowBlock b = blocks.next();
                    RowBlock last = run.get(run.size() - 1);
                    if (b.first == last.end() && rows + b.rows <= maxRows && b.featureWidth == last.featureWidth
                            && b.labelWidth == last.labelWidth) {
                        run.add(b);
                        rows += b.rows;
                    } else {
                        pending = b;
                        break;
                    }
                }
                return concat(run, (int) rows);
            }
        };
    }

    private static RowBlock concat(java.util.List<RowBlock> run, int rows) {
        if (run.size() == 1) {
            return run.get(0);
        }
        RowBlock head = run.get(0);
        double[] x = new double[rows * head.featureWidth];
        double[] y = new double[rows * head.labelWidth];
        int r = 0;
        for (RowBlock b : run) {
            System.arraycopy(b.features, 0, x, r * head.featureWidth, b.features.length);
            System.arraycopy(b.labels, 0, y, r * head.labelWidth, b.labels.length);
            r += b.rows;
        }
        return new RowBlock(head.first, rows, x, y, head.featureWidth, head.labelWidth);
    }

    /** Releases the off-heap memory of a data set made by {@link #toDataSet()} (when nothing keeps it). */
    static void close(DataSet d) {
        if (d.getFeatures() != null && !d.getFeatures().wasClosed()) {
            d.getFeatures().close();
        }
        if (d.getLabels() != null && !d.getLabels().wasClosed()) {
            d.getLabels().close();
        }
    }

    /** A fresh DOUBLE data set {@code [rows, featureWidth]}, {@code [rows, labelWidth]}. */
    DataSet toDataSet() {
        return new DataSet(Nd4j.create(features, new long[] {rows, featureWidth}, DataType.DOUBLE),
                Nd4j.create(labels, new long[] {rows, labelWidth}, DataType.DOUBLE));
    }
}
