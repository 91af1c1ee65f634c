package org.influence4j.bench.jmh;

import java.util.concurrent.TimeUnit;

import org.influence4j.solver.IHVPSolver;
import org.influence4j.solver.SolverResult;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The solve and HVP benchmarks shared by {@link SolverBenchmark} and {@link LargeSolverBenchmark}, which declare the
 * {@code @Param}s (JMH inherits the benchmark methods, sample 24). CG stops at relative residual {@code tolerance};
 * LiSSA at relative change {@code tolerance} between steps (its only stopping rule) or at depth
 * {@value SolverProblem#LISSA_DEPTH}; the exact solver forms p HVPs and eigendecomposes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public abstract class SolverBenchmarkBase {

    /** The problem name, see {@link SolverProblem}. */
    protected abstract String problem();

    /** CG, LISSA or EXACT. */
    protected abstract String solver();

    /** Damping λ added to the Gauss–Newton Hessian. */
    protected abstract double damping();

    /** Relative tolerance (residual for CG, step change for LiSSA; the exact solver is direct). */
    protected abstract double tolerance();

    private SolverProblem system;
    private IHVPSolver ihvp;
    private SolverResult last;

    /** Builds the system and the solver. */
    @Setup
    public void setup() {
        system = SolverProblem.of(problem(), damping());
        ihvp = SolverProblem.solver(solver(), tolerance());
    }

    /** One solve. */
    @Benchmark
    public SolverResult solve(SolverCounters counters) {
        last = ihvp.solve(system.operator, system.rhs);
        counters.record(last);
        return last;
    }

    /** One product of the damped operator (the unit of a solve's cost). */
    @Benchmark
    public INDArray hvp() {
        return system.operator.apply(system.rhs);
    }

    /** Prints the last solve's diagnostics into the run log. */
    @TearDown
    public void report() {
        if (last != null) {
            System.out.println("\n[" + problem() + " " + solver() + " λ=" + damping() + "] " + last);
        }
    }
}
