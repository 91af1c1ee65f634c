package org.influence4j.solver;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.openblas.global.openblas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * LAPACKE {@code dsyevd} (divide and conquer) through the bytedeco OpenBLAS binding that nd4j-native
 * brings. This is the only class that references the binding; it is loaded only after
 * {@link SymmetricEigen} has checked that the binding is present and the ND4J backend is the CPU one, so
 * influence-core runs without it. Package-private.
 */
final class LapackeDsyevd {

    private LapackeDsyevd() {
    }

    /**
     * Eigendecomposition of the symmetric DOUBLE matrix {@code a} ('c' order, not a view), in place:
     * {@code a} is overwritten with the eigenvectors as COLUMNS; the eigenvalues are returned ascending.
     */
    static INDArray decomposeInPlace(INDArray a) {
        int n = Math.toIntExact(a.rows());
        INDArray w = Nd4j.create(DataType.DOUBLE, n);
        DoublePointer pa = new DoublePointer(a.data().addressPointer());
        DoublePointer pw = new DoublePointer(w.data().addressPointer());
        // row-major 'U': LAPACK sees the transpose, which for a symmetric matrix is the same matrix
        int info = openblas.LAPACKE_dsyevd(openblas.LAPACK_ROW_MAJOR, (byte) 'V', (byte) 'U', n, pa, n, pw);
        if (info != 0) {
            throw new NumericalException("LAPACKE_dsyevd failed with info = " + info
                    + (info > 0 ? " (the algorithm failed to converge)" : " (illegal argument " + -info + ")"));
        }
        return w;
    }
}
