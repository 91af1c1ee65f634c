package org.influence4j.bench.progress;

import java.util.Objects;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of a long loop, shown as a console progress bar on standard error, or nothing at all.
 *
 * <p>The bar is shown only when requested <em>and</em> the JVM has an interactive console
 * ({@link System#console()} is non-null), so redirected output, CI logs and tests stay clean; see
 * {@link #shouldShow(boolean)}. Use it with try-with-resources:
 * <pre>{@code
 * try (Progress p = Progress.start("leave-one-out", n, !options.quiet)) {
 *     for (int i = 0; i < n; i++) { retrain(i); p.step(); }
 * }
 * }</pre>
 * A disabled instance does nothing but count. Calls from one thread at a time (the underlying bar renders on its
 * own thread).
 */
public final class Progress implements AutoCloseable {

    private final ProgressBar bar;
    private final long total;
    private long done;

    private Progress(ProgressBar bar, long total) {
        this.bar = bar;
        this.total = total;
    }

    /**
     * Starts tracking a task.
     *
     * @param task    a short task name shown before the bar
     * @param total   the number of steps, {@code >= 0}
     * @param enabled whether the caller wants a bar (e.g. not {@code --quiet}); it is still only drawn on a terminal
     * @return the progress, to be closed when the task ends
     */
    public static Progress start(String task, long total, boolean enabled) {
        Objects.requireNonNull(task, "task");
        if (total < 0) {
            throw new IllegalArgumentException("total (" + total + ") must be >= 0");
        }
        if (!shouldShow(enabled)) {
            return new Progress(null, total);
        }
        ProgressBar bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                .setUpdateIntervalMillis(250)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .showSpeed()
                .build();
        return new Progress(bar, total);
    }

    /**
     * Starts tracking a task whose number of steps is not known (e.g. the Hessian-vector products of an iterative
     * solve): the bar shows the count and the rate, without an end; {@link #total()} is -1.
     *
     * @param task    a short task name shown before the bar
     * @param enabled whether the caller wants a bar; it is still only drawn on a terminal
     * @return the progress, to be closed when the task ends
     */
    public static Progress unbounded(String task, boolean enabled) {
        Objects.requireNonNull(task, "task");
        if (!shouldShow(enabled)) {
            return new Progress(null, -1);
        }
        ProgressBar bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(-1) // indefinite
                .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                .setUpdateIntervalMillis(250)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .showSpeed()
                .build();
        return new Progress(bar, -1);
    }

    /** A progress that is never shown (for library calls and tests). */
    public static Progress disabled(long total) {
        return new Progress(null, total);
    }

    /**
     * Whether a bar would be drawn: {@code requested} and an interactive console is attached.
     *
     * @param requested whether the caller wants a bar
     * @return true if it would be drawn
     */
    public static boolean shouldShow(boolean requested) {
        return requested && System.console() != null;
    }

    /** Records one finished step. */
    public void step() {
        stepBy(1);
    }

    /**
     * Records finished steps.
     *
     * @param steps how many, {@code >= 0}
     */
    public void stepBy(long steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("steps (" + steps + ") must be >= 0");
        }
        done += steps;
        if (bar != null) {
            bar.stepBy(steps);
        }
    }

    /**
     * Shows a short status after the bar, e.g. the current correlation.
     *
     * @param message the text; not null
     */
    public void message(String message) {
        Objects.requireNonNull(message, "message");
        if (bar != null) {
            bar.setExtraMessage(message);
        }
    }

    /** Whether a bar is drawn. */
    public boolean isShown() {
        return bar != null;
    }

    /** The steps recorded so far. */
    public long done() {
        return done;
    }

    /** The total number of steps; -1 for an {@link #unbounded} task. */
    public long total() {
        return total;
    }

    /** Finishes the bar (leaving its final state on the terminal). Idempotent. */
    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
