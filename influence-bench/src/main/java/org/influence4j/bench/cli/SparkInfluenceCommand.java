package org.influence4j.bench.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.influence4j.InfluenceEstimator;
import org.influence4j.InfluenceSinks;
import org.influence4j.bench.data.ClassificationData;
import org.influence4j.bench.data.IdxReader;
import org.influence4j.bench.progress.EstimatorProgress;
import org.influence4j.bench.report.CsvTable;
import org.influence4j.bench.report.ImageGrid;
import org.influence4j.bench.study.Networks;
import org.influence4j.dl4j.Dl4jTraining;
import org.influence4j.dl4j.TrainingProtocol;
import org.influence4j.solver.IHVPSolver;
import org.influence4j.spark.SparkInfluence;
import org.influence4j.spark.SparkModel;
import org.influence4j.spark.TrainingData;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code influence4j spark-influence}: explains Fashion-MNIST test images by their most helpful and most harmful
 * training images, with the training set held by Apache Spark ({@code influence-spark}) — or, with
 * {@code --single-machine}, the same job with {@link InfluenceEstimator} on one machine, for comparison.
 */
@Command(name = "spark-influence", mixinStandardHelpOptions = true,
        description = {"Explains test images of an IDX image set (Fashion-MNIST by default) by their most helpful and "
                + "most harmful training images, computed on Apache Spark: Kronecker factors by tree aggregation (or "
                + "distributed Hessian-vector products for CG), scoring of every training image against the "
                + "broadcast test gradients, and a top-k reduce. With --single-machine, the same job on one machine.",
                "Trains the network first unless --network-file names one (the trained network is saved as "
                        + "network.zip, so a second run can reuse it). Writes top.csv, top.png, timing.csv and, with "
                        + "--scores, scores.parquet/ (every score).",
                "Needs Spark on the class path: run through spark-submit, or locally with bin/spark-local "
                        + "(docs/spark.md)."})
final class SparkInfluenceCommand implements Callable<Integer> {

    static final String FASHION = "/usr/share/datasets/fashion-mnist/";
    static final List<String> FASHION_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    static final List<String> OUTPUTS = List.of("top.csv", "top.png", "timing.csv", "network.zip", "scores.parquet/");

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(names = "--master", description = "Spark master (default: spark-submit's, or local[2] when run "
            + "without spark-submit).")
    String master;

    @Option(names = "--images", defaultValue = FASHION + "train-images-idx3-ubyte.gz",
            description = "Training images, IDX (gzip or plain; any file system Spark reaches) (default: "
                    + "${DEFAULT-VALUE}).")
    String images;

    @Option(names = "--labels", defaultValue = FASHION + "train-labels-idx1-ubyte.gz",
            description = "Training labels, IDX (default: ${DEFAULT-VALUE}).")
    String labels;

    @Option(names = "--test-images", defaultValue = FASHION + "t10k-images-idx3-ubyte.gz",
            description = "Test images, IDX, read on the driver (default: ${DEFAULT-VALUE}).")
    Path testImages;

    @Option(names = "--test-labels", defaultValue = FASHION + "t10k-labels-idx1-ubyte.gz",
            description = "Test labels, IDX (default: ${DEFAULT-VALUE}).")
    Path testLabels;

    @Option(names = "--test-points", defaultValue = "8", paramLabel = "Q",
            description = "The first Q test images are explained (default: ${DEFAULT-VALUE}).")
    int testPoints;

    @Option(names = "--top", defaultValue = "5", paramLabel = "K",
            description = "Helpful and harmful training images per test image (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--solver", defaultValue = "ekfac", description = "ekfac, kfac, cg or identity (default: "
            + "${DEFAULT-VALUE}).")
    String solver;

    @Option(names = "--damping", defaultValue = "0.01", description = "Damping λ (default: ${DEFAULT-VALUE}).")
    double damping;

    @Option(names = "--partitions", defaultValue = "0", description = "Spark partitions of the training data "
            + "(default: twice Spark's default parallelism).")
    int partitions;

    @Option(names = "--network", defaultValue = "mlp", description = "The network trained when no --network-file is "
            + "given: mlp (784-128-64-10, tanh) or lenet (LeNet-style CNN) (default: ${DEFAULT-VALUE}).")
    String network;

    @Option(names = "--epochs", defaultValue = "2", description = "Training epochs (mini-batches of 128, Adam) "
            + "(default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--network-file", paramLabel = "ZIP", description = "A trained MultiLayerNetwork (DL4J "
            + "ModelSerializer zip) instead of training one, e.g. network.zip of an earlier run.")
    Path networkFile;

    @Option(names = "--single-machine", description = "Run the same job with InfluenceEstimator on this machine "
            + "(no Spark), for comparison.")
    boolean singleMachine;

    @Option(names = "--scores", description = "Also write every score as Parquet (scores.parquet/; Spark only).")
    boolean scores;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (testPoints < 1) {
            throw new IllegalArgumentException("--test-points (" + testPoints + ") must be >= 1");
        }
        if (top < 1) {
            throw new IllegalArgumentException("--top (" + top + ") must be >= 1");
        }
        if (!(damping >= 0)) {
            throw new IllegalArgumentException("--damping (" + damping + ") must be >= 0");
        }
        if (partitions < 0) {
            throw new IllegalArgumentException("--partitions (" + partitions + ") must be >= 0 (0: automatic)");
        }
        if (scores && singleMachine) {
            throw new IllegalArgumentException("--scores writes Parquet through Spark; drop it with --single-machine");
        }
        IHVPSolver s = switch (solver.toLowerCase(Locale.ROOT)) {
            case "ekfac" -> IHVPSolver.ekfac();
            case "kfac" -> IHVPSolver.kfac();
            case "cg" -> IHVPSolver.conjugateGradient();
            case "identity" -> IHVPSolver.identity();
            default -> throw new IllegalArgumentException("unknown --solver '" + solver
                    + "'; use ekfac, kfac, cg or identity");
        };
        if (networkFile != null && !Files.isRegularFile(networkFile)) {
            throw new IllegalArgumentException("--network-file " + networkFile + " is not a file");
        }
        Path dir = common.apply("out/spark-influence", OUTPUTS);
        Files.createDirectories(dir);
        ClassificationData test = IdxReader.read(testImages, testLabels, FASHION_CLASSES);
        if (testPoints > test.numExamples()) {
            throw new IllegalArgumentException("--test-points (" + testPoints + ") exceeds the " + test.numExamples()
                    + " test images");
        }
        DataSet queries = (DataSet) test.data().getRange(0, testPoints);
        CsvTable timing = CsvTable.withHeader("phase", "seconds", "engine", "detail");
        MultiLayerNetwork net = network(out, timing, dir);

        long start = System.nanoTime();
        List<InfluenceSinks.TopInfluences> result;
        String engine;
        java.util.Map<Integer, Shown> shown = new java.util.HashMap<>();   // the training images the report shows
        long n;
        try (CtrlC ctrlC = CtrlC.install(); EstimatorProgress progress = new EstimatorProgress(!common.quiet)) {
            if (singleMachine) {
                engine = "single machine";
                ClassificationData train = IdxReader.read(Path.of(images), Path.of(labels), FASHION_CLASSES);
                InfluenceSinks.TopK sink = InfluenceSinks.topK(top);
                InfluenceEstimator.forModel(net).withTrainingData(train.data()).withDamping(damping).withSolver(s)
                        .withProgressListener(progress).influenceOnEach(queries, sink);
                result = sink.result();
                n = train.numExamples();
                for (int i : shownIndices(result)) {
                    shown.put(i, new Shown(train.data().getFeatures().getRow(i).toDoubleVector(),
                            train.labelIndices()[i]));
                }
            } else {
                SparkConf conf = new SparkConf().setAppName("influence4j spark-influence");
                if (master != null) {
                    conf.setMaster(master);
                } else if (!conf.contains("spark.master")) {
                    conf.setMaster("local[2]");
                }
                conf.setIfMissing("spark.ui.enabled", "false");
                try (JavaSparkContext sc = new JavaSparkContext(conf)) {
                    engine = "spark " + sc.master();
                    int parts = partitions > 0 ? partitions : 2 * sc.defaultParallelism();
                    TrainingData data = TrainingData.fromIdx(sc, images, labels, 10, parts);
                    SparkInfluence influence = SparkInfluence.forModel(SparkModel.of(net)).withTrainingData(data)
                            .withDamping(damping).withSolver(s).withProgressListener(progress);
                    SparkInfluence.Queries q = scores
                            ? influence.topInfluences(queries, top, dir.resolve("scores.parquet").toString())
                            : influence.topInfluences(queries, top);
                    result = q.top();
                    n = data.numExamples();
                    // only the training images the report shows are collected to the driver
                    int[] idx = shownIndices(result);
                    DataSet rows = data.examples(java.util.Arrays.stream(idx).asLongStream().toArray());
                    for (int j = 0; j < idx.length; j++) {
                        shown.put(idx[j], new Shown(rows.getFeatures().getRow(j).toDoubleVector(),
                                rows.getLabels().getRow(j).argMax().getInt(0)));
                    }
                    data.unpersist();
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        timing.row("influence", fmt(seconds), engine, s + ", " + testPoints + " test points, top " + top);
        writeTop(dir, result, test, shown);
        timing.write(dir.resolve("timing.csv"));
        out.printf(Locale.ROOT, "%s: influence of %d training images on %d test images in %.1f s (%s); wrote %s%n",
                engine, n, testPoints, seconds, s, dir.resolve("top.csv"));
        out.flush();
        return 0;
    }

    /** A training image the report shows, with its class. */
    private record Shown(double[] pixels, int label) {
    }

    /** The training indices the result names, each once, ascending. */
    private static int[] shownIndices(List<InfluenceSinks.TopInfluences> result) {
        return result.stream().flatMapToInt(t -> java.util.stream.IntStream.concat(
                java.util.Arrays.stream(t.helpful()), java.util.Arrays.stream(t.harmful()))).distinct().sorted()
                .toArray();
    }

    private MultiLayerNetwork network(PrintWriter out, CsvTable timing, Path dir) throws IOException {
        if (networkFile != null) {
            return MultiLayerNetwork.load(networkFile.toFile(), false);
        }
        if (!Files.isRegularFile(Path.of(images)) || !Files.isRegularFile(Path.of(labels))) {
            throw new IllegalArgumentException("--images " + images + " is not a local file, so no network can be "
                    + "trained here; train one on a machine that has the files and give it with --network-file");
        }
        long t0 = System.nanoTime();
        ClassificationData train = IdxReader.read(Path.of(images), Path.of(labels), FASHION_CLASSES);
        MultiLayerNetwork net = switch (network.toLowerCase(Locale.ROOT)) {
            case "mlp" -> Networks.mlp(train.numFeatures(), 10, new int[] {128, 64}, Networks.HiddenActivation.TANH,
                    1e-4, common.seed, new Adam(1e-3));
            case "lenet" -> Networks.lenet(28, 28, 10, 1e-4, common.seed, new Adam(1e-3));
            default -> throw new IllegalArgumentException("unknown --network '" + network + "'; use mlp or lenet");
        };
        Dl4jTraining.trainInPlace(net, train.data(), TrainingProtocol.minibatch(epochs, 128));
        double seconds = (System.nanoTime() - t0) / 1e9;
        timing.row("training", fmt(seconds), "single machine", network + ", " + epochs + " epochs");
        ModelSerializer.writeModel(net, dir.resolve("network.zip").toFile(), false);
        if (!common.quiet) {
            out.printf(Locale.ROOT, "trained %s in %.1f s; saved %s%n", network, seconds, dir.resolve("network.zip"));
            out.flush();
        }
        return net;
    }

    private void writeTop(Path dir, List<InfluenceSinks.TopInfluences> result, ClassificationData test,
                          java.util.Map<Integer, Shown> shown) throws IOException {
        CsvTable csv = CsvTable.withHeader("test_point", "test_label", "kind", "rank", "train_example",
                "train_label", "score");
        List<ImageGrid.Row> rows = new ArrayList<>();
        int[] testLabels = test.labelIndices();
        for (InfluenceSinks.TopInfluences t : result) {
            int q = t.query();
            List<ImageGrid.Cell> cells = new ArrayList<>();
            cells.add(new ImageGrid.Cell(test.data().getFeatures().getRow(q).toDoubleVector(),
                    "test " + q + ": " + FASHION_CLASSES.get(testLabels[q])));
            for (int j = 0; j < t.helpful().length; j++) {
                int i = t.helpful()[j];
                csv.row(q, FASHION_CLASSES.get(testLabels[q]), "helpful", j + 1, i,
                        FASHION_CLASSES.get(shown.get(i).label()), t.helpfulScores()[j]);
                cells.add(new ImageGrid.Cell(shown.get(i).pixels(), "+ " + FASHION_CLASSES.get(shown.get(i).label())));
            }
            for (int j = 0; j < t.harmful().length; j++) {
                int i = t.harmful()[j];
                csv.row(q, FASHION_CLASSES.get(testLabels[q]), "harmful", j + 1, i,
                        FASHION_CLASSES.get(shown.get(i).label()), t.harmfulScores()[j]);
                cells.add(new ImageGrid.Cell(shown.get(i).pixels(), "− " + FASHION_CLASSES.get(shown.get(i).label())));
            }
            rows.add(new ImageGrid.Row(cells));
        }
        csv.write(dir.resolve("top.csv"));
        ImageGrid.write(dir.resolve("top.png"), 28, 28, rows, "Each row: a test image, then its " + top
                + " most helpful (+) and " + top + " most harmful (−) training images");
    }

    private static String fmt(double seconds) {
        return String.format(Locale.ROOT, "%.2f", seconds);
    }
}
