package org.influence4j.bench.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.influence4j.bench.data.ClassificationData;
import org.influence4j.bench.data.CsvFormat;
import org.influence4j.bench.data.Datasets;
import org.influence4j.bench.data.IdxReader;
import org.influence4j.bench.data.MalformedDataException;
import org.influence4j.bench.data.TrainTestData;
import org.influence4j.bench.study.Networks;
import org.influence4j.dl4j.Dl4jTraining;
import org.influence4j.dl4j.TrainingProtocol;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import picocli.CommandLine.Option;

/**
 * Data, model, training and damping options shared by {@code explain} and {@code validate} (the curvature options
 * are {@link CurvatureOptions}).
 */
final class ModelOptions {

    @Option(names = "--dataset", defaultValue = "iris", description = "Bundled data set: iris, small-mnist (default: "
            + "${DEFAULT-VALUE}); ignored with --train/--test.")
    String dataset;

    @Option(names = "--train", paramLabel = "FILE", description = "Training file (CSV or IDX images).")
    Path trainFile;

    @Option(names = "--test", paramLabel = "FILE", description = "Test file (CSV or IDX images).")
    Path testFile;

    @Option(names = "--header", description = "CSV files start with a header line.")
    boolean header;

    @Option(names = "--model", paramLabel = "FILE", description = "A trained DL4J MultiLayerNetwork saved with "
            + "ModelSerializer; without it a network is trained.")
    Path model;

    @Option(names = "--architecture", defaultValue = "mlp", description = "Network the tool trains (without --model):"
            + " mlp (--depth, --width, --activation) or lenet (Networks.lenet: conv 5x5x6 tanh, max-pool 2x2, conv "
            + "5x5x16 tanh, max-pool 2x2, dense 84 tanh, softmax; needs square single-channel images of at least "
            + "16x16: IDX files, small-mnist, or CSV rows of side² pixels) (default: ${DEFAULT-VALUE}).")
    String architecture;

    @Option(names = "--depth", defaultValue = "1", description = "Hidden layers of the trained MLP (default: "
            + "${DEFAULT-VALUE}).")
    int depth;

    @Option(names = "--width", defaultValue = "5", description = "Units per hidden layer (default: ${DEFAULT-VALUE}).")
    int width;

    @Option(names = "--activation", defaultValue = "tanh", description = "Hidden activation: tanh, relu (default: "
            + "${DEFAULT-VALUE}).")
    String activation;

    @Option(names = "--weight-decay", defaultValue = "0.005", description = "Weight decay wd (objective gets "
            + "½·wd·‖W‖², DL4J l2; default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--optimizer", description = "Training and retraining: lbfgs (to ‖∇R‖ ≤ 1e-8), adam (fixed "
            + "budget of the network's Adam) or updater (the network's own updater, 100 full-batch steps per "
            + "retraining). Default: lbfgs for a network the tool trains (it is trained to a tight optimum, so "
            + "retraining to one is consistent); updater for --model (the library's default protocol: a network "
            + "trained elsewhere is rarely at a stationary point, and small steps of its own updater stay in the "
            + "warm start's basin, where L-BFGS may jump to another optimum); for --architecture lenet the "
            + "budgeted L-BFGS of the mnist-cnn preset (Networks.lenetProtocol()).")
    String optimizer;

    @Option(names = "--train-iterations", paramLabel = "N", description = "Overrides the protocol's training "
            + "iteration cap (L-BFGS) or budget (adam, updater).")
    Integer trainIterations;

    @Option(names = "--retrain-iterations", paramLabel = "N", description = "Overrides the protocol's iteration cap "
            + "(L-BFGS) or budget (adam, updater) per warm-started retraining.")
    Integer retrainIterations;

    @Option(names = "--damping", defaultValue = "0.01", description = "Damping λ: the solver inverts H + λI "
            + "(default: ${DEFAULT-VALUE}).")
    double damping;

    private MultiLayerNetwork restored; // --model, read once

    /** Where the data came from, for messages: the option, the file or data set, the image size if known. */
    private record Source(String option, String name, int[] image) {
    }

    private Source trainSource; // set by data()
    private Source testSource;

    /**
     * Loads the data: user files or a bundled set. Every problem with an input file (missing, unreadable,
     * malformed, labels that do not fit {@code --model}) is an {@link IllegalArgumentException} naming the option,
     * the file and, for content, the line: the CLI's exit code 2.
     */
    TrainTestData data(long seed) throws IOException {
        if (trainFile != null || testFile != null) {
            if (trainFile == null || testFile == null) {
                throw new IllegalArgumentException("give both --train and --test");
            }
            InputFiles.check("--train", trainFile);
            InputFiles.check("--test", testFile);
            if (model != null) {
                InputFiles.check("--model", model);
            }
            CsvFormat csv = CsvFormat.defaults().withHeader(header);
            TrainTestData data = InputFiles.load("--train", trainFile, "--test", testFile, csv, null);
            int outputs = model == null ? -1 : modelOutputs();
            if (outputs > 0 && data.train().classNames().equals(IdxReader.indexNames(data.train().numClasses()))
                    && data.train().numClasses() != outputs) {
                // integer labels: the classes are the model's outputs 0..k-1, and a larger label is named by its line
                try {
                    data = InputFiles.load("--train", trainFile, "--test", testFile, csv,
                            IdxReader.indexNames(outputs));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(e.getMessage() + " (the --model network has " + outputs
                            + " outputs)", e);
                }
            }
            trainSource = new Source("--train", trainFile.toString(), imageSize("--train", trainFile));
            testSource = new Source("--test", testFile.toString(), imageSize("--test", testFile));
            return data;
        }
        if (model != null) {
            InputFiles.check("--model", model);
        }
        if (!Datasets.isBundled(dataset)) {
            throw new IllegalArgumentException("unknown dataset '" + dataset + "'; bundled data sets: "
                    + String.join(", ", Datasets.bundledNames()) + " (or give --train and --test files)");
        }
        int[] image = dataset.equals(Datasets.SMALL_MNIST)
                ? new int[] {Datasets.SMALL_MNIST_SIDE, Datasets.SMALL_MNIST_SIDE} : null;
        trainSource = new Source("--dataset", dataset + " (training set)", image);
        testSource = new Source("--dataset", dataset + " (test set)", image);
        return Datasets.bundled(dataset, seed);
    }

    /** The image size in an IDX file's header ({@code null} for CSV); the file has been loaded already. */
    private static int[] imageSize(String option, Path file) throws IOException {
        if (!Datasets.isIdxImages(file)) {
            return null;
        }
        try {
            return IdxReader.imageSize(file);
        } catch (MalformedDataException e) {
            throw new IllegalArgumentException(option + " " + e.getMessage(), e);
        }
    }

    /** The training and retraining protocol: {@code --optimizer}, or the default described there. */
    TrainingProtocol protocol() {
        TrainingProtocol p;
        if (optimizer == null) {
            p = model != null ? TrainingProtocol.defaults() : lenet() ? Networks.lenetProtocol()
                    : TrainingProtocol.lbfgs();
        } else {
            p = switch (optimizer.toLowerCase(Locale.ROOT)) {
                case "lbfgs" -> TrainingProtocol.lbfgs();
                case "adam" -> TrainingProtocol.adam();
                case "updater" -> TrainingProtocol.defaults();
                default -> throw new IllegalArgumentException("unknown --optimizer '" + optimizer
                        + "'; use lbfgs, adam or updater");
            };
        }
        if (trainIterations != null || retrainIterations != null) {
            int train = trainIterations != null ? trainIterations : p.trainIterations();
            int retrain = retrainIterations != null ? retrainIterations : p.retrainIterations();
            if (train < 1 || retrain < 1) {
                throw new IllegalArgumentException("--train-iterations (" + train + ") and --retrain-iterations ("
                        + retrain + ") must be >= 1");
            }
            p = p.withIterations(train, retrain);
        }
        return p;
    }

    /** Whether {@code --architecture} asks for a LeNet (checked: mlp or lenet). */
    private boolean lenet() {
        return switch (architecture.toLowerCase(Locale.ROOT)) {
            case "mlp" -> false;
            case "lenet" -> true;
            default -> throw new IllegalArgumentException("unknown --architecture '" + architecture
                    + "'; use mlp or lenet");
        };
    }

    /**
     * Result of {@link #network}: the network, how it came about, and the training and test examples in the shape
     * the network takes ({@link NetworkInput}: flat rows, or {@code [n, c, h, w]} images).
     */
    record Trained(MultiLayerNetwork net, String description, TrainingProtocol.Outcome outcome, DataSet train,
                   DataSet test) {
    }

    /**
     * Loads {@code --model} (checked against the data) or trains an MLP or a LeNet. Data whose shape does not fit the
     * network is rejected (before any training) with the option, the file, both shapes and the remedy.
     */
    Trained network(TrainTestData data, long seed) throws IOException {
        int features = data.train().numFeatures();
        int classes = data.train().numClasses();
        TrainingProtocol protocol = protocol();
        if (!(damping >= 0) || Double.isInfinite(damping)) {
            throw new IllegalArgumentException("--damping (" + damping + ") must be finite and >= 0");
        }
        if (depth < 0) {
            throw new IllegalArgumentException("--depth (" + depth + ") must be >= 0");
        }
        if (width < 1) {
            throw new IllegalArgumentException("--width (" + width + ") must be >= 1");
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("--weight-decay (" + weightDecay + ") must be finite and >= 0");
        }
        boolean lenet = lenet(); // validates --architecture
        if (model != null) {
            MultiLayerNetwork net = restore();
            if (net.params().dataType() != DataType.DOUBLE) {
                net = net.convertDataType(DataType.DOUBLE);
            }
            NetworkInput input = NetworkInput.of(net);
            String name = "the --model network " + model;
            DataSet train = shape(input, trainSource, data.train().data(), name);
            DataSet test = shape(input, testSource, data.test().data(), name);
            checkFits(net, train, data.train());
            return new Trained(net, "loaded from " + model + (input.kind() == NetworkInput.Kind.ROWS ? ""
                    : " (input: " + input.describe() + ")"), null, train, test);
        }
        if (lenet) {
            int[] side = lenetSize(features);
            MultiLayerNetwork net = Networks.lenet(side[0], side[1], classes, weightDecay, seed, protocol.updater());
            NetworkInput input = NetworkInput.of(net);
            String name = "the LeNet for " + side[0] + "x" + side[1] + " images";
            DataSet train = shape(input, trainSource, data.train().data(), name);
            DataSet test = shape(input, testSource, data.test().data(), name);
            TrainingProtocol.Outcome o = Dl4jTraining.trainInPlace(net, train, protocol);
            return new Trained(net, String.format(Locale.ROOT, "LeNet %dx%d-6c5-p2-16c5-p2-84-%d (tanh, wd %s, %d "
                    + "parameters), %s", side[0], side[1], classes, weightDecay, net.numParams(),
                    protocol.describe()), o, train, test);
        }
        Networks.HiddenActivation act;
        try {
            act = Networks.HiddenActivation.valueOf(activation.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown --activation '" + activation + "'; use tanh or relu");
        }
        MultiLayerNetwork net = Networks.mlp(features, classes, depth, width, act, weightDecay, seed,
                protocol.updater());
        TrainingProtocol.Outcome o = Dl4jTraining.trainInPlace(net, data.train().data(), protocol);
        return new Trained(net, String.format(Locale.ROOT, "MLP %d-%s-%d (%s, wd %s), %s", features,
                depth == 0 ? "" : depth + "x" + width, classes, act.label(), weightDecay, protocol.describe()), o,
                data.train().data(), data.test().data());
    }

    private static DataSet shape(NetworkInput input, Source source, DataSet data, String network) {
        return input.shape(source.option(), source.name(), data, source.image(), network);
    }

    /** The image size of a LeNet for the training data: its images' size, or the side of square CSV rows. */
    private int[] lenetSize(int features) {
        if (trainSource.image() != null) {
            return trainSource.image();
        }
        int side = (int) Math.round(Math.sqrt(features));
        if (side * side != features) {
            throw new IllegalArgumentException("--architecture lenet needs square single-channel images, but "
                    + trainSource.option() + " " + trainSource.name() + " has rows of " + features + " values, not "
                    + "side² pixels; give IDX image files or CSV rows of side·side pixels, or --architecture mlp");
        }
        return new int[] {side, side};
    }

    /** Restores {@code --model} (checked to be a readable file), once: later calls return the same network. */
    private MultiLayerNetwork restore() {
        if (restored != null) {
            return restored;
        }
        InputFiles.check("--model", model);
        try {
            restored = ModelSerializer.restoreMultiLayerNetwork(model.toFile(), true);
            return restored;
        } catch (Exception e) {
            throw new IllegalArgumentException("--model " + model + " is not a DL4J MultiLayerNetwork saved with "
                    + "ModelSerializer (" + e.getMessage() + ")");
        }
    }

    /** The number of outputs of {@code --model} (its last layer's nOut), or -1 if it cannot be told. */
    private int modelOutputs() {
        MultiLayerNetwork net = restore();
        var layers = net.getLayerWiseConfigurations().getConfs();
        var last = layers.get(layers.size() - 1).getLayer();
        return last instanceof org.deeplearning4j.nn.conf.layers.FeedForwardLayer ff ? (int) ff.getNOut() : -1;
    }

    /**
     * A one-line error unless the network maps the data's {@code features} inputs to one output per class; when
     * the data has more classes than outputs, it names the first training example whose label has no output.
     */
    static void checkFits(MultiLayerNetwork net, DataSet shaped, ClassificationData train) {
        int classes = train.numClasses();
        long[] one = shaped.getFeatures().shape().clone();
        one[0] = 1;
        INDArray out;
        try {
            out = net.output(org.nd4j.linalg.factory.Nd4j.zeros(DataType.DOUBLE, one));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the model does not accept the data's " + (one.length == 2 ? one[1]
                    + " input features" : "inputs of shape " + java.util.Arrays.toString(one)) + " ("
                    + firstLine(e.getMessage()) + ")");
        }
        if (out.rank() != 2 || out.size(1) != classes) {
            String example = "";
            if (out.rank() == 2 && out.size(1) < classes) {
                int[] labels = train.labelIndices();
                for (int i = 0; i < labels.length; i++) {
                    if (labels[i] >= out.size(1)) {
                        example = "; training example " + i + " of " + train.name() + " has label '"
                                + train.classNames().get(labels[i]) + "' (class index " + labels[i] + "), which has"
                                + " no output";
                        break;
                    }
                }
            }
            throw new IllegalArgumentException("the model's output has shape " + java.util.Arrays.toString(out.shape())
                    + " but the labels have " + classes + " classes " + abbreviate(train.classNames()) + example
                    + "; give a model with " + classes + " outputs or data whose labels are its classes");
        }
    }

    private static String abbreviate(List<String> names) {
        String s = names.toString();
        return s.length() <= 60 ? s : s.substring(0, 57) + "...]";
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "no message";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
