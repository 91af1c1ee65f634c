package org.influence4j.solver;

import java.time.Duration;
import java.util.Objects;

import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.internal.Arguments;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Identity curvature: the "inverse" returns its right-hand side unchanged, so that influence becomes the plain
 * gradient dot product {@code −∇L_testᵀ∇ℓ(zᵢ)} — the grad-dot / TracIn (one checkpoint, unit learning rate) baseline
 * of the attribution literature, offered through the same seam as every other curvature so that scores can be
 * compared on equal terms. The operator and the damping are ignored (the damping is reported, not applied).
 *
 * <p>Results have {@link StopReason#APPROXIMATE}, zero HVPs, and a residual against {@code H + λI} only when
 * {@link #withResidualCheck(boolean) asked for} (NaN otherwise). Immutable and thread-safe.
 */
public final class IdentitySolver implements IHVPSolver {

    private static final IdentitySolver DEFAULT = new IdentitySolver(false);

    private final boolean residualCheck;

    private IdentitySolver(boolean residualCheck) {
        this.residualCheck = residualCheck;
    }

    static IdentitySolver defaults() {
        return DEFAULT;
    }

    /** Returns a copy that measures each result's residual against {@code H + λI} (one HVP per solve). */
    public IdentitySolver withResidualCheck(boolean check) {
        return check == residualCheck ? this : new IdentitySolver(check);
    }

    /** Returns {@code b}, with its residual against {@code h} when asked for. */
    @Override
    public SolverResult solve(HessianVectorProduct h, INDArray b) {
        Objects.requireNonNull(h, "h");
        return result(b, h.dimension(), residualCheck ? h : null);
    }

    @Override
    public InverseHvp prepare(Curvature curvature, double damping) {
        Objects.requireNonNull(curvature, "curvature");
        Arguments.checkNonNegative("damping", damping);
        HessianVectorProduct h = residualCheck ? curvature.hessian().damped(damping) : null;
        return new IdentityInverse(curvature.dimension(), damping, h);
    }

    /** {@code x = b} with diagnostics; serializable (its portable copy has no residual operator). */
    private static final class IdentityInverse implements InverseHvp, java.io.Serializable {
        private static final long serialVersionUID = 1L;
        private final long p;
        private final double damping;
        private final transient HessianVectorProduct h;  // null: no residual check

        IdentityInverse(long p, double damping, HessianVectorProduct h) {
            this.p = p;
            this.damping = damping;
            this.h = h;
        }

        @Override
        public long dimension() {
            return p;
        }

        @Override
        public double damping() {
            return damping;
        }

        @Override
        public SolverResult solve(INDArray b) {
            return result(b, p, h);
        }

        @Override
        public QuadraticForms quadraticForms(INDArray rows) {
            Arguments.checkFloatingPoint("rows", rows);
            if (rows.rank() != 2 || rows.columns() != p) {
                throw new IllegalArgumentException("rows has shape " + java.util.Arrays.toString(rows.shape())
                        + "; expected a matrix [m, " + p + "] with one vector per row");
            }
            Arguments.checkFinite("rows", rows);
            INDArray r = rows.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
            double[] q = r.mul(r).sum(1).toDoubleVector();
            return new QuadraticForms(q, rows.rows() == 0 ? null : result(r.getRow(0).dup(), p, null));
        }

        @Override
        public java.util.Optional<InverseHvp> portable() {
            return java.util.Optional.of(h == null ? this : new IdentityInverse(p, damping, null));
        }

        @Override
        public String toString() {
            return "IdentityInverse[p=" + p + "]";
        }
    }

    private static SolverResult result(INDArray b, long p, HessianVectorProduct h) {
        long start = System.nanoTime();
        Arguments.checkVector("b", b, p);
        Arguments.checkFinite("b", b);
        INDArray x = Arguments.toDoubleVector(b);
        double bn = x.norm2Number().doubleValue();
        double residual = h == null ? Double.NaN : h.apply(x).subi(x).norm2Number().doubleValue();
        return new SolverResult(x, 0, residual, bn, true,
                bn == 0 ? StopReason.ZERO_RIGHT_HAND_SIDE : StopReason.APPROXIMATE,
                Duration.ofNanos(System.nanoTime() - start), new SolverDiagnostics.Identity(h != null));
    }

    @Override
    public String toString() {
        return "identity";
    }
}
