package org.influence4j.solver;

import org.influence4j.hvp.HessianVectorProduct;
import org.nd4j.linalg.api.ndarray.INDArray;

/** TEMPORARY skeleton, replaced by the implementation. */
public final class LissaSolver implements IHVPSolver {
    static LissaSolver defaults() {
        return new LissaSolver();
    }

    @Override
    public SolverResult solve(HessianVectorProduct h, INDArray b) {
        throw new UnsupportedOperationException("skeleton");
    }
}
