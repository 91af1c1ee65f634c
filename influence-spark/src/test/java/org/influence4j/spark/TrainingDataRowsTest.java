package org.influence4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.influence4j.spark.TrainingDataFixtures.assertUnchanged;
import static org.influence4j.spark.TrainingDataFixtures.examples;
import static org.influence4j.spark.TrainingDataFixtures.oneHot;
import static org.influence4j.spark.TrainingDataFixtures.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.influence4j.spark.TrainingDataFixtures.Example;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TrainingData#fromRows}, {@link TrainingData#fromCsv} and {@link TrainingData#fromParquet}: numbering across
 * partitions and blocks, every supported column type, round trips through files, and malformed rows.
 */
class TrainingDataRowsTest {

    private static final DataType DOUBLES = DataTypes.createArrayType(DataTypes.DoubleType);
    private static final DataType FLOATS = DataTypes.createArrayType(DataTypes.FloatType);

    @TempDir
    static Path scratch;

    private static SparkSession spark;
    private static JavaSparkContext sc;

    @TempDir
    Path dir;

    @BeforeAll
    static void startSpark() {
        spark = SparkSession.builder().config(TrainingDataFixtures.localConf("TrainingDataRowsTest", scratch))
                .getOrCreate();
        sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    @AfterAll
    static void stopSpark() {
        if (spark != null) {
            spark.stop();
        }
    }

    private static StructType schema(DataType features, DataType label) {
        return new StructType().add("x", features).add("y", label).add("id", DataTypes.StringType);
    }

    /** {@code n} rows {@code (x, y, id)} in {@code partitions} partitions, in order. */
    private static Dataset<Row> rows(StructType schema, int n, int partitions, IntFunction<Object> x,
                                     IntFunction<Object> y) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(RowFactory.create(scala(x.apply(i)), scala(y.apply(i)), "row" + i));
        }
        return spark.createDataFrame(sc.parallelize(rows, partitions), schema);
    }

    /** A Java list as the Scala sequence that rows of an RDD must hold for array columns. */
    private static Object scala(Object value) {
        return value instanceof List<?> list ? scala.jdk.javaapi.CollectionConverters.asScala(list) : value;
    }

    private static List<Double> features(int i) {
        return List.of((double) i, -i / 2.0, (double) i * i);
    }

    @Test
    void fromRows_numbersRowsInDataOrder_acrossPartitionsIncludingEmptyOnes() {
        // 4 rows in 6 partitions: two partitions are empty
        Dataset<Row> ds = rows(schema(DOUBLES, DataTypes.IntegerType), 4, 6, i -> features(i), i -> i % 3);
        TrainingData data = TrainingData.fromRows(ds, "x", "y", 3);
        try {
            assertThat(data.numExamples()).isEqualTo(4);
            assertThat(data.featureWidth()).isEqualTo(3);
            assertThat(data.labelWidth()).isEqualTo(3);
            assertThat(data.partitions()).isEqualTo(6);
            Map<Long, Example> examples = examples(data);
            for (int i = 0; i < 4; i++) {
                assertThat(examples.get((long) i).features()).containsExactly(i, -i / 2.0, (double) i * i);
                assertThat(examples.get((long) i).labels()).containsExactly(oneHot(i % 3, 3));
            }
        } finally {
            data.unpersist();
        }
    }

    @Test
    void fromRows_groupsEachPartitionIntoBlocksOfAtMostBlockRows_withTheSameNumbersForAnyPartitioning() {
        int n = 2 * TrainingData.BLOCK_ROWS + 452;
        for (int partitions : new int[] {1, 2, 3}) {
            Dataset<Row> ds = rows(schema(DOUBLES, DataTypes.LongType), n, partitions, i -> List.of((double) i),
                    i -> (long) (i % 2));
            TrainingData data = TrainingData.fromRows(ds, "x", "y", 2);
            try {
                Map<Long, Example> examples = examples(data);
                for (long i = 0; i < n; i++) {
                    assertThat(examples.get(i).features()).containsExactly(i);
                    assertThat(examples.get(i).labels()).containsExactly(oneHot((int) (i % 2), 2));
                }
                long blocks = data.blocks().count();
                long atLeast = 0;
                for (int p = 0; p < partitions; p++) {
                    long inPartition = (long) (p + 1) * n / partitions - (long) p * n / partitions;
                    atLeast += (inPartition + TrainingData.BLOCK_ROWS - 1) / TrainingData.BLOCK_ROWS;
                }
                assertThat(blocks).as("fewest blocks for %d partitions", partitions).isEqualTo(atLeast);
            } finally {
                data.unpersist();
            }
        }
    }

    @Test
    void fromRows_readsFloatArrays_andLongShortAndIntegralDoubleClassIndices() {
        float[][] xs = {{0.1f, 2f}, {-3.5f, 1e-3f}, {7f, 0f}};
        Dataset<Row> ds = rows(schema(FLOATS, DataTypes.DoubleType), 3, 2,
                i -> List.of(xs[i][0], xs[i][1]), i -> (double) (2 - i));
        TrainingData data = TrainingData.fromRows(ds, "x", "y", 3);
        try {
            Map<Long, Example> examples = examples(data);
            for (int i = 0; i < 3; i++) {
                // float widened exactly, not re-parsed from text
                assertThat(examples.get((long) i).features()).containsExactly((double) xs[i][0], (double) xs[i][1]);
                assertThat(examples.get((long) i).labels()).containsExactly(oneHot(2 - i, 3));
            }
        } finally {
            data.unpersist();
        }
        Dataset<Row> shorts = rows(schema(DataTypes.createArrayType(DataTypes.IntegerType), DataTypes.ShortType), 2,
                1, i -> List.of(i, 10 * i), i -> (short) i);
        TrainingData small = TrainingData.fromRows(shorts, "x", "y", 2);
        try {
            assertThat(examples(small).get(1L).features()).containsExactly(1, 10);
            assertThat(examples(small).get(1L).labels()).containsExactly(0, 1);
        } finally {
            small.unpersist();
        }
    }

    @Test
    void fromRows_usesLabelVectorsAsTheyAre_withNumClassesZeroOrTheirWidth() {
        Dataset<Row> ds = rows(schema(DOUBLES, DOUBLES), 3, 2, i -> features(i), i -> List.of(0.25 * i, 1 - 0.25 * i));
        for (int k : new int[] {0, 2}) {
            TrainingData data = TrainingData.fromRows(ds, "x", "y", k);
            try {
                assertThat(data.labelWidth()).isEqualTo(2);
                Map<Long, Example> examples = examples(data);
                for (int i = 0; i < 3; i++) {
                    assertThat(examples.get((long) i).labels()).containsExactly(0.25 * i, 1 - 0.25 * i);
                }
            } finally {
                data.unpersist();
            }
        }
        assertThatThrownBy(() -> TrainingData.fromRows(ds, "x", "y", 3))
                .isInstanceOf(IllegalArgumentException.class)
                // every row is wrong; whichever partition's task fails first is reported
                .hasMessageMatching("(?s).*row [012] has a label vector of 2 entries.*numClasses is 3.*");
    }

    @Test
    void fromRows_rejectsMissingColumns_namingTheColumnsThatExist() {
        Dataset<Row> ds = rows(schema(DOUBLES, DataTypes.IntegerType), 2, 1, i -> features(i), i -> 0);
        assertThatThrownBy(() -> TrainingData.fromRows(ds, "features", "y", 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("featuresColumn 'features'").hasMessageContaining("[x, y, id]");
        assertThatThrownBy(() -> TrainingData.fromRows(ds, "x", "Y", 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("labelColumn 'Y'").hasMessageContaining("[x, y, id]");
    }

    @Test
    void fromRows_rejectsWrongTypesAndNumClasses() {
        Dataset<Row> ds = rows(schema(DOUBLES, DataTypes.IntegerType), 2, 1, i -> features(i), i -> 0);
        assertThatThrownBy(() -> TrainingData.fromRows(ds, "id", "y", 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("features column 'id' has type string");
        assertThatThrownBy(() -> TrainingData.fromRows(ds, "x", "id", 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("label column 'id' has type string");
        assertThatThrownBy(() -> TrainingData.fromRows(ds, "x", "y", 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("numClasses (0) must be >= 1");
    }

    @Test
    void fromRows_rejectsLabelsThatAreNotClassIndices_namingRowAndValue() {
        StructType doubles = schema(DOUBLES, DataTypes.DoubleType);
        assertThatThrownBy(() -> TrainingData.fromRows(rows(doubles, 3, 2, i -> features(i), i -> i == 1 ? 2.5 : 0.0),
                "x", "y", 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("row 1 has the label 2.5").hasMessageContaining("not an integer");
        StructType ints = schema(DOUBLES, DataTypes.IntegerType);
        assertThatThrownBy(() -> TrainingData.fromRows(rows(ints, 3, 2, i -> features(i), i -> i == 2 ? 7 : 0),
                "x", "y", 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("row 2 has the label 7").hasMessageContaining("[0, 3)");
        assertThatThrownBy(() -> TrainingData.fromRows(rows(ints, 3, 2, i -> features(i), i -> i == 0 ? -1 : 0),
                "x", "y", 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("row 0 has the label -1");
        assertThatThrownBy(() -> TrainingData.fromRows(rows(ints, 3, 2, i -> features(i), i -> i == 1 ? null : 0),
                "x", "y", 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("row 1 has no label");
    }

    @Test
    void fromRows_rejectsNonFiniteNullAndUnevenFeatures_namingTheRow() {
        StructType ints = schema(DOUBLES, DataTypes.IntegerType);
        assertThatThrownBy(() -> TrainingData.fromRows(rows(ints, 5, 2, i -> i == 3 ? List.of(1.0, Double.NaN, 0.0)
                : features(i), i -> 0), "x", "y", 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("non-finite").hasMessageContaining("example 3");
        assertThatThrownBy(() -> TrainingData.fromRows(rows(ints, 3, 1, i -> i == 1 ? null : features(i), i -> 0),
                "x", "y", 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("row 1 has no features");
        assertThatThrownBy(() -> TrainingData.fromRows(rows(ints, 3, 1,
                i -> i == 1 ? Arrays.asList(1.0, null, 2.0) : features(i), i -> 0), "x", "y", 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("row 1 has no value in element 1 of the features column 'x'");
        // within one block, then across partitions (found by the validation)
        assertThatThrownBy(() -> TrainingData.fromRows(rows(ints, 3, 1,
                i -> i == 1 ? List.of(1.0, 2.0) : features(i), i -> 0), "x", "y", 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("row 1 has 2 features but row 0 has 3");
        assertThatThrownBy(() -> TrainingData.fromRows(rows(ints, 4, 2,
                i -> i >= 2 ? List.of(1.0, 2.0) : features(i), i -> 0), "x", "y", 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2 features").hasMessageContaining("example 2");
    }

    @Test
    void fromRows_rejectsAnEmptyDataset() {
        Dataset<Row> empty = spark.createDataFrame(List.of(), schema(DOUBLES, DataTypes.IntegerType));
        assertThatThrownBy(() -> TrainingData.fromRows(empty, "x", "y", 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no examples");
    }

    @Test
    void fromCsv_readsEveryOtherColumnAsAFeatureInFileOrder_andLeavesTheFileUnchanged() throws IOException {
        Path csv = Files.writeString(dir.resolve("data.csv"), String.join("\n",
                "a,b.x,label,c",
                "1,2.5,0,-1",
                "0.125,-3,2,4e2",
                "7,0,1,0.5",
                "-2,1e-3,2.0,3",
                ""));
        Map<String, byte[]> before = snapshot(dir);
        TrainingData data = TrainingData.fromCsv(spark, csv.toString(), "label", 3);
        try {
            assertThat(data.numExamples()).isEqualTo(4);
            assertThat(data.featureWidth()).isEqualTo(3);
            Map<Long, Example> examples = examples(data);
            double[][] xs = {{1, 2.5, -1}, {0.125, -3, 400}, {7, 0, 0.5}, {-2, 1e-3, 3}};
            int[] ys = {0, 2, 1, 2};
            for (int i = 0; i < 4; i++) {
                assertThat(examples.get((long) i).features()).containsExactly(xs[i]);
                assertThat(examples.get((long) i).labels()).containsExactly(oneHot(ys[i], 3));
            }
        } finally {
            data.unpersist();
        }
        assertUnchanged(dir, before);
    }

    @Test
    void fromCsv_rejectsTextColumnsEmptyFieldsMissingLabelsAndHeaderOnlyFiles() throws IOException {
        Path text = Files.writeString(dir.resolve("text.csv"), "a,name,label\n1,x,0\n2,y,1\n");
        assertThatThrownBy(() -> TrainingData.fromCsv(spark, text.toString(), "label", 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("name (string)");
        assertThatThrownBy(() -> TrainingData.fromCsv(spark, text.toString(), "class", 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("labelColumn 'class'").hasMessageContaining("[a, name, label]");
        Path gap = Files.writeString(dir.resolve("gap.csv"), "a,b,label\n1,2,0\n3,4,1\n5,,1\n");
        assertThatThrownBy(() -> TrainingData.fromCsv(spark, gap.toString(), "label", 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("row 2 has no value in column 'b'");
        Path header = Files.writeString(dir.resolve("header.csv"), "a,b,label\n");
        assertThatThrownBy(() -> TrainingData.fromCsv(spark, header.toString(), "label", 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no rows");
        Path half = Files.writeString(dir.resolve("half.csv"), "a,label\n1,0\n3,0.5\n");
        assertThatThrownBy(() -> TrainingData.fromCsv(spark, half.toString(), "label", 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("row 1 has the label 0.5");
    }

    @Test
    void fromCsv_numbersEveryRowOfADirectoryOnce() throws IOException {
        Path csvs = Files.createDirectory(dir.resolve("csvs"));
        Files.writeString(csvs.resolve("part-a.csv"), "id,label\n0,0\n1,1\n");
        Files.writeString(csvs.resolve("part-b.csv"), "id,label\n2,0\n3,1\n4,0\n5,1\n6,0\n");
        TrainingData data = TrainingData.fromCsv(spark, csvs.toString(), "label", 2);
        try {
            Set<Double> ids = new HashSet<>();
            for (Example e : examples(data).values()) {
                double id = e.features()[0];
                assertThat(e.labels()).containsExactly(oneHot((int) id % 2, 2));
                ids.add(id);
            }
            assertThat(ids).containsExactlyInAnyOrder(0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0);
        } finally {
            data.unpersist();
        }
    }

    @Test
    void fromParquet_roundTripsFeatureArraysClassIndicesAndLabelVectors_andLeavesTheFilesUnchanged() {
        StructType schema = new StructType().add("x", DOUBLES).add("y", DataTypes.IntegerType).add("v", DOUBLES);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            rows.add(RowFactory.create(features(i), i % 3, List.of(0.5 * i, -1.0)));
        }
        Path parquet = dir.resolve("data.parquet");
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(parquet.toString());
        Map<String, byte[]> before = snapshot(dir);
        TrainingData classes = TrainingData.fromParquet(spark, parquet.toString(), "x", "y", 3);
        TrainingData vectors = TrainingData.fromParquet(spark, parquet.toString(), "x", "v", 0);
        try {
            assertThat(classes.source()).contains("Parquet");
            Map<Long, Example> byClass = examples(classes);
            Map<Long, Example> byVector = examples(vectors);
            for (int i = 0; i < 6; i++) {
                double[] x = features(i).stream().mapToDouble(Double::doubleValue).toArray();
                assertThat(byClass.get((long) i).features()).containsExactly(x);
                assertThat(byClass.get((long) i).labels()).containsExactly(oneHot(i % 3, 3));
                assertThat(byVector.get((long) i).features()).containsExactly(x);
                assertThat(byVector.get((long) i).labels()).containsExactly(0.5 * i, -1.0);
            }
        } finally {
            classes.unpersist();
            vectors.unpersist();
        }
        assertUnchanged(dir, before);
    }
}
