package org.influence4j.validation;

import java.time.Duration;

/**
 * Receives progress from {@link LinearDatamodelingScore#run}: one immutable event after each subset training
 * (a training can be slow). Called on the thread that called {@code run}, never on a worker, in the order in which
 * trainings finish; must be cheap and must not throw (an exception thrown here ends the run and propagates).
 */
@FunctionalInterface
public interface DatamodelListener {

    /** A listener that ignores every event. */
    DatamodelListener NONE = event -> { };

    /**
     * Progress after one training.
     *
     * @param completed      trainings available so far, those loaded from the checkpoint included (1-based for the
     *                       first event of a run that loaded nothing)
     * @param total          trainings the run needs: subsets × effective seeds per subset
     * @param subset         the subset {@code j} just trained ({@code 0 ≤ j < M})
     * @param replicate      its replicate {@code r} ({@code 0 ≤ r <} effective seeds per subset)
     * @param elapsed        time since the run started
     * @param fromCheckpoint trainings loaded from the checkpoint file at the start of the run (0 without one)
     */
    record Progress(int completed, int total, int subset, int replicate, Duration elapsed, int fromCheckpoint) {
    }

    /** Called after every training of this run (not for those loaded from the checkpoint). */
    void onTraining(Progress progress);
}
