package org.influence4j.model;

import java.time.Duration;
import java.util.Objects;

/**
 * The outcome of training a reference model, with the diagnostics that decide whether influence
 * estimates at its parameters mean anything.
 *
 * @param model        the trained model (at the last iterate, also when not converged)
 * @param objective    the objective {@code R(θ)} at the returned parameters
 * @param gradientNorm {@code ‖∇R(θ)‖₂} at the returned parameters
 * @param iterations   Newton steps taken (0 if the starting point already met the tolerance)
 * @param converged    whether {@code gradientNorm ≤ tolerance}
 * @param elapsed      wall-clock time of the training
 * @param <M>          the model type
 */
public record TrainingResult<M extends InfluenceModel>(M model, double objective, double gradientNorm,
                                                       int iterations, boolean converged, Duration elapsed) {

    /** Checks non-null model and elapsed time. */
    public TrainingResult {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(elapsed, "elapsed");
    }

    @Override
    public String toString() {
        return String.format("TrainingResult[%s, objective=%.12g, ‖∇R‖=%.3e, iterations=%d, %s, %d ms]",
                model.describe(), objective, gradientNorm, iterations, converged ? "converged" : "NOT converged",
                elapsed.toMillis());
    }
}
