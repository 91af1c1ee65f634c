package org.influence4j.validation;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * The outcome of a {@link LeaveOneOutValidation} run: per-point predicted and actual changes of the test
 * loss, and how well they agree (Pearson, Spearman, Kendall tau-b) over all retrained points and over the
 * top-k subset. Immutable.
 *
 * <p>Sign convention (DESIGN.md): the score is {@code I_up,loss(zᵢ, z_test) = −∇ℓ_testᵀ H⁻¹ ∇ℓ(zᵢ)}
 * (negative = helpful); removing {@code zᵢ} is predicted to change the test loss by
 * {@code Δ ≈ −score/n}; the actual change is {@code L_test(θ₋ᵢ) − L_test(θ_baseline)} where the baseline is
 * retrained with nothing removed.
 */
public final class ValidationReport {

    /** Why a training point was retrained. */
    public enum Reason {
        /** Among the {@code k} largest |score|. */
        TOP_K,
        /** Drawn uniformly (seeded) from the remaining points. */
        RANDOM,
        /** Listed explicitly by the caller. */
        EXPLICIT
    }

    /**
     * One retrained point.
     *
     * @param index     training index (training-data order)
     * @param reason    why it was selected
     * @param score     the influence score {@code I_up,loss} supplied for it
     * @param predicted the predicted change of the test loss, {@code −score/n}
     * @param actual    the measured change, {@code L_test(θ₋ᵢ) − baseline}
     */
    public record Point(int index, Reason reason, double score, double predicted, double actual) {
    }

    /**
     * Agreement between predicted and actual changes over a set of points; NaN coefficients where
     * undefined (fewer than 2 points, or constant values).
     *
     * @param count    number of points
     * @param pearson  Pearson correlation
     * @param spearman Spearman rank correlation (average ranks for ties)
     * @param kendall  Kendall tau-b
     */
    public record Agreement(int count, double pearson, double spearman, double kendall) {

        static Agreement of(List<Point> points) {
            double[] p = points.stream().mapToDouble(Point::predicted).toArray();
            double[] a = points.stream().mapToDouble(Point::actual).toArray();
            return new Agreement(points.size(), Correlations.pearson(p, a), Correlations.spearman(p, a),
                    Correlations.kendallTauB(p, a));
        }

        @Override
        public String toString() {
            return String.format("n=%d pearson=%.4f spearman=%.4f kendall=%.4f", count, pearson, spearman, kendall);
        }
    }

    private final List<Point> points;
    private final int numTrainingPoints;
    private final double baselineLoss;
    private final Agreement all;
    private final Agreement topK;
    private final Duration elapsed;
    private final long seed;

    ValidationReport(List<Point> points, int numTrainingPoints, double baselineLoss, Duration elapsed, long seed) {
        this.points = List.copyOf(points);
        this.numTrainingPoints = numTrainingPoints;
        this.baselineLoss = baselineLoss;
        this.elapsed = Objects.requireNonNull(elapsed, "elapsed");
        this.seed = seed;
        this.all = Agreement.of(this.points);
        this.topK = Agreement.of(filter(p -> p.reason() == Reason.TOP_K));
    }

    /** Every retrained point, top-k first (by decreasing |score|), then random, or in the explicit order. */
    public List<Point> points() {
        return points;
    }

    /** Number of training points {@code n} (the length of the score vector). */
    public int numTrainingPoints() {
        return numTrainingPoints;
    }

    /** Test loss of the model retrained with nothing removed. */
    public double baselineLoss() {
        return baselineLoss;
    }

    /** Agreement over all retrained points. */
    public Agreement all() {
        return all;
    }

    /** Agreement over the {@link Reason#TOP_K} points only (count 0 and NaN if there are none). */
    public Agreement topK() {
        return topK;
    }

    /** Predicted changes, in {@link #points()} order (fresh array). */
    public double[] predicted() {
        return points.stream().mapToDouble(Point::predicted).toArray();
    }

    /** Actual changes, in {@link #points()} order (fresh array). */
    public double[] actual() {
        return points.stream().mapToDouble(Point::actual).toArray();
    }

    /** Wall-clock time of the run, baseline and retrainings included. */
    public Duration elapsed() {
        return elapsed;
    }

    /** The seed of the random sample. */
    public long seed() {
        return seed;
    }

    private List<Point> filter(Predicate<Point> p) {
        return points.stream().filter(p).toList();
    }

    @Override
    public String toString() {
        return String.format("ValidationReport[n=%d, retrained=%d, baselineLoss=%.6g, all: %s, top-k: %s, "
                + "seed=%d, %d ms]", numTrainingPoints, points.size(), baselineLoss, all, topK, seed,
                elapsed.toMillis());
    }
}
