package org.influence4j.solver;

import org.influence4j.hvp.HessianVectorProduct;
import org.nd4j.linalg.api.ndarray.INDArray;

/** TEMPORARY skeleton, replaced by the implementation. */
public final class ExactSolver implements IHVPSolver {
    static ExactSolver defaults() {
        return new ExactSolver();
    }

    /** Factorises the (undamped) operator once; the factorisation solves for any rhs and damping. */
    public EigenFactorization factorize(HessianVectorProduct h) {
        throw new UnsupportedOperationException("skeleton");
    }

    @Override
    public SolverResult solve(HessianVectorProduct h, INDArray b) {
        throw new UnsupportedOperationException("skeleton");
    }
}
