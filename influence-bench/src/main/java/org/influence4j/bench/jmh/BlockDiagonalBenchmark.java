package org.influence4j.bench.jmh;

import java.util.concurrent.TimeUnit;

import org.influence4j.dl4j.Dl4jInfluenceModel;
import org.influence4j.dl4j.HvpMode;
import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.solver.Curvature;
import org.influence4j.solver.LayerStatistics;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
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
 * The layer-block-diagonal curvature ({@link Curvature#blockDiagonal()}) next to the full curvature it is cut from,
 * on the same network and batch, in one run (read the ratios):
 * <ul>
 *   <li>{@link #fullProduct}: the baseline, one product of the full Hessian {@code H v} (exact, R-operator);</li>
 *   <li>{@link #blockDiagonalProduct}: {@code H_bd v} for a dense {@code v}: one product of {@code H} per layer
 *       block, each with {@code v} restricted to the block, so the expected ratio is the number of layers;</li>
 *   <li>{@link #blockDiagonalLastBlock}: {@code H_bd v} for a {@code v} that is zero outside the output layer's
 *       block — the blocks where the input is zero are skipped, so the expected ratio is one product plus the
 *       gathering and scattering of the block.</li>
 * </ul>
 * The weights are the seeded initialisation of {@link BenchNets} (costs do not depend on their values).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class BlockDiagonalBenchmark {

    /** MLP widths, see {@link BenchNets}: 2 and 3 layer blocks. */
    @Param({"784-128-10", "784-512-512-10"})
    public String network;

    /** Examples in the batch. */
    @Param({"256"})
    public int batch;

    private HessianVectorProduct full;
    private HessianVectorProduct blockDiagonal;
    private INDArray v;
    private INDArray vLast;

    /** Builds the network, the batch, the full and the block-diagonal curvature and the two directions. */
    @Setup
    public void setup() {
        DataSet data = BenchNets.data(network, batch, 7);
        Dl4jInfluenceModel model = Dl4jInfluenceModel.builder(BenchNets.mlp(network)).hvpMode(HvpMode.EXACT).build();
        Curvature curvature = model.curvature(data);
        full = curvature.hessian();
        blockDiagonal = curvature.blockDiagonal().hessian();
        v = BenchNets.direction(model.numParameters(), 11);
        LayerStatistics stats = curvature.layerStatistics().orElseThrow(
                () -> new IllegalStateException("the DL4J curvature of " + network + " has no layer statistics"));
        int[] last = stats.blocks().get(stats.blocks().size() - 1).parameterIndex();
        vLast = v.mul(0.0);
        for (int i : last) {
            vLast.putScalar(i, v.getDouble(i));
        }
        // Warm both operators' caches (the forward/backward pass is built on the first product).
        full.apply(v);
        blockDiagonal.apply(v);
    }

    /** Baseline: one full Hessian–vector product. */
    @Benchmark
    public INDArray fullProduct() {
        return full.apply(v);
    }

    /** The block-diagonal product with a dense input (one full product per layer block). */
    @Benchmark
    public INDArray blockDiagonalProduct() {
        return blockDiagonal.apply(v);
    }

    /** The block-diagonal product with an input that is zero outside the output layer's block. */
    @Benchmark
    public INDArray blockDiagonalLastBlock() {
        return blockDiagonal.apply(vLast);
    }
}
