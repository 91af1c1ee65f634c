package org.influence4j.hvp;

import java.util.Objects;

import org.influence4j.internal.Arguments;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Static helpers for {@link HessianVectorProduct} operators. */
public final class Hvps {

    private Hvps() {
    }

    /**
     * Returns the operator as a dense symmetric {@code p × p} DOUBLE matrix: the closed form when the
     * operator has one ({@link HessianVectorProduct#denseMatrix()}), otherwise {@code p} products with
     * unit vectors, symmetrised as {@code (A + Aᵀ)/2} (finite-difference columns are not exactly
     * symmetric). Costs {@code p} HVPs and {@code 8p²} bytes.
     *
     * @throws IllegalArgumentException if {@code 8p²} bytes exceed {@code maxBytes}
     * @throws java.util.concurrent.CancellationException if the thread is interrupted (checked before every HVP)
     */
    public static INDArray toDense(HessianVectorProduct h, long maxBytes) {
        Objects.requireNonNull(h, "h");
        long p = h.dimension();
        checkDenseFits(p, maxBytes);
        var closed = h.denseMatrix();
        if (closed.isPresent()) {
            return symmetrize(closed.get());
        }
        INDArray dense = Nd4j.create(DataType.DOUBLE, p, p);
        INDArray e = Nd4j.zeros(DataType.DOUBLE, p);
        for (long j = 0; j < p; j++) {
            if (Thread.currentThread().isInterrupted()) {
                throw new java.util.concurrent.CancellationException("forming the dense Hessian interrupted after "
                        + j + " of " + p + " HVPs");
            }
            e.putScalar(j, 1.0);
            INDArray col = h.apply(e);
            dense.get(NDArrayIndex.all(), NDArrayIndex.point(j)).assign(col);
            e.putScalar(j, 0.0);
        }
        return symmetrize(dense);
    }

    /** {@link #toDense(HessianVectorProduct, long)} with a limit of half the JVM's maximum heap. */
    public static INDArray toDense(HessianVectorProduct h) {
        return toDense(h, Runtime.getRuntime().maxMemory() / 2);
    }

    /** Throws a clear error if a dense {@code p × p} DOUBLE matrix needs more than {@code maxBytes}. */
    public static void checkDenseFits(long p, long maxBytes) {
        double bytes = 8.0 * p * p;
        if (bytes > maxBytes) {
            throw new IllegalArgumentException(String.format(
                    "a dense Hessian with p = %d parameters needs %s but the limit maxBytes is %s; "
                            + "use IHVPSolver.conjugateGradient() or lissa(), or restrict the parameters",
                    p, bytes >= Long.MAX_VALUE ? bytes + " bytes" : Arguments.formatBytes((long) bytes),
                    Arguments.formatBytes(maxBytes)));
        }
    }

    /** Returns {@code (A + Aᵀ)/2} as a fresh DOUBLE 'c'-order matrix; {@code a} is not modified. */
    public static INDArray symmetrize(INDArray a) {
        INDArray d = a.castTo(DataType.DOUBLE);
        return d.add(d.transpose()).muli(0.5).dup('c');
    }
}
