package org.influence4j.validation;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * The outcome of a {@link LeaveOneOutValidation} run: per-point predicted and actual changes of the test
 * loss, and how well they agree (Pearson, Spearman, Kendall tau-b) over the retrained points and over the
 * top-k subset. Immutable.
 *
 * <p>Retrainings that left the warm start's basin ({@link Point#leftBasin()}, rule in
 * {@link LeaveOneOutValidation}) measure a jump to another optimum, not the effect influence functions
 * approximate: {@link #all()} and {@link #topK()} leave them out, {@link #allPoints()} and
 * {@link #topKAllPoints()} keep them, and {@link #leftBasinCount()} counts them.
 *
 * <p>Sign convention (see {@code InfluenceScores}): the score is {@code I_up,loss(zᵢ, z_test) = −∇ℓ_testᵀ H⁻¹ ∇ℓ(zᵢ)}
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
     * @param index             training index (training-data order)
     * @param reason            why it was selected
     * @param score             the influence score {@code I_up,loss} supplied for it
     * @param predicted         the predicted change of the test loss, {@code −score/n}
     * @param actual            the measured change, {@code L_test(θ₋ᵢ) − baseline}
     * @param parameterDistance {@code ‖θ₋ᵢ − θ₀‖₂} to the baseline retraining, as the retrainer reports it
     *                          ({@link Retrainer#parameterDistance}); NaN if not reported
     * @param leftBasin         whether the retraining left the warm start's basin (rule in
     *                          {@link LeaveOneOutValidation}); always {@code false} in progress events, which come
     *                          before the rule can be applied
     */
    public record Point(int index, Reason reason, double score, double predicted, double actual,
                        double parameterDistance, boolean leftBasin) {

        /** Validates the arguments. */
        public Point {
            Objects.requireNonNull(reason, "reason");
        }

        /** A point without a reported parameter distance (NaN), not flagged. */
        public Point(int index, Reason reason, double score, double predicted, double actual) {
            this(index, reason, score, predicted, actual, Double.NaN, false);
        }

        /** A copy with the basin flag set to {@code flag}. */
        public Point withLeftBasin(boolean flag) {
            return new Point(index, reason, score, predicted, actual, parameterDistance, flag);
        }
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
    private final Agreement allPoints;
    private final Agreement topKAllPoints;
    private final Duration elapsed;
    private final long seed;

    ValidationReport(List<Point> points, int numTrainingPoints, double baselineLoss, Duration elapsed, long seed) {
        this.points = List.copyOf(points);
        this.numTrainingPoints = numTrainingPoints;
        this.baselineLoss = baselineLoss;
        this.elapsed = Objects.requireNonNull(elapsed, "elapsed");
        this.seed = seed;
        this.allPoints = Agreement.of(this.points);
        this.topKAllPoints = Agreement.of(filter(p -> p.reason() == Reason.TOP_K));
        this.all = Agreement.of(filter(p -> !p.leftBasin()));
        this.topK = Agreement.of(filter(p -> p.reason() == Reason.TOP_K && !p.leftBasin()));
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

    /** Agreement over the retrained points that stayed in the warm start's basin (all, if none left it). */
    public Agreement all() {
        return all;
    }

    /**
     * Agreement over the {@link Reason#TOP_K} points that stayed in the warm start's basin (count 0 and NaN if
     * there are none).
     */
    public Agreement topK() {
        return topK;
    }

    /** Agreement over every retrained point, those that left the basin included. */
    public Agreement allPoints() {
        return allPoints;
    }

    /** Agreement over every {@link Reason#TOP_K} point, those that left the basin included. */
    public Agreement topKAllPoints() {
        return topKAllPoints;
    }

    /** Number of retrained points flagged as having left the warm start's basin. */
    public int leftBasinCount() {
        return (int) points.stream().filter(Point::leftBasin).count();
    }

    /** The points flagged as having left the warm start's basin, in {@link #points()} order. */
    public List<Point> leftBasin() {
        return filter(Point::leftBasin);
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
        return String.format("ValidationReport[n=%d, retrained=%d, left basin=%d, baselineLoss=%.6g, all: %s, "
                + "top-k: %s, seed=%d, %d ms]", numTrainingPoints, points.size(), leftBasinCount(), baselineLoss,
                all, topK, seed, elapsed.toMillis());
    }
}
