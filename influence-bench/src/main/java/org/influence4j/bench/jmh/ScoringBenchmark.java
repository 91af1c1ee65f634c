package org.influence4j.bench.jmh;

import java.util.concurrent.TimeUnit;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.dl4j.Dl4jInfluenceModel;
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

    /** Training examples scored per operation. */
    @Param({"10000"})
    public int n;

    private MultiLayerNetwork net;
    private DataSet train;
    private INDArray[] xs;
    private INDArray[] ys;
    private Dl4jInfluenceModel model;
    private INDArray s;

    /** Builds the network, the training set (also split into one-example batches) and the vector {@code s}. */
    @Setup
    public void setup() {
        net = BenchNets.mlp(network);
        train = BenchNets.data(network, n, 3);
        model = Dl4jInfluenceModel.of(net);
        s = BenchNets.direction(model.numParameters(), 5);
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
}
