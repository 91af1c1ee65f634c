package org.influence4j.dl4j;

import java.util.ArrayList;
import java.util.List;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * The one owner of which parameters are constants of the training objective: those of {@code FrozenLayer} and
 * {@code FrozenLayerWithBackprop} (by configuration, or by the runtime wrapper that {@code TransferLearning} and the
 * configuration create). Their loss gradient is zero in DL4J, their regulariser is not part of {@code score()}, the
 * adapter leaves them out of the analysed parameters, and the training stack keeps them fixed bit for bit.
 *
 * <p>A layer whose updater is {@code NoOp} is <em>not</em> frozen: DL4J 1.0.0-M2.1 applies the unmodified gradient to
 * it (gradient descent with learning rate 1; {@code NoOpUpdater} "makes no changes to the gradient"), so its
 * parameters are trained and are parameters of the objective (measured in {@code FrozenLayerTest}).
 */
final class FrozenLayers {

    private FrozenLayers() {
    }

    /** Whether DL4J never trains the parameters of this layer (its configuration and its runtime layer). */
    static boolean isFrozen(org.deeplearning4j.nn.conf.layers.Layer conf, Layer runtime) {
        return conf instanceof FrozenLayer || conf instanceof FrozenLayerWithBackprop
                || runtime instanceof org.deeplearning4j.nn.layers.FrozenLayer
                || runtime instanceof org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
    }

    /**
     * Whether the layer's updater is {@code NoOp} for every one of its parameters (often configured in the belief that
     * it freezes the layer; DL4J trains such a layer with the raw gradient).
     */
    static boolean hasNoOpUpdater(org.deeplearning4j.nn.conf.layers.Layer conf, Layer runtime) {
        if (!(conf instanceof BaseLayer) || runtime.paramTable().isEmpty()) {
            return false;
        }
        return runtime.paramTable().keySet().stream().allMatch(p -> conf.getUpdaterByParam(p) instanceof NoOp);
    }

    /**
     * The frozen parameters' current values in {@code network} (a MultiLayerNetwork or ComputationGraph), to be put
     * back after each of DL4J's own training steps. DL4J 1.0.0-M2.1 zeroes the loss gradient of a
     * {@code FrozenLayerWithBackprop} but still applies the wrapped layer's {@code l2}/{@code weightDecay} through the
     * wrapped layer's updater, so {@code fit} moves its weights; the training stack undoes that after every step.
     */
    static Snapshot snapshot(Object network) {
        List<long[]> ranges = new ArrayList<>();
        long offset = 0;
        if (network instanceof MultiLayerNetwork net) {
            for (int i = 0; i < net.getnLayers(); i++) {
                Layer l = net.getLayer(i);
                if (isFrozen(net.getLayerWiseConfigurations().getConf(i).getLayer(), l) && l.numParams() > 0) {
                    ranges.add(new long[] {offset, offset + l.numParams()});
                }
                offset += l.numParams();
            }
            return new Snapshot(net.params(), ranges);
        }
        ComputationGraph graph = (ComputationGraph) network;
        for (int idx : graph.topologicalSortOrder()) { // the flat layout: layer vertices in topological order
            GraphVertex v = graph.getVertices()[idx];
            if (!v.hasLayer()) {
                continue;
            }
            Layer l = v.getLayer();
            if (isFrozen(l.conf().getLayer(), l) && l.numParams() > 0) {
                ranges.add(new long[] {offset, offset + l.numParams()});
            }
            offset += l.numParams();
        }
        return new Snapshot(graph.params(), ranges);
    }

    /** Saved values of the frozen parameter ranges of one network. */
    static final class Snapshot {
        private final List<long[]> ranges;
        private final List<INDArray> values = new ArrayList<>();

        private Snapshot(INDArray params, List<long[]> ranges) {
            this.ranges = ranges;
            INDArray flat = params.reshape(params.length());
            for (long[] r : ranges) {
                values.add(flat.get(NDArrayIndex.interval(r[0], r[1])).dup());
            }
        }

        /** Writes the saved values back into {@code params}, the network's live flat parameter vector. */
        void restore(INDArray params) {
            if (ranges.isEmpty()) {
                return;
            }
            INDArray flat = params.reshape(params.length()); // a view of the live buffer
            for (int k = 0; k < ranges.size(); k++) {
                long[] r = ranges.get(k);
                flat.get(NDArrayIndex.interval(r[0], r[1])).assign(values.get(k));
            }
        }
    }
}
