package org.influence4j.bench.jmh;

import java.util.concurrent.TimeUnit;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.dl4j.Dl4jInfluenceModel;
import org.influence4j.dl4j.HvpMode;
import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.hvp.Hvps;
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
 * The explicit-Hessian product {@code H·v} ({@code HessianVectorProduct.ofMatrix} of the dense exact Hessian,
 * formed once in {@link #setup()} from {@code p} exact HVPs) next to the exact R-operator HVP and the DL4J batch
 * gradient on the same batch. Only for the 4-5-3 MLP (p = 43): the 784-128-10 MLP's Hessian would be
 * 101,770² doubles (83 GB), so it is not formed. The explicit product's cost does not depend on the batch; the
 * batch sweep shows where it overtakes the operator.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class ExplicitHvpBenchmark {

    /** Only the network whose Hessian can be formed. */
    @Param({"4-5-3"})
    public String network;

    /** Examples in the batch the Hessian is taken over. */
    @Param({"32", "256", "1024"})
    public int batch;

    private MultiLayerNetwork net;
    private DataSet data;
    private HessianVectorProduct exact;
    private HessianVectorProduct explicit;
    private INDArray v;

    /** Builds the network, the operator and its dense matrix. */
    @Setup
    public void setup() {
        net = BenchNets.mlp(network);
        data = BenchNets.data(network, batch, 7);
        Dl4jInfluenceModel model = Dl4jInfluenceModel.builder(net).hvpMode(HvpMode.EXACT).build();
        exact = model.hessian(data, HvpMode.EXACT);
        explicit = HessianVectorProduct.ofMatrix(Hvps.symmetrize(Hvps.toDense(exact)));
        v = BenchNets.direction(model.numParameters(), 11);
    }

    /** Baseline: one DL4J batch gradient on the same batch. */
    @Benchmark
    public INDArray gradientDl4j() {
        return BenchNets.dl4jGradient(net, data);
    }

    /** Exact R-operator HVP over the cached pass. */
    @Benchmark
    public INDArray hvpExact() {
        return exact.apply(v);
    }

    /** The product with the formed matrix. */
    @Benchmark
    public INDArray hvpExplicit() {
        return explicit.apply(v);
    }
}
