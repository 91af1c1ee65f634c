package org.influence4j;

/**
 * Receives progress of long estimator work (self-influence over many training points with an iterative
 * solver, forming a dense Hessian). Called on the computing thread; must be cheap and must not throw.
 */
@FunctionalInterface
public interface ProgressListener {

    /** A listener that ignores every event. */
    ProgressListener NONE = (task, done, total) -> { };

    /**
     * @param task  short description of the work ("self-influence")
     * @param done  units finished so far
     * @param total total units
     */
    void onProgress(String task, long done, long total);
}
