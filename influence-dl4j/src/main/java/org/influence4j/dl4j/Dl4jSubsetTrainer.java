package org.influence4j.dl4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.internal.Arguments;
import org.influence4j.model.DataSets;
import org.influence4j.solver.NumericalException;
import org.influence4j.validation.Measurement;
import org.influence4j.validation.SubsetTrainer;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ground truth of the linear datamodeling score for DL4J networks: trains a network on a subset of the training data
 * under a {@link TrainingProtocol} and measures it on test examples ({@link SubsetTrainer}).
 *
 * <h2>Protocol</h2>
 * <ul>
 *   <li><b>Start</b> ({@link Start}). {@link Start#FROM_SCRATCH} (the default) trains every subset from a fresh
 *       initialisation: the network's configuration with every layer's seed set to
 *       {@link #initialisationSeed(long) initialisationSeed(seed)}, initialised by DL4J's own weight initialisers, so
 *       that the same seed gives the same initial parameters. This is the protocol of the datamodeling literature
 *       (Park et al. 2023; dattri): it measures what the data does to <em>training</em>, initialisation and all.
 *       {@link Start#WARM_START} starts every subset from θ̂, the user's trained parameters (and the updater state,
 *       unless {@link Builder#updater} replaces the updater): cheaper, and it measures the neighbourhood of θ̂, which
 *       is closer to what influence functions approximate, but not what the datamodeling score of the literature
 *       reports. The parameters of frozen layers are θ̂'s under both starts, and stay fixed.</li>
 *   <li><b>Training</b> ({@link Builder#protocol}): {@link Dl4jTraining}'s code, with the protocol's
 *       {@link TrainingProtocol#trainIterations() training budget} from scratch and its
 *       {@link TrainingProtocol#retrainIterations() retraining budget} from a warm start; the mini-batch protocol
 *       shuffles the examples with the seed of the call. Before training, ND4J's random generator of the calling
 *       thread is seeded with {@link #initialisationSeed(long) initialisationSeed(seed)}. Default
 *       {@code TrainingProtocol.minibatch(20, 32)} with the network's own updater: the shape of the SGD recipes that
 *       the literature's datamodeling numbers come from (dattri's logistic regression: SGD, learning rate 0.01,
 *       batch 32, 20 epochs), on every network the adapter accepts; give the recipe that trained θ̂.</li>
 *   <li><b>Updater</b> ({@link Builder#updater}): the network's own (default), or the given one with fresh state on
 *       every layer. DL4J has no heavy-ball momentum: {@code Nesterovs(lr, μ)} is Nesterov's momentum (PyTorch's
 *       {@code SGD(nesterov=True)}), not PyTorch's default {@code SGD(momentum=μ)}.</li>
 *   <li><b>The analysed network</b>: as everywhere in the adapter, a private DOUBLE copy with dropout and weight
 *       noise off (deterministic training: a dropout recipe is trained without its dropout).</li>
 *   <li><b>Measurements</b> ({@link Measurement}): {@code LOSS} is DL4J's per-example loss without regulariser
 *       ({@code scoreExamples(data, false)}); {@code MARGIN} is {@code log p_y − log(1 − p_y)} for a softmax output
 *       and one-hot labels, computed from the logits {@code z} (the output layer with its softmax replaced by the
 *       identity) as {@code z_y − log Σ_{k≠y} e^{z_k}}, which neither overflows nor loses {@code 1 − p_y} to
 *       round-off.</li>
 * </ul>
 *
 * <p>{@link #seedDependent()}: {@code true} from scratch or with the shuffled mini-batch protocol; {@code false} for
 * a warm start under a full-batch protocol or under mini-batches in index order, which are deterministic.
 *
 * <p>Never modifies the user's network, the training data or any argument. Thread-safe: every {@link #measure} call
 * trains its own network, and the same subset and seed give the same bits on any thread. Cost of a call: one
 * training (its protocol's iterations; the mini-batch protocol costs one DL4J {@code fit} per mini-batch, or the
 * same step in plain Java for a small dense network with {@code Sgd} or {@code Nesterovs}), one full-batch gradient
 * on the subset for the outcome's {@code ‖∇R‖}, and one forward pass over the test examples.
 * {@link #trainings()} keeps every training's outcome and wall time.
 */
public final class Dl4jSubsetTrainer implements SubsetTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(Dl4jSubsetTrainer.class);

    /** Where each training on a subset starts. */
    public enum Start {
        /** A fresh seeded initialisation of the network's configuration (the datamodeling literature's protocol). */
        FROM_SCRATCH,
        /** θ̂, the user's trained parameters (cheaper; measures the neighbourhood of θ̂). */
        WARM_START
    }

    /**
     * Statistics of one training on a subset.
     *
     * @param subset  the training indices (a copy)
     * @param seed    the seed of the call
     * @param outcome the protocol's outcome: iterations (updates), {@code R} and {@code ‖∇R‖} on the subset at the
     *                end
     * @param seconds wall time of the training
     */
    public record Training(int[] subset, long seed, TrainingProtocol.Outcome outcome, double seconds) {

        /** Copies {@code subset}. */
        public Training {
            subset = subset.clone();
        }

        /** The training indices (a copy). */
        @Override
        public int[] subset() {
            return subset.clone();
        }

        @Override
        public String toString() {
            return "Training[" + subset.length + " examples, seed " + seed + ", " + outcome + ", " + seconds + " s]";
        }
    }

    /**
     * Receives one event after each training, on the thread that called {@link #measure} (possibly several threads
     * at once): must be thread-safe, cheap, and must not throw.
     */
    @FunctionalInterface
    public interface Listener {

        /** A listener that ignores every event. */
        Listener NONE = training -> { };

        /** Called after each training, before the measurement. */
        void onTrained(Training training);
    }

    private final Object base;                 // private DOUBLE copy of the user's network at θ̂ (MLN or CG)
    private final String configuration;        // JSON of base's configuration: fresh networks for FROM_SCRATCH
    private final String logitsConfiguration;  // the same with the softmax output replaced by the identity, or null
    private final String outputActivation;     // for messages
    private final FrozenLayers.Snapshot frozen; // θ̂'s frozen parameters
    private final List<NetworkCopy.LayerSpec> layers;
    private final DataSet train;
    private final int n;
    private final Start start;
    private final TrainingProtocol protocol;
    private final IUpdater updater;
    private final Listener listener;
    private final String summary;
    private final String fingerprint;
    private final Queue<Training> trainings = new ConcurrentLinkedQueue<>();

    private Dl4jSubsetTrainer(Builder b) {
        this.updater = b.updater;
        this.start = b.start;
        this.protocol = b.protocol;
        this.listener = b.listener;
        NetworkCopy copy = NetworkCopy.withUpdater(b.network, b.updater);
        this.base = copy.network();
        this.layers = copy.layers();
        this.train = b.train;
        this.n = train.numExamples();
        TrainingProtocol.Kind kind = protocol.kind();
        if (kind.needsMultiLayerNetwork() && !(base instanceof MultiLayerNetwork)) {
            throw new IllegalArgumentException("protocol " + kind + " needs a MultiLayerNetwork, but network is a "
                    + "ComputationGraph; use TrainingProtocol.minibatch(epochs, batchSize) or "
                    + "TrainingProtocol.ownUpdater(iterations)");
        }
        if (kind == TrainingProtocol.Kind.ADAM && !Dl4jTraining.usesAdam((MultiLayerNetwork) base)) {
            throw new IllegalArgumentException("protocol ADAM needs an Adam updater on every layer, but the network "
                    + "has " + updaterText() + "; pass updater(new Adam(learningRate)) or use "
                    + "TrainingProtocol.ownUpdater(iterations)");
        }
        // the objective of the outcome (R, ‖∇R‖) must exist: reject what it rejects (l1) before any training
        if (base instanceof MultiLayerNetwork net) {
            Regularizer.curvatures(net);
        } else {
            Dl4jInfluenceModel.of((ComputationGraph) base);
        }
        checkWidths("train", train);
        this.configuration = base instanceof MultiLayerNetwork net ? net.getLayerWiseConfigurations().toJson()
                : ((ComputationGraph) base).getConfiguration().toJson();
        Layer out = outputLayerConf(base);
        this.outputActivation = out instanceof BaseLayer bl && bl.getActivationFn() != null
                ? bl.getActivationFn().toString() : out.getClass().getSimpleName();
        this.logitsConfiguration = out instanceof BaseLayer bl && bl.getActivationFn() instanceof ActivationSoftmax
                ? logitsJson(configuration, base instanceof MultiLayerNetwork) : null;
        this.frozen = FrozenLayers.snapshot(base);
        this.summary = summary(copy);
        // what decides the trainings: the configuration, the training data and, warm-started, the start θ̂
        this.fingerprint = org.influence4j.model.Fingerprint.of(configuration, train.getFeatures(), train.getLabels(),
                start == Start.WARM_START ? (base instanceof MultiLayerNetwork m ? m.params()
                        : ((ComputationGraph) base).params()) : null).substring(0, 16);
    }

    /**
     * A subset trainer for {@code network} (a MultiLayerNetwork or ComputationGraph, trained for
     * {@link Start#WARM_START}; its configuration is what counts {@link Start#FROM_SCRATCH}) and its training set.
     *
     * @param network the network; never modified
     * @param train   the training set, in the order whose indices {@link #measure}'s {@code subset} refers to; copied
     * @return a builder with the defaults of the class comment
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code train} is empty, not floating point or not finite, or its features and
     *                                  labels differ in rows
     */
    public static Builder builder(Object network, DataSet train) {
        return new Builder(network, train);
    }

    /** Options of {@link Dl4jSubsetTrainer}; {@link #build()} validates the network and data against each other. */
    public static final class Builder {
        private final Object network;
        private final DataSet train;
        private Start start = Start.FROM_SCRATCH;
        private TrainingProtocol protocol = TrainingProtocol.minibatch(20, 32);
        private IUpdater updater;
        private Listener listener = Listener.NONE;

        private Builder(Object network, DataSet train) {
            this.network = Objects.requireNonNull(network, "network");
            Arguments.checkDataSet("train", train);
            this.train = new DataSet(train.getFeatures().castTo(DataType.DOUBLE).dup(),
                    train.getLabels().castTo(DataType.DOUBLE).dup());
        }

        /** Where each training starts (default {@link Start#FROM_SCRATCH}, see the class comment why). */
        public Builder start(Start value) {
            this.start = Objects.requireNonNull(value, "start");
            return this;
        }

        /**
         * How each subset is trained (default {@code TrainingProtocol.minibatch(20, 32)}): its training budget from
         * scratch, its retraining budget from a warm start.
         */
        public Builder protocol(TrainingProtocol value) {
            this.protocol = Objects.requireNonNull(value, "protocol");
            return this;
        }

        /**
         * Train with this updater (fresh state on every layer) instead of the network's own updater and state;
         * default null (the network's own). L-BFGS has no updater.
         */
        public Builder updater(IUpdater value) {
            this.updater = value;
            return this;
        }

        /** Receives every training's statistics (default none); see {@link Listener}. */
        public Builder listener(Listener value) {
            this.listener = Objects.requireNonNull(value, "listener");
            return this;
        }

        /**
         * Builds the trainer.
         *
         * @throws IllegalArgumentException if the network is not an initialised FLOAT/DOUBLE MultiLayerNetwork or
         *                                  single-input, single-output ComputationGraph, the protocol needs a
         *                                  MultiLayerNetwork (L-BFGS, ADAM) or an Adam updater (ADAM), the
         *                                  regulariser is not quadratic (l1), or the training labels (features) do
         *                                  not have one column per network output (input)
         */
        public Dl4jSubsetTrainer build() {
            return new Dl4jSubsetTrainer(this);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Trains a network on a copy of the rows {@code subset} of the training set as the class comment describes and
     * measures every test example. Arguments are checked before any training.
     *
     * @throws IllegalArgumentException if {@code subset} is empty, not strictly increasing or out of range; the test
     *                                  points are empty, not finite or do not fit the network; or {@code MARGIN} is
     *                                  asked of a network without a softmax output or of labels that are not one-hot
     * @throws NumericalException       if the training ends with non-finite measurements (a diverged training:
     *                                  lower the learning rate)
     */
    @Override
    public double[] measure(int[] subset, long seed, DataSet testPoints, Measurement measurement) {
        int[] rows = checkSubset(subset);
        Arguments.checkDataSet("testPoints", testPoints);
        Objects.requireNonNull(measurement, "measurement");
        checkWidths("testPoints", testPoints);
        INDArray x = testPoints.getFeatures().castTo(DataType.DOUBLE);
        INDArray y = testPoints.getLabels().castTo(DataType.DOUBLE);
        int[] classes = measurement == Measurement.MARGIN ? checkMarginApplies(y) : null;

        long t0 = System.nanoTime();
        Object net = start == Start.FROM_SCRATCH ? fresh(initialisationSeed(seed)) : warm();
        Nd4j.getRandom().setSeed(initialisationSeed(seed));
        int budget = start == Start.FROM_SCRATCH ? protocol.trainIterations() : protocol.retrainIterations();
        TrainingProtocol.Outcome outcome = Dl4jTraining.run(net, DataSets.subset(train, rows), protocol, budget, seed);
        Training training = new Training(rows, seed, outcome, (System.nanoTime() - t0) / 1e9);
        trainings.add(training);
        LOG.debug("trained on {} examples, seed {}: {} ({} s)", rows.length, seed, outcome, training.seconds());
        listener.onTrained(training);

        double[] values = measurement == Measurement.LOSS ? losses(net, x, y) : margins(net, x, classes);
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new NumericalException("the " + measurement + " of test example " + i + " is " + values[i]
                        + " after training on " + rows.length + " examples with seed " + seed + " (" + outcome
                        + "); the training diverged: lower the learning rate or use TrainingProtocol.lbfgs()");
            }
        }
        return values;
    }

    /** {@code true} from scratch or with the mini-batch protocol; {@code false} for a full-batch warm start. */
    @Override
    public boolean seedDependent() {
        return start == Start.FROM_SCRATCH || protocol.kind().seedDependent() && protocol.shuffled();
    }

    /**
     * One line: the network, the start, the protocol with the budget that applies, the updater; e.g.
     * {@code "DL4J MultiLayerNetwork 784-128-64-10 (109386 parameters), from scratch (seeded initialisation),
     * mini-batches of 64 (order shuffled every epoch, last partial batch kept), 50 epochs, updater Nesterovs(...)"}.
     */
    @Override
    public String describe() {
        int budget = start == Start.FROM_SCRATCH ? protocol.trainIterations() : protocol.retrainIterations();
        String how = switch (protocol.kind()) {
            case LBFGS -> String.format(Locale.ROOT, "full-batch L-BFGS to ‖∇R‖ ≤ %.0e, at most %d iterations",
                    protocol.tolerance(), budget);
            case ADAM -> "full-batch Adam, " + budget + " steps";
            case UPDATER -> "full batch, " + budget + " steps";
            case MINIBATCH -> "mini-batches of " + protocol.batchSize() + " (" + (protocol.shuffled()
                    ? "order shuffled every epoch" : "examples in index order every epoch") + ", last partial "
                    + "batch kept), " + budget + " epochs";
        };
        String from = start == Start.FROM_SCRATCH ? "from scratch (seeded initialisation)"
                : "warm-started from the trained parameters";
        String upd = protocol.kind() == TrainingProtocol.Kind.LBFGS ? "no updater (L-BFGS)"
                : "updater " + (updater == null ? "(the network's own) " : "") + updaterText();
        return "DL4J " + summary + ", " + from + ", " + how + ", " + upd + ", fingerprint " + fingerprint;
    }

    /** Statistics of every training so far, in the order they finished. */
    public List<Training> trainings() {
        return List.copyOf(trainings);
    }

    /**
     * How many trainings missed the protocol's gradient tolerance ({@link TrainingProtocol.Outcome#missedTolerance});
     * always 0 for fixed budgets, which have none.
     */
    public long unconvergedTrainings() {
        return trainings.stream().filter(t -> t.outcome().missedTolerance()).count();
    }

    /** Where each training starts. */
    public Start start() {
        return start;
    }

    /** The training protocol. */
    public TrainingProtocol protocol() {
        return protocol;
    }

    /**
     * The ND4J seed of the initialisation (and of ND4J's generator during training) for the seed of a
     * {@link #measure} call: the first non-zero {@code nextLong()} of {@code new SplittableRandom(seed).split()}. A
     * derived seed, not {@code seed} itself, because ND4J 1.0.0-M2.1 treats seed 0 as "unseeded" (two networks
     * initialised with seed 0 differ), and datamodeling seeds start at 0; the split keeps it independent of the
     * mini-batch order, which {@code new SplittableRandom(seed)} draws.
     *
     * @param seed the seed of the call
     * @return a non-zero seed
     */
    public static long initialisationSeed(long seed) {
        SplittableRandom r = new SplittableRandom(seed).split();
        long s = r.nextLong();
        while (s == 0) {
            s = r.nextLong();
        }
        return s;
    }

    @Override
    public String toString() {
        return "Dl4jSubsetTrainer[" + describe() + ", n=" + n + "]";
    }

    // ------------------------------------------------------------------------------------------------ training

    /** A fresh network of the private copy's configuration, every layer seeded with {@code s}, counters at 0. */
    private Object fresh(long s) {
        if (base instanceof MultiLayerNetwork) {
            MultiLayerConfiguration conf = MultiLayerConfiguration.fromJson(configuration);
            for (NeuralNetConfiguration c : conf.getConfs()) {
                c.setSeed(s);
            }
            conf.setIterationCount(0);
            conf.setEpochCount(0);
            MultiLayerNetwork net = new MultiLayerNetwork(conf);
            net.init(); // seeds this thread's ND4J generator with s, then draws the parameters
            frozen.restore(net.params());
            return net;
        }
        ComputationGraphConfiguration conf = ComputationGraphConfiguration.fromJson(configuration);
        conf.getDefaultConfiguration().setSeed(s);
        for (var v : conf.getVertices().values()) {
            if (v instanceof LayerVertex lv) {
                lv.getLayerConf().setSeed(s);
            }
        }
        conf.setIterationCount(0);
        conf.setEpochCount(0);
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        frozen.restore(graph.params());
        return graph;
    }

    /** A clone of the private copy at θ̂ (with its updater state). */
    private Object warm() {
        synchronized (base) { // DL4J's clone reads (and may lazily create) the updater of the source
            return base instanceof MultiLayerNetwork m ? m.clone() : ((ComputationGraph) base).clone();
        }
    }

    // ------------------------------------------------------------------------------------------------ measurements

    /** Per-example losses without regulariser, {@code scoreExamples(data, false)}. */
    private static double[] losses(Object net, INDArray x, INDArray y) {
        DataSet t = new DataSet(x, y);
        INDArray s = net instanceof MultiLayerNetwork m ? m.scoreExamples(t, false)
                : ((ComputationGraph) net).scoreExamples(t, false);
        return s.castTo(DataType.DOUBLE).reshape(s.length()).toDoubleVector();
    }

    /** {@code z_y − log Σ_{k≠y} e^{z_k}} per example, from the logits of the trained parameters. */
    private double[] margins(Object trained, INDArray x, int[] classes) {
        INDArray theta = trained instanceof MultiLayerNetwork m ? m.params() : ((ComputationGraph) trained).params();
        INDArray z;
        if (trained instanceof MultiLayerNetwork) {
            MultiLayerNetwork logits = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(logitsConfiguration));
            logits.init(theta, true);
            z = logits.output(x, false);
        } else {
            ComputationGraph logits = new ComputationGraph(ComputationGraphConfiguration.fromJson(logitsConfiguration));
            logits.init(theta, true);
            z = logits.output(false, x)[0];
        }
        double[][] zz = z.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[] margin = new double[zz.length];
        for (int i = 0; i < zz.length; i++) {
            int c = classes[i];
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < zz[i].length; k++) {
                if (k != c) {
                    max = Math.max(max, zz[i][k]);
                }
            }
            double sum = 0;
            for (int k = 0; k < zz[i].length; k++) {
                if (k != c) {
                    sum += Math.exp(zz[i][k] - max);
                }
            }
            margin[i] = zz[i][c] - (max + Math.log(sum)); // log p_y − log Σ_{k≠y} p_k: the softmax's LSE cancels
        }
        return margin;
    }

    /** The class of every one-hot label row, after checking that MARGIN applies; throws otherwise. */
    private int[] checkMarginApplies(INDArray labels) {
        if (logitsConfiguration == null) {
            throw new IllegalArgumentException("measurement MARGIN needs a softmax output, but the network's output "
                    + "activation is " + outputActivation + "; measure Measurement.LOSS instead");
        }
        if (labels.rank() != 2 || labels.size(1) < 2) {
            throw new IllegalArgumentException("measurement MARGIN needs one-hot labels of at least 2 classes, but "
                    + "testPoints labels have shape " + Arrays.toString(labels.shape()) + "; measure "
                    + "Measurement.LOSS instead");
        }
        double[][] y = labels.toDoubleMatrix();
        int[] classes = new int[y.length];
        for (int i = 0; i < y.length; i++) {
            int ones = 0;
            boolean binary = true;
            for (int k = 0; k < y[i].length; k++) {
                if (y[i][k] == 1) {
                    ones++;
                    classes[i] = k;
                } else if (y[i][k] != 0) {
                    binary = false;
                }
            }
            if (!binary || ones != 1) {
                throw new IllegalArgumentException("measurement MARGIN needs one-hot labels, but testPoints labels row "
                        + i + " is " + Arrays.toString(y[i]) + "; pass one 1 and zeros per row, or measure "
                        + "Measurement.LOSS for soft labels");
            }
        }
        return classes;
    }

    // ------------------------------------------------------------------------------------------------ checks

    /** A copy of {@code subset}, checked: non-empty, strictly increasing, within the training set. */
    private int[] checkSubset(int[] subset) {
        Objects.requireNonNull(subset, "subset");
        if (subset.length == 0) {
            throw new IllegalArgumentException("subset is empty; give at least one training index");
        }
        int[] rows = subset.clone();
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] < 0 || rows[i] >= n) {
                throw new IllegalArgumentException("subset[" + i + "] (" + rows[i] + ") is out of range for " + n
                        + " training examples; indices are 0-based rows of the training set");
            }
            if (i > 0 && rows[i] <= rows[i - 1]) {
                throw new IllegalArgumentException("subset[" + i + "] (" + rows[i] + ") does not exceed subset["
                        + (i - 1) + "] (" + rows[i - 1] + "); give distinct indices in increasing order (sort them "
                        + "and drop repeats)");
            }
        }
        return rows;
    }

    private void checkWidths(String what, DataSet data) {
        Dl4jRetrainer.checkWidths(what, data, layers);
    }

    // ------------------------------------------------------------------------------------------------ descriptions

    /** The configuration of the layer that produces the network's output. */
    private static Layer outputLayerConf(Object net) {
        if (net instanceof MultiLayerNetwork m) {
            return m.getLayerWiseConfigurations().getConf(m.getnLayers() - 1).getLayer();
        }
        ComputationGraph g = (ComputationGraph) net;
        return g.getOutputLayer(0).conf().getLayer();
    }

    /** {@code json} with the output layer's activation replaced by the identity: the network's logits. */
    private static String logitsJson(String json, boolean multiLayer) {
        Layer out;
        if (multiLayer) {
            MultiLayerConfiguration conf = MultiLayerConfiguration.fromJson(json);
            out = conf.getConf(conf.getConfs().size() - 1).getLayer();
            ((BaseLayer) out).setActivationFn(new ActivationIdentity());
            return conf.toJson();
        }
        ComputationGraphConfiguration conf = ComputationGraphConfiguration.fromJson(json);
        out = ((LayerVertex) conf.getVertices().get(conf.getNetworkOutputs().get(0))).getLayerConf().getLayer();
        ((BaseLayer) out).setActivationFn(new ActivationIdentity());
        return conf.toJson();
    }

    /** "MultiLayerNetwork 784-128-64-10 (109386 parameters)", or the layer count where widths are not defined. */
    private static String summary(NetworkCopy copy) {
        List<NetworkCopy.LayerSpec> ls = copy.layers();
        long params = ls.stream().mapToLong(NetworkCopy.LayerSpec::numParams).sum();
        List<String> widths = new ArrayList<>();
        for (NetworkCopy.LayerSpec l : ls) {
            if (!(l.conf() instanceof FeedForwardLayer f) || !copy.isChain()) {
                widths = null;
                break;
            }
            if (widths.isEmpty()) {
                widths.add(String.valueOf(f.getNIn()));
            }
            widths.add(String.valueOf(f.getNOut()));
        }
        return copy.kind() + " " + (widths == null ? ls.size() + " layers" : String.join("-", widths)) + " ("
                + params + " parameters)";
    }

    /** The updater in use: the override, or the distinct updaters of the private copy's layers. */
    private String updaterText() {
        if (updater != null) {
            return updater.toString();
        }
        Set<String> found = new LinkedHashSet<>();
        for (NetworkCopy.LayerSpec l : layers) {
            if (l.conf() instanceof BaseLayer bl && bl.getIUpdater() != null) {
                found.add(bl.getIUpdater().toString());
            }
        }
        return found.isEmpty() ? "none" : String.join(" / ", found);
    }
}
