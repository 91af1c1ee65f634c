package org.influence4j;

import java.util.List;
import java.util.Objects;

/**
 * Can influence scores be trusted for this model? The checks that decide it, computed once per model and
 * training set by {@link InfluenceEstimator#diagnose()}.
 *
 * <p>Influence functions are a first-order expansion around a <em>minimum</em> of the training objective
 * {@code R}. They need (1) θ̂ to be a stationary point of exactly the objective the model differentiates,
 * and (2) a positive-definite {@code H + λI} whose inverse is not dominated by the damping. Basu, Pope &amp;
 * Feizi (ICLR 2021) linked the failure of influence estimates in deeper networks to growing curvature
 * (large {@code λmax}) and to training that stops short of a stationary point. Each violated condition
 * becomes one line in {@link #warnings()}; an empty list means none of these checks failed (it does not
 * prove the scores right: only leave-one-out retraining does, see
 * {@link org.influence4j.validation.LeaveOneOutValidation}).
 *
 * @param parameters             number of parameters {@code p}
 * @param trainingExamples       number of training examples {@code n}
 * @param damping                the damping λ of the estimator
 * @param objectiveGradientNorm  {@code ‖∇R(θ̂)‖}
 * @param relativeGradientNorm   {@code ‖∇R‖ / (‖∇L̄‖ + ‖∇Ω‖)}, with {@code ∇L̄} the mean loss gradient and
 *                               {@code ∇Ω = ∇R − ∇L̄} the regulariser's; 0 when both are 0
 * @param minEigenvalue          smallest eigenvalue of the undamped {@code H}
 * @param maxEigenvalue          largest eigenvalue of the undamped {@code H}
 * @param negativeEigenvalues    number of eigenvalues {@code < 0} (−1 when only extremes were estimated)
 * @param exactSpectrum          true if the eigenvalues come from a full eigendecomposition, false if from
 *                               power iterations (estimates of the extremes only)
 * @param warnings               human-readable problems found, each with the numbers and a remedy
 */
public record InfluenceDiagnostics(long parameters, int trainingExamples, double damping,
                                   double objectiveGradientNorm, double relativeGradientNorm,
                                   double minEigenvalue, double maxEigenvalue, int negativeEigenvalues,
                                   boolean exactSpectrum, List<String> warnings) {

    /** Relative gradient above which θ̂ is reported as not stationary. */
    public static final double STATIONARITY_THRESHOLD = 1e-3;
    /** Condition number of {@code H + λI} above which the solve is reported as ill-conditioned. */
    public static final double CONDITION_THRESHOLD = 1e10;

    /** Copies the warnings, each once (in first-seen order). */
    public InfluenceDiagnostics {
        warnings = List.copyOf(new java.util.LinkedHashSet<>(Objects.requireNonNull(warnings, "warnings")));
    }

    /** True if no check failed. */
    public boolean looksTrustworthy() {
        return warnings.isEmpty();
    }

    /** Condition number {@code (λmax + λ) / (λmin + λ)} of the damped operator; infinite if not positive definite. */
    public double dampedConditionNumber() {
        double lo = minEigenvalue + damping;
        return lo <= 0 ? Double.POSITIVE_INFINITY : (maxEigenvalue + damping) / lo;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(String.format(
                "InfluenceDiagnostics[p=%d, n=%d, λ=%g, ‖∇R(θ̂)‖=%.3e (relative %.3e), eigenvalues of H in [%.4g, %.4g]%s%s, "
                        + "cond(H+λI)=%.3g]",
                parameters, trainingExamples, damping, objectiveGradientNorm, relativeGradientNorm, minEigenvalue,
                maxEigenvalue, exactSpectrum ? "" : " (power-iteration estimates)",
                negativeEigenvalues >= 0 ? ", " + negativeEigenvalues + " negative" : "", dampedConditionNumber()));
        for (String w : warnings) {
            b.append(System.lineSeparator()).append("  WARNING: ").append(w);
        }
        return b.toString();
    }
}
