package org.influence4j.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;

import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.UserDefinedType;

import scala.Tuple2;

/**
 * Turns rows of a Spark SQL {@link Dataset} into {@link RowBlock}s: the implementation of
 * {@link TrainingData#fromRows}, {@link TrainingData#fromCsv} and {@link TrainingData#fromParquet}. The column checks
 * run on the driver against the schema; the values are converted on the executors, one block at a time.
 */
final class RowLoader {

    private RowLoader() {
    }

    /** How the label column is read. */
    enum LabelForm {
        /** A numeric class index, one-hot encoded with {@code numClasses} entries. */
        CLASS_INDEX,
        /** A numeric array used as the label vector. */
        VECTOR
    }

    /** See {@link TrainingData#fromRows}. */
    static TrainingData fromRows(Dataset<Row> rows, String featuresColumn, String labelColumn, int numClasses) {
        return fromRows(rows, featuresColumn, labelColumn, numClasses, "rows of a Dataset");
    }

    /** {@link #fromRows(Dataset, String, String, int)} with the source named for messages. */
    private static TrainingData fromRows(Dataset<Row> rows, String featuresColumn, String labelColumn, int numClasses,
                                         String source) {
        Objects.requireNonNull(rows, "rows");
        Objects.requireNonNull(featuresColumn, "featuresColumn");
        Objects.requireNonNull(labelColumn, "labelColumn");
        StructType schema = rows.schema();
        DataType features = field(schema, featuresColumn, "featuresColumn").dataType();
        if (!isNumericArray(features)) {
            throw new IllegalArgumentException("the features column '" + featuresColumn + "' has type "
                    + features.simpleString() + "; it must be array<double> or array<float> (any numeric array works)"
                    + vectorHint(features, featuresColumn));
        }
        DataType label = field(schema, labelColumn, "labelColumn").dataType();
        LabelForm form = labelForm(label, labelColumn, numClasses);
        Dataset<Row> two = rows.select(column(featuresColumn), column(labelColumn));
        return blocks(two, new Columns(featuresColumn, null, labelColumn, form, numClasses),
                source + " (features '" + featuresColumn + "', label '" + labelColumn + "')");
    }

    /** See {@link TrainingData#fromCsv}. */
    static TrainingData fromCsv(SparkSession spark, String path, String labelColumn, int numClasses) {
        Objects.requireNonNull(spark, "spark");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(labelColumn, "labelColumn");
        Dataset<Row> raw = spark.read()
                .option("header", "true")
                .option("inferSchema", "true")
                // a record with too many or too few fields fails the read instead of being cut or padded with nulls
                .option("mode", "FAILFAST")
                .csv(path);
        StructType schema = raw.schema();
        DataType label = field(schema, labelColumn, "labelColumn").dataType();
        if (!(label instanceof NumericType) && raw.isEmpty()) {
            // without rows, Spark infers every column as text: say what is wrong instead
            throw new IllegalArgumentException(path + " has a header but no rows; the training data needs at least "
                    + "one example");
        }
        LabelForm form = labelForm(label, labelColumn, numClasses);
        List<String> names = new ArrayList<>();
        List<Column> values = new ArrayList<>();
        List<String> notNumeric = new ArrayList<>();
        for (StructField f : schema.fields()) {
            if (f.name().equals(labelColumn)) {
                continue;
            }
            if (f.dataType() instanceof NumericType) {
                names.add(f.name());
                values.add(column(f.name()).cast(DataTypes.DoubleType));
            } else {
                notNumeric.add(f.name() + " (" + f.dataType().simpleString() + ")");
            }
        }
        if (!notNumeric.isEmpty()) {
            throw new IllegalArgumentException(path + " has columns that are not numeric: " + notNumeric + "; every "
                    + "column but the label '" + labelColumn + "' is a feature and must hold numbers only (a single "
                    + "non-numeric value makes Spark read the whole column as text); drop or convert such columns and "
                    + "use TrainingData.fromRows");
        }
        if (names.isEmpty()) {
            throw new IllegalArgumentException(path + " has no feature columns besides the label '" + labelColumn
                    + "'");
        }
        Dataset<Row> two = raw.select(functions.array(values.toArray(new Column[0])), column(labelColumn));
        return blocks(two, new Columns("features", names.toArray(new String[0]), labelColumn, form, numClasses),
                "CSV " + path + " (" + names.size() + " features, label '" + labelColumn + "')");
    }

    /** See {@link TrainingData#fromParquet}. */
    static TrainingData fromParquet(SparkSession spark, String path, String featuresColumn, String labelColumn,
                                    int numClasses) {
        Objects.requireNonNull(spark, "spark");
        Objects.requireNonNull(path, "path");
        return fromRows(spark.read().parquet(path), featuresColumn, labelColumn, numClasses, "Parquet " + path);
    }

    /** Numbers the rows of {@code two} (features, label) in order and groups them into blocks. */
    private static TrainingData blocks(Dataset<Row> two, Columns columns, String source) {
        // zipWithIndex numbers partition 0's rows first, then partition 1's, each partition's consecutively; it runs
        // one job (inside loading, whose catch sees its failures) to count the rows of every partition but the last
        return TrainingData.loading(source, () -> two.javaRDD().zipWithIndex().mapPartitions(new ToBlocks(columns)));
    }

    private static StructField field(StructType schema, String name, String argument) {
        for (StructField f : schema.fields()) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException(argument + " '" + name + "' is not a column of the rows; the columns are "
                + Arrays.toString(schema.fieldNames()) + " (names are matched exactly, case included)");
    }

    /** The column of that exact name (back-quoted, so that dots and spaces in the name are not parsed). */
    private static Column column(String name) {
        return functions.col("`" + name.replace("`", "``") + "`");
    }

    private static boolean isNumericArray(DataType type) {
        return type instanceof ArrayType array && array.elementType() instanceof NumericType;
    }

    private static LabelForm labelForm(DataType label, String labelColumn, int numClasses) {
        if (label instanceof NumericType) {
            if (numClasses < 1) {
                throw new IllegalArgumentException("numClasses (" + numClasses + ") must be >= 1 for the class-index "
                        + "label column '" + labelColumn + "' (0 is accepted only for a label-vector column, where it "
                        + "means 'use the vectors as they are')");
            }
            return LabelForm.CLASS_INDEX;
        }
        if (isNumericArray(label)) {
            if (numClasses < 0) {
                throw new IllegalArgumentException("numClasses (" + numClasses + ") must be >= 0 for the label-vector "
                        + "column '" + labelColumn + "' (0: use the vectors as they are)");
            }
            return LabelForm.VECTOR;
        }
        throw new IllegalArgumentException("the label column '" + labelColumn + "' has type " + label.simpleString()
                + "; it must be a numeric class index (integer, long or an integral double) or a label vector "
                + "(array<double>)" + vectorHint(label, labelColumn));
    }

    /** For a Spark ML vector column: how to turn it into an array without influence4j depending on spark-mllib. */
    private static String vectorHint(DataType type, String name) {
        if (type instanceof UserDefinedType<?> udt && udt.userClass().getName().endsWith("linalg.Vector")) {
            return "; Spark ML vectors are not read directly (influence4j does not depend on spark-mllib): convert "
                    + "the column first with org.apache.spark.ml.functions.vector_to_array(col(\"" + name + "\"))";
        }
        return "";
    }

    /** What the executors need to know of the two selected columns (features at 0, label at 1). */
    private record Columns(String featuresColumn, String[] featureNames, String labelColumn, LabelForm form,
                           int numClasses) implements Serializable {

        /** The feature at {@code j}, for messages: its CSV column, or its position in the features array. */
        String feature(int j) {
            return featureNames != null && j < featureNames.length ? "column '" + featureNames[j] + "'"
                    : "element " + j + " of the features column '" + featuresColumn + "'";
        }
    }

    /** Groups each partition's numbered rows into blocks of at most {@link TrainingData#BLOCK_ROWS}, lazily. */
    private static final class ToBlocks implements FlatMapFunction<Iterator<Tuple2<Row, Long>>, RowBlock> {

        private static final long serialVersionUID = 1L;

        private final Columns columns;

        ToBlocks(Columns columns) {
            this.columns = columns;
        }

        @Override
        public Iterator<RowBlock> call(Iterator<Tuple2<Row, Long>> rows) {
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return rows.hasNext();
                }

                @Override
                public RowBlock next() {
                    if (!rows.hasNext()) {
                        throw new NoSuchElementException();
                    }
                    return nextBlock(rows);
                }
            };
        }

        private RowBlock nextBlock(Iterator<Tuple2<Row, Long>> rows) {
            List<double[]> xs = new ArrayList<>();
            List<double[]> ys = new ArrayList<>();
            long first = -1;
            int limit = TrainingData.BLOCK_ROWS;
            while (rows.hasNext() && xs.size() < limit) {
                Tuple2<Row, Long> numbered = rows.next();
                long index = numbered._2();
                if (first < 0) {
                    first = index;
                } else if (index != first + xs.size()) {
                    // zipWithIndex numbers a partition's rows consecutively; anything else is a bug, not bad data
                    throw new IllegalStateException("row " + index + " follows row " + (first + xs.size() - 1)
                            + " in one partition");
                }
                double[] x = features(numbered._1(), index);
                double[] y = label(numbered._1(), index);
                if (!xs.isEmpty() && x.length != xs.get(0).length) {
                    throw new BadDataException("row " + index + " has " + x.length + " features but row " + first
                            + " has " + xs.get(0).length + "; every row needs the same number");
                }
                if (!ys.isEmpty() && y.length != ys.get(0).length) {
                    throw new BadDataException("row " + index + " has a label vector of " + y.length + " entries "
                            + "but row " + first + " has " + ys.get(0).length + "; every row needs the same number");
                }
                xs.add(x);
                ys.add(y);
                // a block's features must fit one Java array
                limit = (int) Math.max(1, Math.min(TrainingData.BLOCK_ROWS, (Integer.MAX_VALUE - 16) / x.length));
            }
            return new RowBlock(first, xs.size(), flatten(xs), flatten(ys), xs.get(0).length, ys.get(0).length);
        }

        private double[] features(Row row, long index) {
            if (row.isNullAt(0)) {
                throw new BadDataException("row " + index + " has no features (the features column '"
                        + columns.featuresColumn() + "' is null)");
            }
            List<Object> values = row.getList(0);
            if (values.isEmpty()) {
                throw new BadDataException("row " + index + " has an empty features array (column '"
                        + columns.featuresColumn() + "')");
            }
            double[] x = new double[values.size()];
            for (int j = 0; j < x.length; j++) {
                Object v = values.get(j);
                if (v == null) {
                    throw new BadDataException("row " + index + " has no value in " + columns.feature(j)
                            + " (null or empty)");
                }
                x[j] = ((Number) v).doubleValue();
            }
            return x;
        }

        private double[] label(Row row, long index) {
            String name = "the label column '" + columns.labelColumn() + "'";
            if (row.isNullAt(1)) {
                throw new BadDataException("row " + index + " has no label (" + name + " is null)");
            }
            int k = columns.numClasses();
            if (columns.form() == LabelForm.CLASS_INDEX) {
                Number v = (Number) row.get(1);
                double c = v.doubleValue();
                boolean integral = v instanceof Long || v instanceof Integer || v instanceof Short
                        || v instanceof Byte || c == Math.rint(c);
                if (!integral || !(c >= 0) || c >= k) {
                    throw new BadDataException("row " + index + " has the label " + v + " in " + name + ", which is "
                            + "not a class index in [0, " + k + ")" + (integral ? "" : " (not an integer)"));
                }
                double[] oneHot = new double[k];
                oneHot[(int) c] = 1;
                return oneHot;
            }
            List<Object> values = row.getList(1);
            if (values.isEmpty() || (k > 0 && values.size() != k)) {
                throw new BadDataException("row " + index + " has a label vector of " + values.size() + " entries in "
                        + name + " but numClasses is " + k + (k == 0 ? " (its width must be >= 1)" : ""));
            }
            double[] y = new double[values.size()];
            for (int j = 0; j < y.length; j++) {
                Object v = values.get(j);
                if (v == null) {
                    throw new BadDataException("row " + index + " has a null at entry " + j + " of " + name);
                }
                y[j] = ((Number) v).doubleValue();
            }
            return y;
        }

        private static double[] flatten(List<double[]> rows) {
            int width = rows.get(0).length;
            double[] flat = new double[rows.size() * width];
            for (int i = 0; i < rows.size(); i++) {
                System.arraycopy(rows.get(i), 0, flat, i * width, width);
            }
            return flat;
        }
    }
}
