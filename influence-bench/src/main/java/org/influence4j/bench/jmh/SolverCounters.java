package org.influence4j.bench.jmh;

import org.influence4j.solver.SolverResult;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** HVPs spent by the last solve of the iteration, and whether the tolerance was met; JMH reports them per op. */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class SolverCounters {
    /** HVPs of the last solve (CG iterations; LiSSA steps plus power iterations; p for the exact solver). */
    public long hvpsPerSolve;
    /** {@code round(−log10(relative residual))} of the last solve: digits reached. */
    public long residualDigits;

    /** Resets the counters before each iteration. */
    @Setup(Level.Iteration)
    public void reset() {
        hvpsPerSolve = 0;
        residualDigits = 0;
    }

    void record(SolverResult r) {
        hvpsPerSolve = r.iterations();
        residualDigits = Math.round(-Math.log10(Math.max(r.relativeResidual(), 1e-300)));
    }
}
