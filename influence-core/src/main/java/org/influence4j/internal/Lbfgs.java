package org.influence4j.internal;

import java.util.Objects;

import org.influence4j.model.LineSearch;

/**
 * Limited-memory BFGS for a smooth objective given as value and gradient over {@code double[]}: the textbook two-loop
 * recursion (Nocedal &amp; Wright, Alg. 7.4) with the backtracking Armijo {@link LineSearch}. Shared by the full-batch
 * trainer of the DL4J adapter and the proximal Bregman response function of the validation package. <b>Not public
 * API.</b>
 *
 * <h2>Algorithm</h2>
 * <ul>
 *   <li>Direction {@code d = −H_k g} from the last {@link Options#memory()} correction pairs {@code (s, y)}, with the
 *       initial scaling {@code γ = sᵀy / yᵀy} of the newest pair. The first direction, and any that is not a descent
 *       direction ({@code gᵀd ≥ 0}, after which the memory is cleared), is steepest descent scaled by
 *       {@code 1/max(1, ‖g‖)}.</li>
 *   <li>Step: {@link LineSearch#backtrack} from {@code α = 1}, at most {@link Options#maxBacktracks()} trials; with
 *       {@link Options#roundOffByGradient()} a trial whose objective equals the current one to round-off is also
 *       accepted when it lowers {@code ‖g‖} (needed when the stopping rule asks for a gradient far below what
 *       objective differences can resolve).</li>
 *   <li>A pair is stored only when {@code sᵀy > 1e-300} (curvature condition; always true on a convex objective).</li>
 * </ul>
 * Stops when {@code ‖g‖₂ ≤ tolerance} ({@link Stop#CONVERGED}), after {@code maxIterations} iterations
 * ({@link Stop#MAX_ITERATIONS}), or when the line search finds no acceptable step ({@link Stop#LINE_SEARCH_STALLED}:
 * no decrease is possible at this precision). Cost: one evaluation per iteration plus the line search's extra trials
 * (usually none). Deterministic: the same objective and start give the same iterates bit for bit. Stateless and
 * thread-safe; the objective is called on the calling thread only.
 */
public final class Lbfgs {

    /** Smallest {@code sᵀy} for which a correction pair is stored. */
    static final double MIN_CURVATURE = 1e-300;

    private Lbfgs() {
    }

    /** The objective: value and gradient at a point. */
    @FunctionalInterface
    public interface Objective {

        /**
         * {@code f(x)}, writing {@code ∇f(x)} into {@code gradient}.
         *
         * @param x        the point; must not be modified
         * @param gradient receives the gradient (same length as {@code x})
         * @return the value; a non-finite value rejects the trial step
         */
        double evaluate(double[] x, double[] gradient);
    }

    /**
     * Called before every iteration with the current state; may throw to end the minimisation (for example a
     * {@link java.util.concurrent.CancellationException} for an interrupted thread).
     */
    @FunctionalInterface
    public interface IterationHook {

        /** A hook that does nothing. */
        IterationHook NONE = (iteration, objective, gradientNorm) -> { };

        /**
         * @param iteration    iterations done so far (0 before the first)
         * @param objective    the current value
         * @param gradientNorm the current {@code ‖g‖₂}
         */
        void beforeIteration(int iteration, double objective, double gradientNorm);
    }

    /**
     * Settings.
     *
     * @param memory             correction pairs kept, {@code ≥ 1}
     * @param maxBacktracks      line-search trials per iteration, {@code ≥ 1}
     * @param roundOffByGradient whether the line search may accept a round-off-level step that lowers {@code ‖g‖}
     */
    public record Options(int memory, int maxBacktracks, boolean roundOffByGradient) {

        /** Validates {@code memory ≥ 1} and {@code maxBacktracks ≥ 1}. */
        public Options {
            Arguments.checkPositive("memory", memory);
            Arguments.checkPositive("maxBacktracks", maxBacktracks);
        }
    }

    /** Why the minimisation stopped. */
    public enum Stop {
        /** {@code ‖g‖ ≤ tolerance}. */
        CONVERGED,
        /** The iteration budget was spent. */
        MAX_ITERATIONS,
        /** The line search found no acceptable step (round-off). */
        LINE_SEARCH_STALLED
    }

    /**
     * Where the minimisation stopped.
     *
     * @param x            the final point (a fresh array)
     * @param objective    {@code f(x)}
     * @param gradient     {@code ∇f(x)} (a fresh array)
     * @param gradientNorm {@code ‖∇f(x)‖₂}
     * @param iterations   accepted steps
     * @param evaluations  objective evaluations, the start included
     * @param stop         why it stopped
     */
    public record Result(double[] x, double objective, double[] gradient, double gradientNorm, int iterations,
                         int evaluations, Stop stop) {

        /** Whether {@code ‖∇f(x)‖ ≤ tolerance}. */
        public boolean converged() {
            return stop == Stop.CONVERGED;
        }
    }

    /** A line-search trial: the objective at the trial point, its gradient in the shared buffer. */
    private record Trial(double objective, double[] gradient) implements LineSearch.Trial {
    }

    /**
     * Minimises {@code f} from {@code x0}.
     *
     * @param f             the objective
     * @param x0            the start; not modified
     * @param tolerance     stop when {@code ‖∇f‖₂ ≤ tolerance} ({@code ≥ 0})
     * @param maxIterations iteration budget ({@code ≥ 0}; 0 only evaluates the start)
     * @param options       memory and line search
     * @param hook          called before every iteration
     * @return the final point and its diagnostics
     * @throws IllegalArgumentException if the tolerance is negative or NaN, or {@code maxIterations < 0}
     */
    public static Result minimize(Objective f, double[] x0, double tolerance, int maxIterations, Options options,
                                  IterationHook hook) {
        Objects.requireNonNull(f, "f");
        Objects.requireNonNull(x0, "x0");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(hook, "hook");
        if (!(tolerance >= 0)) {
            throw new IllegalArgumentException("tolerance (" + tolerance + ") must be >= 0");
        }
        Arguments.checkNonNegative("maxIterations", maxIterations);
        int p = x0.length;
        int memory = options.memory();
        double[] x = x0.clone();
        double[] g = new double[p];
        double fx = f.evaluate(x, g);
        int evaluations = 1;
        double[][] s = new double[memory][];
        double[][] y = new double[memory][];
        double[] rho = new double[memory];
        int stored = 0;
        int head = 0;
        double[] xNew = new double[p];
        double[] gNew = new double[p];
        double gNorm = norm(g);
        int it = 0;
        Stop stop = null;
        while (gNorm > tolerance && it < maxIterations) {
            hook.beforeIteration(it, fx, gNorm);
            // two-loop recursion: q = H_k g, the direction is d = −q
            double[] q = g.clone();
            double[] alpha = new double[memory];
            for (int k = 0; k < stored; k++) {
                int j = Math.floorMod(head - 1 - k, memory);
                alpha[j] = rho[j] * dot(s[j], q);
                axpy(-alpha[j], y[j], q);
            }
            double gamma = 1.0 / Math.max(1.0, gNorm);
            if (stored > 0) {
                int j = Math.floorMod(head - 1, memory);
                gamma = dot(s[j], y[j]) / dot(y[j], y[j]); // γ = sᵀy / yᵀy
            }
            for (int i = 0; i < p; i++) {
                q[i] *= gamma;
            }
            for (int k = stored - 1; k >= 0; k--) {
                int j = Math.floorMod(head - 1 - k, memory);
                double beta = rho[j] * dot(y[j], q);
                axpy(alpha[j] - beta, s[j], q);
            }
            double slope = -dot(g, q); // directional derivative along d = −q
            if (!(slope < 0)) {        // not a descent direction: restart with steepest descent
                stored = 0;
                q = g.clone();
                for (int i = 0; i < p; i++) {
                    q[i] /= Math.max(1.0, gNorm);
                }
                slope = -dot(g, q);
            }
            double[] d = q;
            double[] from = x;
            int[] trials = {0};
            var accepted = LineSearch.backtrack(fx, slope, gNorm, options.maxBacktracks(),
                    options.roundOffByGradient(), step -> {
                        for (int i = 0; i < p; i++) {
                            xNew[i] = from[i] - step * d[i];
                        }
                        trials[0]++;
                        return new Trial(f.evaluate(xNew, gNew), gNew);
                    });
            evaluations += trials[0];
            if (accepted.isEmpty()) {
                stop = Stop.LINE_SEARCH_STALLED; // no decrease possible at this precision
                break;
            }
            // the accepted trial is the last one evaluated: xNew and gNew hold it
            double fNew = accepted.get().trial().objective();
            double[] sk = new double[p];
            double[] yk = new double[p];
            for (int i = 0; i < p; i++) {
                sk[i] = xNew[i] - x[i];
                yk[i] = gNew[i] - g[i];
            }
            double sy = dot(sk, yk);
            if (sy > MIN_CURVATURE) {
                s[head] = sk;
                y[head] = yk;
                rho[head] = 1.0 / sy;
                head = (head + 1) % memory;
                stored = Math.min(stored + 1, memory);
            }
            System.arraycopy(xNew, 0, x, 0, p);
            System.arraycopy(gNew, 0, g, 0, p);
            fx = fNew;
            gNorm = norm(g);
            it++;
        }
        if (stop == null) {
            stop = gNorm <= tolerance ? Stop.CONVERGED : Stop.MAX_ITERATIONS;
        }
        return new Result(x, fx, g, gNorm, it, evaluations, stop);
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] += a * x[i];
        }
    }

    private static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }
}
