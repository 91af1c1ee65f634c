package org.influence4j.solver;

import java.util.concurrent.atomic.AtomicBoolean;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.eigen.Eigen;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Symmetric eigendecomposition {@code A = V diag(w) Vᵀ} with the fastest path available: LAPACKE
 * {@code dsyevd} through the OpenBLAS binding (CPU backend only, 8–13× faster at p = 500…2000, see
 * notes §6), else ND4J's {@link Eigen#symmetricGeneralizedEigenvalues(INDArray, boolean)} (LAPACK
 * {@code syev} through the backend). Package-private.
 */
final class SymmetricEigen {

    private static final Logger LOG = LoggerFactory.getLogger(SymmetricEigen.class);
    private static final String BINDING = "org.bytedeco.openblas.global.openblas";
    private static final AtomicBoolean LOGGED = new AtomicBoolean();
    private static volatile Boolean lapackeUsable;

    private SymmetricEigen() {
    }

    /**
     * The decomposition: ascending eigenvalues and the eigenvectors as columns.
     *
     * @param values  eigenvalues, ascending, rank-1 DOUBLE
     * @param vectors orthonormal eigenvectors as the columns of a {@code p × p} DOUBLE matrix
     * @param backend the path actually used
     */
    record Result(INDArray values, INDArray vectors, ExactSolver.Backend backend) {
    }

    /** Whether the LAPACKE path can run here: binding on the class path and a CPU backend. */
    static boolean lapackeAvailable() {
        Boolean usable = lapackeUsable;
        if (usable == null) {
            usable = probe();
            lapackeUsable = usable;
        }
        return usable;
    }

    private static boolean probe() {
        try {
            Class.forName(BINDING, false, SymmetricEigen.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
        try {
            return Nd4j.getEnvironment().isCPU();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /**
     * Decomposes the symmetric matrix {@code a}, which the caller owns and which is overwritten.
     *
     * @throws UnsupportedOperationException if {@code requested} is {@link ExactSolver.Backend#LAPACKE_DSYEVD}
     *                                       and that path is unavailable
     */
    static Result decomposeInPlace(INDArray a, ExactSolver.Backend requested) {
        INDArray m = a.dataType() == DataType.DOUBLE && a.ordering() == 'c' && !a.isView() ? a : a.castTo(DataType.DOUBLE).dup('c');
        boolean lapacke = switch (requested) {
            case AUTO -> lapackeAvailable();
            case LAPACKE_DSYEVD -> {
                if (!lapackeAvailable()) {
                    throw new UnsupportedOperationException("LAPACKE dsyevd is unavailable: it needs the bytedeco "
                            + "OpenBLAS binding (brought by nd4j-native) and the ND4J CPU backend; use Backend.AUTO");
                }
                yield true;
            }
            case ND4J_EIGEN -> false;
        };
        if (lapacke) {
            try {
                INDArray w = LapackeDsyevd.decomposeInPlace(m);
                logOnce(ExactSolver.Backend.LAPACKE_DSYEVD);
                return new Result(w, m, ExactSolver.Backend.LAPACKE_DSYEVD);
            } catch (LinkageError e) {
                if (requested == ExactSolver.Backend.LAPACKE_DSYEVD) {
                    throw new UnsupportedOperationException("LAPACKE dsyevd could not be linked: " + e, e);
                }
                LOG.debug("LAPACKE dsyevd could not be linked ({}); falling back to ND4J Eigen", e.toString());
                lapackeUsable = false;
            }
        }
        // syev('V', 'L', A, w): A is overwritten with the eigenvectors as columns, w ascending
        INDArray w = Eigen.symmetricGeneralizedEigenvalues(m, true).castTo(DataType.DOUBLE);
        logOnce(ExactSolver.Backend.ND4J_EIGEN);
        return new Result(w.rank() == 1 ? w : w.reshape(w.length()), m, ExactSolver.Backend.ND4J_EIGEN);
    }

    private static void logOnce(ExactSolver.Backend backend) {
        if (LOGGED.compareAndSet(false, true)) {
            LOG.debug("exact solver: symmetric eigendecomposition via {}", backend);
        }
    }
}
