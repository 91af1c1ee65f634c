package org.influence4j.bench.jmh;

import java.util.concurrent.TimeUnit;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.dl4j.Dl4jInfluenceModel;
import org.influence4j.dl4j.HvpMode;
import org.influence4j.hvp.HessianVectorProduct;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * HVP throughput next to a plain batch gradient on the same batch, measured side by side in one run (read the
 * ratios, not the absolute times).
 *
 * <ul>
 *   <li>{@link #gradientDl4j}: the baseline, DL4J's own {@code computeGradientAndScore()} on a DOUBLE network with
 *       the adapter's weights (sum of per-example gradients, no regulariser: DL4J's backprop as a user runs it);</li>
 *   <li>{@link #gradientAdapter}: the adapter's {@code objectiveGradient} (its hand-written forward and backward
 *       pass, divided by n, plus the regulariser);</li>
 *   <li>{@link #hvpExact}, {@link #hvpGaussNewton}: the operator as a solver uses it — {@code hessian(batch)} is
 *       built once in {@link #setup()} (the forward/backward cache), then each call is one {@code apply(v)};</li>
 *   <li>{@link #hvpFiniteDifference}: central differences of DL4J's gradient (two DL4J gradients, plus setting
 *       the perturbed parameters on the adapter's private copy);</li>
 *   <li>{@link #hessianCache}: the one-off cost of {@code hessian(batch)} (the cached forward and backward pass).</li>
 * </ul>
 * The explicit-Hessian product is in {@link ExplicitHvpBenchmark} (only the 4-5-3 network has a Hessian small
 * enough to form). Inputs are seeded; results are returned so that JMH sinks them.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class HvpBenchmark {

    /** MLP widths, see {@link BenchNets}: p = 43, 101,770 and 669,706. */
    @Param({"4-5-3", "784-128-10", "784-512-512-10"})
    public String network;

    /** Examples in the batch. */
    @Param({"32", "256", "1024"})
    public int batch;

    private MultiLayerNetwork net;
    private DataSet data;
    private Dl4jInfluenceModel model;
    private HessianVectorProduct exact;
    private HessianVectorProduct gaussNewton;
    private HessianVectorProduct finiteDifference;
    private INDArray v;

    /** Builds the network, the batch, the adapter and the three operators (caches included). */
    @Setup
    public void setup() {
        net = BenchNets.mlp(network);
        data = BenchNets.data(network, batch, 7);
        model = Dl4jInfluenceModel.builder(net).hvpMode(HvpMode.EXACT).build();
        exact = model.hessian(data, HvpMode.EXACT);
        gaussNewton = model.hessian(data, HvpMode.GAUSS_NEWTON);
        finiteDifference = model.hessian(data, HvpMode.FINITE_DIFFERENCE);
        v = BenchNets.direction(model.numParameters(), 11);
    }

    /** Baseline: one DL4J batch gradient ({@code computeGradientAndScore}) on the same batch. */
    @Benchmark
    public INDArray gradientDl4j() {
        return BenchNets.dl4jGradient(net, data);
    }

    /** The adapter's objective gradient on the same batch. */
    @Benchmark
    public INDArray gradientAdapter() {
        return model.objectiveGradient(data);
    }

    /** Exact (R-operator) HVP over the cached pass. */
    @Benchmark
    public INDArray hvpExact() {
        return exact.apply(v);
    }

    /** Gauss–Newton HVP over the cached pass. */
    @Benchmark
    public INDArray hvpGaussNewton() {
        return gaussNewton.apply(v);
    }

    /** Central finite-difference HVP of DL4J's gradient. */
    @Benchmark
    public INDArray hvpFiniteDifference() {
        return finiteDifference.apply(v);
    }

    /**
     * Prints the off-heap working memory of one HVP (exact or Gauss–Newton, whichever this fork timed) — the size of the thread-local ND4J workspace that holds
     * its temporaries ({@code influence4j-hvp}, reused by every call on this thread) — next to
     * {@code 8·(p + n·Σwidths)} bytes, into the run log. The {@code gc} profiler sees only the Java heap; ND4J
     * buffers are off-heap.
     */
    @TearDown
    public void reportWorkingMemory() {
        MemoryWorkspace ws = Nd4j.getWorkspaceManager().checkIfWorkspaceExists("influence4j-hvp")
                ? Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread("influence4j-hvp") : null;
        if (ws == null) {
            return;
        }
        int[] w = BenchNets.widths(network);
        long widths = 0;
        for (int x : w) {
            widths += x;
        }
        long bound = 8L * (model.numParameters() + (long) batch * widths);
        System.out.printf("%n[working memory] network=%s batch=%d p=%d: HVP workspace %d bytes (max %d), "
                        + "8*(p + n*sum(widths)) = %d bytes, ratio %.2f; result vector %d bytes (off the workspace)%n",
                network, batch, model.numParameters(), ws.getCurrentSize(), ws.getMaxCycleAllocations(), bound,
                (double) ws.getCurrentSize() / bound, 8L * model.numParameters());
    }

    /** The one-off cache: {@code hessian(batch)} in EXACT mode (a forward and a backward pass, kept). */
    @Benchmark
    public HessianVectorProduct hessianCache() {
        return model.hessian(data, HvpMode.EXACT);
    }
}
