package org.influence4j.bench.jmh;

import java.util.concurrent.TimeUnit;

import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.solver.EigenFactorization;
import org.influence4j.solver.ExactSolver;
import org.influence4j.solver.IHVPSolver;
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
 * The exact solver's factorisation, {@code ExactSolver.factorize(H)}, of a seeded random symmetric
 * {@code p × p} matrix ({@code HessianVectorProduct.ofMatrix}: closed form, so no HVPs, only a copy and the
 * eigendecomposition with eigenvectors), with the LAPACKE {@code dsyevd} backend (the default on CPU) and with
 * ND4J's {@code Eigen.symmetricGeneralizedEigenvalues} ({@code syev}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class EigenBenchmark {

    /** Matrix size. */
    @Param({"500", "1000", "2000"})
    public int p;

    /** Eigensolver. */
    @Param({"LAPACKE_DSYEVD", "ND4J_EIGEN"})
    public ExactSolver.Backend backend;

    private HessianVectorProduct h;
    private ExactSolver solver;

    /** A seeded symmetric matrix {@code (A + Aᵀ)/2}. */
    @Setup
    public void setup() {
        Nd4j.getRandom().setSeed(p);
        INDArray a = Nd4j.randn(DataType.DOUBLE, p, p);
        h = HessianVectorProduct.ofMatrix(a.add(a.transpose()).muli(0.5));
        solver = IHVPSolver.exact().withBackend(backend);
    }

    /** Copy + symmetric eigendecomposition (values and vectors). */
    @Benchmark
    public EigenFactorization factorize() {
        return solver.factorize(h);
    }
}
