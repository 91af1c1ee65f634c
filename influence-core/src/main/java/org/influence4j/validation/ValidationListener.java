package org.influence4j.validation;

import java.time.Duration;

/**
 * Receives progress from {@link LeaveOneOutValidation#run}: one immutable event after each retraining
 * (retraining can be slow). Called on the running thread; must be cheap and must not throw.
 */
@FunctionalInterface
public interface ValidationListener {

    /** A listener that ignores every event. */
    ValidationListener NONE = event -> { };

    /**
     * Progress after one retraining.
     *
     * @param completed points retrained so far (1-based)
     * @param total     points that will be retrained (the baseline not counted)
     * @param point     the result for the point just retrained
     * @param elapsed   time since the run started, baseline included
     */
    record Progress(int completed, int total, ValidationReport.Point point, Duration elapsed) {
    }

    /** Called after every retraining. */
    void onPoint(Progress progress);
}
