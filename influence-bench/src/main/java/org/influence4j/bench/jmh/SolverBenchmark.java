package org.influence4j.bench.jmh;

import org.openjdk.jmh.annotations.Param;

/**
 * Time to a fixed tolerance for CG, LiSSA (deterministic full-batch operator) and the exact solver on damped
 * Gauss–Newton systems small enough for all three ({@link SolverProblem}); {@code hvp} is one product of the same
 * operator, so a solve's time reads as a multiple of an HVP. Auxiliary counters: HVPs per solve and the digits of
 * relative residual reached (see {@link SolverBenchmarkBase}).
 */
public class SolverBenchmark extends SolverBenchmarkBase {

    /** See {@link SolverProblem}. */
    @Param({"4-5-3", "784-128-10/last"})
    public String problem;

    /** Solver kind. */
    @Param({"CG", "LISSA", "EXACT"})
    public String solver;

    /** Damping λ added to the Gauss–Newton Hessian. */
    @Param({"0.01"})
    public double damping;

    /** Relative tolerance (residual for CG, step change for LiSSA). */
    @Param({"1e-8"})
    public double tolerance;

    @Override
    protected String problem() {
        return problem;
    }

    @Override
    protected String solver() {
        return solver;
    }

    @Override
    protected double damping() {
        return damping;
    }

    @Override
    protected double tolerance() {
        return tolerance;
    }
}
