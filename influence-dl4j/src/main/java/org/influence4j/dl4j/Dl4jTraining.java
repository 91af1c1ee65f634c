package org.influence4j.dl4j;

import java.util.Objects;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.internal.Arguments;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The one entry point for training a DL4J network under a {@link TrainingProtocol}: full batch, L-BFGS to a gradient
 * tolerance, the network's own Adam for a fixed budget, or the network's own updater for a fixed budget of
 * {@code fit} steps; or the network's own updater on shuffled mini-batches for a number of epochs. The objective is
 * {@link TrainingObjective}'s ({@code R(θ)}, what {@code net.score()} reports); for small dense softmax networks the
 * full-batch protocols (with Adam or the network's own updater) and the mini-batch protocol (with {@code Sgd} or
 * {@code Nesterovs}) run in plain Java, chosen automatically by size. {@link Dl4jRetrainer} and
 * {@link Dl4jSubsetTrainer} train with the same code.
 *
 * <p>The parameters of frozen layers ({@code FrozenLayer}, {@code FrozenLayerWithBackprop}) are constants of
 * {@code R} and stay fixed bit for bit under every protocol: their gradient is zero (their regulariser is not part of
 * {@code score()}), and after each of DL4J's own {@code fit} steps they are put back, because DL4J moves a
 * {@code FrozenLayerWithBackprop} that wraps a layer with {@code l2} or {@code weightDecay}. A layer with the
 * {@code NoOp} updater is trained, as DL4J trains it (raw gradient steps).
 *
 * <p>Cost per iteration: one batch gradient (L-BFGS adds its line search's extra evaluations, usually none); the
 * mini-batch protocol costs one {@code fit} (or its plain-Java step) per mini-batch and one full-batch gradient at the
 * end, for the outcome. Deterministic (the mini-batch protocol for a given seed). Stateless; concurrent calls on
 * different networks are safe. The thread's interrupt is checked once per iteration; an interrupted training ends
 * with a {@link java.util.concurrent.CancellationException}.
 */
public final class Dl4jTraining {

    private Dl4jTraining() {
    }

    /**
     * Trains {@code network} in place on {@code data} for {@code protocol.trainIterations()} iterations at most
     * (epochs for {@link TrainingProtocol.Kind#MINIBATCH}, whose order of examples is drawn with seed 0), continuing
     * from its current parameters (and updater state).
     *
     * @param network  a DOUBLE {@code MultiLayerNetwork} (any protocol) or {@code ComputationGraph}
     *                 ({@link TrainingProtocol.Kind#UPDATER} and {@link TrainingProtocol.Kind#MINIBATCH}); its
     *                 parameters, updater state and iteration count are updated
     * @param data     the training set; not modified
     * @param protocol how to train
     * @return the outcome, with {@code R} and {@code ‖∇R‖} at the final parameters
     * @throws IllegalArgumentException if the network type, data type or updater does not fit the protocol, or the
     *                                  data's feature or label width does not fit the network (the message names
     *                                  the remedy)
     */
    public static TrainingProtocol.Outcome trainInPlace(Object network, DataSet data, TrainingProtocol protocol) {
        return trainInPlace(network, data, protocol, 0);
    }

    /**
     * {@link #trainInPlace(Object, DataSet, TrainingProtocol)} with the seed of the training: the mini-batch protocol
     * shuffles the examples with {@code java.util.SplittableRandom(seed)} (see {@link TrainingProtocol.Kind#MINIBATCH});
     * the full-batch protocols do not use it.
     *
     * @param network  as for {@link #trainInPlace(Object, DataSet, TrainingProtocol)}; trained in place
     * @param data     the training set; not modified
     * @param protocol how to train
     * @param seed     seed of the order of examples (mini-batch protocol)
     * @return the outcome, with {@code R} and {@code ‖∇R‖} at the final parameters over the whole of {@code data}
     * @throws IllegalArgumentException as for {@link #trainInPlace(Object, DataSet, TrainingProtocol)}
     */
    public static TrainingProtocol.Outcome trainInPlace(Object network, DataSet data, TrainingProtocol protocol,
                                                        long seed) {
        Objects.requireNonNull(protocol, "protocol");
        Arguments.checkDataSet("data", data);
        checkWidths(network, data);
        return run(network, data, protocol, protocol.trainIterations(), seed);
    }

    /** The data's widths against the network's first and last layer ({@link Dl4jRetrainer#checkWidths}). */
    private static void checkWidths(Object network, DataSet data) {
        if (network instanceof MultiLayerNetwork net && net.getnLayers() > 0) {
            var conf = net.getLayerWiseConfigurations();
            Dl4jRetrainer.checkWidths("data", data, conf.getConf(0).getLayer(), conf.getInputPreProcess(0) != null,
                    conf.getConf(net.getnLayers() - 1).getLayer());
        } else if (network instanceof ComputationGraph graph && graph.getVertices() != null) {
            org.deeplearning4j.nn.graph.vertex.GraphVertex first = null;
            org.deeplearning4j.nn.graph.vertex.GraphVertex last = null;
            for (int idx : graph.topologicalSortOrder()) {
                var v = graph.getVertices()[idx];
                if (v.hasLayer()) {
                    first = first == null ? v : first;
                    last = v;
                }
            }
            if (first != null) {
                boolean pre = first instanceof org.deeplearning4j.nn.graph.vertex.impl.LayerVertex lv
                        && lv.getLayerPreProcessor() != null;
                Dl4jRetrainer.checkWidths("data", data, first.getLayer().conf().getLayer(), pre,
                        last.getLayer().conf().getLayer());
            }
        }
    }

    /** {@link #run(Object, DataSet, TrainingProtocol, int, long)} with seed 0. */
    static TrainingProtocol.Outcome run(Object network, DataSet data, TrainingProtocol protocol, int iterations) {
        return run(network, data, protocol, iterations, 0);
    }

    /**
     * Trains {@code network} in place for {@code iterations} (cap, budget, or epochs of the mini-batch protocol)
     * under {@code protocol}; {@code seed} draws the mini-batch protocol's order of examples.
     */
    static TrainingProtocol.Outcome run(Object network, DataSet data, TrainingProtocol protocol, int iterations,
                                        long seed) {
        TrainingProtocol.Kind kind = protocol.kind();
        boolean miniBatch = kind == TrainingProtocol.Kind.MINIBATCH;
        if (network instanceof ComputationGraph graph) {
            if (kind.needsMultiLayerNetwork()) {
                throw new IllegalArgumentException("protocol " + kind + " needs a MultiLayerNetwork, but network is a "
                        + "ComputationGraph; use TrainingProtocol.ownUpdater(iterations) or "
                        + "TrainingProtocol.minibatch(epochs, batchSize)");
            }
            checkDouble(graph.params().dataType());
            int steps = iterations;
            if (miniBatch) {
                steps = miniBatchSteps(graph, data, protocol.batchSize(), iterations, seed, protocol.shuffled());
            } else {
                fitSteps(graph, data, iterations);
            }
            Dl4jInfluenceModel model = Dl4jInfluenceModel.of(graph);
            return new TrainingProtocol.Outcome(kind, steps, model.objective(data),
                    model.objectiveGradient(data).norm2Number().doubleValue(), true);
        }
        if (!(network instanceof MultiLayerNetwork net)) {
            throw new IllegalArgumentException("network has type " + (network == null ? "null"
                    : network.getClass().getName()) + "; a DL4J MultiLayerNetwork or ComputationGraph is required");
        }
        checkDouble(net.params().dataType());
        if (kind == TrainingProtocol.Kind.LBFGS) {
            return new Lbfgs(net, bind(net, data)).minimize(protocol.tolerance(), iterations);
        }
        if (kind == TrainingProtocol.Kind.ADAM && !usesAdam(net)) {
            throw new IllegalArgumentException("protocol ADAM needs a network configured with an Adam updater on "
                    + "every layer; build it with protocol.updater(), or use TrainingProtocol.ownUpdater(iterations) "
                    + "to train with the network's own updater");
        }
        int steps = iterations;
        if (miniBatch) {
            steps = MiniBatchSgd.run(net, data, protocol.batchSize(), iterations, seed,
                    protocol.shuffled()); // small dense networks
            if (steps < 0) {
                steps = miniBatchSteps(net, data, protocol.batchSize(), iterations, seed, protocol.shuffled());
            }
        } else {
            FullBatchAdam.run(net, data, iterations); // = `iterations` calls of net.fit(data), faster for small MLPs
        }
        TrainingObjective o = bind(net, data);
        double[] g = new double[o.dimension()];
        double f = o.evaluate(net.params().toDoubleVector(), g);
        double norm = Math.sqrt(java.util.Arrays.stream(g).map(x -> x * x).sum()); // compensated sum
        return new TrainingProtocol.Outcome(kind, steps, f, norm, true);
    }

    /**
     * The objective of {@code net} on {@code data}, bound to the network itself: the plain-Java loops when the network
     * is small and dense enough ({@link TrainingObjective#PLAIN_JAVA_LIMIT}), DL4J's batch gradient otherwise (which
     * writes the parameters it evaluates into {@code net}).
     */
    static TrainingObjective bind(MultiLayerNetwork net, DataSet data) {
        if (net.numParams() * (long) data.numExamples() <= TrainingObjective.PLAIN_JAVA_LIMIT) {
            DenseMlpObjective fast = DenseMlpObjective.tryCreate(net, data);
            if (fast != null) {
                return fast;
            }
        }
        return new Dl4jBatchObjective(net, data);
    }

    /**
     * {@code iterations} calls of DL4J's own {@code fit} on the full batch, the parameters of frozen layers put back
     * after each one: DL4J 1.0.0-M2.1 moves a {@code FrozenLayerWithBackprop}'s weights when the wrapped layer has
     * {@code l2} or {@code weightDecay} ({@link FrozenLayers#snapshot}), and frozen means fixed here, as in the
     * objective the adapter analyses.
     */
    static void fitSteps(org.deeplearning4j.nn.api.NeuralNetwork network, DataSet data, int iterations) {
        FrozenLayers.Snapshot frozen = FrozenLayers.snapshot(network);
        for (int i = 0; i < iterations; i++) {
            checkInterrupt(i);
            network.fit(data);
            frozen.restore(network.params());
        }
    }

    /**
     * {@code epochs} passes of DL4J's own {@code fit} over mini-batches of {@code batchSize} examples (the last one
     * partial), the order of examples shuffled every epoch ({@link #shuffle}) by one
     * {@code SplittableRandom(seed)} ({@code shuffle}) or the index order every epoch; frozen parameters put back after each step as in {@link #fitSteps}, and the
     * network's epoch count advanced after each epoch as DL4J's {@code fit(iterator, epochs)} does (schedules by
     * epoch see the same count).
     *
     * @return the number of updates, {@code epochs·⌈n/batchSize⌉}
     */
    static int miniBatchSteps(org.deeplearning4j.nn.api.NeuralNetwork network, DataSet data, int batchSize,
                              int epochs, long seed, boolean shuffle) {
        FrozenLayers.Snapshot frozen = FrozenLayers.snapshot(network);
        int n = data.numExamples();
        int[] order = new int[n];
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        int steps = 0;
        for (int e = 0; e < epochs; e++) {
            epochOrder(order, rng, shuffle);
            for (int from = 0; from < n; from += batchSize) {
                checkInterrupt(steps);
                int[] rows = java.util.Arrays.copyOfRange(order, from, Math.min(n, from + batchSize));
                network.fit(org.influence4j.model.DataSets.subset(data, rows));
                frozen.restore(network.params());
                steps++;
            }
            if (network instanceof MultiLayerNetwork net) {
                net.incrementEpochCount();
            } else if (network instanceof ComputationGraph graph) {
                graph.incrementEpochCount();
            }
        }
        return steps;
    }

    /** The order of one epoch: {@link #shuffle shuffled} by {@code rng}, or the identity permutation. */
    static void epochOrder(int[] order, java.util.SplittableRandom rng, boolean shuffle) {
        if (shuffle) {
            shuffle(order, rng);
        } else {
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
        }
    }

    /**
     * Sets {@code order} to the identity permutation and shuffles it by Fisher–Yates: for {@code i = n−1 … 1}, swap
     * entries {@code i} and {@code rng.nextInt(i + 1)}.
     */
    static void shuffle(int[] order, java.util.SplittableRandom rng) {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

    /**
     * Ends training whose thread was interrupted with a {@link java.util.concurrent.CancellationException} (the
     * interrupt flag stays set); checked once per iteration.
     */
    static void checkInterrupt(int iteration) {
        if (Thread.currentThread().isInterrupted()) {
            throw new java.util.concurrent.CancellationException("training interrupted after " + iteration
                    + " iterations");
        }
    }

    /** Whether every trainable layer of {@code net} has an Adam updater (protocol ADAM). */
    static boolean usesAdam(MultiLayerNetwork net) {
        for (int l = 0; l < net.getnLayers(); l++) {
            // frozen layers are not BaseLayer configurations: their updater does not matter
            if (net.getLayerWiseConfigurations().getConf(l).getLayer()
                    instanceof org.deeplearning4j.nn.conf.layers.BaseLayer bl
                    && !(bl.getIUpdater() instanceof org.nd4j.linalg.learning.config.Adam)) {
                return false;
            }
        }
        return true;
    }

    private static void checkDouble(DataType type) {
        if (type != DataType.DOUBLE) {
            throw new IllegalArgumentException("network has data type " + type + "; training for influence runs in "
                    + "DOUBLE: convert with net.convertDataType(DataType.DOUBLE) first");
        }
    }
}
