package org.influence4j.testdata;

import java.util.Arrays;

import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.linear.EigenDecompositionSymmetric;
import org.hipparchus.linear.LUDecomposition;
import org.hipparchus.linear.RealMatrix;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Dense linear algebra oracle for tests, from Hipparchus (independent of influence4j's own solvers and
 * of ND4J's LAPACK binding).
 */
public final class DenseOracle {

    private DenseOracle() {
    }

    public static RealMatrix matrix(INDArray a) {
        return new Array2DRowRealMatrix(a.castTo(DataType.DOUBLE).toDoubleMatrix(), false);
    }

    /** Solves {@code (A + λI) x = b} by LU with partial pivoting. */
    public static INDArray solve(INDArray a, double lambda, INDArray b) {
        RealMatrix m = matrix(a);
        for (int i = 0; i < m.getRowDimension(); i++) {
            m.addToEntry(i, i, lambda);
        }
        double[] x = new LUDecomposition(m, 0.0).getSolver()
                .solve(new ArrayRealVector(b.castTo(DataType.DOUBLE).toDoubleVector())).toArray();
        return Nd4j.createFromArray(x);
    }

    /** Eigenvalues of a symmetric matrix, ascending. */
    public static double[] eigenvalues(INDArray sym) {
        double[] ev = new EigenDecompositionSymmetric(matrix(sym)).getEigenvalues().clone();
        Arrays.sort(ev);
        return ev;
    }

    /** The unit eigenvector of the smallest eigenvalue of a symmetric matrix. */
    public static INDArray smallestEigenvector(INDArray sym) {
        EigenDecompositionSymmetric e = new EigenDecompositionSymmetric(matrix(sym));
        double[] ev = e.getEigenvalues();
        int arg = 0;
        for (int i = 1; i < ev.length; i++) {
            if (ev[i] < ev[arg]) {
                arg = i;
            }
        }
        return Nd4j.createFromArray(e.getEigenvector(arg).unitVector().toArray());
    }

    /** An orthogonal matrix whose columns are the eigenvectors of a symmetric matrix. */
    public static INDArray eigenvectors(INDArray sym) {
        EigenDecompositionSymmetric e = new EigenDecompositionSymmetric(matrix(sym));
        return Nd4j.create(e.getV().getData());
    }
}
