package org.influence4j.bench.jmh;

import org.influence4j.dl4j.Dl4jInfluenceModel;
import org.influence4j.dl4j.HvpMode;
import org.influence4j.dl4j.ParameterSubset;
import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.solver.IHVPSolver;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * A damped Gauss–Newton system {@code (G + λI) x = ∇L_test} for the solver benchmarks: the network's Gauss–Newton
 * Hessian over {@code n} seeded training examples (positive semi-definite, so {@code G + λI} is positive definite
 * for CG and LiSSA's Neumann series converges for a deterministic operator) and the mean-loss gradient of one test
 * example. Problem names: {@code "4-5-3"} (all 43 parameters, n = 150, Iris' size), {@code "784-128-10/last"} (the
 * output layer's 1,290 parameters, n = 1024: the exact solver forms 1,290 HVPs) and {@code "784-128-10"} (all
 * 101,770 parameters, n = 1024: iterative solvers only, the dense matrix would need 83 GB). Package-private.
 */
final class SolverProblem {

    final HessianVectorProduct operator;
    final INDArray rhs;

    private SolverProblem(HessianVectorProduct operator, INDArray rhs) {
        this.operator = operator;
        this.rhs = rhs;
    }

    static SolverProblem of(String problem, double damping) {
        boolean last = problem.endsWith("/last");
        String spec = last ? problem.substring(0, problem.length() - "/last".length()) : problem;
        int n = spec.startsWith("4-") ? 150 : 1024;
        DataSet train = BenchNets.data(spec, n, 13);
        DataSet test = BenchNets.data(spec, 1, 17);
        Dl4jInfluenceModel model = Dl4jInfluenceModel.builder(BenchNets.mlp(spec)).hvpMode(HvpMode.GAUSS_NEWTON)
                .parameters(last ? ParameterSubset.lastLayer() : ParameterSubset.all()).build();
        return new SolverProblem(model.hessian(train).damped(damping), model.meanLossGradient(test));
    }

    static IHVPSolver solver(String kind, double tolerance) {
        return switch (kind) {
            case "CG" -> IHVPSolver.conjugateGradient().withTolerance(tolerance);
            case "LISSA" -> IHVPSolver.lissa().withTolerance(tolerance).withDepth(LISSA_DEPTH);
            case "EXACT" -> IHVPSolver.exact();
            default -> throw new IllegalArgumentException("solver " + kind + " (CG, LISSA, EXACT)");
        };
    }

    /** LiSSA's depth cap: its stopping rule is a relative change, not a residual; results say whether it stopped early. */
    static final int LISSA_DEPTH = 20_000;
}
