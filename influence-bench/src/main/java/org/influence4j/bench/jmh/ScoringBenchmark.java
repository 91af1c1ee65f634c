package org.influence4j.bench.jmh;

import java.util.concurrent.TimeUnit;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.dl4j.Dl4jInfluenceModel;
import org.influence4j.dl4j.HvpMode;
import org.influence4j.hvp.HessianVectorProduct;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Scoring: every training example against one test point, i.e. {@code gᵢᵀs} for all i with
 * {@code s = (H+λI)⁻¹∇L_test} fixed (the solve is not timed here; {@code s} is a seeded unit vector). Batched
 * ({@code perExampleGradientDots}, one forward and backward pass over the training set) vs. the per-example loop a
 * user writes without it: for each example, DL4J's {@code computeGradientAndScore()} on a batch of one, then a dot
 * product with {@code s}. One operation = all {@code n} examples.
 *
 * <p>Next to them, on the same {@code n} examples and in the same run: the baseline {@link #gradientDl4j} (one DL4J
 * batch gradient), {@link #hvpExact} (one exact HVP over the cached pass, as a solver uses it over the whole training
 * set), {@link #hessianCache} (building that cache) and {@link #adapterBuild} (adapting the network: the private
 * DOUBLE copy and the checks), i.e. every one-off and per-test-point cost of scoring a training set.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class ScoringBenchmark {

    /** MLP widths. */
    @Param({"784-128-10"})
    public String network;

    /** Training examples scored per operation (the CI smoke pass uses 256). */
    @Param({"10000"})
    public int n;

    private MultiLayerNetwork net;
    private DataSet train;
    private INDArray[] xs;
    private INDArray[] ys;
    private Dl4jInfluenceModel model;
    private INDArray s;
    private HessianVectorProduct exact;

    /** Builds the network, the training set (also split into one-example batches) and the vector {@code s}. */
    @Setup
    public void setup() {
        net = BenchNets.mlp(network);
        train = BenchNets.data(network, n, 3);
        model = Dl4jInfluenceModel.of(net);
        s = BenchNets.direction(model.numParameters(), 5);
        exact = model.hessian(train, HvpMode.EXACT);
        xs = new INDArray[n];
        ys = new INDArray[n];
        for (int i = 0; i < n; i++) {
            xs[i] = train.getFeatures().get(NDArrayIndex.interval(i, i + 1), NDArrayIndex.all()).dup();
            ys[i] = train.getLabels().get(NDArrayIndex.interval(i, i + 1), NDArrayIndex.all()).dup();
        }
    }

    /** All n scores in one batched pass. */
    @Benchmark
    public INDArray batched() {
        return model.perExampleGradientDots(train, s);
    }

    /** All n scores, one DL4J gradient per example. */
    @Benchmark
    public double[] perExampleLoop() {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            net.setInput(xs[i]);
            net.setLabels(ys[i]);
            net.computeGradientAndScore();
            INDArray g = net.gradient().gradient();
            out[i] = Nd4j.getBlasWrapper().dot(g.reshape(g.length()), s);
        }
        return out;
    }

    /** Baseline: one DL4J batch gradient ({@code computeGradientAndScore}) over all n examples. */
    @Benchmark
    public INDArray gradientDl4j() {
        return BenchNets.dl4jGradient(net, train);
    }

    /** One exact (R-operator) HVP over all n examples, with the forward/backward cache built in setup. */
    @Benchmark
    public INDArray hvpExact() {
        return exact.apply(s);
    }

    /** The one-off cache of {@link #hvpExact}: {@code hessian(train)} (a forward and a backward pass, kept). */
    @Benchmark
    public HessianVectorProduct hessianCache() {
        return model.hessian(train, HvpMode.EXACT);
    }

    /** Adapting the network: {@code Dl4jInfluenceModel.of(net)} (private DOUBLE copy, layer and parameter checks). */
    @Benchmark
    public Dl4jInfluenceModel adapterBuild() {
        return Dl4jInfluenceModel.of(net);
    }
}
