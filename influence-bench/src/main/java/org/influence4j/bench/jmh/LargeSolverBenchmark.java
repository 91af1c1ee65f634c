package org.influence4j.bench.jmh;

import org.openjdk.jmh.annotations.Param;

/**
 * {@link SolverBenchmark} on all 101,770 parameters of the 784-128-10 MLP (n = 1024): CG and LiSSA only, the exact
 * solver would need the dense 101,770² matrix (83 GB). Same counters and stopping rules.
 */
public class LargeSolverBenchmark extends SolverBenchmarkBase {

    /** See {@link SolverProblem}. */
    @Param({"784-128-10"})
    public String problem;

    /** Solver kind. */
    @Param({"CG", "LISSA"})
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
