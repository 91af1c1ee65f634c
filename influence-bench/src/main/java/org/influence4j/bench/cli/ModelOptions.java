package org.influence4j.bench.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.influence4j.bench.data.CsvFormat;
import org.influence4j.bench.data.Datasets;
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

    /** Loads the data: user files or a bundled set. */
    TrainTestData data(long seed) throws IOException {
        if (trainFile != null || testFile != null) {
            if (trainFile == null || testFile == null) {
                throw new IllegalArgumentException("give both --train and --test");
            }
            return Datasets.fromFiles(trainFile, testFile, CsvFormat.defaults().withHeader(header));
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
            if (!Files.isRegularFile(model)) {
                throw new IllegalArgumentException("--model " + model + ": no such file");
            }
            MultiLayerNetwork net;
            try {
                net = ModelSerializer.restoreMultiLayerNetwork(model.toFile(), true);
            } catch (Exception e) {
                throw new IllegalArgumentException("--model " + model + " is not a DL4J MultiLayerNetwork saved with "
                        + "ModelSerializer (" + e.getMessage() + ")");
            }
            if (net.params().dataType() != DataType.DOUBLE) {
                net = net.convertDataType(DataType.DOUBLE);
            }
            checkFits(net, features, classes);
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

    /** A one-line error unless the network maps {@code features} inputs to {@code classes} outputs. */
    static void checkFits(MultiLayerNetwork net, int features, int classes) {
        INDArray out;
        try {
            out = net.output(org.nd4j.linalg.factory.Nd4j.zeros(DataType.DOUBLE, 1, features));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the model does not accept the data's " + features + " input "
                    + "features (" + firstLine(e.getMessage()) + ")");
        }
        if (out.rank() != 2 || out.size(1) != classes) {
            throw new IllegalArgumentException("the model's output has shape " + java.util.Arrays.toString(out.shape())
                    + " but the labels have " + classes + " classes");
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "no message";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
