package org.influence4j.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.influence4j.bench.data.IdxReader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spark-influence} end to end on small IDX files: the Spark run (local mode) and the single-machine run on the
 * same saved network give the same top training images; bad arguments are refused in one line.
 */
class SparkInfluenceCommandTest {

    @TempDir
    static Path data;

    /** 10 classes of 28×28 images: class c lights the pixels of row band c, plus noise. */
    static void writeIdx(Path images, Path labels, int n, long seed) throws IOException {
        Random r = new Random(seed);
        try (DataOutputStream img = new DataOutputStream(Files.newOutputStream(images));
             DataOutputStream lab = new DataOutputStream(Files.newOutputStream(labels))) {
            img.writeInt(IdxReader.IMAGES_MAGIC);
            img.writeInt(n);
            img.writeInt(28);
            img.writeInt(28);
            lab.writeInt(IdxReader.LABELS_MAGIC);
            lab.writeInt(n);
            for (int i = 0; i < n; i++) {
                int c = r.nextInt(10);
                lab.writeByte(c);
                for (int y = 0; y < 28; y++) {
                    for (int x = 0; x < 28; x++) {
                        boolean on = y / 3 == c && x > 4 && x < 24;
                        img.writeByte(Math.min(255, (on ? 180 : 0) + r.nextInt(60)));
                    }
                }
            }
        }
    }

    @BeforeAll
    static void files() throws IOException {
        writeIdx(data.resolve("train-images"), data.resolve("train-labels"), 240, 1);
        writeIdx(data.resolve("test-images"), data.resolve("test-labels"), 20, 2);
    }

    private static String[] args(Path out, String... more) {
        List<String> a = new java.util.ArrayList<>(List.of("spark-influence",
                "--images", data.resolve("train-images").toString(), "--labels", data.resolve("train-labels").toString(),
                "--test-images", data.resolve("test-images").toString(),
                "--test-labels", data.resolve("test-labels").toString(),
                "--test-points", "3", "--top", "4", "--epochs", "3", "--out", out.toString(), "--quiet"));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    @Test
    void sparkAndSingleMachine_findTheSameTrainingImages(@TempDir Path dir) throws IOException {
        Path spark = dir.resolve("spark");
        CliRun r = CliRun.of(args(spark, "--master", "local[2]", "--partitions", "3"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("spark local[2]: influence of 240 training images on 3 test images");
        for (String f : List.of("top.csv", "top.png", "timing.csv", "network.zip")) {
            assertThat(spark.resolve(f)).isNotEmptyFile();
        }
        Path single = dir.resolve("single");
        CliRun s = CliRun.of(args(single, "--single-machine", "--network-file",
                spark.resolve("network.zip").toString()));
        assertThat(s.code()).as(s.err()).isZero();
        List<String> a = Files.readAllLines(spark.resolve("top.csv"));
        List<String> b = Files.readAllLines(single.resolve("top.csv"));
        assertThat(a).hasSize(1 + 3 * 8).hasSameSizeAs(b);
        double scale = 0;
        for (int i = 1; i < a.size(); i++) {
            scale = Math.max(scale, Math.abs(Double.parseDouble(a.get(i).substring(a.get(i).lastIndexOf(',') + 1))));
        }
        for (int i = 1; i < a.size(); i++) {
            String[] x = a.get(i).split(",");
            String[] y = b.get(i).split(",");
            assertThat(x[4]).as("row " + i + ": the same training image").isEqualTo(y[4]);
            assertThat(Double.parseDouble(x[6])).isCloseTo(Double.parseDouble(y[6]), within(1e-8 * scale));
        }
        assertThat(Files.readString(spark.resolve("timing.csv"))).contains("training").contains("spark local[2]");
        assertThat(Files.readString(single.resolve("timing.csv"))).contains("single machine");
    }

    @Test
    void badArguments_areRefusedInOneLine(@TempDir Path dir) {
        CliRun r = CliRun.of(args(dir.resolve("a"), "--solver", "nope"));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("unknown --solver 'nope'");
        CliRun s = CliRun.of(args(dir.resolve("b"), "--single-machine", "--scores"));
        assertThat(s.code()).isEqualTo(2);
        assertThat(s.err()).contains("--scores writes Parquet through Spark");
        CliRun t = CliRun.of(args(dir.resolve("c"), "--network-file", dir.resolve("missing.zip").toString()));
        assertThat(t.code()).isEqualTo(2);
        assertThat(t.err()).contains("--network-file");
    }
}
