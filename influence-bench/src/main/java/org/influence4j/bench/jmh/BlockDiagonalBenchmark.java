package org.influence4j.bench.jmh;

import java.util.concurrent.TimeUnit;

import org.influence4j.dl4j.Dl4jInfluenceModel;
import org.influence4j.dl4j.HvpMode;
import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.solver.Curvature;
import org.influence4j.solver.LayerStatistics;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
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
 * The layer-block-diagonal curvature ({@link Curvature#blockDiagonal()}) next to the full curvature it is cut from,
 * on the same network and batch, in one run (read the ratios):
 * <ul>
 *   <li>{@link #fullProduct}: the baseline, one product of the full Hessian {@code H v} (exact, R-operator);</li>
 *   <li>{@link #blockDiagonalProduct}: {@code H_bd v} for a dense {@code v}: one product of {@code H} per layer
 *       block, each with {@code v} restricted to the block, so the expected ratio is the number of layers;</li>
 *   <li>{@link #blockDiagonalLastBlock}: {@code H_bd v} for a {@code v} that is zero outside the output layer's
 *       block — the blocks where the input is zero are skipped, so the expected ratio is one product plus the
 *       gathering and scattering of the block;</li>
 *   <li>{@link #gemmSquare} ({@code [1024, 1024]×[1024, 1024]}, the machine's matrix-product rate) and
 *       {@link #gemmFirstLayer} ({@code [batch, 784]×[784, width₁]}, the shape that dominates the product): DOUBLE
 *       matrix products in the same run, so that the full product is read as {@code time ÷ (multiply-adds ÷ rate)}.</li>
 * </ul>
 *
 * <h2>Multiply-adds of one exact product</h2>
 * With {@code M_k = batch·in_k·out_k} for layer {@code k}, the R-operator product of the dense chain does {@code 2·M_0}
 * for the first layer (the tangent forward {@code a₀V₀} and the weight block {@code Rδ₀ᵀa₀}; the input has no tangent)
 * and {@code 6·M_k} for every later layer (forward {@code R(a_k)W_k + a_kV_k}, weight block
 * {@code Rδ_kᵀa_k + δ_kᵀR(a_k)}, backward {@code Rδ_kW_kᵀ + δ_kV_kᵀ}): {@link #hvpMultiplyAdds}. For 784-128-10 at a
 * batch of 256 that is 53,346,304 (matrix products only; the element-wise work and the bias sums are left out);
 * {@link #reportMultiplyAdds} prints it into the run log.
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
    private INDArray firstA;
    private INDArray firstB;
    private INDArray firstC;
    private INDArray squareA;
    private INDArray squareB;
    private INDArray squareC;
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
        int[] w = BenchNets.widths(network);
        Nd4j.getRandom().setSeed(5);
        firstA = Nd4j.rand(DataType.DOUBLE, batch, w[0]);
        firstB = Nd4j.rand(DataType.DOUBLE, w[0], w[1]);
        firstC = Nd4j.zeros(DataType.DOUBLE, batch, w[1]);
        squareA = Nd4j.rand(DataType.DOUBLE, 1024, 1024);
        squareB = Nd4j.rand(DataType.DOUBLE, 1024, 1024);
        squareC = Nd4j.zeros(DataType.DOUBLE, 1024, 1024);
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

    /** The first layer's shape, {@code [batch, 784]×[784, width₁]} ({@code batch·784·width₁} multiply-adds). */
    @Benchmark
    public INDArray gemmFirstLayer() {
        return Nd4j.gemm(firstA, firstB, firstC, false, false, 1.0, 0.0);
    }

    /** The reference rate: {@code [1024, 1024]×[1024, 1024]} ({@code 1024³} multiply-adds). */
    @Benchmark
    public INDArray gemmSquare() {
        return Nd4j.gemm(squareA, squareB, squareC, false, false, 1.0, 0.0);
    }

    /** Multiply-adds of one exact product of the dense chain {@code widths} over {@code batch} examples. */
    static long hvpMultiplyAdds(int[] widths, int batch) {
        long total = 0;
        for (int k = 0; k + 1 < widths.length; k++) {
            long m = (long) batch * widths[k] * widths[k + 1];
            total += k == 0 ? 2 * m : 6 * m;
        }
        return total;
    }

    /** Prints the multiply-adds of one full product and of {@link #gemmFirstLayer} into the run log. */
    @TearDown
    public void reportMultiplyAdds() {
        int[] w = BenchNets.widths(network);
        System.out.printf("%n[multiply-adds] network=%s batch=%d: full product %d, gemmFirstLayer %d, gemmSquare %d%n",
                network, batch, hvpMultiplyAdds(w, batch), (long) batch * w[0] * w[1], 1024L * 1024 * 1024);
    }
}
