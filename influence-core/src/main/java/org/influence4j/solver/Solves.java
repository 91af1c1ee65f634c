package org.influence4j.solver;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.internal.Arguments;
import org.influence4j.internal.Vectors;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;

/**
 * Per-solve plumbing shared by the solvers: argument checks on the right-hand side, the zero right-hand
 * side shortcut, the true residual and the warn-once policy. Package-private.
 */
final class Solves {

    private Solves() {
    }

    /**
     * Checks the operator and {@code b} (length, dtype, finiteness; the message names {@code b}) and returns
     * a fresh rank-1 DOUBLE copy of {@code b}, so that the caller's array is never touched again.
     */
    static INDArray checkedRightHandSide(HessianVectorProduct h, INDArray b) {
        Objects.requireNonNull(h, "h");
        if (h.dimension() < 1) {
            throw new IllegalArgumentException("h has dimension " + h.dimension() + "; at least 1 is required");
        }
        Arguments.checkVector("b", b, h.dimension());
        return Arguments.toDoubleVector(b);
    }

    /** The result {@code x = 0} for {@code b = 0}: no product, residual 0. */
    static SolverResult zeroResult(long p, long startNanos, SolverDiagnostics diagnostics) {
        return new SolverResult(Vectors.zeros(p), 0, 0.0, 0.0, true, StopReason.ZERO_RIGHT_HAND_SIDE,
                elapsedSince(startNanos), diagnostics);
    }

    /** {@code b − Hx} with one product of {@code h} (closed here); {@code b} and {@code x} are not modified. */
    static INDArray residual(HessianVectorProduct h, INDArray b, INDArray x) {
        INDArray hx = h.apply(x);
        INDArray r = b.sub(hx);
        hx.close();
        return r;
    }

    /** {@code ‖b − Hx‖₂} with one product of {@code h}; its temporaries are closed. */
    static double trueResidualNorm(HessianVectorProduct h, INDArray b, INDArray x) {
        INDArray r = residual(h, b, x);
        double norm = Vectors.norm2(r);
        r.close();
        return norm;
    }

    /** Wall-clock time since {@code startNanos} ({@link System#nanoTime()}). */
    static Duration elapsedSince(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /**
     * Ends a solve whose thread was interrupted: throws {@link java.util.concurrent.CancellationException} naming
     * the solver and the HVPs done, leaving the interrupt flag set for the caller.
     */
    static void checkInterrupt(String solver, int hvps) {
        if (Thread.currentThread().isInterrupted()) {
            throw new java.util.concurrent.CancellationException(solver + " interrupted after " + hvps + " HVPs");
        }
    }

    /**
     * Logs {@code message} at WARN the first time {@code flag} is raised and at DEBUG afterwards: the
     * house rule "warn once per problem". The flag belongs to one configured solver (or one factorisation).
     */
    static void warnOnce(Logger log, AtomicBoolean flag, String message, Object... args) {
        if (flag.compareAndSet(false, true)) {
            log.warn(message + " (further occurrences from this instance are logged at DEBUG)", args);
        } else {
            log.debug(message, args);
        }
    }
}
