package org.influence4j.dl4j;

import java.util.Objects;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.internal.Arguments;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The one entry point for training a DL4J network full batch under a {@link TrainingProtocol}: L-BFGS to a gradient
 * tolerance, the network's own Adam for a fixed budget, or the network's own updater for a fixed budget of
 * {@code fit} steps. The objective is {@link TrainingObjective}'s ({@code R(θ)}, what {@code net.score()} reports);
 * for small dense softmax networks it runs in plain Java, chosen automatically by size. {@link Dl4jRetrainer}
 * retrains with the same code.
 *
 * <p>The parameters of frozen layers ({@code FrozenLayer}, {@code FrozenLayerWithBackprop}) are constants of
 * {@code R} and stay fixed bit for bit under every protocol: their gradient is zero (their regulariser is not part of
 * {@code score()}), and after each of DL4J's own {@code fit} steps they are put back, because DL4J moves a
 * {@code FrozenLayerWithBackprop} that wraps a layer with {@code l2} or {@code weightDecay}. A layer with the
 * {@code NoOp} updater is trained, as DL4J trains it (raw gradient steps).
 *
 * <p>Cost per iteration: one batch gradient (L-BFGS adds its line search's extra evaluations, usually none).
 * Deterministic. Stateless; concurrent calls on different networks are safe. The thread's interrupt is checked once
 * per iteration; an interrupted training ends with a {@link java.util.concurrent.CancellationException}.
 */
public final class Dl4jTraining {

    private Dl4jTraining() {
    }

    /**
     * Trains {@code network} in place on {@code data} as one batch, for {@code protocol.trainIterations()}
     * iterations at most, continuing from its current parameters (and updater state).
     *
     * @param network  a DOUBLE {@code MultiLayerNetwork} (any protocol) or {@code ComputationGraph}
     *                 ({@link TrainingProtocol.Kind#UPDATER} only); its parameters, updater state and iteration
     *                 count are updated
     * @param data     the training set; not modified
     * @param protocol how to train
     * @return the outcome, with {@code R} and {@code ‖∇R‖} at the final parameters
     * @throws IllegalArgumentException if the network type, data type or updater does not fit the protocol, or the
     *                                  data's feature or label width does not fit the network (the message names
     *                                  the remedy)
     */
    public static TrainingProtocol.Outcome trainInPlace(Object network, DataSet data, TrainingProtocol protocol) {
        Objects.requireNonNull(protocol, "protocol");
        Arguments.checkDataSet("data", data);
        checkWidths(network, data);
        return run(network, data, protocol, protocol.trainIterations());
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

    /** Trains {@code network} in place for {@code iterations} (cap or budget) under {@code protocol}. */
    static TrainingProtocol.Outcome run(Object network, DataSet data, TrainingProtocol protocol, int iterations) {
        TrainingProtocol.Kind kind = protocol.kind();
        if (network instanceof ComputationGraph graph) {
            if (kind != TrainingProtocol.Kind.UPDATER) {
                throw new IllegalArgumentException("protocol " + kind + " needs a MultiLayerNetwork, but network is a "
                        + "ComputationGraph; use TrainingProtocol.ownUpdater(iterations)");
            }
            checkDouble(graph.params().dataType());
            fitSteps(graph, data, iterations);
            Dl4jInfluenceModel model = Dl4jInfluenceModel.of(graph);
            return new TrainingProtocol.Outcome(kind, iterations, model.objective(data),
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
        FullBatchAdam.run(net, data, iterations); // = `iterations` calls of net.fit(data), faster for small MLPs
        TrainingObjective o = bind(net, data);
        double[] g = new double[o.dimension()];
        double f = o.evaluate(net.params().toDoubleVector(), g);
        double norm = Math.sqrt(java.util.Arrays.stream(g).map(x -> x * x).sum()); // compensated sum
        return new TrainingProtocol.Outcome(kind, iterations, f, norm, true);
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
     * Ends training whose thread was interrupted with a {@link java.util.concurrent.CancellationException} (the
     * interrupt flag stays set); checked once per iteration.
     */
    static void checkInterrupt(int iteration) {
        if (Thread.currentThread().isInterrupted()) {
            throw new java.util.concurrent.CancellationException("training interrupted after " + iteration
                    + " iterations");
        }
    }

    private static boolean usesAdam(MultiLayerNetwork net) {
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
