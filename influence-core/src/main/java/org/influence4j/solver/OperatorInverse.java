package org.influence4j.solver;

import org.influence4j.hvp.HessianVectorProduct;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The default {@link IHVPSolver#prepare}: one {@link IHVPSolver#solve} on the damped operator per right-hand side. */
record OperatorInverse(IHVPSolver solver, HessianVectorProduct operator, double damping) implements InverseHvp {

    @Override
    public long dimension() {
        return operator.dimension();
    }

    @Override
    public SolverResult solve(INDArray b) {
        return solver.solve(operator, b);
    }

    @Override
    public String toString() {
        return "InverseHvp[" + solver + ", λ=" + damping + "]";
    }
}
