package org.influence4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.influence4j.spark.TrainingDataFixtures.assertUnchanged;
import static org.influence4j.spark.TrainingDataFixtures.examples;
import static org.influence4j.spark.TrainingDataFixtures.oneHot;
import static org.influence4j.spark.TrainingDataFixtures.snapshot;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import org.apache.spark.api.java.JavaSparkContext;
import org.influence4j.spark.TrainingDataFixtures.Example;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link TrainingData#fromIdx}: every pixel and label of small hand-made IDX pairs (plain and gzip) under several
 * partitionings, the real Fashion-MNIST test set against a sequential decode, and malformed files.
 */
class TrainingDataIdxTest {

    /** Examples, rows and columns of the hand-made files, and their classes. */
    private static final int N = 10;
    private static final int ROWS = 2;
    private static final int COLUMNS = 3;
    private static final int CLASSES = 4;

    private static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");

    @TempDir
    static Path scratch;

    private static JavaSparkContext sc;

    @TempDir
    Path dir;

    @BeforeAll
    static void startSpark() {
        sc = new JavaSparkContext(TrainingDataFixtures.localConf("TrainingDataIdxTest", scratch));
    }

    @AfterAll
    static void stopSpark() {
        if (sc != null) {
            sc.stop();
        }
    }

    /** Pixel {@code j} of image {@code i}: spans 0 … 255, bytes above 127 included (they are unsigned). */
    private static int pixel(int i, int j) {
        return i == 0 ? (j == 0 ? 255 : 0) : (i * 37 + j * 11 + 200) % 256;
    }

    private static int label(int i) {
        return (i * 3 + 1) % CLASSES;
    }

    private static byte[] images(int n, int rows, int columns) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(0x00000803);
            out.writeInt(n);
            out.writeInt(rows);
            out.writeInt(columns);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < rows * columns; j++) {
                    out.writeByte(pixel(i, j));
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return bytes.toByteArray();
    }

    private static byte[] labels(int n) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(0x00000801);
            out.writeInt(n);
            for (int i = 0; i < n; i++) {
                out.writeByte(label(i));
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return bytes.toByteArray();
    }

    private static byte[] gzip(byte[] plain) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(plain);
        }
        return bytes.toByteArray();
    }

    private Path write(String name, byte[] content) throws IOException {
        return Files.write(dir.resolve(name), content);
    }

    private TrainingData load(Path images, Path labels, int partitions) {
        return TrainingData.fromIdx(sc, images.toString(), labels.toString(), CLASSES, partitions);
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void fromIdx_decodesEveryPixelAndLabel_forAnyNumberOfPartitions(boolean gzip) throws IOException {
        byte[] img = images(N, ROWS, COLUMNS);
        byte[] lab = labels(N);
        Path images = write("images", gzip ? gzip(img) : img);
        Path labels = write("labels", gzip ? gzip(lab) : lab);
        for (int partitions : new int[] {1, 3, 7, 13}) {
            TrainingData data = load(images, labels, partitions);
            try {
                assertThat(data.numExamples()).isEqualTo(N);
                assertThat(data.featureWidth()).isEqualTo(ROWS * COLUMNS);
                assertThat(data.labelWidth()).isEqualTo(CLASSES);
                assertThat(data.partitions()).isEqualTo(partitions);
                Map<Long, Example> examples = examples(data);
                for (int i = 0; i < N; i++) {
                    Example e = examples.get((long) i);
                    for (int j = 0; j < ROWS * COLUMNS; j++) {
                        assertThat(e.features()[j]).as("pixel %d of example %d, %d partitions", j, i, partitions)
                                .isEqualTo(pixel(i, j) / 255.0);
                    }
                    assertThat(e.labels()).as("label of example %d", i).containsExactly(oneHot(label(i), CLASSES));
                }
                assertThat(examples.get(0L).features()[0]).isEqualTo(1.0);
            } finally {
                data.unpersist();
            }
        }
    }

    @Test
    void fromIdx_matchesSequentialDecode_onFashionMnistTestSet() throws IOException {
        Path images = FASHION.resolve("t10k-images-idx3-ubyte.gz");
        Path labels = FASHION.resolve("t10k-labels-idx1-ubyte.gz");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(images) && Files.isReadable(labels),
                "Fashion-MNIST (Debian's dataset-fashion-mnist) is not installed");
        byte[] pixels;
        byte[] classes;
        try (DataInputStream in = new DataInputStream(new GZIPInputStream(Files.newInputStream(images)))) {
            assertThat(in.readInt()).isEqualTo(0x00000803);
            assertThat(in.readInt()).isEqualTo(10_000);
            assertThat(in.readInt()).isEqualTo(28);
            assertThat(in.readInt()).isEqualTo(28);
            pixels = in.readAllBytes();
        }
        try (DataInputStream in = new DataInputStream(new GZIPInputStream(Files.newInputStream(labels)))) {
            in.readInt();
            in.readInt();
            classes = in.readAllBytes();
        }
        assertThat(pixels).hasSize(10_000 * 784);
        assertThat(classes).hasSize(10_000);

        TrainingData data = TrainingData.fromIdx(sc, images.toString(), labels.toString(), 10, 3);
        try {
            assertThat(data.numExamples()).isEqualTo(10_000);
            assertThat(data.featureWidth()).isEqualTo(784);
            assertThat(data.labelWidth()).isEqualTo(10);
            // partition and block boundaries: 3333 per partition, blocks of 1024 within each
            long[] rows = {0, 1, 1023, 1024, 3332, 3333, 3334, 6665, 6666, 9998, 9999};
            java.util.List<RowBlock> blocks = data.blocks()
                    .filter(b -> Arrays.stream(rows).anyMatch(r -> r >= b.first() && r < b.end())).collect();
            for (long r : rows) {
                RowBlock b = blocks.stream().filter(x -> r >= x.first() && r < x.end()).findFirst().orElseThrow();
                int i = (int) (r - b.first());
                double[] expected = new double[784];
                for (int j = 0; j < 784; j++) {
                    expected[j] = Byte.toUnsignedInt(pixels[(int) r * 784 + j]) / 255.0;
                }
                assertThat(Arrays.copyOfRange(b.features(), i * 784, (i + 1) * 784)).as("image %d", r)
                        .containsExactly(expected);
                assertThat(Arrays.copyOfRange(b.labels(), i * 10, (i + 1) * 10)).as("label of %d", r)
                        .containsExactly(oneHot(classes[(int) r], 10));
            }
            // every label, summed per class on the executors
            double[] perClass = data.blocks().map(b -> {
                double[] sums = new double[10];
                for (int i = 0; i < b.labels().length; i++) {
                    sums[i % 10] += b.labels()[i];
                }
                return sums;
            }).reduce((a, b) -> {
                double[] s = a.clone();
                for (int c = 0; c < 10; c++) {
                    s[c] += b[c];
                }
                return s;
            });
            double[] expected = new double[10];
            for (byte c : classes) {
                expected[c]++;
            }
            assertThat(perClass).containsExactly(expected);
            assertThat(data.blocks().map(RowBlock::rows).collect()).allSatisfy(
                    n -> assertThat(n).isBetween(1, TrainingData.BLOCK_ROWS));
        } finally {
            data.unpersist();
        }
    }

    @Test
    void fromIdx_leavesInputFilesByteIdentical() throws IOException {
        write("images", images(N, ROWS, COLUMNS));
        write("labels.gz", gzip(labels(N)));
        Map<String, byte[]> before = snapshot(dir);
        load(dir.resolve("images"), dir.resolve("labels.gz"), 3).unpersist();
        assertUnchanged(dir, before);
    }

    @Test
    void fromIdx_rejectsMismatchedCounts_namingBothFiles() throws IOException {
        Path images = write("images", images(N, ROWS, COLUMNS));
        Path labels = write("labels", labels(N - 1));
        assertThatThrownBy(() -> load(images, labels, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(images.toString()).hasMessageContaining(labels.toString())
                .hasMessageContaining(N + " images").hasMessageContaining((N - 1) + " labels");
    }

    @Test
    void fromIdx_rejectsWrongMagic_sayingWhenTheFilesAreSwapped() throws IOException {
        Path images = write("images", images(N, ROWS, COLUMNS));
        Path labels = write("labels.gz", gzip(labels(N)));
        assertThatThrownBy(() -> load(labels, images, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(labels.toString()).hasMessageContaining("0x00000801")
                .hasMessageContaining("swapped");
        Path text = write("text", "not an IDX file at all".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> load(text, labels, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(text.toString()).hasMessageContaining("magic number");
    }

    @Test
    void fromIdx_rejectsTruncatedAndOverlongFiles_plainOnTheDriverAndGzipInTheTask() throws IOException {
        byte[] img = images(N, ROWS, COLUMNS);
        Path labels = write("labels", labels(N));
        Path cut = write("cut", Arrays.copyOf(img, img.length - 4));
        assertThatThrownBy(() -> load(cut, labels, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(cut.toString()).hasMessageContaining("truncated");
        Path longer = write("longer", Arrays.copyOf(img, img.length + 1));
        assertThatThrownBy(() -> load(longer, labels, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(longer.toString()).hasMessageContaining("too long");
        Path header = write("header", Arrays.copyOf(img, 10));
        assertThatThrownBy(() -> load(header, labels, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(header.toString()).hasMessageContaining("inside the 16-byte header");

        // gzip: the decoded content ends early (a complete gzip stream of a cut file) ...
        Path cutGz = write("cut.gz", gzip(Arrays.copyOf(img, img.length - 4)));
        assertThatThrownBy(() -> load(cutGz, labels, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(cutGz.toString()).hasMessageContaining("truncated")
                .hasMessageContaining("example 9");
        // ... or the compressed file itself is cut
        byte[] gz = gzip(img);
        Path cutFile = write("cutfile.gz", Arrays.copyOf(gz, gz.length - 12));
        assertThatThrownBy(() -> load(cutFile, labels, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(cutFile.toString()).hasMessageContaining("truncated");
        Path longerGz = write("longer.gz", gzip(Arrays.copyOf(img, img.length + 1)));
        assertThatThrownBy(() -> load(longerGz, labels, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(longerGz.toString()).hasMessageContaining("too long");
    }

    @Test
    void fromIdx_rejectsLabelOutOfRange_namingFileExampleAndValue() throws IOException {
        Path images = write("images", images(N, ROWS, COLUMNS));
        byte[] lab = labels(N);
        lab[8 + 6] = (byte) 200;
        Path labels = write("labels.gz", gzip(lab));
        assertThatThrownBy(() -> load(images, labels, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(labels.toString())
                .hasMessageContaining("label 200 of example 6")
                .hasMessageContaining("[0, " + CLASSES + ")");
    }

    @Test
    void fromIdx_rejectsMissingFilesEmptyFilesAndBadArguments() throws IOException {
        Path images = write("images", images(N, ROWS, COLUMNS));
        Path labels = write("labels", labels(N));
        Path missing = dir.resolve("missing");
        assertThatThrownBy(() -> load(missing, labels, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("imagesPath").hasMessageContaining(missing.toString())
                .hasMessageContaining("does not exist");
        Path noImages = write("none", images(0, ROWS, COLUMNS));
        Path noLabels = write("nolabels", labels(0));
        assertThatThrownBy(() -> load(noImages, noLabels, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0 images");
        assertThatThrownBy(() -> TrainingData.fromIdx(sc, images.toString(), labels.toString(), 0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("numClasses (0)");
        assertThatThrownBy(() -> load(images, labels, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("partitions (0)");
    }

    @Test
    void fromIdx_readsFileUris() throws IOException {
        Path images = write("images.gz", gzip(images(N, ROWS, COLUMNS)));
        Path labels = write("labels", labels(N));
        TrainingData data = TrainingData.fromIdx(sc, images.toUri().toString(), labels.toUri().toString(), CLASSES,
                2);
        try {
            assertThat(data.numExamples()).isEqualTo(N);
            assertThat(data.source()).contains("file:");
        } finally {
            data.unpersist();
        }
    }
}
