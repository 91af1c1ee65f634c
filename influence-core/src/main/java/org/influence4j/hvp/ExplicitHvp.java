package org.influence4j.hvp;

import java.util.Arrays;
import java.util.Optional;

import org.influence4j.internal.Arguments;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** An explicit symmetric matrix as an operator; see {@link HessianVectorProduct#ofMatrix(INDArray)}. */
final class ExplicitHvp implements HessianVectorProduct {

    /** Relative asymmetry accepted by {@link HessianVectorProduct#ofMatrix(INDArray)}. */
    static final double SYMMETRY_TOLERANCE = 1e-10;

    private final INDArray matrix;

    ExplicitHvp(INDArray matrix) {
        Arguments.checkFinite("matrix", matrix);
        if (matrix.rank() != 2 || matrix.rows() != matrix.columns() || matrix.rows() == 0) {
            throw new IllegalArgumentException("matrix has shape " + Arrays.toString(matrix.shape())
                    + "; a non-empty square matrix is required");
        }
        INDArray m = matrix.castTo(DataType.DOUBLE).dup('c');
        double scale = m.amaxNumber().doubleValue();
        double asym = m.sub(m.transpose()).amaxNumber().doubleValue();
        if (asym > SYMMETRY_TOLERANCE * Math.max(scale, Double.MIN_NORMAL)) {
            throw new IllegalArgumentException("matrix is not symmetric: max|A - Aᵀ| = " + asym + " vs max|A| = "
                    + scale + "; symmetrize it first with Hvps.symmetrize(matrix)");
        }
        this.matrix = m;
    }

    @Override
    public long dimension() {
        return matrix.rows();
    }

    @Override
    public INDArray apply(INDArray v) {
        HessianVectorProduct.checkArgument(this, v);
        INDArray x = Arguments.toDoubleVector(v).reshape(matrix.rows(), 1);
        return matrix.mmul(x).reshape(matrix.rows());
    }

    @Override
    public Optional<INDArray> denseMatrix() {
        return Optional.of(matrix.dup());
    }

    @Override
    public String toString() {
        return "ExplicitHvp[p=" + matrix.rows() + "]";
    }
}
