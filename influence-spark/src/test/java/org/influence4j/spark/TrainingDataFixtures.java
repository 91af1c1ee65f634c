package org.influence4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.apache.spark.SparkConf;

/** What the {@code TrainingData*Test} classes share: a small local Spark, examples by index, file snapshots. */
final class TrainingDataFixtures {

    private TrainingDataFixtures() {
    }

    /** One example as collected from the blocks. */
    record Example(double[] features, double[] labels) {
    }

    /** A two-thread local Spark without its web UI. */
    static SparkConf localConf(String app, Path scratch) {
        return new SparkConf()
                .setMaster("local[2]")
                .setAppName(app)
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.sql.shuffle.partitions", "2")
                .set("spark.sql.warehouse.dir", scratch.resolve("warehouse").toString());
    }

    /**
     * Every example of the data by its index, after checking the blocks: at most {@code BLOCK_ROWS} rows, widths as
     * the data says, indices {@code 0 … n−1} each once.
     */
    static Map<Long, Example> examples(TrainingData data) {
        Map<Long, Example> byIndex = new TreeMap<>();
        for (RowBlock b : data.blocks().collect()) {
            assertThat(b.rows()).isBetween(1, TrainingData.BLOCK_ROWS);
            assertThat(b.featureWidth()).isEqualTo(data.featureWidth());
            assertThat(b.labelWidth()).isEqualTo(data.labelWidth());
            for (int i = 0; i < b.rows(); i++) {
                Example e = new Example(
                        Arrays.copyOfRange(b.features(), i * b.featureWidth(), (i + 1) * b.featureWidth()),
                        Arrays.copyOfRange(b.labels(), i * b.labelWidth(), (i + 1) * b.labelWidth()));
                assertThat(byIndex.put(b.first() + i, e)).as("example %d appears once", b.first() + i).isNull();
            }
        }
        assertThat(byIndex).hasSize((int) data.numExamples());
        assertThat(byIndex.keySet()).first().isEqualTo(0L);
        assertThat(byIndex.keySet()).last().isEqualTo(data.numExamples() - 1);
        return byIndex;
    }

    /** The one-hot vector of class {@code c} among {@code k}. */
    static double[] oneHot(int c, int k) {
        double[] y = new double[k];
        y[c] = 1;
        return y;
    }

    /** Every regular file under {@code root}, by relative path, with its bytes. */
    static Map<String, byte[]> snapshot(Path root) {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                files.put(root.relativize(p).toString(), Files.readAllBytes(p));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    /** Asserts that {@code root} holds exactly the files of {@code before}, byte for byte. */
    static void assertUnchanged(Path root, Map<String, byte[]> before) {
        Map<String, byte[]> after = snapshot(root);
        assertThat(after.keySet()).as("files under %s", root).isEqualTo(before.keySet());
        for (Map.Entry<String, byte[]> e : before.entrySet()) {
            assertThat(after.get(e.getKey())).as("bytes of %s", e.getKey()).isEqualTo(e.getValue());
        }
    }
}
