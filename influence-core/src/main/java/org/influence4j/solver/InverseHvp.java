package org.influence4j.solver;

import org.influence4j.internal.Arguments;
import org.influence4j.internal.Vectors;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A prepared inverse of the damped curvature, {@code x = (H + λI)⁻¹b} for any number of right-hand sides: what
 * {@link IHVPSolver#prepare(Curvature, double)} returns ("the solver is an operator"). Whatever can be done once
 * per curvature and damping (a factorisation, a scale estimate, Kronecker factors) was done when it was prepared;
 * each {@link #solve} pays only the per-right-hand-side work.
 *
 * <p>Results are reported, never judged: a solve that misses its tolerance, meets negative curvature, diverges or
 * inverts a modified spectrum returns a {@link SolverResult} flagged {@code converged = false} with its
 * {@link StopReason}; whether that is an error is the caller's policy ({@link SolverResult#failure(double)} builds
 * the matching exception). Caller mistakes (a right-hand side of the wrong length, NaN) throw
 * {@link IllegalArgumentException}. Implementations are immutable and thread-safe if the curvature is.
 */
public interface InverseHvp {

    /** The dimension {@code p}. */
    long dimension();

    /** The damping λ of the inverted operator {@code H + λI}. */
    double damping();

    /**
     * Solves {@code (H + λI)x = b}.
     *
     * @param b right-hand side of length {@link #dimension()}, finite; not modified
     * @return a fresh solution with diagnostics (true residual, HVPs, stop reason)
     * @throws IllegalArgumentException if {@code b} does not fit or is not finite
     * @throws java.util.concurrent.CancellationException if the thread is interrupted during the solve (the
     *         interrupt flag stays set)
     */
    SolverResult solve(INDArray b);

    /**
     * The quadratic forms {@code qᵢ = rᵢᵀ(H + λI)⁻¹rᵢ} of every row {@code rᵢ} of {@code rows} (self-influence
     * needs them for every training gradient). The default solves once per row; a factorised inverse computes all
     * rows at once.
     *
     * @param rows matrix {@code [m, p]}, finite; not modified
     * @return the forms and the least accurate solve behind them
     */
    default QuadraticForms quadraticForms(INDArray rows) {
        Arguments.checkFloatingPoint("rows", rows);
        if (rows.rank() != 2 || rows.columns() != dimension()) {
            throw new IllegalArgumentException("rows has shape " + java.util.Arrays.toString(rows.shape())
                    + "; expected a matrix [m, " + dimension() + "] with one vector per row");
        }
        double[] q = new double[(int) rows.rows()];
        SolverResult worst = null;
        for (int i = 0; i < q.length; i++) {
            INDArray r = rows.getRow(i).dup();
            SolverResult s = solve(r);
            q[i] = Vectors.dot(Arguments.toDoubleVector(r), s.solution());
            worst = SolverResult.lessAccurate(worst, s);
        }
        return new QuadraticForms(q, worst);
    }

    /**
     * A self-contained copy of this inverse that can be shipped to other machines: {@link java.io.Serializable},
     * holding no operator over the training data, and giving the same solutions and quadratic forms (bit for bit on
     * the same machine). Its solves report no true residual ({@code NaN}), since the residual needs the curvature's
     * products. Factorised inverses offer one (Kronecker-factored, identity); the default, for inverses that need the
     * curvature's products for every solve (conjugate gradient, LiSSA) or hold a dense factorisation, offers none.
     *
     * @return the portable copy, or empty
     */
    default java.util.Optional<InverseHvp> portable() {
        return java.util.Optional.empty();
    }

    /**
     * Quadratic forms with the diagnostics of the least accurate solve behind them (an unconverged one first, then
     * the largest relative residual; {@code null} for zero rows).
     *
     * @param values {@code rᵢᵀ(H + λI)⁻¹rᵢ} per row
     * @param worst  the least accurate solve
     */
    record QuadraticForms(double[] values, SolverResult worst) {
    }
}
