package org.influence4j.model;

import org.influence4j.internal.Arguments;

/**
 * Settings of the deterministic Newton trainer of {@link SoftmaxRegression}.
 *
 * @param tolerance     stop as soon as {@code ‖∇R(θ)‖₂ ≤ tolerance}; default {@link #DEFAULT_TOLERANCE}
 *                      ({@code 1e-10}: influence assumes a stationary point, and a tight optimum keeps
 *                      leave-one-out differences of order {@code 1/n} far above the optimisation error)
 * @param maxIterations upper bound on Newton steps; default {@link #DEFAULT_MAX_ITERATIONS} (Newton on a
 *                      convex, L2-regularised problem converges quadratically, typically in 5–15 steps)
 */
public record NewtonOptions(double tolerance, int maxIterations) {

    /** Default gradient-norm tolerance. */
    public static final double DEFAULT_TOLERANCE = 1e-10;

    /** Default bound on Newton steps. */
    public static final int DEFAULT_MAX_ITERATIONS = 200;

    /** Validates: tolerance finite and {@code > 0}, maxIterations {@code >= 1}. */
    public NewtonOptions {
        Arguments.checkPositive("tolerance", tolerance);
        Arguments.checkPositive("maxIterations", maxIterations);
    }

    /** The defaults: tolerance {@code 1e-10}, at most 200 steps. */
    public static NewtonOptions defaults() {
        return new NewtonOptions(DEFAULT_TOLERANCE, DEFAULT_MAX_ITERATIONS);
    }

    /** A copy with another gradient-norm tolerance. */
    public NewtonOptions withTolerance(double newTolerance) {
        return new NewtonOptions(newTolerance, maxIterations);
    }

    /** A copy with another bound on Newton steps. */
    public NewtonOptions withMaxIterations(int newMaxIterations) {
        return new NewtonOptions(tolerance, newMaxIterations);
    }
}
