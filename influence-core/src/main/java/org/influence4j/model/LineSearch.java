package org.influence4j.model;

import java.util.Objects;
import java.util.Optional;
import java.util.function.DoubleFunction;

/**
 * Backtracking line search with the Armijo (sufficient decrease) condition, shared by the deterministic trainers
 * of this library (Newton's method of the reference models, and the L-BFGS of {@code internal.Lbfgs} behind the DL4J
 * adapter's full-batch trainer and the proximal Bregman response function).
 *
 * <p>From a point with objective {@code f} and directional derivative {@code slope = ∇Rᵀd < 0} along the search
 * direction {@code d}, trial step lengths {@code α = 1, ½, ¼, …} (at most {@code maxHalvings} trials) are evaluated
 * until {@code R(θ + αd) ≤ f + c·α·slope} with {@code c = }{@value #ARMIJO} (Nocedal &amp; Wright, §3.1). A trial
 * with a non-finite objective is rejected. Optionally, in the round-off regime — where the trial objective differs
 * from {@code f} by at most {@code 16 ulp(max(1, |f|))}, so objective differences carry no information — a trial
 * is also accepted when its gradient norm is below the current one (useful for Newton steps near an optimum).
 *
 * <p>Cost: one objective evaluation per trial; the gradient of a trial is requested only in the round-off regime.
 * Stateless and thread-safe.
 */
public final class LineSearch {

    /** The sufficient-decrease constant {@code c} of the Armijo condition (the customary 1e-4). */
    public static final double ARMIJO = 1e-4;

    private LineSearch() {
    }

    /** One evaluated trial point of the search. */
    public interface Trial {

        /** {@code R} at the trial point. */
        double objective();

        /** {@code ∇R} at the trial point (requested only by the round-off acceptance rule). */
        double[] gradient();
    }

    /**
     * An accepted trial.
     *
     * @param trial    the trial point returned by the caller's evaluation function
     * @param step     its step length {@code α}
     * @param roundOff whether it was accepted by the round-off (gradient-norm) rule rather than by Armijo
     * @param <T>      the caller's trial type
     */
    public record Accepted<T extends Trial>(T trial, double step, boolean roundOff) {
    }

    /**
     * Halves the step from 1 until the Armijo condition holds (see the class comment).
     *
     * @param objective         {@code R(θ)} at the start
     * @param slope             {@code ∇R(θ)ᵀd}; a descent direction has {@code slope < 0}
     * @param gradientNorm      {@code ‖∇R(θ)‖₂} at the start (used only by the round-off rule)
     * @param maxHalvings       number of trials, {@code ≥ 1}
     * @param roundOffByGradient whether the round-off rule may accept a trial
     * @param trialAt           evaluates {@code R} (and lazily {@code ∇R}) at {@code θ + α·d} for a step {@code α}
     * @param <T>               the caller's trial type
     * @return the first accepted trial, or empty if none of the {@code maxHalvings} trials was accepted (the search
     *         stalled: no decrease is possible at this precision along {@code d})
     * @throws IllegalArgumentException if {@code maxHalvings < 1}
     */
    public static <T extends Trial> Optional<Accepted<T>> backtrack(double objective, double slope,
                                                                     double gradientNorm, int maxHalvings,
                                                                     boolean roundOffByGradient,
                                                                     DoubleFunction<T> trialAt) {
        Objects.requireNonNull(trialAt, "trialAt");
        if (maxHalvings < 1) {
            throw new IllegalArgumentException("maxHalvings (" + maxHalvings + ") must be >= 1");
        }
        double alpha = 1;
        for (int h = 0; h < maxHalvings; h++, alpha /= 2) {
            T trial = trialAt.apply(alpha);
            double f = trial.objective();
            if (Double.isFinite(f) && f <= objective + ARMIJO * alpha * slope) {
                return Optional.of(new Accepted<>(trial, alpha, false));
            }
            if (roundOffByGradient && Math.abs(f - objective) <= 16 * Math.ulp(Math.max(1.0, Math.abs(objective)))
                    && norm(trial.gradient()) < gradientNorm) {
                return Optional.of(new Accepted<>(trial, alpha, true));
            }
        }
        return Optional.empty();
    }

    private static double norm(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v * v;
        }
        return Math.sqrt(s);
    }
}
