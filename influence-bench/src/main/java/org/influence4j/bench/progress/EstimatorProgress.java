package org.influence4j.bench.progress;

import java.util.ArrayList;
import java.util.List;

import org.influence4j.ProgressListener;

/**
 * Shows an {@link org.influence4j.InfluenceEstimator}'s progress events as console bars ({@link Progress}), one bar per
 * phase: a task with a known total ({@code "layer statistics"} of a K-FAC fit, {@code "solves"}, {@code "scoring"},
 * {@code "self-influence"}) gets its own bar, which replaces the previous one when the task changes or starts over
 * (EK-FAC's second pass, recognised by a count that falls or an event after the bar completed); the Hessian-vector products of an iterative solve or a dense Hessian (events with
 * {@code total = 0}) are shown as an open-ended "HVPs" bar when no other bar runs (a dense Hessian, a first solve),
 * and while the solves run as that bar's message; at other times they are not shown.
 *
 * <pre>{@code
 * try (EstimatorProgress bars = new EstimatorProgress(!quiet)) {
 *     estimator.withProgressListener(bars).influenceOnEach(testPoints, sink);
 * }
 * }</pre>
 * Bars are only drawn on a terminal ({@link Progress#shouldShow}); the phases are recorded either way
 * ({@link #phases()}). Thread-safe: the estimator may report from its worker threads.
 */
public final class EstimatorProgress implements ProgressListener, AutoCloseable {

    /** The name of the open-ended bar of Hessian-vector products. */
    public static final String HVPS = "HVPs";
    /** The estimator's task of one solve per test point. */
    public static final String SOLVES = "solves";

    private final boolean enabled;
    private final List<String> phases = new ArrayList<>();
    private Progress bar;
    private String task;

    /**
     * @param enabled whether bars are wanted (e.g. not {@code --quiet}); they are still only drawn on a terminal
     */
    public EstimatorProgress(boolean enabled) {
        this.enabled = enabled;
    }

    @Override
    public synchronized void onProgress(String task, long done, long total) {
        if (total > 0) {
            // a new bar for a new task, and for the same task starting over: fewer done than before, or any event
            // after the bar completed (a fast pass reports only its end, which repeats the previous pass's last event)
            if (bar == null || !task.equals(this.task) || bar.total() != total || done < bar.done()
                    || bar.done() == bar.total()) {
                open(task, Progress.start(task, total, enabled));
            }
            bar.stepBy(Math.max(0, Math.min(done, total) - bar.done()));
        } else if (bar == null || HVPS.equals(this.task)) {
            if (bar == null || done < bar.done()) {
                open(HVPS, Progress.unbounded(HVPS, enabled));
            }
            bar.stepBy(Math.max(0, done - bar.done()));
        } else if (SOLVES.equals(this.task) && bar.done() < bar.total()) {
            bar.message(done + " " + HVPS);
        }
        // other HVP counts are not shown: after the last solve the estimator's count only grows by its checks
        // between scoring blocks, which are not products
    }

    private void open(String name, Progress next) {
        closeBar();
        bar = next;
        task = name;
    }

    private void closeBar() {
        if (bar != null) {
            bar.close();
            phases.add(task + " " + bar.done() + (bar.total() >= 0 ? "/" + bar.total() : ""));
            bar = null;
            task = null;
        }
    }

    /**
     * The phases seen so far, each as {@code "task done/total"} ({@code "HVPs done"} for open-ended ones), in order;
     * the running phase is included once {@link #close() closed}.
     */
    public synchronized List<String> phases() {
        return List.copyOf(phases);
    }

    /** Finishes the running bar. Idempotent. */
    @Override
    public synchronized void close() {
        closeBar();
    }
}
