package org.influence4j.dl4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.deeplearning4j.exception.DL4JException;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.CenterLossOutputLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.conf.layers.variational.VariationalAutoencoder;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.ProgressListener;
import org.influence4j.hvp.FiniteDifferenceHvp;
import org.influence4j.hvp.GradientFunction;
import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.hvp.MiniBatchHessianVectorProduct;
import org.influence4j.internal.Arguments;
import org.influence4j.internal.RowSampledHessian;
import org.influence4j.model.DataSets;
import org.influence4j.model.InfluenceModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A DL4J {@code MultiLayerNetwork} or single-input/single-output {@code ComputationGraph} as an
 * {@link InfluenceModel}.
 *
 * <h2>Objective</h2>
 * Exactly what {@code net.score(data)} reports: {@code R(θ) = (1/n) Σᵢ ℓ(zᵢ, θ) + Ω(θ)}, with ℓ the output layer's
 * loss per example (DL4J's {@code scoreExamples(data, false)}) and Ω the configured {@code l2}/{@code weightDecay}
 * (see {@code docs/dl4j.md}; biases are excluded unless {@code l2Bias}/{@code weightDecayBias} are set). Dropout and
 * weight noise are disabled: the analysed network is the deterministic one used at inference.
 *
 * <h2>The user's network is never modified</h2>
 * The model works on a private DOUBLE copy built at construction (configuration JSON round trip plus a parameter
 * copy; FLOAT networks are converted). Later changes to the user's network are not seen: adapt it again after
 * further training.
 *
 * <h2>Hessian-vector products</h2>
 * {@link HvpMode#EXACT} (Pearlmutter's R-operator) for chains of DenseLayers ending in an OutputLayer/LossLayer with
 * the supported activations and losses, {@link HvpMode#GAUSS_NEWTON} for the same networks, and
 * {@link HvpMode#FINITE_DIFFERENCE} of DL4J's own gradient for other feed-forward layers; {@link HvpMode#AUTO}
 * picks the first that applies. A {@link ParameterSubset} that starts after arbitrary layers (for example the dense
 * head of a CNN) treats those layers as a fixed feature extractor and may still be exact.
 * {@link #hessian(DataSet)} caches the forward activations and backward errors of its data set, so each product
 * costs only the tangent passes.
 *
 * <h2>Kronecker-factored curvature</h2>
 * Where the products are exact, {@link #layerStatistics(DataSet)} offers the per-layer inputs and pre-activation
 * gradients that K-FAC and EK-FAC are fitted from: one block per analysed dense, output or convolution layer, with
 * observed, sampled or all labels weighted by their probabilities (see {@code ChainLayerStatistics}).
 *
 * <h2>Threading</h2>
 * Calls that use the private DL4J copy (losses, DL4J gradients, finite differences) synchronise on it; the exact
 * operators are immutable and thread-safe.
 */
public final class Dl4jInfluenceModel implements InfluenceModel {

    private static final Logger LOG = LoggerFactory.getLogger(Dl4jInfluenceModel.class);

    /** Default {@link Builder#cacheBudget(long)}: 2 GiB. */
    public static final long DEFAULT_CACHE_BUDGET = 2L << 30;

    private final NetworkCopy net;
    private final ParameterSubset subset;
    private final ParameterLayout layout;
    private final HvpMode requestedMode;
    private final HvpMode mode;
    private final ExactChain chain;          // null if the analysed part has no R-operator
    private final String noChainReason;
    private final INDArray thetaFull;        // θ̂, DL4J layout, DOUBLE
    private final INDArray theta;            // θ̂ restricted to the subset
    private final INDArray kappa;            // regulariser curvature, subset layout
    private final double fdStep;
    private final ProgressListener progress;
    private final long copyNanos;
    private final long cacheBudget;

    private Dl4jInfluenceModel(Builder b) {
        this(b, null);
    }

    /** The model of {@code b}'s network, with the copy's flat parameters replaced by {@code fullParameters} if given. */
    private Dl4jInfluenceModel(Builder b, INDArray fullParameters) {
        long t0 = System.nanoTime();
        this.net = NetworkCopy.of(b.network);
        if (fullParameters != null) {
            net.setParams(fullParameters);
        }
        this.copyNanos = System.nanoTime() - t0;
        this.subset = b.subset;
        this.requestedMode = b.mode;
        this.fdStep = b.fdStep;
        this.progress = b.progress;
        checkParametersFinite();
        checkNoRecurrentLayers();
        List<NetworkCopy.LayerSpec> analysed = resolveSubset(b.subset);
        this.layout = new ParameterLayout(analysed, net.params().length());
        int first = analysed.get(0).position();
        this.cacheBudget = b.cacheBudget;
        DenseChain.Result r = DenseChain.build(net, layout, first);
        if (r.chain() != null) {
            this.chain = r.chain();
            this.noChainReason = null;
        } else {
            LayerChain.Result lr = LayerChain.build(net, layout, first, b.cacheBudget);
            this.chain = lr.chain();
            this.noChainReason = lr.reason();
        }
        this.mode = resolveMode(b.mode, first);
        this.thetaFull = net.params().dup();
        this.theta = layout.gather(thetaFull);
        this.kappa = layout.gather(Regularizer.curvatures(net));
        LOG.debug("adapted {}", this);
    }

    /** Adapts a network with the defaults ({@link HvpMode#AUTO}, {@link ParameterSubset#all()}). */
    public static Dl4jInfluenceModel of(MultiLayerNetwork net) {
        return builder(net).build();
    }

    /** Adapts a single-input, single-output graph with the defaults. */
    public static Dl4jInfluenceModel of(ComputationGraph net) {
        return builder(net).build();
    }

    /**
     * A builder for {@code network}, a {@code MultiLayerNetwork} or a single-input/single-output
     * {@code ComputationGraph} (FLOAT or DOUBLE, initialised). The network is not modified, now or later.
     */
    public static Builder builder(Object network) {
        return new Builder(network);
    }

    /** Options of {@link Dl4jInfluenceModel}. Not thread-safe; {@link #build()} may be called repeatedly. */
    public static final class Builder {
        private final Object network;
        private HvpMode mode = HvpMode.AUTO;
        private ParameterSubset subset = ParameterSubset.all();
        private double fdStep = FiniteDifferenceHvp.DEFAULT_STEP;
        private ProgressListener progress = ProgressListener.NONE;
        private long cacheBudget = DEFAULT_CACHE_BUDGET;

        private Builder(Object network) {
            this.network = Objects.requireNonNull(network, "network");
        }

        /** How Hessian-vector products are computed; default {@link HvpMode#AUTO}. */
        public Builder hvpMode(HvpMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** Which parameters influence is computed over; default {@link ParameterSubset#all()}. */
        public Builder parameters(ParameterSubset subset) {
            this.subset = Objects.requireNonNull(subset, "subset");
            return this;
        }

        /**
         * Step along the unit direction for {@link HvpMode#FINITE_DIFFERENCE}; default
         * {@link FiniteDifferenceHvp#DEFAULT_STEP} (1e-5, measured optimal for DOUBLE DL4J gradients).
         */
        public Builder finiteDifferenceStep(double step) {
            this.fdStep = Arguments.checkPositive("finiteDifferenceStep", step);
            return this;
        }

        /**
         * Listener for per-example fallback loops (layers without batched per-example gradients), task
         * {@code "per-example gradients"}; default {@link ProgressListener#NONE}.
         */
        public Builder progressListener(ProgressListener listener) {
            this.progress = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Bytes of forward/backward state an exact or Gauss–Newton operator of a convolutional network may cache for
         * its data set (default {@link #DEFAULT_CACHE_BUDGET}, 2 GiB). The state is cached in chunks of examples
         * until the budget is spent; the remaining chunks are recomputed by every product (about one extra
         * forward and backward pass over them per product). 0 caches nothing. Dense networks always cache their
         * (small) state.
         */
        public Builder cacheBudget(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("cacheBudget (" + bytes + " bytes) must be >= 0; pass 0 to cache "
                        + "nothing (every product recomputes its forward and backward pass)");
            }
            this.cacheBudget = bytes;
            return this;
        }

        /**
         * Copies the network and builds the model.
         *
         * @throws IllegalArgumentException for unsupported networks, layers, data types or options, naming the
         *                                  problem and the remedy
         */
        public Dl4jInfluenceModel build() {
            return new Dl4jInfluenceModel(this);
        }
    }

    // ------------------------------------------------------------------------------------------------ validation

    private void checkParametersFinite() {
        INDArray p = net.params();
        double s = p.norm1Number().doubleValue();
        if (Double.isFinite(s)) {
            return;
        }
        for (NetworkCopy.LayerSpec l : net.layers()) {
            for (long i = 0; i < l.numParams(); i++) {
                double x = p.getDouble(l.offset() + i);
                if (!Double.isFinite(x)) {
                    throw new IllegalArgumentException("network parameters contain " + x + " at flat index "
                            + (l.offset() + i) + " (" + l.label() + "); training diverged: retrain with a smaller "
                            + "learning rate or restore a finite checkpoint");
                }
            }
        }
    }

    private void checkNoRecurrentLayers() {
        for (NetworkCopy.LayerSpec l : net.layers()) {
            var c = l.conf();
            if (c instanceof BaseRecurrentLayer || c instanceof Bidirectional || c instanceof LastTimeStep
                    || c instanceof RnnOutputLayer || c instanceof RnnLossLayer) {
                throw new IllegalArgumentException(l.label() + " is a recurrent layer, which influence4j does not "
                        + "support; use a feed-forward network (or analyse a feed-forward head with "
                        + "ParameterSubset.layers(...) on a graph built from the recurrent features)");
            }
            if (c instanceof VariationalAutoencoder || c instanceof CenterLossOutputLayer) {
                throw new IllegalArgumentException(l.label() + " is not supported (its training objective is not "
                        + "the output loss); remove it or analyse a network without it");
            }
        }
    }

    private List<NetworkCopy.LayerSpec> resolveSubset(ParameterSubset s) {
        List<NetworkCopy.LayerSpec> withParams = net.layers().stream().filter(l -> l.numParams() > 0).toList();
        if (withParams.isEmpty()) {
            throw new IllegalArgumentException("network has no parameters");
        }
        List<NetworkCopy.LayerSpec> out = new ArrayList<>();
        switch (s.kind()) {
            case ALL -> {
                // the trainable parameters: a frozen layer's are constants of the objective (DL4J never trains them)
                withParams.stream().filter(l -> !frozen(l)).forEach(out::add);
                if (out.isEmpty()) {
                    throw new IllegalArgumentException("every layer with parameters is frozen, so the objective has no "
                            + "trainable parameters; unfreeze a layer (e.g. the output layer) to compute influence");
                }
            }
            case LAST_LAYER -> out.add(withParams.get(withParams.size() - 1));
            case LAYERS -> {
                for (NetworkCopy.LayerSpec l : net.layers()) {
                    if (s.layerIds().contains(l.name()) || s.layerIds().contains(String.valueOf(l.position()))) {
                        if (l.numParams() == 0) {
                            throw new IllegalArgumentException("parameters " + s + " names " + l.label()
                                    + ", which has no parameters; name layers that have parameters: " + names());
                        }
                        out.add(l);
                    }
                }
                for (String id : s.layerIds()) {
                    boolean found = net.layers().stream()
                            .anyMatch(l -> l.name().equals(id) || String.valueOf(l.position()).equals(id));
                    if (!found) {
                        throw new IllegalArgumentException("parameters " + s + " names unknown layer \"" + id
                                + "\"; layers with parameters are " + names());
                    }
                }
            }
            default -> throw new IllegalStateException(s.toString());
        }
        for (NetworkCopy.LayerSpec l : out) {
            if (frozen(l)) {
                throw new IllegalArgumentException(l.label() + " is frozen (DL4J never trains it) but is among the "
                        + "analysed parameters " + s + "; exclude it with ParameterSubset.layers(...) or lastLayer()");
            }
            if (l.conf() instanceof BatchNormalization) {
                throw new IllegalArgumentException(l.label() + " is among the analysed parameters " + s + ", but "
                        + "BatchNormalization parameters are not supported (its running statistics are not trained "
                        + "by gradient); analyse the layers after it, e.g. ParameterSubset.lastLayer()");
            }
            if (FrozenLayers.hasNoOpUpdater(l.conf(), l.layer())) {
                LOG.warn("{} has updater NoOp, which does not freeze it: DL4J applies its raw gradient (gradient "
                        + "descent with learning rate 1), so its parameters are trained and are analysed; to keep a "
                        + "layer fixed, wrap it in FrozenLayer or FrozenLayerWithBackprop", l.label());
            }
        }
        return out;
    }

    /** Whether DL4J never trains the layer's parameters ({@link FrozenLayers}). */
    private static boolean frozen(NetworkCopy.LayerSpec l) {
        return FrozenLayers.isFrozen(l.conf(), l.layer());
    }

    private String names() {
        List<String> n = new ArrayList<>();
        for (NetworkCopy.LayerSpec l : net.layers()) {
            if (l.numParams() > 0) {
                n.add(l.position() + " \"" + l.name() + "\"");
            }
        }
        return n.toString();
    }

    private HvpMode resolveMode(HvpMode requested, int first) {
        if (requested == HvpMode.EXACT || requested == HvpMode.GAUSS_NEWTON) {
            if (chain == null) {
                throw new IllegalArgumentException("hvpMode " + requested + " is not available: " + noChainReason
                        + "; use HvpMode.AUTO or FINITE_DIFFERENCE, or restrict the parameters to a dense head "
                        + "(ParameterSubset.lastLayer() / layers(...))");
            }
            return requested;
        }
        if (requested == HvpMode.AUTO && chain != null) {
            return HvpMode.EXACT;
        }
        checkFiniteDifferencesApply();
        return HvpMode.FINITE_DIFFERENCE;
    }

    /**
     * Finite differences of DL4J's gradient: DL4J backpropagates in training mode, so layers that behave differently
     * in training (batch normalisation) would silently change the objective.
     */
    private void checkFiniteDifferencesApply() {
        for (NetworkCopy.LayerSpec l : net.layers()) {
            if (l.conf() instanceof BatchNormalization) {
                throw new IllegalArgumentException(l.label() + " is BatchNormalization, which finite-difference "
                        + "HVPs cannot handle (DL4J's gradient uses batch statistics, not the inference-mode "
                        + "running statistics); restrict the parameters to the dense layers after it "
                        + "(ParameterSubset.lastLayer() or layers(...)) so that it becomes a fixed feature extractor"
                        + (chain == null && noChainReason != null ? " (currently: " + noChainReason + ")" : ""));
            }
        }
    }

    /** Prepared, validated data in DOUBLE. */
    private record Data(INDArray x, INDArray y, long n) {
    }

    private Data prepare(String name, DataSet data) {
        Arguments.checkDataSet(name, data);
        if (data.getFeaturesMaskArray() != null || data.getLabelsMaskArray() != null) {
            throw new IllegalArgumentException(name + " has mask arrays; masked (variable-length) data is not "
                    + "supported: remove the masks");
        }
        INDArray x = data.getFeatures().castTo(DataType.DOUBLE);
        INDArray y = data.getLabels().castTo(DataType.DOUBLE);
        x = x == data.getFeatures() ? x.dup() : x;
        y = y == data.getLabels() ? y.dup() : y;
        List<NetworkCopy.LayerSpec> layers = net.layers();
        NetworkCopy.LayerSpec firstLayer = layers.get(0);
        if (firstLayer.preProcessor() == null && (firstLayer.conf() instanceof DenseLayer
                || firstLayer.conf() instanceof BaseOutputLayer)) {
            long nIn = ((FeedForwardLayer) firstLayer.conf()).getNIn();
            if (x.rank() != 2 || x.size(1) != nIn) {
                throw new IllegalArgumentException(name + " features have shape " + java.util.Arrays.toString(x.shape())
                        + " but " + firstLayer.label() + " expects [n, " + nIn + "]; pass one row of " + nIn
                        + " features per example");
            }
        }
        if (chain instanceof LayerChain lc && lc.firstPosition() == 0) {
            lc.checkInput(name, x);
        }
        long width = outputWidth();
        if (width > 0 && (y.rank() != 2 || y.size(1) != width)) {
            throw new IllegalArgumentException(name + " labels have shape " + java.util.Arrays.toString(y.shape())
                    + " but the output layer has " + width + " outputs; labels must be [n, " + width + "]"
                    + " (one-hot for classification)");
        }
        if (chain != null && chain.head().needsProbabilityLabels()) {
            Arguments.checkClassLabels(name + " labels", y); // softmax cross-entropy: one-hot or probability rows
        }
        return new Data(x, y, x.size(0));
    }

    private long outputWidth() {
        List<NetworkCopy.LayerSpec> layers = net.layers();
        for (int i = layers.size() - 1; i >= 0; i--) {
            var c = layers.get(i).conf();
            if (c instanceof BaseOutputLayer || c instanceof DenseLayer) {
                return ((FeedForwardLayer) c).getNOut();
            }
            if (!(c instanceof LossLayer)) {
                return -1;
            }
        }
        return -1;
    }

    private static IllegalArgumentException misfit(String name, DL4JException e) {
        return new IllegalArgumentException(name + " does not fit the network: " + e.getMessage(), e);
    }

    // ------------------------------------------------------------------------------------------------ SPI

    @Override
    public long numParameters() {
        return layout.length();
    }

    @Override
    public INDArray parameters() {
        return theta.dup();
    }

    @Override
    public double objective(DataSet data) {
        Data d = prepare("data", data);
        synchronized (net) {
            return lossesOf("data", d).meanNumber().doubleValue() + net.regularizationScore();
        }
    }

    @Override
    public INDArray objectiveGradient(DataSet data) {
        return meanLossGradient(data).addi(kappa.mul(theta)); // ∇Ω = κ ⊙ θ
    }

    @Override
    public INDArray losses(DataSet data) {
        Data d = prepare("data", data);
        synchronized (net) {
            return lossesOf("data", d);
        }
    }

    private INDArray lossesOf(String name, Data d) {
        try {
            return net.scoreExamples(d.x(), d.y());
        } catch (DL4JException e) {
            throw misfit(name, e);
        }
    }

    @Override
    public INDArray meanLossGradient(DataSet data) {
        Data d = prepare("data", data);
        if (mode != HvpMode.FINITE_DIFFERENCE) {
            CachedPass last = lastPass.get().get();
            if (last != null && last.covers(d)) {
                INDArray g = last.gradient;
                if (g == null) {
                    g = chain.gradient(last.pass(), numParameters());
                    last.gradient = g;
                }
                return g.dup(); // computed once per cached pass
            }
            return chain.gradient(pass("data", d), numParameters());
        }
        return dl4jMeanGradient("data", d, thetaFull);
    }

    /** DL4J's mean loss gradient at the full parameter vector {@code full}, subset layout; the copy is restored. */
    private INDArray dl4jMeanGradient(String name, Data d, INDArray full) {
        synchronized (net) {
            boolean perturbed = full != thetaFull;
            try {
                if (perturbed) {
                    net.setParams(full);
                }
                return layout.gather(net.gradientSum(d.x(), d.y())).divi(d.n());
            } catch (DL4JException e) {
                throw misfit(name, e);
            } finally {
                if (perturbed) {
                    net.setParams(thetaFull);
                }
            }
        }
    }

    /** The chain's pass over {@code d} for a one-off use: a live operator's cached pass, or a streamed one. */
    private ExactChain.Pass pass(String name, Data d) {
        CachedPass last = lastPass.get().get();
        if (last != null && last.covers(d)) {
            return last.pass(); // the same data as a live operator's cached pass: no new forward/backward pass
        }
        return chain.streamingPass(chainInput(name, d), d.y());
    }

    /**
     * The chain's input for {@code d}: the features themselves, or DL4J's input of the first analysed layer (after the
     * fixed layers before it and, for a {@link DenseChain}, after its preprocessor).
     */
    private INDArray chainInput(String name, Data d) {
        synchronized (net) {
            try {
                int first = chain.firstPosition();
                boolean raw = first == 0 && (chain instanceof LayerChain || net.layers().get(0).preProcessor() == null);
                return raw ? d.x() : net.layerInput(first, d.x());
            } catch (DL4JException e) {
                throw misfit(name, e);
            }
        }
    }

    /**
     * A cached pass with the data it was computed on. The operators of {@link #hessian} hold it; the model keeps only
     * a weak reference, so that gradients, dots and per-example gradients on the same data (compared exactly) reuse
     * the operator's pass while that operator lives, and nothing is kept after it.
     */
    private static final class CachedPass {
        private final INDArray x;
        private final INDArray y;
        private final INDArray input; // the chain's input for x (x itself unless layers before the chain are fixed)
        private final ExactChain.Pass pass;
        private volatile INDArray gradient; // the mean loss gradient over the pass, once asked for

        CachedPass(INDArray x, INDArray y, INDArray input, ExactChain.Pass pass) {
            this.x = x;
            this.y = y;
            this.input = input;
            this.pass = pass;
        }

        ExactChain.Pass pass() {
            return pass;
        }

        boolean covers(Data d) {
            return java.util.Arrays.equals(x.shape(), d.x().shape()) && java.util.Arrays.equals(y.shape(), d.y().shape())
                    && !x.neq(d.x()).any() && !y.neq(d.y()).any(); // exact
        }
    }

    private final java.util.concurrent.atomic.AtomicReference<java.lang.ref.WeakReference<CachedPass>> lastPass =
            new java.util.concurrent.atomic.AtomicReference<>(new java.lang.ref.WeakReference<>(null));

    private CachedPass cachedPass(Data d) {
        CachedPass last = lastPass.get().get();
        if (last != null && last.covers(d)) {
            return last;
        }
        INDArray in = chainInput("data", d);
        CachedPass p = new CachedPass(d.x(), d.y(), in, chain.pass(in, d.y()));
        lastPass.set(new java.lang.ref.WeakReference<>(p));
        return p;
    }

    /**
     * {@inheritDoc}
     *
     * <p>For dense layers this is one forward and one backward pass plus one matrix product per analysed layer:
     * {@code gᵢᵀv = Σ_layers (aᵢᵀ V_W δᵢ + v_bᵀ δᵢ)} with {@code aᵢ} the layer input and {@code δᵢ} the
     * back-propagated error of example i. Other layers fall back to one DL4J gradient per example (progress at
     * DEBUG and through the builder's {@link ProgressListener}).
     */
    @Override
    public INDArray perExampleGradientDots(DataSet data, INDArray v) {
        Arguments.checkVector("v", v, numParameters());
        Data d = prepare("data", data);
        INDArray vv = Arguments.toDoubleVector(v);
        if (chain != null) {
            return chain.dots(pass("data", d), vv);
        }
        INDArray out = Nd4j.create(DataType.DOUBLE, d.n());
        perExampleLoop(d, (i, g) -> out.putScalar(i, Nd4j.getBlasWrapper().dot(g, vv)));
        return out;
    }

    /** {@inheritDoc} Batched (rows {@code aᵢ ⊗ δᵢ}) for dense layers; {@code n × p} DOUBLE memory. */
    @Override
    public INDArray perExampleGradients(DataSet data) {
        Data d = prepare("data", data);
        if (chain != null) {
            return chain.perExampleGradients(pass("data", d), numParameters());
        }
        INDArray out = Nd4j.create(DataType.DOUBLE, d.n(), numParameters());
        perExampleLoop(d, (i, g) -> out.putRow(i, g));
        return out;
    }

    private interface ExampleGradientSink {
        void accept(long i, INDArray gradient);
    }

    private void perExampleLoop(Data d, ExampleGradientSink sink) {
        long n = d.n();
        long every = Math.max(1, n / 100);
        long t0 = System.nanoTime();
        for (long i = 0; i < n; i++) {
            INDArray xi = d.x().get(NDArrayIndex.interval(i, i + 1)).dup();
            INDArray yi = d.y().get(NDArrayIndex.interval(i, i + 1)).dup();
            sink.accept(i, dl4jMeanGradient("data", new Data(xi, yi, 1), thetaFull));
            if ((i + 1) % every == 0 || i + 1 == n) {
                progress.onProgress("per-example gradients", i + 1, n);
                if (LOG.isDebugEnabled() && ((i + 1) % Math.max(1, n / 10) == 0 || i + 1 == n)) {
                    LOG.debug("per-example gradients: {}/{} ({} ms)", i + 1, n, (System.nanoTime() - t0) / 1_000_000);
                }
            }
        }
    }

    /** The Hessian of the objective over {@code data} in this model's {@link #hvpMode()}. */
    @Override
    public HessianVectorProduct hessian(DataSet data) {
        return hessian(data, mode);
    }

    /**
     * The Hessian of the objective over {@code data} in the given mode ({@link HvpMode#AUTO} means this model's
     * mode). The exact and Gauss–Newton operators cache one forward and backward pass over {@code data} (memory:
     * the activations and errors of every dense layer, {@code O(n · Σ widths)} doubles). Their products keep their
     * temporaries (a few {@code n × width} arrays) in a per-thread ND4J workspace that is reused by later products on
     * the same thread, so a solve allocates no new off-heap memory after its first product.
     *
     * @throws IllegalArgumentException if the mode is not available for this network
     */
    public HessianVectorProduct hessian(DataSet data, HvpMode mode) {
        Objects.requireNonNull(mode, "mode");
        HvpMode m = mode == HvpMode.AUTO ? this.mode : mode;
        Data d = prepare("data", data);
        if (m == HvpMode.FINITE_DIFFERENCE) {
            checkFiniteDifferencesApply();
            GradientFunction g = th -> {
                INDArray full = layout.scatter(thetaFull, Arguments.toDoubleVector(th));
                return dl4jMeanGradient("data", d, full).addi(kappa.mul(th));
            };
            return FiniteDifferenceHvp.of(g, theta).withStep(fdStep);
        }
        if (chain == null) {
            throw new IllegalArgumentException("hvpMode " + m + " is not available: " + noChainReason
                    + "; use HvpMode.FINITE_DIFFERENCE");
        }
        return new DenseHessian(chain, cachedPass(d), kappa, m == HvpMode.GAUSS_NEWTON);
    }

    /**
     * {@inheritDoc}
     *
     * <p>With exact or Gauss–Newton products, a batch is the rows of the chain input and labels that the full
     * operator's cached pass holds ({@code data} is converted and checked once, here): no DL4J call per batch, and the
     * model's cached pass stays the full data's. {@link MiniBatchHessianVectorProduct#applySampled} copies the batch's
     * rows, computes its forward pass and product in the per-thread product workspace that the next batch reuses, and
     * closes the rows: a LiSSA step leaves nothing behind but its result. With finite differences, the default (the
     * Hessian of each subset).
     */
    @Override
    public MiniBatchHessianVectorProduct miniBatchHessian(DataSet data, int batchSize) {
        if (chain == null || mode == HvpMode.FINITE_DIFFERENCE) {
            return InfluenceModel.super.miniBatchHessian(data, batchSize);
        }
        Arguments.checkDataSet("data", data);
        Arguments.checkPositive("batchSize", batchSize);
        return new MiniBatches(new DenseHessian(chain, cachedPass(prepare("data", data)), kappa,
                mode == HvpMode.GAUSS_NEWTON), batchSize);
    }

    /** Mini-batches of the rows of a full operator's cached pass. Immutable, thread-safe. */
    private static final class MiniBatches extends RowSampledHessian {
        private final DenseHessian full;

        MiniBatches(DenseHessian full, int batchSize) {
            super(full, Math.toIntExact(full.pass.n()), batchSize);
            this.full = full;
        }

        @Override
        protected HessianVectorProduct batch(int[] rows) {
            INDArray x = DataSets.rows(full.cached.input, rows);
            INDArray y = DataSets.rows(full.cached.y, rows);
            return new DenseHessian(full.chain, new CachedPass(x, y, x, full.chain.pass(x, y)), full.kappa,
                    full.gaussNewton);
        }

        @Override
        protected INDArray batchProduct(int[] rows, INDArray v) {
            HessianVectorProduct.checkArgument(this, v);
            INDArray vv = DenseHessian.doubleVector(v);
            INDArray x = DataSets.rows(full.cached.input, rows);
            INDArray y = DataSets.rows(full.cached.y, rows);
            try {
                return full.chain.hvpOnce(x, y, vv, full.gaussNewton, full.kappa); // + ∇²Ω v = κ ⊙ v
            } finally {
                x.close();
                y.close();
                if (vv != v) {
                    vv.close();
                }
            }
        }

        @Override
        public String toString() {
            return "Dl4jMiniBatches[batchSize=" + batchSize() + ", " + full + "]";
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Offered whenever the analysed part has exact products ({@link #batchedPerExampleGradients()}): chains of dense,
     * output and 2-D convolution layers with poolings, activations and reshapes between them. One block per analysed
     * dense, output or convolution layer; see {@code ChainLayerStatistics} for the layout, the label draws of each
     * {@link org.influence4j.solver.FisherSampling} and the memory. The statistics hold the model's DOUBLE working
     * copy of {@code data} (as every other method takes), never the caller's arrays.
     *
     * @throws IllegalArgumentException if {@code data} does not fit the network (the same checks and messages as
     *                                  {@link #hessian(DataSet)})
     * @throws IllegalArgumentException if the network's regulariser is not a multiple of the identity on a layer's
     *                                  weights and zero on its biases ({@code l2Bias}/{@code weightDecayBias})
     */
    @Override
    public java.util.Optional<org.influence4j.solver.LayerStatistics> layerStatistics(DataSet data) {
        return layerStatistics(data, 0);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Row {@code i} of {@code data} draws its {@link org.influence4j.solver.FisherSampling#SAMPLED} label with the
     * seed of example {@code firstExample + i}; otherwise as {@link #layerStatistics(DataSet)}.
     */
    @Override
    public java.util.Optional<org.influence4j.solver.LayerStatistics> layerStatistics(DataSet data, long firstExample) {
        if (firstExample < 0) {
            throw new IllegalArgumentException("firstExample (" + firstExample + ") must be >= 0");
        }
        Data d = prepare("data", data);
        LayerChain sc = statisticsChain();
        if (sc == null) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new ChainLayerStatistics(sc, chainInput("data", d), d.y(),
                kappa.toDoubleVector(), firstExample));
    }

    private volatile LayerChain statisticsChain;

    /**
     * The chain the statistics are computed on: the model's own {@link LayerChain}, or for a {@link DenseChain} a
     * {@link LayerChain} of the same layers on the same input (built once); null if there is no exact chain.
     */
    private LayerChain statisticsChain() {
        if (chain == null) {
            return null;
        }
        if (chain instanceof LayerChain lc) {
            return lc;
        }
        LayerChain sc = statisticsChain;
        if (sc == null) {
            synchronized (net) { // reads the copy's parameters, which finite differences perturb under this lock
                sc = statisticsChain;
                if (sc == null) {
                    LayerChain.Result r = LayerChain.build(net, layout, chain.firstPosition(), 0, true);
                    if (r.chain() == null) {
                        throw new IllegalStateException("no layer chain for the dense chain " + chain + ": "
                                + r.reason());
                    }
                    sc = r.chain();
                    statisticsChain = sc;
                }
            }
        }
        return sc;
    }

    /** Exact or Gauss–Newton operator over a cached pass. Immutable, thread-safe. */
    private static final class DenseHessian implements HessianVectorProduct {
        private final ExactChain chain;
        private final ExactChain.Pass pass;
        private final INDArray kappa;
        private final boolean gaussNewton;

        private final CachedPass cached; // keeps the model's weak reference to the pass alive while this operator is

        DenseHessian(ExactChain chain, CachedPass cached, INDArray kappa, boolean gaussNewton) {
            this.chain = chain;
            this.cached = cached;
            this.pass = cached.pass();
            this.kappa = kappa;
            this.gaussNewton = gaussNewton;
        }

        @Override
        public long dimension() {
            return kappa.length();
        }

        @Override
        public INDArray apply(INDArray v) {
            HessianVectorProduct.checkArgument(this, v);
            return chain.hvp(pass, doubleVector(v), gaussNewton, kappa); // + ∇²Ω v = κ ⊙ v
        }

        /** {@code v} itself when rank-1 DOUBLE (no defensive copy: products only read it), else a converted copy. */
        static INDArray doubleVector(INDArray v) {
            return v.dataType() == DataType.DOUBLE && v.rank() == 1 ? v : Arguments.toDoubleVector(v);
        }

        @Override
        public String toString() {
            return (gaussNewton ? "GaussNewtonHvp" : "ExactHvp") + "[p=" + kappa.length() + ", n=" + pass.n() + ", "
                    + chain + "]";
        }
    }

    // ------------------------------------------------------------ the proximal Bregman response function's needs

    /**
     * {@inheritDoc}
     *
     * <p>A new adapter over a new private copy of this model's network (configuration and parameters copied again,
     * the analysed parameters set to {@code theta}, the others unchanged) with the same builder options: HVP mode
     * as requested, parameter subset, finite-difference step, cache budget and progress listener. Neither the user's
     * network nor this model's copy is changed. Cost: one network copy (a configuration JSON round trip) plus the
     * chain's construction, a few milliseconds for a small network.
     */
    @Override
    public java.util.Optional<InfluenceModel> withParameters(INDArray theta) {
        Arguments.checkVector("theta", theta, numParameters());
        INDArray full = layout.scatter(thetaFull, Arguments.toDoubleVector(theta));
        Builder b = builder(net.network()).hvpMode(requestedMode).parameters(subset).finiteDifferenceStep(fdStep)
                .progressListener(progress).cacheBudget(cacheBudget);
        synchronized (net) { // the copy is read under its lock (finite differences perturb it under the same lock)
            return java.util.Optional.of(new Dl4jInfluenceModel(b, full));
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Present when the output layer ({@code OutputLayer} or {@code LossLayer}) is one of the canonical pairs of the
     * exact products: softmax with {@code MCXENT}/{@code NEGATIVELOGLIKELIHOOD}, sigmoid with {@code XENT}, identity
     * with {@code MSE} or {@code SQUARED_LOSS}/{@code L2} (all without loss weights); empty for every other output
     * (another activation, a weighted loss, a non-convex loss), whatever the HVP mode. The targets are the network's
     * own outputs {@code act(ẑ)} at θ̂ in inference mode, computed on the private copy. DL4J clips probabilities
     * inside its cross-entropy scores ({@code 1e-10} softmax, {@code 1e-5} sigmoid), which the identity
     * {@code D_ℓ = ℓ(z; t̂) − ℓ(ẑ; t̂)} ignores: it holds exactly for outputs that are not saturated.
     */
    @Override
    public java.util.Optional<DataSet> bregmanTargets(DataSet data) {
        Data d = prepare("data", data);
        if (canonicalOutputHead().isEmpty()) {
            return java.util.Optional.empty();
        }
        INDArray targets;
        synchronized (net) {
            try {
                INDArray out = net.network() instanceof MultiLayerNetwork m ? m.output(d.x(), false)
                        : ((ComputationGraph) net.network()).outputSingle(false, d.x());
                targets = out.castTo(DataType.DOUBLE).dup();
                net.model().clear();
            } catch (DL4JException e) {
                throw misfit("data", e);
            }
        }
        return java.util.Optional.of(new DataSet(d.x(), targets.reshape(d.y().shape())));
    }

    /** The output layer's activation and loss when they are a canonical pair ({@link LossHead}), else empty. */
    private java.util.Optional<LossHead> canonicalOutputHead() {
        List<NetworkCopy.LayerSpec> layers = net.layers();
        var last = layers.get(layers.size() - 1).conf();
        if (last instanceof BaseOutputLayer o) {
            return LossHead.of(o.getActivationFn(), o.getLossFn());
        }
        if (last instanceof LossLayer l) {
            return LossHead.of(l.getActivationFn(), l.getLossFn());
        }
        return java.util.Optional.empty();
    }

    // ------------------------------------------------------------------------------------------------ accessors

    /** The resolved HVP mode ({@link HvpMode#EXACT}, {@link HvpMode#GAUSS_NEWTON} or {@link HvpMode#FINITE_DIFFERENCE}). */
    public HvpMode hvpMode() {
        return mode;
    }

    /** The analysed parameters. */
    public ParameterSubset parameterSubset() {
        return subset;
    }

    /** The data type of the user's network (the analysis always runs in DOUBLE). */
    public DataType originalDataType() {
        return net.originalDataType();
    }

    /** Whether per-example gradients and dots are batched (dense layers) rather than a per-example loop. */
    public boolean batchedPerExampleGradients() {
        return chain != null;
    }

    /** Seconds it took to copy (and convert) the user's network at construction. */
    public double copySeconds() {
        return copyNanos / 1e9;
    }

    @Override
    public String describe() {
        String hvp = switch (mode) {
            case EXACT -> "EXACT (R-operator: " + chain + ")";
            case GAUSS_NEWTON -> "GAUSS_NEWTON (" + chain + ")";
            default -> "FINITE_DIFFERENCE (central, step " + fdStep + ", DL4J gradients"
                    + (noChainReason == null ? "" : "; no R-operator because " + noChainReason) + ")";
        };
        return "Dl4jInfluenceModel[" + net.kind() + ", " + net.layers().size() + " layers, p=" + numParameters()
                + " of " + thetaFull.length() + " (" + subset + "), hvp=" + hvp + ", per-example gradients "
                + (chain != null ? "batched" : "per-example loop") + ", analysed in DOUBLE"
                + (net.originalDataType() == DataType.DOUBLE ? "" : " (network is " + net.originalDataType() + ")")
                + (requestedMode == HvpMode.AUTO ? "" : ", requested " + requestedMode) + "]";
    }

    @Override
    public String toString() {
        return describe();
    }
}
