package org.influence4j.solver;

/**
 * Receives progress from iterative solvers, one immutable event per iteration. Called on the solving
 * thread; must be cheap and must not throw.
 */
@FunctionalInterface
public interface IterationListener {

    /** A listener that ignores every event. */
    IterationListener NONE = event -> { };

    /**
     * One iteration's progress.
     *
     * @param solver    solver name ("cg", "lissa")
     * @param iteration 1-based iteration (for LiSSA: step within the current repeat)
     * @param repeat    0-based repeat (LiSSA), 0 otherwise
     * @param measure   the convergence measure: relative residual (CG) or relative change (LiSSA)
     */
    record Event(String solver, int iteration, int repeat, double measure) {
    }

    /** Called after every iteration. */
    void onIteration(Event event);
}
