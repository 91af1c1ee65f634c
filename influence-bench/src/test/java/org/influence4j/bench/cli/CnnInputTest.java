package org.influence4j.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.influence4j.InfluenceEstimator;
import org.influence4j.InfluenceScores;
import org.influence4j.bench.data.ClassificationData;
import org.influence4j.dl4j.Dl4jInfluenceModel;
import org.influence4j.model.DataSets;
import org.influence4j.solver.EigenvaluePolicy;
import org.influence4j.solver.IHVPSolver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * {@code explain} and {@code validate} on saved convolutional networks: the image shape comes from the network
 * (InputType.convolutionalFlat keeps flat rows, InputType.convolutional takes {@code [n, c, h, w]}), the results equal
 * the library's for the same network and data, and data of the wrong shape is refused before any output is written.
 */
class CnnInputTest {

    private static final int CLASSES = 3;
    private static final int TRAIN = 36;
    private static final int TEST = 9;

    @TempDir
    Path dir;

    /** Tiny images: class c has a bright c-th horizontal band plus noise (pixel bytes, row-major). */
    private static byte[][] images(int n, int side, int[] labels, long seed) {
        Random r = new Random(seed);
        byte[][] px = new byte[n][side * side];
        for (int i = 0; i < n; i++) {
            labels[i] = i % CLASSES;
            int band = labels[i] * side / CLASSES;
            for (int p = 0; p < side * side; p++) {
                int row = p / side;
                int v = r.nextInt(90) + (row >= band && row < band + side / CLASSES ? 150 : 0);
                px[i][p] = (byte) Math.min(255, v);
            }
        }
        return px;
    }

    /** Writes {@code prefix-images-idx3-ubyte} and {@code prefix-labels-idx1-ubyte}; returns the image file. */
    private Path writeIdx(String prefix, int n, int side, long seed) throws IOException {
        int[] labels = new int[n];
        byte[][] px = images(n, side, labels, seed);
        Path img = dir.resolve(prefix + "-images-idx3-ubyte");
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(img))) {
            out.writeInt(0x803);
            out.writeInt(n);
            out.writeInt(side);
            out.writeInt(side);
            for (byte[] b : px) {
                out.write(b);
            }
        }
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(
                dir.resolve(prefix + "-labels-idx1-ubyte")))) {
            out.writeInt(0x801);
            out.writeInt(n);
            for (int l : labels) {
                out.writeByte(l);
            }
        }
        return img;
    }

    /** Changes an IDX image file's header to {@code rows × columns} (same pixel count). */
    private static void rewriteSize(Path images, int rows, int columns) throws IOException {
        byte[] b = Files.readAllBytes(images);
        java.nio.ByteBuffer.wrap(b).putInt(8, rows).putInt(12, columns);
        Files.write(images, b);
    }

    /** Writes a CSV file of {@code values} pixel values per row and an integer label. */
    private Path writeCsv(String name, int n, int values, long seed) throws IOException {
        int side = (int) Math.sqrt(values);
        int[] labels = new int[n];
        byte[][] px = images(n, side, labels, seed);
        StringBuilder sb = new StringBuilder();
        Random extra = new Random(seed + 1);
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < values; p++) {
                int b = p < side * side ? Byte.toUnsignedInt(px[i][p]) : extra.nextInt(256);
                sb.append(b / 255.0).append(',');
            }
            sb.append(labels[i]).append('\n');
        }
        return Files.writeString(dir.resolve(name), sb.toString());
    }

    /** The features and labels the tool reads from {@link #writeIdx} (pixels / 255, one-hot labels). */
    private static DataSet rows(int n, int side, long seed) {
        int[] labels = new int[n];
        byte[][] px = images(n, side, labels, seed);
        double[] flat = new double[n * side * side];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < side * side; p++) {
                flat[i * side * side + p] = Byte.toUnsignedInt(px[i][p]) / 255.0;
            }
        }
        return new DataSet(Nd4j.create(flat, new long[] {n, (long) side * side}, 'c'),
                ClassificationData.oneHot(labels, CLASSES));
    }

    /** conv 3x3x2 tanh, max-pool 2x2, softmax: 77 parameters on 8x8 single-channel images. */
    private static MultiLayerNetwork tinyCnn(InputType input) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).dataType(DataType.DOUBLE)
                .updater(new Adam(0.05)).weightInit(WeightInit.XAVIER).l2(1e-2).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(2).activation(Activation.TANH).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(CLASSES).activation(Activation.SOFTMAX)
                        .build())
                .setInputType(input).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** Trains a few full-batch Adam steps on {@code data} (already in the network's shape) and saves the network. */
    private Path trainAndSave(MultiLayerNetwork net, DataSet data, String name) throws IOException {
        for (int i = 0; i < 20; i++) {
            net.fit(data);
        }
        Path file = dir.resolve(name);
        ModelSerializer.writeModel(net, file.toFile(), false);
        return file;
    }

    private static DataSet as4d(DataSet d, int side) {
        return new DataSet(d.getFeatures().reshape('c', d.getFeatures().rows(), 1, side, side), d.getLabels());
    }

    /** The k most helpful and most harmful indices the library gives for the saved network and test example. */
    private static int[][] libraryTopK(Path model, DataSet train, DataSet test, int testIndex, int k)
            throws IOException {
        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(model.toFile(), false);
        InfluenceScores s = InfluenceEstimator.forModel(Dl4jInfluenceModel.of(net)).withTrainingData(train)
                .withDamping(0.01).withSolver(IHVPSolver.exact().withPolicy(EigenvaluePolicy.TRUNCATE))
                .influenceOn(DataSets.subset(test, new int[] {testIndex}));
        return new int[][] {s.mostHelpful(k), s.mostHarmful(k)};
    }

    /** {@code explain.csv}'s train indices of one kind, by rank. */
    private static int[] csvIndices(Path csv, String kind) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        List<String> header = List.of(lines.get(0).split(","));
        int kindCol = header.indexOf("kind");
        int idxCol = header.indexOf("train_index");
        return lines.stream().skip(1).map(l -> l.split(",")).filter(f -> f[kindCol].equals(kind))
                .mapToInt(f -> Integer.parseInt(f[idxCol])).toArray();
    }

    @Test
    void explain_convolutionalFlatNetwork_onIdxImages_equalsTheLibrary() throws Exception {
        Path trainIdx = writeIdx("train", TRAIN, 8, 1);
        Path testIdx = writeIdx("t10k", TEST, 8, 2);
        DataSet train = rows(TRAIN, 8, 1);
        DataSet test = rows(TEST, 8, 2);
        Path model = trainAndSave(tinyCnn(InputType.convolutionalFlat(8, 8, 1)), train, "flat.zip");
        Path out = dir.resolve("explain-flat");

        CliRun r = CliRun.of("explain", "--model", model.toString(), "--train", trainIdx.toString(), "--test",
                testIdx.toString(), "--test-point", "4", "-k", "3", "--out", out.toString(), "--quiet");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("flat rows of 8x8 images with 1 channel");
        int[][] expected = libraryTopK(model, train, test, 4, 3);
        assertThat(csvIndices(out.resolve("explain.csv"), "helpful")).containsExactly(expected[0]);
        assertThat(csvIndices(out.resolve("explain.csv"), "harmful")).containsExactly(expected[1]);
    }

    @Test
    void explain_convolutionalNetwork_onCsvRows_reshapesToNchw_andEqualsTheLibrary() throws Exception {
        Path trainCsv = writeCsv("train.csv", TRAIN, 64, 1);
        Path testCsv = writeCsv("test.csv", TEST, 64, 2);
        DataSet train = as4d(rows(TRAIN, 8, 1), 8);
        DataSet test = as4d(rows(TEST, 8, 2), 8);
        MultiLayerNetwork net = tinyCnn(InputType.convolutional(8, 8, 1));
        assertThat(net.getLayerWiseConfigurations().getInputPreProcess(0)).isNull(); // rank-4 input
        Path model = trainAndSave(net, train, "nchw.zip");
        Path out = dir.resolve("explain-nchw");

        CliRun r = CliRun.of("explain", "--model", model.toString(), "--train", trainCsv.toString(), "--test",
                testCsv.toString(), "--test-point", "2", "-k", "3", "--out", out.toString(), "--quiet");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("images [n, 1, h, w] (NCHW)");
        int[][] expected = libraryTopK(model, train, test, 2, 3);
        assertThat(csvIndices(out.resolve("explain.csv"), "helpful")).containsExactly(expected[0]);
        assertThat(csvIndices(out.resolve("explain.csv"), "harmful")).containsExactly(expected[1]);
    }

    @Test
    void validate_convolutionalNetwork_onIdxImages_retrainsAndWritesTables() throws Exception {
        Path trainIdx = writeIdx("train", TRAIN, 8, 1);
        Path testIdx = writeIdx("t10k", TEST, 8, 2);
        Path model = trainAndSave(tinyCnn(InputType.convolutional(8, 8, 1)), as4d(rows(TRAIN, 8, 1), 8), "m.zip");
        Path out = dir.resolve("validate");

        CliRun r = CliRun.of("validate", "--model", model.toString(), "--train", trainIdx.toString(), "--test",
                testIdx.toString(), "--test-point", "1", "-k", "3", "--random", "1", "--retrain-iterations", "5",
                "--out", out.toString(), "--quiet");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("5 iterations");
        assertThat(Files.readAllLines(out.resolve("validation.csv"))).hasSize(1 + 4);
        assertThat(Files.readAllLines(out.resolve("summary.csv"))).hasSize(2);
    }

    @Test
    void explain_architectureLenet_trainsALenetOnIdxImages() throws Exception {
        Path trainIdx = writeIdx("train", 24, 16, 3);
        Path testIdx = writeIdx("t10k", 6, 16, 4);
        Path out = dir.resolve("lenet");

        CliRun r = CliRun.of("explain", "--architecture", "lenet", "--train", trainIdx.toString(), "--test",
                testIdx.toString(), "--train-iterations", "3", "--solver", "cg", "--damping", "1", "-k", "2",
                "--out", out.toString(), "--quiet");

        assertThat(r.code()).as(r.err()).isZero();
        // 16x16: conv5 -> 12x12x6, pool -> 6x6, conv5 -> 2x2x16, pool -> 1x1x16, dense 84, softmax 3
        assertThat(r.out()).contains("LeNet 16x16-6c5-p2-16c5-p2-84-3").contains("at most 3 iterations");
        assertThat(Files.readAllLines(out.resolve("explain.csv"))).hasSize(1 + 2 * 2);
    }

    @Test
    void shapeMismatches_areOneLineErrorsNamingBothShapes_andTouchNothing() throws Exception {
        Path trainIdx9 = writeIdx("train", TRAIN, 9, 1);
        Path testIdx9 = writeIdx("t10k", TEST, 9, 2);
        Path trainIdx8 = writeIdx("train8", TRAIN, 8, 1);
        Path testIdx4x16 = writeIdx("t10k4x16", TEST, 8, 2);
        rewriteSize(testIdx4x16, 4, 16);
        Path trainIdx10 = writeIdx("train10", TRAIN, 10, 1);
        Path testIdx10 = writeIdx("t10k10", TEST, 10, 2);
        Path trainCsv = writeCsv("train.csv", TRAIN, 64, 1);
        Path testCsv = writeCsv("test.csv", TEST, 64, 2);
        Path testCsv65 = writeCsv("test65.csv", TEST, 65, 2);
        Path flat = trainAndSave(tinyCnn(InputType.convolutionalFlat(8, 8, 1)), rows(TRAIN, 8, 1), "flat.zip");
        Path nchw = trainAndSave(tinyCnn(InputType.convolutional(8, 8, 1)), as4d(rows(TRAIN, 8, 1), 8), "nchw.zip");
        MultiLayerNetwork rgb = tinyCnn(InputType.convolutionalFlat(6, 6, 3));
        Path rgbModel = dir.resolve("rgb.zip");
        ModelSerializer.writeModel(rgb, rgbModel.toFile(), false);
        Map<Path, String> before = hashes();
        Path out = dir.resolve("out");

        // an IDX file of 9x9 images for an 8x8 network (convolutionalFlat)
        assertRefused(CliRun.of("explain", "--model", flat.toString(), "--train", trainIdx9.toString(), "--test",
                testIdx9.toString(), "--out", out.toString(), "--quiet"), "--train " + trainIdx9, "holds 9x9 images",
                "expects 8x8 images with 1 channel", "InputType.convolutionalFlat(8, 8, 1)", "give 8x8 images");
        // a rank-4 network (convolutional) keeps no image size: it accepts 8x8 and 9x9 (both pool to 3x3x2, the
        // size its output layer takes), not 10x10
        assertRefused(CliRun.of("validate", "--model", nchw.toString(), "--train", trainIdx10.toString(), "--test",
                testIdx10.toString(), "--out", out.toString(), "--quiet"), "--train " + trainIdx10,
                "holds 10x10 images", "expects images [n, 1, h, w] of a size its layers accept (square: 8x8, 9x9)",
                "or a model built for 10x10 images");
        // 64 pixels per row for a 6x6x3 network
        assertRefused(CliRun.of("explain", "--model", rgbModel.toString(), "--train", trainCsv.toString(), "--test",
                testCsv.toString(), "--out", out.toString(), "--quiet"), "--train " + trainCsv,
                "has rows of 64 values", "expects 6x6 images with 3 channels", "rows of 108 values");
        // a good training file and a test file of the same pixel count in another shape: named as --test
        assertRefused(CliRun.of("explain", "--model", flat.toString(), "--train", trainIdx8.toString(), "--test",
                testIdx4x16.toString(), "--out", out.toString(), "--quiet"), "--test " + testIdx4x16,
                "holds 4x16 images", "expects 8x8 images");
        // a test file whose rows differ from the training file's
        assertRefused(CliRun.of("explain", "--model", nchw.toString(), "--train", trainCsv.toString(), "--test",
                testCsv65.toString(), "--out", out.toString(), "--quiet"), "--test " + testCsv65
                + " has 65 features per example but --train " + trainCsv + " has 64");
        // a LeNet needs images of at least 16x16
        assertRefused(CliRun.of("explain", "--architecture", "lenet", "--train", trainCsv.toString(), "--test",
                testCsv.toString(), "--out", out.toString(), "--quiet"), "at least 16x16, got 8x8");
        assertRefused(CliRun.of("explain", "--architecture", "resnet", "--out", out.toString(), "--quiet"),
                "unknown --architecture 'resnet'");

        assertThat(out).doesNotExist();
        assertThat(hashes()).isEqualTo(before);
    }

    private static void assertRefused(CliRun r, String... expected) {
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().strip().lines().count()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).startsWith("influence4j: ").contains(expected);
        assertThat(r.out()).isEmpty();
    }

    /** SHA-256 of every file in the temporary directory (the inputs and models), by path. */
    private Map<Path, String> hashes() throws Exception {
        Map<Path, String> h = new LinkedHashMap<>();
        List<Path> files = new ArrayList<>();
        try (var s = Files.walk(dir)) {
            s.filter(Files::isRegularFile).sorted().forEach(files::add);
        }
        for (Path p : files) {
            h.put(p, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
        }
        return h;
    }
}
