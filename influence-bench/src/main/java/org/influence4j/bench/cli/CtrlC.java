package org.influence4j.bench.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (or SIGTERM) cancels a running command cleanly. The JVM answers the signal by running its shutdown hooks and
 * then halting, which on its own would stop the command wherever it is: a file sink's temporary {@code .part} file
 * would stay behind. While installed, a hook interrupts the command's thread — the estimator then ends its solve, fit
 * or scoring pass within one HVP or scoring block with a {@link java.util.concurrent.CancellationException}, file
 * sinks delete their partial file and progress bars close — and waits up to {@value #GRACE_SECONDS} s for the command
 * to {@link #close() finish} before letting the JVM halt. Work that does not check the interrupt (DL4J training)
 * simply ends with the JVM; it writes nothing.
 *
 * <pre>{@code
 * try (CtrlC c = CtrlC.install()) { ... work ...; if (c.fired()) { ... } }
 * }</pre>
 */
final class CtrlC implements AutoCloseable {

    /** How long the hook waits for the command to clean up before the JVM halts. */
    static final int GRACE_SECONDS = 10;

    private static volatile CtrlC active;

    private final Thread worker;
    private final Thread hook;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean fired;

    private CtrlC(Thread worker) {
        this.worker = worker;
        this.hook = new Thread(this::onSignal, "influence4j-ctrl-c");
    }

    /** Installs the hook for the calling thread's command, until {@link #close()}. */
    static CtrlC install() {
        CtrlC c = new CtrlC(Thread.currentThread());
        Runtime.getRuntime().addShutdownHook(c.hook);
        active = c;
        return c;
    }

    /** The installation of the running command, or null (for tests that simulate the signal with {@link #fire()}). */
    static CtrlC active() {
        return active;
    }

    /** What the hook does on a signal: marks the command cancelled, interrupts it, and waits for it to finish. */
    private void onSignal() {
        fire();
        try {
            finished.await(GRACE_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Cancels the command as a signal would, without waiting (the hook's first half; tests call it directly). */
    void fire() {
        fired = true;
        worker.interrupt();
    }

    /** Whether the command was cancelled by a signal. */
    boolean fired() {
        return fired;
    }

    /** The command has finished (cleanly or not): removes the hook, or lets a running hook return. */
    @Override
    public void close() {
        if (active == this) {
            active = null;
        }
        finished.countDown();
        if (fired && Thread.currentThread() == worker) {
            Thread.interrupted(); // the interrupt was ours, not the caller's: do not leave it on an embedding thread
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running; it returns now that the latch is open
        }
    }
}
