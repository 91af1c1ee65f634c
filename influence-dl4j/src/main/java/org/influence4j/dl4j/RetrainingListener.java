package org.influence4j.dl4j;

/**
 * Receives progress from {@link Dl4jRetrainer#prefetch}: one call after each finished retraining, on the thread
 * that called {@code prefetch}, in the order the removal sets were given. Must be cheap and must not throw.
 */
@FunctionalInterface
public interface RetrainingListener {

    /** A listener that ignores every event. */
    RetrainingListener NONE = (retraining, completed, total) -> { };

    /**
     * Called after a retraining.
     *
     * @param retraining the retraining's statistics
     * @param completed  retrainings of this prefetch finished so far (1-based)
     * @param total      retrainings this prefetch does (removal sets already cached are not counted)
     */
    void onRetrained(Dl4jRetrainer.Retraining retraining, int completed, int total);
}
