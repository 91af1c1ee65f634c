package org.influence4j.solver;

import org.nd4j.linalg.api.ndarray.INDArray;

/** TEMPORARY skeleton, replaced by the implementation. */
public final class EigenFactorization {
    /** Solves (H + λI)x = b. */
    public SolverResult solve(INDArray b, double damping) {
        throw new UnsupportedOperationException("skeleton");
    }

    /** For each row r of rows [n,p]: rᵀ(H + λI)⁻¹r, shape [n]. */
    public INDArray inverseQuadraticForms(INDArray rows, double damping) {
        throw new UnsupportedOperationException("skeleton");
    }

    /** Eigenvalues of H (undamped), ascending. */
    public INDArray eigenvalues() {
        throw new UnsupportedOperationException("skeleton");
    }
}
