package org.influence4j.dl4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.MirroringPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The analysed part of a network as a chain of {@link ChainNode}s — convolutions, poolings, element-wise
 * activations, reshapes and dense layers — ending in an output head: the forward and backward pass at θ̂, the
 * R-operator (exact Hessian-vector products, forward-over-reverse), the Gauss–Newton product, and the batched
 * per-example gradient products, all as batched kernels over chunks of examples (one {@code im2col} and a few matrix
 * products per convolution and chunk). Layers before the first analysed layer are a fixed feature extractor whose
 * output DL4J computes.
 *
 * <h2>Memory</h2>
 * A {@link Pass} over n examples caches, per example, each convolution's input and error ({@code C·H·W + P·O}
 * doubles for P output positions and O channels; the unfolded input is rebuilt by each product), each smooth
 * activation's first derivative and error-weighted second derivative, each dense layer's input and error, and the
 * max-pooling arg-max indices: {@link #cachedBytesPerExample()} bytes per example (about 130 KB for the LeNet-style
 * network on 28×28 images, i.e. 0.7 GB for 5,500 images). Chunks are cached until the cache budget is spent; the chunks beyond it are
 * recomputed (one forward and backward pass over the chunk) by every product that needs them, which costs about one
 * extra gradient per product for the uncached part. Each product allocates its temporaries (about
 * {@link #scratchBytesPerExample()} per example of one chunk) in a per-thread workspace that is reused.
 *
 * <p>The same nodes give the layer statistics of Kronecker-factored curvatures ({@link ChainLayerStatistics}): the
 * inputs and errors of the dense and convolution nodes ({@link KroneckerNode}) after one forward and one backward
 * pass per label draw.
 *
 * <p>Immutable and thread-safe (the parameters are copies taken at construction).
 */
final class LayerChain implements ExactChain {

    /** What one layer contributes to the chain, before the input shape is known. */
    private interface Step {
        /** The nodes for an input of per-example shape {@code in}; throws if the shape does not fit. */
        List<ChainNode> nodes(long[] in);
    }

    private final List<Step> steps;
    private final LossHead head;
    private final int firstPosition;
    private final long[] declaredInput;       // per-example input shape if the network declares it, else null
    private final long[] impliedInput;        // [C, Hmin, Hmax, Wmin, Wmax] implied by the layers (-1: any), or null
    private final long cacheBudgetBytes;
    private final AtomicReference<Nodes> nodes = new AtomicReference<>();
    private final String description;

    private record Nodes(long[] input, List<ChainNode> list) {
    }

    private LayerChain(List<Step> steps, LossHead head, int firstPosition, long[] declaredInput,
                       long[] impliedInput, long cacheBudgetBytes, String description) {
        this.impliedInput = impliedInput;
        this.steps = steps;
        this.head = head;
        this.firstPosition = firstPosition;
        this.declaredInput = declaredInput;
        this.cacheBudgetBytes = cacheBudgetBytes;
        this.description = description;
    }

    static long prod(long[] shape) {
        long p = 1;
        for (long s : shape) {
            p *= s;
        }
        return p;
    }

    // ------------------------------------------------------------------------------------------------ building

    /** Either a chain or the reason there is none (naming the layer). */
    record Result(LayerChain chain, String reason) {
        static Result no(String reason) {
            return new Result(null, reason);
        }
    }

    /**
     * Builds the chain from the layer at {@code first} (the first analysed layer) to the output.
     *
     * @param cacheBudgetBytes bytes of cached state a {@link Pass} may keep (the rest is recomputed per product)
     */
    static Result build(NetworkCopy net, ParameterLayout layout, int first, long cacheBudgetBytes) {
        return build(net, layout, first, cacheBudgetBytes, false);
    }

    /**
     * Builds the chain from the layer at {@code first}; with {@code firstPreprocessed}, the chain's input is the first
     * layer's input after its preprocessor (which the caller applies, as for a {@link DenseChain}), so that
     * preprocessor is not part of the chain.
     */
    static Result build(NetworkCopy net, ParameterLayout layout, int first, long cacheBudgetBytes,
                        boolean firstPreprocessed) {
        if (!net.isChain()) {
            return Result.no("the ComputationGraph is not a simple chain of layers");
        }
        List<NetworkCopy.LayerSpec> layers = net.layers();
        List<Step> steps = new ArrayList<>();
        List<String> names = new ArrayList<>();
        LossHead head = null;
        INDArray params = net.params();
        long[] declared = null;
        long inChannels = -1;             // channels of the chain's image input, when its first layer says so
        List<int[]> windows = new ArrayList<>();  // (k, s, p, d, same) per dimension of each window layer
        long[] flatImage = null;          // [H, W] the first CNN-to-dense preprocessor expects
        boolean sizeAgnostic = false;     // a global pooling before it: any image size fits
        NetworkCopy.LayerSpec firstLayer = layers.get(first);
        if (firstLayer.conf().getClass() == ConvolutionLayer.class) {
            inChannels = ((ConvolutionLayer) firstLayer.conf()).getNIn();
        }
        if (firstPreprocessed) {
            declared = null; // the caller hands the chain the first layer's input after its preprocessor
        } else if (firstLayer.preProcessor() instanceof FeedForwardToCnnPreProcessor p) {
            declared = new long[] {p.getInputHeight(), p.getInputWidth(), p.getNumChannels()};
        } else if (firstLayer.preProcessor() != null) {
            return Result.no(firstLayer.label() + " has an input preprocessor ("
                    + firstLayer.preProcessor().getClass().getSimpleName() + ") without an R-operator");
        }
        for (int i = first; i < layers.size(); i++) {
            NetworkCopy.LayerSpec l = layers.get(i);
            boolean last = i == layers.size() - 1;
            if (i > first && l.preProcessor() instanceof CnnToFeedForwardPreProcessor c && flatImage == null) {
                flatImage = new long[] {c.getInputHeight(), c.getInputWidth()};
            }
            if (l.conf() instanceof GlobalPoolingLayer && flatImage == null) {
                sizeAgnostic = true;
            }
            if (flatImage == null && l.conf() instanceof ConvolutionLayer c0) {
                windows.add(window(c0.getKernelSize(), c0.getStride(), c0.getPadding(), c0.getDilation(),
                        c0.getConvolutionMode()));
            }
            if (flatImage == null && l.conf() instanceof SubsamplingLayer s0) {
                windows.add(window(s0.getKernelSize(), s0.getStride(), s0.getPadding(), s0.getDilation(),
                        s0.getConvolutionMode()));
            }
            if (i > first && l.preProcessor() != null) {
                Optional<Step> pre = preprocessor(l);
                if (pre.isEmpty()) {
                    return Result.no(l.label() + " has an input preprocessor ("
                            + l.preProcessor().getClass().getSimpleName() + ") without an R-operator");
                }
                steps.add(pre.get());
            }
            var conf = l.conf();
            long subStart = layout.subOffsetOf(l.position());
            if (conf.getClass() == DenseLayer.class || conf.getClass() == OutputLayer.class) {
                var ff = (org.deeplearning4j.nn.conf.layers.FeedForwardLayer) conf;
                boolean output = conf.getClass() == OutputLayer.class;
                if (output != last) {
                    return Result.no(output ? l.label() + " is an OutputLayer that is not the last layer"
                            : l.label() + " is the last layer; an OutputLayer or LossLayer is required");
                }
                if (conf instanceof DenseLayer d && d.hasLayerNorm()) {
                    return Result.no(l.label() + " uses layer normalisation");
                }
                boolean hasBias = conf instanceof DenseLayer d ? d.hasBias() : ((OutputLayer) conf).hasBias();
                ElementwiseActivation act;
                if (output) {
                    Optional<LossHead> h = LossHead.of(ff.getActivationFn(), ((OutputLayer) conf).getLossFn());
                    if (h.isEmpty()) {
                        return Result.no(l.label() + " combines activation " + ff.getActivationFn() + " with loss "
                                + ((OutputLayer) conf).getLossFn() + " (supported: softmax+MCXENT/"
                                + "NEGATIVELOGLIKELIHOOD, sigmoid+XENT, identity+MSE/SQUARED_LOSS, unweighted)");
                    }
                    head = h.get();
                    act = ElementwiseActivation.identity();
                } else {
                    Optional<ElementwiseActivation> a = activation(l, ff.getActivationFn());
                    if (a.isEmpty()) {
                        return Result.no(unsupportedActivation(l, ff.getActivationFn()));
                    }
                    act = a.get();
                }
                long din = ff.getNIn();
                long dout = ff.getNOut();
                long off = l.offset();
                INDArray w = AffineNode.weights(params, off, din, dout);
                INDArray b = hasBias ? params.get(NDArrayIndex.interval(off + din * dout, off + din * dout + dout))
                        .dup().reshape(1, dout).castTo(DataType.DOUBLE) : null;
                long subW = subStart;
                long subB = subStart >= 0 && hasBias ? subStart + din * dout : -1;
                String label = l.label();
                String blockName = blockName(output ? "output" : "dense", l);
                steps.add(in -> {
                    if (in.length != 1 || in[0] != din) {
                        throw new IllegalArgumentException(label + " expects " + din + " inputs per example but the "
                                + "layers before it produce " + user(in));
                    }
                    List<ChainNode> ns = new ArrayList<>();
                    ns.add(new AffineNode(blockName, w, b, subW, subB));
                    if (!act.isIdentity()) {
                        ns.add(new ActivationNode(act, new long[] {dout}));
                    }
                    return ns;
                });
                names.add((output ? "output" : "dense") + l.position() + (subStart >= 0 ? "" : " frozen"));
            } else if (conf.getClass() == LossLayer.class) {
                LossLayer o = (LossLayer) conf;
                Optional<LossHead> h = LossHead.of(o.getActivationFn(), o.getLossFn());
                if (h.isEmpty() || !last || steps.isEmpty()) {
                    return Result.no(l.label() + " (activation " + o.getActivationFn() + ", loss " + o.getLossFn()
                            + ") is not a supported final loss layer");
                }
                head = h.get();
                names.add("loss" + l.position());
            } else if (conf.getClass() == ConvolutionLayer.class) {
                ConvolutionLayer c = (ConvolutionLayer) conf;
                if (c.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
                    return Result.no(l.label() + " uses the " + c.getCnn2dDataFormat() + " data format (the "
                            + "R-operator supports NCHW)");
                }
                Optional<ElementwiseActivation> a = activation(l, c.getActivationFn());
                if (a.isEmpty()) {
                    return Result.no(unsupportedActivation(l, c.getActivationFn()));
                }
                Optional<Step> s = convolution(l, c, a.get(), params, subStart);
                if (s.isEmpty()) {
                    return Result.no(l.label() + " has a parameter layout that is not DL4J's (bias, W[out,in,kH,kW])");
                }
                steps.add(s.get());
                names.add("conv" + l.position() + (subStart >= 0 ? "" : " frozen"));
            } else if (conf.getClass() == SubsamplingLayer.class) {
                SubsamplingLayer s = (SubsamplingLayer) conf;
                if (s.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
                    return Result.no(l.label() + " uses the " + s.getCnn2dDataFormat() + " data format (the "
                            + "R-operator supports NCHW)");
                }
                if (s.getPoolingType() != PoolingType.MAX && s.getPoolingType() != PoolingType.AVG) {
                    return Result.no(l.label() + " uses " + s.getPoolingType() + " pooling (the R-operator supports "
                            + "MAX and AVG)");
                }
                steps.add(pooling(l, s));
                names.add(s.getPoolingType().name().toLowerCase() + "pool" + l.position());
            } else if (conf.getClass() == GlobalPoolingLayer.class) {
                GlobalPoolingLayer gp = (GlobalPoolingLayer) conf;
                PoolingType t = gp.getPoolingType();
                if (t != PoolingType.MAX && t != PoolingType.AVG && t != PoolingType.SUM) {
                    return Result.no(l.label() + " uses " + t + " global pooling (the R-operator supports MAX, AVG "
                            + "and SUM)");
                }
                if (!gp.isCollapseDimensions()) {
                    return Result.no(l.label() + " keeps the pooled dimensions (collapseDimensions=false)");
                }
                if (gp.getPoolingDimensions() != null && !Arrays.equals(gp.getPoolingDimensions(), new int[] {2, 3})) {
                    return Result.no(l.label() + " pools over dimensions " + Arrays.toString(gp.getPoolingDimensions())
                            + " (the R-operator supports global pooling of NCHW images over [2, 3])");
                }
                steps.add(globalPooling(l, t));
                names.add("global-" + t.name().toLowerCase() + "pool" + l.position());
            } else if (conf.getClass() == ActivationLayer.class) {
                Optional<ElementwiseActivation> a = activation(l, ((ActivationLayer) conf).getActivationFn());
                if (a.isEmpty()) {
                    return Result.no(unsupportedActivation(l, ((ActivationLayer) conf).getActivationFn()));
                }
                ElementwiseActivation act = a.get();
                steps.add(in -> List.of(new ActivationNode(act, in)));
                names.add(act + String.valueOf(l.position()));
            } else if (conf.getClass() == DropoutLayer.class) {
                names.add("dropout" + l.position() + "=identity");
            } else {
                return Result.no(l.label() + " has no R-operator (exact HVPs support Dense, Output, Loss, "
                        + "Convolution (2-D, NCHW), Subsampling (max, avg), GlobalPooling (max, avg, sum), "
                        + "Activation and Dropout layers)");
            }
        }
        if (head == null || steps.isEmpty()) {
            return Result.no("the network does not end in an OutputLayer or LossLayer");
        }
        long[] implied = null;
        if (declared == null && inChannels > 0) {
            boolean known = flatImage != null && !sizeAgnostic;
            long[] h = known ? invert(windows, 0, flatImage[0]) : new long[] {-1, -1};
            long[] w = known ? invert(windows, 1, flatImage[1]) : new long[] {-1, -1};
            implied = new long[] {inChannels, h[0], h[1], w[0], w[1]};
        }
        return new Result(new LayerChain(List.copyOf(steps), head, first, declared, implied, cacheBudgetBytes,
                String.join(" → ", names) + " → " + head), null);
    }

    /** {@code conv0}, or {@code conv0 "name"} when the layer has a name of its own (not DL4J's default). */
    private static String blockName(String kind, NetworkCopy.LayerSpec l) {
        String base = kind + l.position();
        boolean generic = l.name().equals(String.valueOf(l.position())) || l.name().equals("layer" + l.position());
        return generic ? base : base + " \"" + l.name() + "\"";
    }

    private static int[] window(int[] k, int[] s, int[] p, int[] d, ConvolutionMode mode) {
        return new int[] {k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1], mode == ConvolutionMode.Same ? 1 : 0};
    }

    /** The size the windows map an input size {@code in} to along dimension {@code dim} (0 height, 1 width), or -1. */
    private static long forward(List<int[]> windows, int dim, long in) {
        long x = in;
        for (int[] w : windows) {
            long k = (w[dim] - 1L) * w[6 + dim] + 1;
            x = w[8] == 1 ? (x + w[2 + dim] - 1) / w[2 + dim]
                    : x + 2L * w[4 + dim] < k ? -1 : (x - k + 2L * w[4 + dim]) / w[2 + dim] + 1;
            if (x < 0) {
                return -1;
            }
        }
        return x;
    }

    /**
     * The input sizes (dimension {@code dim}) that the windows map to {@code out}: {@code [smallest, largest]}
     * (an interval, since each window's size map is non-decreasing), or {@code [-1, -1]} if none.
     */
    private static long[] invert(List<int[]> windows, int dim, long out) {
        long lo = -1;
        long hi = -1;
        for (long in = 1; in <= 1 << 16; in++) {
            long x = forward(windows, dim, in);
            if (x == out) {
                lo = lo < 0 ? in : lo;
                hi = in;
            } else if (x > out) {
                break;
            }
        }
        return new long[] {lo, hi};
    }

    private static Optional<ElementwiseActivation> activation(NetworkCopy.LayerSpec l,
                                                              org.nd4j.linalg.activations.IActivation f) {
        return ElementwiseActivation.of(f);
    }

    private static String unsupportedActivation(NetworkCopy.LayerSpec l, Object f) {
        return l.label() + " has activation " + f
                + " (supported: identity, relu, leakyrelu, elu, selu, tanh, sigmoid, softplus)";
    }

    private static Optional<Step> preprocessor(NetworkCopy.LayerSpec l) {
        InputPreProcessor p = l.preProcessor();
        String label = l.label();
        if (p instanceof CnnToFeedForwardPreProcessor c && c.getFormat() == CNN2DFormat.NCHW) {
            long[] expected = {c.getInputHeight(), c.getInputWidth(), c.getNumChannels()};
            return Optional.of(in -> {
                if (!Arrays.equals(in, expected)) {
                    throw new IllegalArgumentException(label + "'s input preprocessor expects activations of shape "
                            + user(expected) + " per example but the layers before it produce " + user(in));
                }
                return List.of(new ReshapeNode(in, true));
            });
        }
        if (p instanceof FeedForwardToCnnPreProcessor f) {
            long[] out = {f.getInputHeight(), f.getInputWidth(), f.getNumChannels()};
            return Optional.of(in -> {
                if (in.length != 1 || in[0] != prod(out)) {
                    throw new IllegalArgumentException(label + "'s input preprocessor expects " + prod(out)
                            + " values per example but the layers before it produce " + user(in));
                }
                return List.of(new ReshapeNode(out, false));
            });
        }
        return Optional.empty();
    }

    /** A per-example shape as users see it: channels-last images [H, W, C] as DL4J's [C, H, W]. */
    static String user(long[] shape) {
        return Arrays.toString(shape.length == 3 ? new long[] {shape[2], shape[0], shape[1]} : shape);
    }

    /** The window geometry of a convolution or pooling layer on images of per-example shape {@code in} [H, W, C]. */
    private static ConvNode.Geometry geometry(String label, long[] in, int[] kernel, int[] stride, int[] padding,
                                              int[] dilation, ConvolutionMode mode) {
        if (in.length != 3) {
            throw new IllegalArgumentException(label + " expects images [channels, height, width] per example but the "
                    + "layers before it produce " + user(in));
        }
        long[] chw = {in[2], in[0], in[1]};
        boolean same = mode == ConvolutionMode.Same;
        int[] ek = ConvolutionUtils.effectiveKernelSize(kernel, dilation);
        long oh;
        long ow;
        int[] pad;
        if (same) {
            oh = (chw[1] + stride[0] - 1) / stride[0];
            ow = (chw[2] + stride[1] - 1) / stride[1];
            pad = ConvolutionUtils.getSameModeTopLeftPadding(new int[] {(int) oh, (int) ow},
                    new int[] {(int) chw[1], (int) chw[2]}, kernel, stride, dilation);
        } else {
            pad = padding;
            oh = (chw[1] - ek[0] + 2L * pad[0]) / stride[0] + 1;
            ow = (chw[2] - ek[1] + 2L * pad[1]) / stride[1] + 1;
            if (chw[1] + 2L * pad[0] < ek[0] || chw[2] + 2L * pad[1] < ek[1]) {
                throw new IllegalArgumentException(label + " has an effective kernel " + ek[0] + "x" + ek[1]
                        + " larger than its padded input " + user(in));
            }
        }
        return new ConvNode.Geometry(chw[0], chw[1], chw[2], kernel[0], kernel[1], stride[0], stride[1], pad[0], pad[1],
                dilation[0], dilation[1], same, oh, ow);
    }

    private static Optional<Step> convolution(NetworkCopy.LayerSpec l, ConvolutionLayer c, ElementwiseActivation act,
                                              INDArray params, long subStart) {
        long outC = c.getNOut();
        long inC = c.getNIn();
        int[] kernel = c.getKernelSize();
        long k = inC * kernel[0] * kernel[1];
        boolean hasBias = c.hasBias();
        // DL4J's layout (ConvolutionParamInitializer): bias [O] first, then W [O, C, kH, kW] in 'c' order
        long wOff = hasBias ? outC : 0;
        if (l.numParams() != k * outC + (hasBias ? outC : 0)) {
            return Optional.empty();
        }
        long off = l.offset();
        INDArray w2 = ConvNode.weightMatrix(params.get(NDArrayIndex.interval(off + wOff, off + wOff + k * outC))
                .dup().castTo(DataType.DOUBLE), outC, inC, kernel[0], kernel[1]);
        INDArray b = hasBias ? params.get(NDArrayIndex.interval(off, off + outC)).dup().reshape(1, outC)
                .castTo(DataType.DOUBLE) : null;
        long subW = subStart >= 0 ? subStart + wOff : -1;
        long subB = subStart >= 0 && hasBias ? subStart : -1;
        String label = l.label();
        String blockName = blockName("conv", l);
        return Optional.of(in -> {
            ConvNode.Geometry g = geometry(label, in, kernel, c.getStride(), c.getPadding(), c.getDilation(),
                    c.getConvolutionMode());
            if (g.c() != inC) {
                throw new IllegalArgumentException(label + " expects " + inC + " input channels but its input has shape "
                        + user(in) + " per example");
            }
            List<ChainNode> ns = new ArrayList<>();
            ns.add(new ConvNode(blockName, g, w2, b, subW, subB));
            if (!act.isIdentity()) {
                ns.add(new ActivationNode(act, new long[] {g.oh(), g.ow(), outC}));
            }
            return ns;
        });
    }

    private static Step pooling(NetworkCopy.LayerSpec l, SubsamplingLayer s) {
        String label = l.label();
        PoolNode.Kind kind = s.getPoolingType() == PoolingType.MAX ? PoolNode.Kind.MAX : PoolNode.Kind.AVG;
        return in -> List.of(new PoolNode(kind, geometry(label, in, s.getKernelSize(), s.getStride(), s.getPadding(),
                s.getDilation(), s.getConvolutionMode()), s.isAvgPoolIncludePadInDivisor(), false));
    }

    private static Step globalPooling(NetworkCopy.LayerSpec l, PoolingType t) {
        String label = l.label();
        PoolNode.Kind kind = switch (t) {
            case MAX -> PoolNode.Kind.MAX;
            case AVG -> PoolNode.Kind.AVG;
            default -> PoolNode.Kind.SUM;
        };
        return in -> {
            if (in.length != 3) {
                throw new IllegalArgumentException(label + " expects images [channels, height, width] per example but "
                        + "the layers before it produce " + user(in));
            }
            ConvNode.Geometry g = new ConvNode.Geometry(in[2], in[0], in[1], (int) in[0], (int) in[1], 1, 1, 0, 0, 1,
                    1, false, 1, 1);
            return List.of(new PoolNode(kind, g, false, true));
        };
    }

    /** The nodes for the chain input {@code x} (all examples; only its shape is read). */
    List<ChainNode> nodesFor(INDArray x) {
        return nodes(inputShape(x));
    }

    /** Examples {@code [start, start + b)} of the chain input {@code x} in the chain's layout: a fresh 'c'-order array. */
    INDArray chunkInput(INDArray x, long start, long b) {
        INDArray xs = x.get(NDArrayIndex.interval(start, start + b));
        long[] in = inputShape(x);
        return in.length == 3 ? ReshapeNode.toImages(xs, in[0], in[1], in[2]) : xs.dup('c');
    }

    /** The nodes for inputs of per-example shape {@code in} (built once per shape). */
    private List<ChainNode> nodes(long[] in) {
        Nodes cur = nodes.get();
        if (cur != null && Arrays.equals(cur.input(), in)) {
            return cur.list();
        }
        List<ChainNode> list = new ArrayList<>();
        long[] shape = in;
        for (Step s : steps) {
            for (ChainNode n : s.nodes(shape)) {
                list.add(n);
                shape = n.outShape();
            }
        }
        Nodes built = new Nodes(in.clone(), List.copyOf(list));
        nodes.set(built);
        return built.list();
    }

    /**
     * Checks that the chain input {@code x} fits the network: the declared input shape if the network has one,
     * else every layer's expectations; the message names the expected and actual shapes.
     */
    void checkInput(String name, INDArray x) {
        if (declaredInput != null) {
            long[] per = perExample(x);
            long[] chw = {declaredInput[2], declaredInput[0], declaredInput[1]};
            if (!(per.length == 1 && per[0] == prod(chw) || Arrays.equals(per, chw))) {
                throw new IllegalArgumentException(name + " features have shape " + Arrays.toString(x.shape())
                        + " but the network's input type expects [n, " + prod(chw) + "] rows or [n, " + chw[0] + ", "
                        + chw[1] + ", " + chw[2] + "] images (channels, height, width); pass images of that size");
            }
        } else if (impliedInput != null) {
            long[] per = perExample(x);
            long[] r = impliedInput;
            boolean fits = per.length == 3 && per[0] == r[0] && (r[1] < 0 || per[1] >= r[1] && per[1] <= r[2])
                    && (r[3] < 0 || per[2] >= r[3] && per[2] <= r[4]);
            if (!fits) {
                boolean sized = r[1] > 0 && r[3] > 0;
                String h = sized ? String.valueOf(r[1]) : "height";
                String w = sized ? String.valueOf(r[3]) : "width";
                String note = !sized ? "; any height and width fit its layers"
                        : r[2] > r[1] || r[4] > r[3] ? "; heights " + r[1] + "–" + r[2] + " and widths " + r[3] + "–"
                        + r[4] + " give the same layer sizes" : "";
                throw new IllegalArgumentException(name + " features have shape " + Arrays.toString(x.shape())
                        + " but the network expects images [n, " + r[0] + ", " + h + ", " + w + "] (channels, height, "
                        + "width" + note + "); pass images of that shape");
            }
        } else if (x.rank() != 2 && x.rank() != 4) {
            throw new IllegalArgumentException(name + " features have shape " + Arrays.toString(x.shape())
                    + "; pass rows [n, features] or images [n, channels, height, width]");
        }
        try {
            nodes(inputShape(x));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + " features have shape " + Arrays.toString(x.shape())
                    + ", which does not fit the network: " + e.getMessage(), e);
        }
    }

    private static long[] perExample(INDArray x) {
        return Arrays.copyOfRange(x.shape(), 1, x.rank());
    }

    /** The chain's per-example input shape for {@code x}: images channels-last [H, W, C], rows [d]. */
    private long[] inputShape(INDArray x) {
        if (declaredInput != null) {
            return declaredInput.clone();
        }
        long[] per = perExample(x);
        return per.length == 3 ? new long[] {per[1], per[2], per[0]} : per;
    }

    /** {@code x} in the chain's layout (images channels-last; a copy when it has to be permuted). */
    private INDArray shaped(INDArray x) {
        long[] in = inputShape(x);
        return in.length == 3 ? ReshapeNode.toImages(x, in[0], in[1], in[2]) : x;
    }

    // ------------------------------------------------------------------------------------------------ passes

    @Override
    public int firstPosition() {
        return firstPosition;
    }

    @Override
    public LossHead head() {
        return head;
    }

    /** Cached state of one chunk of examples. */
    private record Chunk(long start, long b, ChainNode.State[] states, INDArray out) {
    }

    /**
     * A forward and backward pass at θ̂ over n examples, in chunks; chunk states within the cache budget are kept,
     * the others are recomputed when needed.
     */
    final class Pass implements ExactChain.Pass {
        private final long n;
        private final INDArray x;
        private final INDArray y;
        private final long chunk;
        private final Chunk[] cached;
        private final List<ChainNode> list;

        private Pass(INDArray x, INDArray y, long budgetBytes) {
            this.x = shaped(x);
            this.y = y;
            this.n = x.size(0);
            this.list = nodes(inputShape(x));
            this.chunk = chunkSize(list);
            int chunks = (int) ((n + chunk - 1) / chunk);
            this.cached = new Chunk[chunks];
            long perExample = Math.max(1, cachedBytes(list));
            long cacheable = budgetBytes / perExample;
            int keep = 0;
            while (keep < chunks && keep * chunk + Math.min(chunk, n - keep * chunk) <= cacheable) {
                keep++;
            }
            // each kept chunk is computed in its thread's product workspace (temporaries reused), then its state is
            // moved out of the workspace
            inParallel(keep, workers(keep), (c, w) -> {
                long start = c * chunk;
                Chunk k = compute(start, Math.min(chunk, n - start));
                for (ChainNode.State st : k.states()) {
                    st.detach();
                }
                cached[c] = new Chunk(k.start(), k.b(), k.states(), k.out().detach());
            }, "the cached pass over " + n + " examples");
        }

        @Override
        public long n() {
            return n;
        }

        int chunks() {
            return cached.length;
        }

        long cachedExamples() {
            long s = 0;
            for (Chunk c : cached) {
                s += c == null ? 0 : c.b();
            }
            return s;
        }

        /** The chunk's state (cached, or computed now inside the caller's workspace). */
        Chunk chunk(int c) {
            Chunk k = cached[c];
            if (k != null) {
                return k;
            }
            long start = c * chunk;
            return compute(start, Math.min(chunk, n - start));
        }

        private Chunk compute(long start, long b) {
            INDArray xs = x.get(NDArrayIndex.interval(start, start + b)).dup('c');
            INDArray ys = y.get(NDArrayIndex.interval(start, start + b));
            ChainNode.State[] states = new ChainNode.State[list.size()];
            INDArray a = xs;
            for (int k = 0; k < list.size(); k++) {
                ChainNode.Forward f = list.get(k).forward(a);
                states[k] = f.state();
                a = f.out();
            }
            INDArray out = head.output(a);
            INDArray e = head.delta(a, out, ys);
            for (int k = list.size() - 1; k >= 0; k--) {
                e = list.get(k).backward(states[k], e, k > 0 && needsInputError(list, k));
            }
            return new Chunk(start, b, states, out);
        }
    }

    /** Whether any node before {@code k} has analysed parameters (else errors need not flow further back). */
    static boolean needsInputError(List<ChainNode> list, int k) {
        for (int j = 0; j < k; j++) {
            if (list.get(j).analysed()) {
                return true;
            }
        }
        return false;
    }

    private static long cachedBytes(List<ChainNode> list) {
        long d = 0;
        for (ChainNode node : list) {
            d += node.cachedDoublesPerExample();
        }
        return 8 * d;
    }

    /**
     * The per-thread workspace of a chunk's temporaries: allocated once at four times the chunk target, so that no
     * chunk (whatever call comes first on the thread) spills to fresh off-heap buffers; it grows if one ever does.
     */
    static final String WORKSPACE = "influence4j-cnn";

    private static final long CHUNK_SCRATCH_BYTES_DEFAULT = 64L << 20;

    private static final WorkspaceConfiguration WORKSPACE_CONFIG = WorkspaceConfiguration.builder()
            .initialSize(4 * CHUNK_SCRATCH_BYTES_DEFAULT).overallocationLimit(0.1)
            .policyAllocation(AllocationPolicy.OVERALLOCATE).policyLearning(LearningPolicy.OVER_TIME)
            .cyclesBeforeInitialization(1).policyReset(ResetPolicy.BLOCK_LEFT).policyMirroring(MirroringPolicy.FULL)
            .policySpill(SpillPolicy.REALLOCATE).build();

    /** Target bytes of per-product temporaries for one chunk. */
    static final long CHUNK_SCRATCH_BYTES = CHUNK_SCRATCH_BYTES_DEFAULT;

    private static long chunkSize(List<ChainNode> list) {
        long d = 0;
        for (ChainNode node : list) {
            d += node.scratchDoublesPerExample() + node.cachedDoublesPerExample();
        }
        return Math.max(1, Math.min(4096, CHUNK_SCRATCH_BYTES / Math.max(1, 8 * d)));
    }

    /** Bytes of cached state per example of a {@link Pass} (for inputs of the declared or last-seen shape). */
    long cachedBytesPerExample() {
        Nodes cur = nodes.get();
        return cur == null ? -1 : cachedBytes(cur.list());
    }

    /** Bytes of per-product temporaries per example of a chunk. */
    long scratchBytesPerExample() {
        Nodes cur = nodes.get();
        if (cur == null) {
            return -1;
        }
        long d = 0;
        for (ChainNode node : cur.list()) {
            d += node.scratchDoublesPerExample();
        }
        return 8 * d;
    }

    /** Multiply-adds of one exact product per example (the matrix products; see each node). */
    long hvpMultiplyAddsPerExample() {
        Nodes cur = nodes.get();
        long m = 0;
        boolean first = true;
        for (ChainNode node : cur.list()) {
            m += node.hvpMultiplyAddsPerExample(first);
            if (node.analysed()) {
                first = false;
            }
        }
        return m;
    }

    @Override
    public Pass pass(INDArray x, INDArray y) {
        return new Pass(x, y, cacheBudgetBytes);
    }

    /** A pass that caches nothing: each use computes every chunk inside the product workspace and drops it. */
    @Override
    public Pass streamingPass(INDArray x, INDArray y) {
        return new Pass(x, y, 0);
    }

    private static Pass own(ExactChain.Pass p) {
        return (Pass) p;
    }

    @Override
    public INDArray gradient(ExactChain.Pass p, long dim) {
        Pass pass = own(p);
        double scale = 1.0 / pass.n();
        INDArray[] acc = accumulators(workers(pass.chunks()), dim);
        forEachChunk(pass, acc.length, (c, w) -> {
            for (int k = 0; k < pass.list.size(); k++) {
                pass.list.get(k).addGradient(c.states()[k], acc[w], scale);
            }
        });
        return sum(acc);
    }

    @Override
    public INDArray hvp(ExactChain.Pass p, INDArray v, boolean gaussNewton, INDArray diagonal) {
        Pass pass = own(p);
        double scale = 1.0 / pass.n();
        List<ChainNode> list = pass.list;
        int m = list.size();
        INDArray[] acc = accumulators(workers(pass.chunks()), v.length());
        forEachChunk(pass, acc.length, (c, w) -> {
            INDArray hv = acc[w];
            ChainNode.Tangent[] t = new ChainNode.Tangent[m];
            INDArray r = null;
            for (int k = 0; k < m; k++) {
                t[k] = new ChainNode.Tangent();
                r = list.get(k).tangentForward(c.states()[k], r, v, t[k]);
            }
            if (r == null) {
                return;
            }
            INDArray re = head.deltaTangent(c.out(), r);
            for (int k = m - 1; k >= 0 && re != null; k--) {
                re = list.get(k).tangentBackward(c.states()[k], t[k], re, gaussNewton, hv, scale,
                        k > 0 && needsInputError(list, k));
            }
        });
        INDArray hv = sum(acc);
        if (diagonal != null) {
            hv.addi(diagonal.mul(v));
        }
        return hv;
    }

    @Override
    public INDArray dots(ExactChain.Pass p, INDArray v) {
        Pass pass = own(p);
        INDArray dots = Nd4j.zeros(DataType.DOUBLE, pass.n());
        forEachChunk(pass, workers(pass.chunks()), (c, w) -> {
            INDArray d = Nd4j.zeros(DataType.DOUBLE, c.b());
            for (int k = 0; k < pass.list.size(); k++) {
                pass.list.get(k).addDots(c.states()[k], v, d);
            }
            dots.get(NDArrayIndex.interval(c.start(), c.start() + c.b())).assign(d);
        });
        return dots;
    }

    @Override
    public INDArray perExampleGradients(ExactChain.Pass p, long dim) {
        Pass pass = own(p);
        INDArray rows = Nd4j.zeros(DataType.DOUBLE, pass.n(), dim);
        forEachChunk(pass, workers(pass.chunks()), (c, w) -> {
            INDArray block = Nd4j.zeros(DataType.DOUBLE, c.b(), dim);
            for (int k = 0; k < pass.list.size(); k++) {
                pass.list.get(k).putPerExampleGradients(c.states()[k], block);
            }
            rows.get(NDArrayIndex.interval(c.start(), c.start() + c.b()), NDArrayIndex.all()).assign(block);
        });
        return rows;
    }

    private interface ChunkBody {
        void accept(Chunk c, int worker);
    }

    /** Threads that run chunks side by side. */
    private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "influence4j-chunks");
        t.setDaemon(true);
        return t;
    });

    /**
     * Java threads for the chunks: the cores that ND4J's own threads leave free ({@code cores / ND4J's maxThreads},
     * so one per core when ND4J runs single-threaded, e.g. with {@code OMP_NUM_THREADS=1}; one when ND4J already uses
     * every core), at most one per chunk.
     */
    static int workers(int chunks) {
        int cores = Runtime.getRuntime().availableProcessors();
        int nd4j = Math.max(1, Nd4j.getEnvironment().maxThreads());
        return Math.max(1, Math.min(chunks, cores / nd4j));
    }

    private static INDArray[] accumulators(int workers, long dim) {
        INDArray[] acc = new INDArray[workers];
        for (int w = 0; w < workers; w++) {
            acc[w] = Nd4j.zeros(DataType.DOUBLE, dim);
        }
        return acc;
    }

    private static INDArray sum(INDArray[] acc) {
        for (int w = 1; w < acc.length; w++) {
            acc[0].addi(acc[w]);
        }
        return acc[0];
    }

    /**
     * Runs {@code body} on every chunk, each chunk's temporaries in its thread's product workspace; with several
     * workers, chunks are handed out in order to {@code workers} threads (worker {@code w} writes only to its own
     * accumulator). An interrupt of the calling thread stops the workers and ends in a {@link CancellationException}
     * with the interrupt flag set.
     */
    private static void forEachChunk(Pass pass, int workers, ChunkBody body) {
        inParallel(pass.chunks(), workers, (c, w) -> body.accept(pass.chunk(c), w),
                "a product over " + pass.n() + " examples");
    }

    interface Task {
        void run(int task, int worker);
    }

    /**
     * Runs tasks {@code 0..count-1} in order on {@code workers} threads (the caller's alone when 1), each inside its
     * thread's product workspace.
     */
    private static void inParallel(int count, int workers, Task task, String what) {
        inParallel(count, workers, task, what, false);
    }

    /**
     * Runs tasks {@code 0..count-1} on {@code workers} threads (the caller's alone when 1), each inside its thread's
     * product workspace, statically: worker {@code w} runs tasks {@code w, w + workers, …} in order, so the tasks a
     * worker sees do not depend on timing. An interrupt of the calling thread ends in a {@link CancellationException}
     * with the interrupt flag set, also when the tasks run on the caller's thread (checked before each task).
     */
    static void inRoundRobin(int count, int workers, Task task, String what) {
        inParallel(count, workers, task, what, true);
    }

    private static void inParallel(int count, int workers, Task task, String what, boolean roundRobin) {
        if (workers <= 1) {
            for (int c = 0; c < count; c++) {
                if (roundRobin && Thread.currentThread().isInterrupted()) {
                    throw new CancellationException("interrupted while computing " + what);
                }
                try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(
                        WORKSPACE_CONFIG, WORKSPACE)) {
                    task.run(c, 0);
                }
            }
            return;
        }
        if (roundRobin && Thread.currentThread().isInterrupted()) {
            // checked here too: a future that is already done returns from get() without looking at the interrupt
            throw new CancellationException("interrupted while computing " + what);
        }
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> futures = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            int worker = w;
            futures.add(POOL.submit(() -> {
                PoolNode.SERIAL.set(true);
                try {
                    for (int c = roundRobin ? worker : next.getAndIncrement();
                         c < count && !Thread.currentThread().isInterrupted();
                         c = roundRobin ? c + workers : next.getAndIncrement()) {
                        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(
                                WORKSPACE_CONFIG, WORKSPACE)) {
                            task.run(c, worker);
                        }
                    }
                } finally {
                    PoolNode.SERIAL.set(false);
                }
                return null;
            }));
        }
        try {
            for (Future<?> f : futures) {
                f.get();
            }
            if (roundRobin && Thread.currentThread().isInterrupted()) {
                throw new InterruptedException();
            }
        } catch (InterruptedException e) {
            futures.forEach(f -> f.cancel(true));
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while computing " + what);
        } catch (ExecutionException e) {
            futures.forEach(f -> f.cancel(true));
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public String toString() {
        return description;
    }
}
