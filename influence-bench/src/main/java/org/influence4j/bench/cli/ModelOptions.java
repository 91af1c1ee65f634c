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
import org.influence4j.bench.data.TrainTestData;
import org.influence4j.bench.study.Networks;
import org.influence4j.dl4j.Dl4jTraining;
import org.influence4j.dl4j.TrainingProtocol;
import org.influence4j.solver.EigenvaluePolicy;
import org.influence4j.solver.IHVPSolver;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import picocli.CommandLine.Option;

/** Data, model, training and solver options shared by {@code explain} and {@code validate}. */
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
            + "warm start's basin, where L-BFGS may jump to another optimum).")
    String optimizer;

    @Option(names = "--damping", defaultValue = "0.01", description = "Damping λ: the solver inverts H + λI "
            + "(default: ${DEFAULT-VALUE}).")
    double damping;

    @Option(names = "--solver", defaultValue = "exact", description = "Inverse-HVP solver: exact, cg, lissa "
            + "(default: ${DEFAULT-VALUE}).")
    String solver;

    private MultiLayerNetwork restored; // --model, read once

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
            return data;
        }
        if (model != null) {
            InputFiles.check("--model", model);
        }
        if (!Datasets.isBundled(dataset)) {
            throw new IllegalArgumentException("unknown dataset '" + dataset + "'; bundled data sets: "
                    + String.join(", ", Datasets.bundledNames()) + " (or give --train and --test files)");
        }
        return Datasets.bundled(dataset, seed);
    }

    /** The training and retraining protocol: {@code --optimizer}, or the default described there. */
    TrainingProtocol protocol() {
        if (optimizer == null) {
            return model != null ? TrainingProtocol.defaults() : TrainingProtocol.lbfgs();
        }
        return switch (optimizer.toLowerCase(Locale.ROOT)) {
            case "lbfgs" -> TrainingProtocol.lbfgs();
            case "adam" -> TrainingProtocol.adam();
            case "updater" -> TrainingProtocol.defaults();
            default -> throw new IllegalArgumentException("unknown --optimizer '" + optimizer
                    + "'; use lbfgs, adam or updater");
        };
    }

    IHVPSolver solver(long seed) {
        return switch (solver.toLowerCase(Locale.ROOT)) {
            case "exact" -> IHVPSolver.exact().withPolicy(EigenvaluePolicy.TRUNCATE);
            case "cg" -> IHVPSolver.conjugateGradient().withMaxIterations(2000);
            case "lissa" -> IHVPSolver.lissa().withDepth(2000).withSeed(seed);
            default -> throw new IllegalArgumentException("unknown --solver '" + solver + "'; use exact, cg or lissa");
        };
    }

    /** Result of {@link #network}: the network and how it came about. */
    record Trained(MultiLayerNetwork net, String description, TrainingProtocol.Outcome outcome) {
    }

    /** Loads {@code --model} (checked against the data) or trains an MLP. */
    Trained network(TrainTestData data, long seed) throws IOException {
        int features = data.train().numFeatures();
        int classes = data.train().numClasses();
        TrainingProtocol protocol = protocol();
        if (!(damping >= 0)) {
            throw new IllegalArgumentException("--damping (" + damping + ") must be >= 0");
        }
        solver(seed); // validates --solver before the expensive work
        if (model != null) {
            MultiLayerNetwork net = restore();
            if (net.params().dataType() != DataType.DOUBLE) {
                net = net.convertDataType(DataType.DOUBLE);
            }
            checkFits(net, features, data.train());
            return new Trained(net, "loaded from " + model, null);
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
                depth == 0 ? "" : depth + "x" + width, classes, act.label(), weightDecay, protocol.describe()), o);
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
    static void checkFits(MultiLayerNetwork net, int features, ClassificationData train) {
        int classes = train.numClasses();
        INDArray out;
        try {
            out = net.output(org.nd4j.linalg.factory.Nd4j.zeros(DataType.DOUBLE, 1, features));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the model does not accept the data's " + features + " input "
                    + "features (" + firstLine(e.getMessage()) + ")");
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
