package org.influence4j.dl4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.internal.Arguments;
import org.influence4j.model.DataSets;
import org.influence4j.validation.Retrainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leave-one-out ground truth for DL4J networks: removes training examples and retrains warm-started from θ̂ under a
 * {@link TrainingProtocol} ({@link Dl4jTraining}'s code: full-batch L-BFGS to a tolerance, the network's own Adam or
 * own updater for a fixed budget), then reports the mean test loss without regulariser.
 *
 * <ul>
 *   <li><b>Never modifies the user's network.</b> The builder takes a private DOUBLE copy (configuration JSON round
 *       trip, parameters and updater state copied; dropout and weight noise off — the analysed objective); every
 *       retraining works on a clone of that copy.</li>
 *   <li><b>Caches per removal set.</b> The retrained parameters are kept per set of removed indices, so several test
 *       points (and several estimators) share one retraining per removed example; the baseline (nothing removed) is
 *       retrained by the same rule — with L-BFGS at a converged θ̂ it returns θ̂ itself, with a fixed budget it
 *       cancels the drift of continued training.</li>
 *   <li><b>Parallel.</b> {@link #prefetch} retrains a known list of removal sets on {@link Builder#threads} threads
 *       (each retraining on its own copy, ND4J's random seed set per retraining), reporting to a
 *       {@link RetrainingListener}; {@code LeaveOneOutValidation.runAll} calls it.</li>
 *   <li><b>Diagnostics.</b> Per retraining the protocol's outcome and wall time ({@link #retrainings()}), the
 *       parameter distance to the baseline retraining ({@link #parameterDistance}, used to flag retrainings that
 *       left the warm start's basin), and the protocol's noise floor ({@link #retrainingNoise}).</li>
 * </ul>
 *
 * <p>Defaults: {@link TrainingProtocol#defaults()} (the network's own updater and state, 100 full-batch steps per
 * retraining — see there why), seed 0, one thread, no listener. A converged network's Adam state has near-zero
 * second moments, so warm-started Adam takes large first steps: for converged networks prefer
 * {@link TrainingProtocol#lbfgs()} or a fresh updater ({@link Builder#updater(IUpdater)}, e.g. plain SGD).
 *
 * <p>Deterministic: full-batch training without dropout repeats bit for bit on the same machine, whatever the
 * number of threads. Cost: one retraining per distinct removal set (its protocol's iterations times one batch
 * gradient). Thread-safe.
 */
public final class Dl4jRetrainer implements Retrainer {

    private static final Logger LOG = LoggerFactory.getLogger(Dl4jRetrainer.class);

    /** Relative size of the parameter perturbation of {@link #retrainingNoise}. */
    public static final double NOISE_PERTURBATION = 1e-10;

    /**
     * Statistics of one retraining.
     *
     * @param removed the removed training indices (sorted; a copy)
     * @param outcome the protocol's outcome
     * @param seconds wall time
     */
    public record Retraining(int[] removed, TrainingProtocol.Outcome outcome, double seconds) {

        /** Copies {@code removed}. */
        public Retraining {
            removed = removed.clone();
        }

        /** The removed indices (a copy). */
        @Override
        public int[] removed() {
            return removed.clone();
        }

        @Override
        public String toString() {
            return "Retraining[removed=" + Arrays.toString(removed) + ", " + outcome + ", " + seconds + " s]";
        }
    }

    private final Object base;          // private DOUBLE copy of the user's network (MLN or CG)
    private final DataSet train;
    private final int n;
    private final TrainingProtocol protocol;
    private final IUpdater updater;
    private final long seed;
    private final int threads;
    private final RetrainingListener listener;
    private final Map<List<Integer>, INDArray> parameters = new ConcurrentHashMap<>();
    private final Map<List<Integer>, Retraining> stats = new ConcurrentHashMap<>();
    private final ThreadLocal<Object> evaluator;
    private final List<NetworkCopy.LayerSpec> layers;
    private INDArray perturbed; // guarded by this

    private Dl4jRetrainer(Builder b) {
        this.updater = b.updater;
        NetworkCopy copy = NetworkCopy.withUpdater(b.network, b.updater);
        this.base = copy.network();
        this.train = b.train;
        this.n = train.numExamples();
        this.protocol = b.iterations == null ? b.protocol
                : b.protocol.withIterations(b.protocol.trainIterations(), b.iterations);
        this.seed = b.seed;
        this.threads = b.threads;
        this.listener = b.listener;
        if (protocol.kind().needsMultiLayerNetwork() && !(base instanceof MultiLayerNetwork)) {
            throw new IllegalArgumentException("protocol " + protocol.kind() + " needs a MultiLayerNetwork, but "
                    + "network is a ComputationGraph; use TrainingProtocol.ownUpdater(iterations) or "
                    + "TrainingProtocol.minibatch(epochs, batchSize)");
        }
        this.layers = copy.layers();
        checkWidths("train", train);
        this.evaluator = ThreadLocal.withInitial(() -> copyOf(base));
    }

    /**
     * Labels must have one column per network output, features one per input (where DL4J defines both); checked for
     * the training data when the retrainer is built and for every test point before any retraining.
     */
    private void checkWidths(String what, DataSet data) {
        checkWidths(what, data, layers);
    }

    /** The width checks below against the first and the last of a private copy's {@code layers}. */
    static void checkWidths(String what, DataSet data, List<NetworkCopy.LayerSpec> layers) {
        NetworkCopy.LayerSpec first = layers.get(0);
        checkWidths(what, data, first.conf(), first.preProcessor() != null, layers.get(layers.size() - 1).conf());
    }

    /**
     * Labels must have one column per output of {@code last}, features one per input of {@code first} (where DL4J
     * defines both and no preprocessor reshapes the input).
     */
    static void checkWidths(String what, DataSet data, org.deeplearning4j.nn.conf.layers.Layer first,
                            boolean preProcessed, org.deeplearning4j.nn.conf.layers.Layer last) {
        INDArray x = data.getFeatures();
        INDArray y = data.getLabels();
        if (last instanceof FeedForwardLayer out && y.rank() == 2 && out.getNOut() != y.size(1)) {
            throw new IllegalArgumentException(what + " labels have " + y.size(1) + " columns but the network has "
                    + out.getNOut() + " outputs; pass labels with one column per output (e.g. one-hot), as the "
                    + "network was trained on");
        }
        if (first instanceof FeedForwardLayer in && !preProcessed && x.rank() == 2 && in.getNIn() != x.size(1)) {
            throw new IllegalArgumentException(what + " features have " + x.size(1) + " columns but the network "
                    + "takes " + in.getNIn() + " inputs; pass features with one column per input, as the network "
                    + "was trained on");
        }
    }

    /**
     * A retrainer for {@code network} (MultiLayerNetwork or ComputationGraph, trained) and its training set.
     *
     * @param network the trained network; never modified
     * @param train   the training set it was trained on, in the order whose indices {@code removed} refers to;
     *                copied
     * @return a builder with the defaults of the class comment
     */
    public static Builder builder(Object network, DataSet train) {
        return new Builder(network, train);
    }

    /** Options of {@link Dl4jRetrainer}; {@link #build()} validates the network and data against each other. */
    public static final class Builder {
        private final Object network;
        private final DataSet train;
        private TrainingProtocol protocol = TrainingProtocol.defaults();
        private Integer iterations;
        private IUpdater updater;
        private long seed;
        private int threads = 1;
        private RetrainingListener listener = RetrainingListener.NONE;

        private Builder(Object network, DataSet train) {
            this.network = Objects.requireNonNull(network, "network");
            Arguments.checkDataSet("train", train);
            this.train = new DataSet(train.getFeatures().castTo(DataType.DOUBLE).dup(),
                    train.getLabels().castTo(DataType.DOUBLE).dup());
        }

        /** How to retrain (default {@link TrainingProtocol#defaults()}); its retrain iterations apply per retraining. */
        public Builder protocol(TrainingProtocol value) {
            this.protocol = Objects.requireNonNull(value, "protocol");
            return this;
        }

        /** Overrides the protocol's iterations per retraining (cap for L-BFGS, budget otherwise), {@code ≥ 1}. */
        public Builder iterations(int value) {
            this.iterations = Arguments.checkPositive("iterations", value);
            return this;
        }

        /**
         * Retrain with this updater (fresh state) instead of the network's own updater and state; default null
         * (the network's own). Used by the fixed-budget protocols; L-BFGS has no updater.
         */
        public Builder updater(IUpdater value) {
            this.updater = value;
            return this;
        }

        /**
         * Seed of ND4J's random generator set before every retraining, and of the order of examples of the mini-batch
         * protocol (default 0).
         */
        public Builder seed(long value) {
            this.seed = value;
            return this;
        }

        /** Retraining threads used by {@link Dl4jRetrainer#prefetch} (default 1), {@code ≥ 1}. */
        public Builder threads(int value) {
            this.threads = Arguments.checkPositive("threads", value);
            return this;
        }

        /** Progress of {@link Dl4jRetrainer#prefetch} (default none). */
        public Builder listener(RetrainingListener value) {
            this.listener = Objects.requireNonNull(value, "listener");
            return this;
        }

        /**
         * Builds the retrainer.
         *
         * @throws IllegalArgumentException if the network is not an initialised FLOAT/DOUBLE MultiLayerNetwork or
         *                                  ComputationGraph, the protocol needs a MultiLayerNetwork, or the training
         *                                  labels (features) do not have one column per network output (input)
         */
        public Dl4jRetrainer build() {
            return new Dl4jRetrainer(this);
        }
    }

    /** {@inheritDoc} The original network is not modified; neither are the arguments. */
    @Override
    public double testLossWithout(int[] removed, DataSet testPoint) {
        Arguments.checkDataSet("testPoint", testPoint);
        checkWidths("testPoint", testPoint);
        return loss(retrained(Arguments.removalSet(removed, n)), testPoint);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Retrains every removal set not yet cached, on the builder's number of threads, reporting each finished
     * retraining to the listener.
     *
     * @throws IllegalArgumentException if a removal set has an index out of range or repeated
     */
    @Override
    public void prefetch(Collection<int[]> removals) {
        Objects.requireNonNull(removals, "removals");
        Set<List<Integer>> todo = new LinkedHashSet<>();
        for (int[] r : removals) {
            List<Integer> k = Arguments.removalSet(r, n);
            if (!parameters.containsKey(k)) {
                todo.add(k);
            }
        }
        if (todo.isEmpty()) {
            return;
        }
        int done = 0;
        if (threads <= 1 || todo.size() == 1) {
            for (List<Integer> k : todo) {
                retrained(k);
                listener.onRetrained(stats.get(k), ++done, todo.size());
            }
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, todo.size()), r -> {
            Thread t = new Thread(r, "retrain");
            t.setDaemon(true);
            return t;
        });
        try {
            List<List<Integer>> keys = new ArrayList<>(todo);
            List<Future<?>> futures = new ArrayList<>();
            for (List<Integer> k : keys) {
                futures.add(pool.submit(() -> retrained(k)));
            }
            for (int i = 0; i < futures.size(); i++) {
                futures.get(i).get();
                listener.onRetrained(stats.get(keys.get(i)), ++done, todo.size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            java.util.concurrent.CancellationException c = new java.util.concurrent.CancellationException(
                    "interrupted while retraining; the retrainings finished so far stay cached");
            c.initCause(e);
            throw c;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("retraining failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** {@inheritDoc} Retrains {@code removed} and the baseline if not cached yet. */
    @Override
    public double parameterDistance(int[] removed) {
        INDArray theta = retrained(Arguments.removalSet(removed, n));
        INDArray theta0 = retrained(List.of());
        return theta.distance2(theta0);
    }

    /**
     * The retraining noise floor at {@code testPoint}: {@code |L_test(θ') − L_test(θ₀)|}, where {@code θ₀} is the
     * baseline retraining (nothing removed) and {@code θ'} the same retraining started from θ̂ with every parameter
     * multiplied by {@code 1 + ε·sᵢ} (relative size {@code ε =} {@value #NOISE_PERTURBATION}, alternating signs
     * {@code sᵢ = ±1}). A removal whose actual change is not well above this number is not measurable with this
     * protocol: converged L-BFGS returns to the same minimum (noise ≈ 0), while a fixed Adam budget on a deep network
     * can amplify a 1e-15 difference to 1e-2 in the parameters within a few hundred steps. The perturbed retraining is
     * done once per retrainer and cached.
     *
     * @param testPoint the test point; not modified
     * @return the absolute test-loss difference
     */
    public double retrainingNoise(DataSet testPoint) {
        Arguments.checkDataSet("testPoint", testPoint);
        checkWidths("testPoint", testPoint);
        INDArray baseline = retrained(List.of());
        INDArray noisy;
        synchronized (this) {
            if (perturbed == null) {
                Object copy = copyOf(base);
                double[] theta = params(copy).toDoubleVector();
                for (int i = 0; i < theta.length; i++) {
                    theta[i] *= 1 + (i % 2 == 0 ? NOISE_PERTURBATION : -NOISE_PERTURBATION);
                }
                setParams(copy, Nd4j.createFromArray(theta));
                retrainCopy(copy, train);
                perturbed = params(copy).dup();
            }
            noisy = perturbed;
        }
        return Math.abs(loss(noisy, testPoint) - loss(baseline, testPoint));
    }

    /** Statistics of every retraining done so far (order unspecified). */
    public List<Retraining> retrainings() {
        return List.copyOf(stats.values());
    }

    /** The largest final {@code ‖∇R‖} over the retrainings so far (NaN if none). */
    public double maxRetrainGradientNorm() {
        return stats.values().stream().mapToDouble(r -> r.outcome().gradientNorm()).max().orElse(Double.NaN);
    }

    /**
     * How many retrainings missed the protocol's gradient tolerance ({@link TrainingProtocol.Outcome#missedTolerance});
     * always 0 for fixed budgets, which have none.
     */
    public long unconvergedRetrainings() {
        return stats.values().stream().filter(r -> r.outcome().missedTolerance()).count();
    }

    /** The retraining protocol (with the builder's iteration override applied). */
    public TrainingProtocol protocol() {
        return protocol;
    }

    /**
     * {@code ‖∇R(θ̂)‖₂} of a network's training objective (mean loss plus regulariser): how far θ̂ is from a stationary
     * point. Influence functions assume it is (near) zero.
     *
     * @param network a MultiLayerNetwork or ComputationGraph; not modified
     * @param train   its training set; not modified
     * @return the gradient norm
     */
    public static double objectiveGradientNorm(Object network, DataSet train) {
        return Dl4jInfluenceModel.builder(network).build().objectiveGradient(train).norm2Number().doubleValue();
    }

    private INDArray retrained(List<Integer> k) {
        return parameters.computeIfAbsent(k, this::retrain);
    }

    private INDArray retrain(List<Integer> k) {
        int[] removed = k.stream().mapToInt(Integer::intValue).toArray();
        long t0 = System.nanoTime();
        Object copy = copyOf(base);
        TrainingProtocol.Outcome o = retrainCopy(copy, removed.length == 0 ? train : DataSets.without(train, removed));
        double seconds = (System.nanoTime() - t0) / 1e9;
        stats.put(k, new Retraining(removed, o, seconds));
        LOG.debug("retrained without {}: {} ({} s)", k, o, seconds);
        return params(copy).dup();
    }

    /**
     * Retrains {@code copy} (a clone of the private copy) in place on {@code data}, with a fixed ND4J seed; the
     * mini-batch protocol draws its order of examples from the same seed.
     */
    private TrainingProtocol.Outcome retrainCopy(Object copy, DataSet data) {
        Nd4j.getRandom().setSeed(seed);
        return Dl4jTraining.run(copy, data, protocol, protocol.retrainIterations(), seed);
    }

    private double loss(INDArray theta, DataSet testPoint) {
        Object net = evaluator.get();
        setParams(net, theta);
        DataSet t = new DataSet(testPoint.getFeatures().castTo(DataType.DOUBLE),
                testPoint.getLabels().castTo(DataType.DOUBLE));
        INDArray losses = net instanceof MultiLayerNetwork m ? m.scoreExamples(t, false)
                : ((ComputationGraph) net).scoreExamples(t, false);
        return losses.meanNumber().doubleValue();
    }

    private static Object copyOf(Object net) {
        return net instanceof MultiLayerNetwork m ? m.clone() : ((ComputationGraph) net).clone();
    }

    private static INDArray params(Object net) {
        return net instanceof MultiLayerNetwork m ? m.params() : ((ComputationGraph) net).params();
    }

    private static void setParams(Object net, INDArray theta) {
        if (net instanceof MultiLayerNetwork m) {
            m.setParams(theta);
        } else {
            ((ComputationGraph) net).setParams(theta);
        }
    }

    @Override
    public String toString() {
        return "Dl4jRetrainer[" + protocol.describe() + ", updater " + (updater == null
                ? "(network's own, warm state)" : updater) + ", iterations=" + protocol.retrainIterations()
                + ", seed=" + seed + ", threads=" + threads + ", n=" + n + "]";
    }
}
