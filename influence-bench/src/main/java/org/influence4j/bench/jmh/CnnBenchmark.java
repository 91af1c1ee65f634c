package org.influence4j.bench.jmh;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.bench.data.Datasets;
import org.influence4j.bench.study.Networks;
import org.influence4j.dl4j.Dl4jInfluenceModel;
import org.influence4j.dl4j.HvpMode;
import org.influence4j.hvp.HessianVectorProduct;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The convolutional products on the LeNet-style network ({@link Networks#lenet}: conv 5×5×6 tanh, max-pool 2×2,
 * conv 5×5×16 tanh, max-pool 2×2, dense 84 tanh, softmax 10 on 28×28×1 images; p = 25,010, DOUBLE, l2 1e-3),
 * next to DL4J's batch gradient and next to DOUBLE matrix products measured in the same run, so that every product's
 * time can be read against its multiply-add count at the machine's matrix-product rate (read the ratios, not the
 * absolute times). Data: the first {@code batch} training images of the bundled small MNIST
 * ({@link Datasets#smallMnist()}); the weights are the seeded Xavier initialisation (the cost of a product does not
 * depend on their values).
 *
 * <p>One operation is, over the {@code batch} examples:
 * <ul>
 *   <li>{@link #gradientDl4j}: the baseline, DL4J's own {@code computeGradientAndScore()} on the batch;</li>
 *   <li>{@link #gradientAdapter}: the adapter's {@code objectiveGradient} (its own forward and backward pass, the
 *       weight gradients, /n and the regulariser);</li>
 *   <li>{@link #hvpExact}, {@link #hvpGaussNewton}: one {@code apply(v)} of {@code hessian(batch, mode)}, built once
 *       in {@link #setup()} (its cached forward and backward pass), as a solver uses it;</li>
 *   <li>{@link #hessianCache}: the one-off {@code hessian(batch, EXACT)} (the cached pass);</li>
 *   <li>{@link #dotsBatched}: {@code perExampleGradientDots(batch, s)}, all {@code gᵢᵀs} — as the API gives it, i.e.
 *       including its own forward and backward pass (it keeps no cache between calls);</li>
 *   <li>{@link #perExampleLoop}: the loop a user writes without the library — for each example DL4J's
 *       {@code computeGradientAndScore()} on a batch of one, then {@code gᵢ·s} — over {@value #LOOP} examples and
 *       reported <b>per example</b> ({@code @OperationsPerInvocation}); multiply by {@code batch} to compare with
 *       {@link #dotsBatched};</li>
 *   <li>the matrix-product references, DOUBLE {@code Nd4j.gemm} into a preallocated result: {@link #gemmConv1}
 *       ([B·576, 25]×[25, 6], conv1's forward product), {@link #gemmConv2} ([B·64, 150]×[150, 16], conv2's),
 *       {@link #gemmConv2Weights} ([B·64, 16]ᵀ×[B·64, 150], conv2's weight-gradient shape, a long reduction) and
 *       {@link #gemmSquare} ([1024, 1024]×[1024, 1024]: the machine's limit).</li>
 * </ul>
 *
 * <h2>Multiply-adds (per example, derived from the layer shapes and checked against influence-dl4j)</h2>
 * A dense or convolutional layer with P output positions, K = kH·kW·C inputs per position and O outputs does
 * M = P·K·O multiply-adds in its forward product:
 * <pre>
 *   layer                    P          K     O     M
 *   conv1 5×5, 1→6       24·24 = 576    25     6     86,400
 *   conv2 5×5, 6→16       8·8  =  64   150    16    153,600
 *   dense 256→84                  1    256    84     21,504
 *   output 84→10                  1     84    10        840
 *   ΣM = 262,344  (ΣM without conv1, the first analysed layer: 175,944)
 * </pre>
 * Counted from influence-dl4j's {@code ConvNode} and {@code AffineNode} (the matrix products only; im2col/col2im,
 * pooling, activations and the loss head are O(activations), not counted):
 * <ul>
 *   <li><b>exact HVP</b> over the cached pass: per layer tangent forward 2M ({@code im2col(R(in))·W} and
 *       {@code A·V}), weight part 2M ({@code R(δ)ᵀA} and {@code δᵀ im2col(R(in))}), input tangent error 2M
 *       ({@code R(δ)Wᵀ} and {@code δVᵀ}) = 6M; the first layer 2M ({@code A·V} and {@code R(δ)ᵀA}: its input has
 *       no tangent and no error is sent back) — 2·86,400 + 6·175,944 = <b>1,228,464</b>
 *       ({@link #EXACT_HVP_MADDS}; influence-dl4j's own count, {@code LayerChain.hvpMultiplyAddsPerExample()},
 *       gives the same number for this network);</li>
 *   <li><b>Gauss–Newton product</b>: the second-order terms dropped, 4M per layer (tangent forward 2M, weights 1M,
 *       input error 1M), first layer 2M — 2·86,400 + 4·175,944 = <b>876,576</b> ({@link #GN_HVP_MADDS});</li>
 *   <li>the adapter's pass ({@link #hessianCache}): forward ΣM + input errors of the non-first layers =
 *       <b>438,288</b>; {@link #gradientAdapter}: that pass + weight gradients ΣM = <b>700,632</b>;
 *       {@link #dotsBatched}: that pass + {@code A·V} per layer ΣM = <b>700,632</b>;</li>
 *   <li>DL4J's gradient ({@link #gradientDl4j}, and {@link #perExampleLoop} per example): 3ΣM = <b>787,032</b>
 *       (forward, weight gradient and input error of every layer: DL4J's {@code backpropGradient}
 *       returns the input error of the first layer too).</li>
 * </ul>
 * Times are to be read as {@code time ÷ (multiply-adds ÷ R)} with the rate {@code R = 1024³ ÷ time(gemmSquare)}
 * measured in the same run (and, to separate the shapes' own cost, against the shape-matched gemms).
 * {@link #reportMultiplyAdds} prints the count of the benchmark that just ran, and
 * {@code docs/benchmarks/ratios.py} computes the ratios from the JMH JSON.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class CnnBenchmark {

    /** Examples of the per-example loop (the smallest batch; reported per example). */
    public static final int LOOP = 32;

    /**
     * Forward multiply-adds per example {@code M = P·K·O} of the layers with parameters, in chain order: conv1,
     * conv2, dense, output (see the class comment).
     */
    private static final long[] LAYER_M = {576L * 25 * 6, 64L * 150 * 16, 256L * 84, 84L * 10};

    /** ΣM: one forward pass. */
    static final long FORWARD_MADDS = LAYER_M[0] + LAYER_M[1] + LAYER_M[2] + LAYER_M[3];

    /** ΣM without the first layer (whose input has no tangent and sends no error back). */
    static final long REST_MADDS = FORWARD_MADDS - LAYER_M[0];

    /** Multiply-adds per example of one exact HVP: 2M for the first layer, 6M for the others (1,228,464). */
    public static final long EXACT_HVP_MADDS = 2 * LAYER_M[0] + 6 * REST_MADDS;

    /** Multiply-adds per example of one Gauss–Newton product: 2M for the first layer, 4M for the others (876,576). */
    public static final long GN_HVP_MADDS = 2 * LAYER_M[0] + 4 * REST_MADDS;

    /** Multiply-adds per example of the adapter's cached pass: forward, and input errors past the first layer. */
    static final long PASS_MADDS = FORWARD_MADDS + REST_MADDS;

    /** Side of the square reference gemm. */
    public static final int SQUARE = 1024;

    /** The network: only {@code "lenet"} (not called {@code network}, which the CI smoke pass sets for the MLPs). */
    @Param({"lenet"})
    public String cnn;

    /** Examples in the batch. */
    @Param({"32", "256", "1024"})
    public int batch;

    private MultiLayerNetwork net;
    private DataSet data;
    private Dl4jInfluenceModel model;
    /**
     * Models that never hold an operator on this batch: a model reuses the cached pass of its own live operator for
     * gradients and dots on the same data, so the one-off costs are measured on separate models.
     */
    private Dl4jInfluenceModel forGradient;
    private Dl4jInfluenceModel forDots;

    private HessianVectorProduct exact;
    private HessianVectorProduct gaussNewton;
    private INDArray v;
    private INDArray s;
    private INDArray[] xs;
    private INDArray[] ys;
    private INDArray a1;
    private INDArray w1;
    private INDArray c1;
    private INDArray a2;
    private INDArray w2;
    private INDArray c2;
    private INDArray d2;
    private INDArray g2;
    private INDArray sqA;
    private INDArray sqB;
    private INDArray sqC;

    /** Builds the network, the batch, the adapter, both operators (their caches included) and the gemm inputs. */
    @Setup
    public void setup() {
        if (!"lenet".equals(cnn)) {
            throw new IllegalArgumentException("cnn (" + cnn + ") must be lenet");
        }
        net = Networks.lenet(28, 28, 10, 1e-3, 42, new Sgd(0.1));
        DataSet all = Datasets.smallMnist().train().data();
        if (batch < 1 || batch > all.numExamples()) {
            throw new IllegalArgumentException("batch (" + batch + ") must be in [1, " + all.numExamples() + "]");
        }
        data = new DataSet(rows(all.getFeatures(), 0, batch), rows(all.getLabels(), 0, batch));
        model = Dl4jInfluenceModel.builder(net).build();
        if (model.hvpMode() != HvpMode.EXACT || !model.batchedPerExampleGradients()) {
            throw new IllegalStateException("the adapter has no batched R-operator for the LeNet network: "
                    + model.describe());
        }
        forGradient = Dl4jInfluenceModel.builder(net).build();
        forDots = Dl4jInfluenceModel.builder(net).build();
        exact = model.hessian(data, HvpMode.EXACT);
        gaussNewton = model.hessian(data, HvpMode.GAUSS_NEWTON);
        v = BenchNets.direction(model.numParameters(), 11);
        s = BenchNets.direction(model.numParameters(), 5);
        int loop = Math.min(LOOP, batch);
        xs = new INDArray[LOOP];
        ys = new INDArray[LOOP];
        for (int i = 0; i < LOOP; i++) {
            xs[i] = rows(data.getFeatures(), i % loop, 1);
            ys[i] = rows(data.getLabels(), i % loop, 1);
        }
        Nd4j.getRandom().setSeed(1);
        long b = batch;
        a1 = Nd4j.randn(DataType.DOUBLE, b * 576, 25);
        w1 = Nd4j.randn(DataType.DOUBLE, 25, 6);
        c1 = Nd4j.create(DataType.DOUBLE, b * 576, 6);
        a2 = Nd4j.randn(DataType.DOUBLE, b * 64, 150);
        w2 = Nd4j.randn(DataType.DOUBLE, 150, 16);
        c2 = Nd4j.create(DataType.DOUBLE, b * 64, 16);
        d2 = Nd4j.randn(DataType.DOUBLE, b * 64, 16);
        g2 = Nd4j.create(DataType.DOUBLE, 16, 150);
        sqA = Nd4j.randn(DataType.DOUBLE, SQUARE, SQUARE);
        sqB = Nd4j.randn(DataType.DOUBLE, SQUARE, SQUARE);
        sqC = Nd4j.create(DataType.DOUBLE, SQUARE, SQUARE);
    }

    private static INDArray rows(INDArray x, long from, long count) {
        return x.get(NDArrayIndex.interval(from, from + count), NDArrayIndex.all()).dup('c')
                .castTo(DataType.DOUBLE);
    }

    /** Baseline: one DL4J batch gradient ({@code computeGradientAndScore}) on the batch. */
    @Benchmark
    public INDArray gradientDl4j() {
        return BenchNets.dl4jGradient(net, data);
    }

    /** The adapter's objective gradient on the batch (its own pass, then the weight gradients). */
    @Benchmark
    public INDArray gradientAdapter() {
        return forGradient.objectiveGradient(data);
    }

    /** One exact (R-operator) HVP over the cached pass. */
    @Benchmark
    public INDArray hvpExact() {
        return exact.apply(v);
    }

    /** One Gauss–Newton product over the cached pass. */
    @Benchmark
    public INDArray hvpGaussNewton() {
        return gaussNewton.apply(v);
    }

    /**
     * The one-off cache: {@code hessian(batch, EXACT)} (a forward and a backward pass, kept), on a fresh adaptation of
     * the network each time (a few milliseconds of the measurement): a model would otherwise hand back the pass of
     * its previous operator while that one is not yet collected.
     */
    @Benchmark
    public HessianVectorProduct hessianCache() {
        return Dl4jInfluenceModel.builder(net).build().hessian(data, HvpMode.EXACT);
    }

    /** All {@code batch} products {@code gᵢᵀs}, batched ({@code perExampleGradientDots}, its pass included). */
    @Benchmark
    public INDArray dotsBatched() {
        return forDots.perExampleGradientDots(data, s);
    }

    /**
     * The same products as an estimator computes them after a solve: on the data of the live operator, whose cached
     * pass they reuse (no forward or backward pass).
     */
    @Benchmark
    public INDArray dotsOverCachedPass() {
        return model.perExampleGradientDots(data, s);
    }

    /** The per-example loop, DL4J gradient of one example then {@code gᵢ·s}; time per example. */
    @Benchmark
    @OperationsPerInvocation(LOOP)
    public double[] perExampleLoop() {
        double[] out = new double[LOOP];
        for (int i = 0; i < LOOP; i++) {
            net.setInput(xs[i]);
            net.setLabels(ys[i]);
            net.computeGradientAndScore();
            INDArray g = net.gradient().gradient();
            out[i] = Nd4j.getBlasWrapper().dot(g.reshape(g.length()), s);
        }
        return out;
    }

    /** conv1's forward product shape: [B·576, 25]×[25, 6] (B·86,400 multiply-adds). */
    @Benchmark
    public INDArray gemmConv1() {
        return Nd4j.gemm(a1, w1, c1, false, false, 1.0, 0.0);
    }

    /** conv2's forward product shape: [B·64, 150]×[150, 16] (B·153,600 multiply-adds). */
    @Benchmark
    public INDArray gemmConv2() {
        return Nd4j.gemm(a2, w2, c2, false, false, 1.0, 0.0);
    }

    /** conv2's weight-gradient shape: [B·64, 16]ᵀ×[B·64, 150] (B·153,600 multiply-adds). */
    @Benchmark
    public INDArray gemmConv2Weights() {
        return Nd4j.gemm(d2, a2, g2, true, false, 1.0, 0.0);
    }

    /** The reference rate: [1024, 1024]×[1024, 1024] (1024³ multiply-adds). */
    @Benchmark
    public INDArray gemmSquare() {
        return Nd4j.gemm(sqA, sqB, sqC, false, false, 1.0, 0.0);
    }

    /** Multiply-adds of one operation of each benchmark at this batch size. */
    static Map<String, Long> multiplyAdds(long batch) {
        long sumM = FORWARD_MADDS;
        long pass = PASS_MADDS;
        return Map.ofEntries(
                Map.entry("gradientDl4j", batch * 3 * sumM),
                Map.entry("gradientAdapter", batch * (pass + sumM)),
                Map.entry("hvpExact", batch * EXACT_HVP_MADDS),
                Map.entry("hvpGaussNewton", batch * GN_HVP_MADDS),
                Map.entry("hessianCache", batch * pass),
                Map.entry("dotsBatched", batch * (pass + sumM)),
                Map.entry("perExampleLoop", 3 * sumM),
                Map.entry("gemmConv1", batch * LAYER_M[0]),
                Map.entry("gemmConv2", batch * LAYER_M[1]),
                Map.entry("gemmConv2Weights", batch * LAYER_M[1]),
                Map.entry("gemmSquare", (long) SQUARE * SQUARE * SQUARE));
    }

    /** Prints the multiply-adds of one operation of the benchmark that just ran (for the ratios; see the class). */
    @TearDown
    public void reportMultiplyAdds(BenchmarkParams params) {
        String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        Long m = multiplyAdds(batch).get(method);
        if (m != null) {
            System.out.printf(Locale.ROOT, "%n[multiply-adds] %s cnn=%s batch=%d: %,d per operation%n", method, cnn,
                    batch, m);
        }
    }
}
