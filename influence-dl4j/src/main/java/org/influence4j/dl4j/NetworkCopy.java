package org.influence4j.dl4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * A private DOUBLE copy of the user's network (never the user's object) and the few DL4J calls the adapter needs.
 * The copy is built from the configuration (JSON round trip, as {@code convertDataType} does) and a copy of the
 * parameters, so that it shares no mutable state (parameters, listeners, inputs, updater) with the original.
 * Dropout and weight noise are switched off on the copy: influence analyses the deterministic network.
 *
 * <p>Not thread-safe: callers synchronise on the instance for anything that sets inputs or parameters.
 */
abstract class NetworkCopy {

    private final Model copy;
    private final DataType original;
    private final List<LayerSpec> layers;

    /**
     * @param copy     the private DOUBLE copy (a MultiLayerNetwork or ComputationGraph, initialised)
     * @param original the data type of the user's network
     * @param layers   the copy's layers in forward order
     */
    NetworkCopy(Model copy, DataType original, List<LayerSpec> layers) {
        this.copy = copy;
        this.original = original;
        this.layers = Collections.unmodifiableList(new ArrayList<>(layers));
    }

    /**
     * One layer in forward order.
     *
     * @param position     index among layers (MLN layer index; graph: position of the layer vertex in topological order)
     * @param name         layer name (vertex name for a graph)
     * @param layer        the copy's runtime layer
     * @param conf         its configuration
     * @param preProcessor input preprocessor applied before the layer, or null
     * @param offset       offset of the layer's parameters in the flat parameter vector
     * @param numParams    number of parameters
     */
    record LayerSpec(int position, String name, Layer layer, org.deeplearning4j.nn.conf.layers.Layer conf,
                     InputPreProcessor preProcessor, long offset, long numParams) {
        String label() {
            return "layer " + position + " (\"" + name + "\", " + conf.getClass().getSimpleName() + ")";
        }
    }

    /** Builds the private copy of {@code net}, a MultiLayerNetwork or ComputationGraph. */
    static NetworkCopy of(Object net) {
        return of(net, c -> { }, true);
    }

    /**
     * Builds the private copy, applying {@code customizer} to every layer's (and the default) configuration before
     * initialisation; {@code keepUpdaterState} copies the updater state (Adam moments, ...) of the original.
     */
    static NetworkCopy of(Object net, Consumer<NeuralNetConfiguration> customizer, boolean keepUpdaterState) {
        if (net instanceof MultiLayerNetwork mln) {
            return Mln.of(mln, customizer, keepUpdaterState);
        }
        if (net instanceof ComputationGraph cg) {
            return Graph.of(cg, customizer, keepUpdaterState);
        }
        throw new IllegalArgumentException("network has type " + (net == null ? "null" : net.getClass().getName())
                + "; a DL4J MultiLayerNetwork or ComputationGraph is required");
    }

    /**
     * The private copy for (re)training: with {@code updater} (fresh state) on every layer in place of the network's
     * own, or, if {@code updater} is null, the network's own updater and its state.
     */
    static NetworkCopy withUpdater(Object net, org.nd4j.linalg.learning.config.IUpdater updater) {
        return of(net, c -> {
            if (updater != null && c.getLayer() instanceof BaseLayer bl) {
                bl.setIUpdater(updater.clone());
                bl.setBiasUpdater(null);
            }
        }, updater == null);
    }

        static void checkDataType(String what, DataType type) {
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            throw new IllegalArgumentException(what + " has data type " + type + "; FLOAT and DOUBLE networks are "
                    + "supported (HALF/BFLOAT16 parameters are too coarse for second-order analysis): train in FLOAT "
                    + "or DOUBLE, or convert with net.convertDataType(DataType.DOUBLE) first");
        }
    }

    /** The data type of the user's network (FLOAT or DOUBLE). */
    final DataType originalDataType() {
        return original;
    }

    /** "MultiLayerNetwork" or "ComputationGraph". */
    abstract String kind();

    /** The layers in forward order. */
    final List<LayerSpec> layers() {
        return layers;
    }

    /** The DL4J model of the copy. */
    final Model model() {
        return copy;
    }

    /** The copy's network object (for the retrainer). */
    final Object network() {
        return copy;
    }

    /** Whether the network is a simple chain of layers (always true for a MultiLayerNetwork). */
    abstract boolean isChain();

    /** The copy's live flat parameter vector (DOUBLE, rank 1). Do not modify. */
    INDArray params() {
        INDArray p = model().params();
        return p.rank() == 1 ? p : p.reshape(p.length());
    }

    /** Sets the copy's parameters (DL4J copies {@code p}). */
    void setParams(INDArray p) {
        model().setParams(p.reshape(1, p.length()));
    }

    /** Sum over the examples of the loss gradients (no regulariser), in the flat layout; fresh DOUBLE rank-1 array. */
    final INDArray gradientSum(INDArray x, INDArray y) {
        try {
            computeGradientAndScore(x, y);
            return flat(copy.gradient().gradient());
        } finally {
            copy.clear();
        }
    }

    /** Sets features and labels on the copy and runs DL4J's {@code computeGradientAndScore()}. */
    abstract void computeGradientAndScore(INDArray x, INDArray y);

    /** Per-example losses without regulariser (inference mode), rank 1. */
    abstract INDArray scoreExamples(INDArray x, INDArray y);

    /** Sum of the configured regularisers at the copy's parameters, exactly as DL4J adds it to {@code score()}. */
    abstract double regularizationScore();

    /** The input of the layer at {@code position} (after its preprocessor), inference mode, fresh DOUBLE array. */
    final INDArray layerInput(int position, INDArray x) {
        INDArray in = rawLayerInput(position, x);
        InputPreProcessor pre = layers.get(position).preProcessor();
        if (pre != null) {
            in = pre.preProcess(in.dup(), (int) x.size(0), LayerWorkspaceMgr.noWorkspaces());
        }
        copy.clear();
        INDArray out = in.castTo(DataType.DOUBLE);
        return out == in ? in.dup() : out;
    }

    /** The activation feeding the layer at {@code position}, before its preprocessor (may be a view). */
    abstract INDArray rawLayerInput(int position, INDArray x);

    /** One full-batch training iteration on the copy. */
    final void fit(DataSet data) {
        ((org.deeplearning4j.nn.api.NeuralNetwork) copy).fit(data);
    }

    /** Copies the user's updater state (Adam moments, ...) into the copy's, when both exist. */
    static void copyUpdaterState(INDArray from, INDArray to) {
        if (from != null && to != null) {
            to.assign(from);
        }
    }

    private static void disableNoise(org.deeplearning4j.nn.conf.layers.Layer conf) {
        conf.setIDropout(null);
        if (conf instanceof BaseLayer bl) {
            bl.setWeightNoise(null);
        }
    }

    private static INDArray flat(INDArray g) {
        INDArray d = g.dataType() == DataType.DOUBLE ? g.dup() : g.castTo(DataType.DOUBLE);
        return d.reshape(d.length());
    }

    /** MultiLayerNetwork copy. */
    static final class Mln extends NetworkCopy {
        private final MultiLayerNetwork net;

        private Mln(MultiLayerNetwork net, DataType original, List<LayerSpec> layers) {
            super(net, original, layers);
            this.net = net;
        }

        static Mln of(MultiLayerNetwork user, Consumer<NeuralNetConfiguration> customizer, boolean keepUpdaterState) {
            if (!user.isInitCalled()) {
                throw new IllegalArgumentException("network has not been initialised; call net.init() (and train it) "
                        + "before computing influence");
            }
            DataType original = user.params().dataType();
            checkDataType("network", original);
            MultiLayerConfiguration conf = MultiLayerConfiguration.fromJson(user.getLayerWiseConfigurations().toJson());
            conf.setDataType(DataType.DOUBLE);
            for (var c : conf.getConfs()) {
                disableNoise(c.getLayer());
                customizer.accept(c);
            }
            MultiLayerNetwork net = new MultiLayerNetwork(conf);
            net.init(flat(user.params()).reshape(1, user.numParams()), false);
            Updater u = keepUpdaterState ? user.getUpdater(false) : null;
            if (u != null) {
                copyUpdaterState(u.getStateViewArray(), net.getUpdater(true).getStateViewArray());
            }
            List<LayerSpec> specs = new ArrayList<>();
            long offset = 0;
            for (int i = 0; i < net.getnLayers(); i++) {
                Layer l = net.getLayer(i);
                var lc = l.conf().getLayer();
                String name = lc.getLayerName() != null ? lc.getLayerName() : String.valueOf(i);
                specs.add(new LayerSpec(i, name, l, lc, conf.getInputPreProcess(i), offset, l.numParams()));
                offset += l.numParams();
            }
            return new Mln(net, original, specs);
        }

        @Override
        String kind() {
            return "MultiLayerNetwork";
        }

        @Override
        boolean isChain() {
            return true;
        }

        @Override
        void computeGradientAndScore(INDArray x, INDArray y) {
            net.setInput(x);
            net.setLabels(y);
            net.computeGradientAndScore();
        }

        @Override
        INDArray scoreExamples(INDArray x, INDArray y) {
            INDArray s = net.scoreExamples(new DataSet(x, y), false);
            net.clear();
            return flat(s);
        }

        @Override
        double regularizationScore() {
            return net.calcRegularizationScore(true);
        }

        @Override
        INDArray rawLayerInput(int position, INDArray x) {
            return position == 0 ? x : net.feedForwardToLayer(position - 1, x, false).get(position);
        }
    }

    /** Single-input, single-output ComputationGraph copy. */
    static final class Graph extends NetworkCopy {
        private final ComputationGraph net;
        private final boolean chain;
        private final List<String> inputVertexOf;

        private Graph(ComputationGraph net, DataType original, List<LayerSpec> layers, boolean chain,
                      List<String> inputVertexOf) {
            super(net, original, layers);
            this.net = net;
            this.chain = chain;
            this.inputVertexOf = inputVertexOf;
        }

        static Graph of(ComputationGraph user, Consumer<NeuralNetConfiguration> customizer, boolean keepUpdaterState) {
            ComputationGraphConfiguration uc = user.getConfiguration();
            if (uc.getNetworkInputs().size() != 1 || uc.getNetworkOutputs().size() != 1) {
                throw new IllegalArgumentException("ComputationGraph has " + uc.getNetworkInputs().size()
                        + " inputs " + uc.getNetworkInputs() + " and " + uc.getNetworkOutputs().size() + " outputs "
                        + uc.getNetworkOutputs() + "; only single-input, single-output graphs are supported "
                        + "(influence of one DataSet's features on one loss)");
            }
            if (user.getVertices() == null || user.params() == null) {
                throw new IllegalArgumentException("network has not been initialised; call graph.init() (and train "
                        + "it) before computing influence");
            }
            DataType original = user.params().dataType();
            checkDataType("network", original);
            ComputationGraphConfiguration conf = ComputationGraphConfiguration.fromJson(uc.toJson());
            conf.setDataType(DataType.DOUBLE);
            for (var v : conf.getVertices().values()) {
                if (v instanceof org.deeplearning4j.nn.conf.graph.LayerVertex lv) {
                    disableNoise(lv.getLayerConf().getLayer());
                    customizer.accept(lv.getLayerConf());
                }
            }
            customizer.accept(conf.getDefaultConfiguration());
            ComputationGraph net = new ComputationGraph(conf);
            net.init(flat(user.params()).reshape(1, user.numParams()), false);
            ComputationGraphUpdater u = keepUpdaterState ? user.getUpdater(false) : null;
            if (u != null) {
                copyUpdaterState(u.getStateViewArray(), net.getUpdater(true).getStateViewArray());
            }
            List<LayerSpec> specs = new ArrayList<>();
            List<String> inputs = new ArrayList<>();
            long offset = 0;
            boolean isChain = true;
            String previous = conf.getNetworkInputs().get(0);
            for (int idx : net.topologicalSortOrder()) {
                GraphVertex v = net.getVertices()[idx];
                if (v.isInputVertex()) {
                    continue;
                }
                List<String> in = conf.getVertexInputs().get(v.getVertexName());
                if (!v.hasLayer()) {
                    isChain = false;
                    continue;
                }
                if (in == null || in.size() != 1 || !in.get(0).equals(previous)) {
                    isChain = false;
                }
                previous = v.getVertexName();
                Layer l = v.getLayer();
                InputPreProcessor pre = v instanceof LayerVertex lv ? lv.getLayerPreProcessor() : null;
                specs.add(new LayerSpec(specs.size(), v.getVertexName(), l, l.conf().getLayer(), pre, offset,
                        l.numParams()));
                inputs.add(in == null || in.isEmpty() ? null : in.get(0));
                offset += l.numParams();
            }
            if (!previous.equals(conf.getNetworkOutputs().get(0))) {
                isChain = false;
            }
            return new Graph(net, original, specs, isChain, inputs);
        }

        @Override
        String kind() {
            return "ComputationGraph";
        }

        @Override
        boolean isChain() {
            return chain;
        }

        @Override
        void computeGradientAndScore(INDArray x, INDArray y) {
            net.setInputs(x);
            net.setLabels(y);
            net.computeGradientAndScore();
        }

        @Override
        INDArray scoreExamples(INDArray x, INDArray y) {
            INDArray s = net.scoreExamples(new DataSet(x, y), false);
            net.clear();
            return flat(s);
        }

        @Override
        double regularizationScore() {
            return net.calcRegularizationScore(true);
        }

        @Override
        INDArray rawLayerInput(int position, INDArray x) {
            String inputName = inputVertexOf.get(position);
            if (inputName == null || net.getConfiguration().getNetworkInputs().contains(inputName)) {
                return x;
            }
            INDArray in = net.feedForward(x, false).get(inputName);
            if (in == null) {
                throw new IllegalStateException("no activation for vertex " + inputName);
            }
            return in;
        }
    }
}
