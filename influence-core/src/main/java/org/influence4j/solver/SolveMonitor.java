package org.influence4j.solver;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * A per-thread hook through which long work reports to whoever started it: the library's curvature operators
 * report every product ({@link #product()}) and iterative solvers every iteration ({@link #iteration}), and a
 * caller that installed a {@link Listener} with {@link #run} receives them — {@code InfluenceEstimator} uses it for
 * progress, periodic INFO lines, cancellation and its time budget, whatever solver it holds. Without an installed
 * listener both calls cost a thread-local read and do nothing.
 *
 * <p>A third-party {@link IHVPSolver} gets products reported for free when it multiplies by the {@link Curvature}'s
 * operators; it should call {@link #iteration} once per iteration to report its convergence measure too.
 */
public final class SolveMonitor {

    /** Receives the reports of the work run under it, on the working thread. May throw to stop the work. */
    public interface Listener {
        /** One operator product (an HVP) is about to be computed. */
        void onProduct();

        /** An iterative solver finished an iteration. */
        void onIteration(IterationListener.Event event);

        /**
         * A pass over the training data (e.g. fitting Kronecker factors) finished another batch: {@code done} of
         * {@code total} examples. Called on the thread that processed the batch (one at a time).
         */
        default void onExamples(String what, long done, long total) {
        }

        /** A point between blocks of work where the work may be stopped (interrupt, time budget); no product. */
        default void onCheckpoint() {
        }
    }

    private static final ThreadLocal<Listener> CURRENT = new ThreadLocal<>();

    private SolveMonitor() {
    }

    /**
     * Runs {@code work} with {@code listener} installed for the current thread (nested calls replace it until they
     * return) and returns its result.
     */
    public static <T> T run(Listener listener, Supplier<T> work) {
        Objects.requireNonNull(listener, "listener");
        Listener previous = CURRENT.get();
        CURRENT.set(listener);
        try {
            return work.get();
        } finally {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        }
    }

    /** The listener installed for the current thread, or null (to hand on to worker threads). */
    public static Listener current() {
        return CURRENT.get();
    }

    /** Reports one operator product to the installed listener, if any (which may throw to stop the work). */
    public static void product() {
        Listener l = CURRENT.get();
        if (l != null) {
            l.onProduct();
        }
    }

    /** Reports a checkpoint to the installed listener, if any (which may throw to stop the work). */
    public static void checkpoint() {
        Listener l = CURRENT.get();
        if (l != null) {
            l.onCheckpoint();
        }
    }

    /** Reports one iteration to the installed listener, if any (which may throw to stop the work). */
    public static void iteration(IterationListener.Event event) {
        Listener l = CURRENT.get();
        if (l != null) {
            l.onIteration(event);
        }
    }
}
