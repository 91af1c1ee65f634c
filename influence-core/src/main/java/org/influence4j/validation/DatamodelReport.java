package org.influence4j.validation;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of a {@link LinearDatamodelingScore} run: the linear datamodeling score (LDS), its bootstrap interval,
 * the per-test-point Spearman correlations, and the predicted and actual values they were computed from. Immutable.
 *
 * <h2>What the numbers are</h2>
 * For subsets {@code S_1 … S_M} of the training data and test examples {@code t = 0 … m−1}:
 * <pre>
 *   predicted_j[t] = Σ_{i ∈ S_j} score[t][i]                        the summed influence scores
 *   actual_j[t]    = (1/R) Σ_r f_t(θ_{S_j, r})                        the measurement, averaged over R training seeds
 *   ρ_t            = Spearman_j(predicted_j[t], sign · actual_j[t])    sign = +1 for LOSS, −1 for MARGIN
 *   LDS            = mean of ρ_t over the test points where ρ_t is defined
 * </pre>
 * Sign convention (see {@code InfluenceScores}): the score is {@code I_up,loss(zᵢ, z_test) = −∇ℓ_testᵀ H⁻¹ ∇ℓ(zᵢ)},
 * negative = helpful. A harmful training point (positive score) raises the test loss and lowers the margin, so a
 * subset whose summed score is larger should have a larger loss and a smaller margin: with the sign above, agreement
 * is positive for both measurements, and an LDS of 1 means the summed scores order the subsets exactly as retraining
 * does. {@link #actual()} holds the raw measurement, without the sign.
 *
 * <p>{@code ρ_t} is NaN, and the test point is excluded from the mean and counted in {@link #excludedCount()}, when
 * the predicted or the actual values of that test point are constant across the subsets (Spearman's coefficient is
 * then undefined). The LDS is NaN when every test point is excluded.
 *
 * <h2>Intervals</h2>
 * Percentile bootstrap intervals at {@link #confidence()} from {@link #bootstrapResamples()} resamples (NaN bounds
 * when that is 0). A test point's interval {@link Point#low()}–{@link Point#high()} resamples the {@code M} subsets
 * with replacement: it covers the uncertainty from using finitely many random subsets, for this test point. The
 * interval of the LDS ({@link #ldsLow()}–{@link #ldsHigh()}) resamples subsets and test points jointly: it covers
 * both the finite number of subsets and the choice of test points, i.e. the LDS one would expect from another
 * sample of test points of the same kind. Neither covers the randomness of the retraining itself beyond what the
 * subsets' measurements show, nor the choice of the fraction.
 */
public final class DatamodelReport {

    /**
     * The agreement for one test example.
     *
     * @param testRow  the row of the test example in the test points (and of its score row)
     * @param spearman Spearman correlation across subsets between predicted and signed actual values; NaN if either
     *                 is constant across the subsets (the point is then excluded from the LDS)
     * @param low      lower bound of its bootstrap interval (subsets resampled); NaN without bootstrap or if excluded
     * @param high     upper bound of its bootstrap interval; NaN without bootstrap or if excluded
     */
    public record Point(int testRow, double spearman, double low, double high) {

        /** Whether the point is excluded from the LDS (its Spearman correlation is undefined). */
        public boolean excluded() {
            return Double.isNaN(spearman);
        }

        @Override
        public String toString() {
            return String.format("Point[row=%d, spearman=%.4f, interval=[%.4f, %.4f]]", testRow, spearman, low, high);
        }
    }

    private final double lds;
    private final double ldsLow;
    private final double ldsHigh;
    private final List<Point> points;
    private final double[][] predicted; // [M][m]
    private final double[][] actual;    // [M][m]
    private final int numTrainingPoints;
    private final int subsetSize;
    private final double fraction;
    private final int seedsPerSubset;
    private final Measurement measurement;
    private final String trainer;
    private final int trainingsRun;
    private final int trainingsLoaded;
    private final long seed;
    private final int bootstrapResamples;
    private final double confidence;
    private final Duration elapsed;

    DatamodelReport(double lds, double ldsLow, double ldsHigh, List<Point> points, double[][] predicted,
                    double[][] actual, int numTrainingPoints, int subsetSize, double fraction, int seedsPerSubset,
                    Measurement measurement, String trainer, int trainingsRun, int trainingsLoaded, long seed,
                    int bootstrapResamples, double confidence, Duration elapsed) {
        this.lds = lds;
        this.ldsLow = ldsLow;
        this.ldsHigh = ldsHigh;
        this.points = List.copyOf(points);
        this.predicted = deepCopy(predicted);
        this.actual = deepCopy(actual);
        this.numTrainingPoints = numTrainingPoints;
        this.subsetSize = subsetSize;
        this.fraction = fraction;
        this.seedsPerSubset = seedsPerSubset;
        this.measurement = Objects.requireNonNull(measurement, "measurement");
        this.trainer = Objects.requireNonNull(trainer, "trainer");
        this.trainingsRun = trainingsRun;
        this.trainingsLoaded = trainingsLoaded;
        this.seed = seed;
        this.bootstrapResamples = bootstrapResamples;
        this.confidence = confidence;
        this.elapsed = Objects.requireNonNull(elapsed, "elapsed");
    }

    /** The linear datamodeling score: the mean of the defined per-test-point Spearman correlations (NaN if none). */
    public double lds() {
        return lds;
    }

    /** Lower bound of the LDS's bootstrap interval (subsets and test points resampled); NaN without bootstrap. */
    public double ldsLow() {
        return ldsLow;
    }

    /** Upper bound of the LDS's bootstrap interval; NaN without bootstrap. */
    public double ldsHigh() {
        return ldsHigh;
    }

    /** One record per test example, in test-row order (unmodifiable). */
    public List<Point> points() {
        return points;
    }

    /** The record of test row {@code t}. */
    public Point point(int t) {
        return points.get(t);
    }

    /** Per-test-point Spearman correlations in test-row order, NaN for excluded points (fresh array). */
    public double[] spearman() {
        return points.stream().mapToDouble(Point::spearman).toArray();
    }

    /** Number of test points excluded from the LDS because their Spearman correlation is undefined (NaN). */
    public int excludedCount() {
        return (int) points.stream().filter(Point::excluded).count();
    }

    /** {@code predicted[j][t] = Σ_{i ∈ S_j} score[t][i]}, {@code [M][m]} (a fresh copy). */
    public double[][] predicted() {
        return deepCopy(predicted);
    }

    /**
     * {@code actual[j][t]}: the measurement of test example {@code t} after training on subset {@code j}, averaged
     * over the effective seeds; raw, without the sign that {@link Measurement#MARGIN} gets in the correlation;
     * {@code [M][m]} (a fresh copy).
     */
    public double[][] actual() {
        return deepCopy(actual);
    }

    /** Number of subsets {@code M}. */
    public int subsetCount() {
        return predicted.length;
    }

    /** Number of test examples {@code m}. */
    public int testPointCount() {
        return points.size();
    }

    /** Number of training points {@code n} (the length of each score row). */
    public int numTrainingPoints() {
        return numTrainingPoints;
    }

    /** Size {@code k} of every subset. */
    public int subsetSize() {
        return subsetSize;
    }

    /** The fraction {@code α} the subsets were drawn with. */
    public double fraction() {
        return fraction;
    }

    /**
     * Trainings per subset that were averaged: the configured seeds per subset, or 1 when the trainer's result does not
     * depend on the seed ({@link SubsetTrainer#seedDependent()} is false).
     */
    public int seedsPerSubset() {
        return seedsPerSubset;
    }

    /** What was measured. */
    public Measurement measurement() {
        return measurement;
    }

    /** The trainer's {@link SubsetTrainer#describe() description}. */
    public String trainer() {
        return trainer;
    }

    /** Trainings done by this run. */
    public int trainingsRun() {
        return trainingsRun;
    }

    /** Trainings loaded from the checkpoint file instead of being run (0 without a checkpoint). */
    public int trainingsLoaded() {
        return trainingsLoaded;
    }

    /** The seed of the subsets, the trainings and the bootstrap. */
    public long seed() {
        return seed;
    }

    /** Number of bootstrap resamples (0: no intervals). */
    public int bootstrapResamples() {
        return bootstrapResamples;
    }

    /** Confidence level of the intervals. */
    public double confidence() {
        return confidence;
    }

    /** Wall-clock time of the run: trainings, correlations and bootstrap. */
    public Duration elapsed() {
        return elapsed;
    }

    private static double[][] deepCopy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }

    @Override
    public String toString() {
        return String.format("DatamodelReport[LDS=%.4f [%.4f, %.4f] at %.0f%%, test points=%d (excluded %d), "
                        + "subsets=%d of %d/%d (fraction %s), seeds/subset=%d, %s, trainer=%s, trainings run=%d "
                        + "loaded=%d, seed=%d, %d ms]", lds, ldsLow, ldsHigh, 100 * confidence, points.size(),
                excludedCount(), predicted.length, subsetSize, numTrainingPoints, fraction, seedsPerSubset,
                measurement, trainer, trainingsRun, trainingsLoaded, seed, elapsed.toMillis());
    }
}
