package org.influence4j.bench.jmh;

import java.util.concurrent.TimeUnit;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Dense {@code DOUBLE} baselines on the active ND4J backend: a matrix–vector product {@code A·v} ({@code 2n²}
 * flops), the cost floor of an explicit-Hessian HVP, and a matrix–matrix product {@code A·B} ({@code 2n³} flops),
 * the work of forming a Gauss–Newton block. Later HVP benchmarks are reported as ratios to these.
 * Inputs are seeded ({@code Nd4j.getRandom().setSeed(1)}) and results are returned, so JMH sinks them.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DenseBaselineBenchmark {

    /** Matrix dimension {@code n}. */
    @Param({"256", "1024"})
    public int n;

    private INDArray a;
    private INDArray b;
    private INDArray v;

    /** Creates the seeded inputs. */
    @Setup
    public void setup() {
        Nd4j.getRandom().setSeed(1);
        a = Nd4j.randn(DataType.DOUBLE, n, n);
        b = Nd4j.randn(DataType.DOUBLE, n, n);
        v = Nd4j.randn(DataType.DOUBLE, n, 1);
    }

    /** {@code A·v}: the explicit-Hessian HVP baseline. */
    @Benchmark
    public INDArray gemv() {
        return a.mmul(v);
    }

    /** {@code A·B}. */
    @Benchmark
    public INDArray gemm() {
        return a.mmul(b);
    }
}
