package org.influence4j.validation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

import org.influence4j.internal.Sampling;
import java.util.stream.IntStream;

import org.influence4j.internal.Arguments;
import org.influence4j.validation.ValidationReport.Point;
import org.influence4j.validation.ValidationReport.Reason;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leave-one-out ground truth for influence scores, following Koh &amp; Liang (2017, §5.1) and Basu, Pope
 * &amp; Feizi (2021): retrain without single training points and compare the measured change of the test
 * loss with the change the scores predict.
 *
 * <h2>Protocol</h2>
 * <ol>
 *   <li>{@code baseline = retrainer.testLossWithout({}, test)} — retraining with nothing removed under the
 *       same budget, so that whatever retraining itself changes cancels out;</li>
 *   <li>select points: the {@code topK} largest {@code |score|} (ties by lower index), plus
 *       {@code randomSample} distinct others drawn uniformly with {@code seed} — or exactly the
 *       {@link #withIndices(int...) explicit indices};</li>
 *   <li>for each selected {@code i}: {@code actual = retrainer.testLossWithout({i}, test) − baseline} and
 *       {@code predicted = −score_i / n} ({@code Δ ≈ −(1/n)·I_up,loss});</li>
 *   <li>flag the retrainings that left the warm start's basin (below);</li>
 *   <li>report Pearson, Spearman and Kendall between predicted and actual, over the points that stayed in the
 *       basin and over the top-k subset of them (and the same over every point).</li>
 * </ol>
 * Cost: {@code 1 + topK + randomSample} retrainings; progress goes to the {@link ValidationListener}.
 * {@link #selection(double[])} tells beforehand which points will be retrained, and
 * {@link #runAll(List, Retrainer, List)} runs several test points with one {@link Retrainer#prefetch} of every
 * removal set they need, so that a caching retrainer can retrain them together (in parallel) and once.
 *
 * <h2>Retrainings that left the basin</h2>
 * Influence functions are a first-order expansion around θ̂: removing {@code zᵢ} moves the optimum by about
 * {@code (1/n)H⁻¹∇ℓ(zᵢ)} and the test loss by about the predicted Δ. A warm-started retraining that instead
 * converges to another optimum (observed with full-batch L-BFGS from a network trained by SGD) moves the
 * parameters by an amount of the order of the parameters themselves and changes the test loss by an amount
 * unrelated to any prediction; averaging it into the correlation measures the retraining, not the estimator.
 * A point is flagged ({@link ValidationReport.Point#leftBasin()}) when both
 * <ul>
 *   <li>its parameter distance to the baseline retraining, {@code dᵢ = ‖θ₋ᵢ − θ₀‖} (reported by the
 *       retrainer, {@link Retrainer#parameterDistance}), exceeds {@value #BASIN_FACTOR}× the median distance
 *       over the retrained points, and</li>
 *   <li>its actual change exceeds {@value #BASIN_FACTOR}× the largest predicted change of any retrained point:
 *       {@code |actualᵢ| > }{@value #BASIN_FACTOR}{@code ·maxⱼ |predictedⱼ|}.</li>
 * </ul>
 * Requiring both keeps an estimator that is merely inaccurate (every actual change far from its prediction,
 * but every retraining a similar small step) from being flagged — that is the fragility the validation
 * exists to measure. The median needs at least {@value #BASIN_MIN_POINTS} reported distances; with fewer (or a
 * retrainer that reports none) nothing is flagged. The factor 10 is an order of magnitude beyond the spread that
 * first order allows between points that all were selected for large influence.
 *
 * <p>Defaults: {@code topK = }{@value #DEFAULT_TOP_K} (large-|score| points carry the signal; Koh &amp; Liang
 * use 100–500 on bigger models), {@code randomSample = }{@value #DEFAULT_RANDOM_SAMPLE} (a check that the
 * agreement is not an artefact of the selection), {@code seed = }{@value #DEFAULT_SEED}, no explicit
 * indices, no listener. Immutable and thread-safe; each {@code withX} returns a copy.
 */
public final class LeaveOneOutValidation {

    /** Default number of top-|score| points. */
    public static final int DEFAULT_TOP_K = 20;
    /** Default number of additional random points. */
    public static final int DEFAULT_RANDOM_SAMPLE = 10;
    /** Default seed of the random sample. */
    public static final long DEFAULT_SEED = 42L;
    /** How far beyond first order a retraining must go, in distance and in loss change, to be flagged. */
    public static final double BASIN_FACTOR = 10.0;
    /** Fewest reported parameter distances for which the basin rule is applied. */
    public static final int BASIN_MIN_POINTS = 3;

    /**
     * One training point the protocol will retrain without.
     *
     * @param index  training index
     * @param reason why it is selected
     */
    public record Selection(int index, Reason reason) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(LeaveOneOutValidation.class);

    private final int topK;
    private final int randomSample;
    private final long seed;
    private final int[] indices; // null: automatic selection
    private final ValidationListener listener;

    private LeaveOneOutValidation(int topK, int randomSample, long seed, int[] indices,
                                  ValidationListener listener) {
        this.topK = topK;
        this.randomSample = randomSample;
        this.seed = seed;
        this.indices = indices;
        this.listener = listener;
    }

    /** The default configuration (see the class comment). */
    public static LeaveOneOutValidation defaults() {
        return new LeaveOneOutValidation(DEFAULT_TOP_K, DEFAULT_RANDOM_SAMPLE, DEFAULT_SEED, null,
                ValidationListener.NONE);
    }

    /** A copy that retrains the {@code k ≥ 0} points of largest |score|. */
    public LeaveOneOutValidation withTopK(int k) {
        return new LeaveOneOutValidation(Arguments.checkNonNegative("topK", k), randomSample, seed, indices,
                listener);
    }

    /** A copy that also retrains {@code count ≥ 0} random points outside the top-k. */
    public LeaveOneOutValidation withRandomSample(int count) {
        return new LeaveOneOutValidation(topK, Arguments.checkNonNegative("randomSample", count), seed, indices,
                listener);
    }

    /** A copy with another seed for the random sample. */
    public LeaveOneOutValidation withSeed(long newSeed) {
        return new LeaveOneOutValidation(topK, randomSample, newSeed, indices, listener);
    }

    /**
     * A copy that retrains exactly these training indices (distinct, {@code ≥ 0}; checked against
     * {@code n} in {@code run}), ignoring topK and randomSample; with no arguments, back to the automatic
     * selection.
     *
     * @param explicit indices; copied, not modified
     */
    public LeaveOneOutValidation withIndices(int... explicit) {
        Objects.requireNonNull(explicit, "indices");
        if (explicit.length == 0) {
            return new LeaveOneOutValidation(topK, randomSample, seed, null, listener);
        }
        int[] copy = explicit.clone();
        if (Arrays.stream(copy).distinct().count() != copy.length) {
            throw new IllegalArgumentException("indices " + Arrays.toString(copy) + " contain duplicates");
        }
        for (int i : copy) {
            if (i < 0) {
                throw new IllegalArgumentException("indices " + Arrays.toString(copy) + " contain " + i
                        + "; training indices are >= 0");
            }
        }
        return new LeaveOneOutValidation(topK, randomSample, seed, copy, listener);
    }

    /** A copy that reports progress to {@code progressListener}. */
    public LeaveOneOutValidation withListener(ValidationListener progressListener) {
        return new LeaveOneOutValidation(topK, randomSample, seed, indices,
                Objects.requireNonNull(progressListener, "listener"));
    }

    /** Number of top-|score| points. */
    public int topK() {
        return topK;
    }

    /** Number of random points. */
    public int randomSample() {
        return randomSample;
    }

    /** Seed of the random sample. */
    public long seed() {
        return seed;
    }

    /** The explicit indices (a copy), or an empty array for the automatic selection. */
    public int[] indices() {
        return indices == null ? new int[0] : indices.clone();
    }

    /**
     * {@link #run(double[], Retrainer, DataSet)} for scores held in an ND4J vector.
     *
     * @param scores rank-1 (or row/column) vector of length {@code n}; not modified
     */
    public ValidationReport run(INDArray scores, Retrainer retrainer, DataSet testPoint) {
        Objects.requireNonNull(scores, "scores");
        Arguments.checkVector("scores", scores, scores.length());
        return run(Arguments.toDoubleVector(scores).toDoubleVector(), retrainer, testPoint);
    }

    /**
     * Runs the protocol (see the class comment).
     *
     * @param scores    {@code I_up,loss(zᵢ, z_test)} for every training point, in training-data order; its
     *                  length is {@code n}; not modified
     * @param retrainer ground truth for the model the scores were computed for
     * @param testPoint the test point(s) of the scores; passed to the retrainer, not modified
     * @throws IllegalArgumentException if scores are empty or non-finite, {@code topK + randomSample > n}, an
     *                                  explicit index is {@code ≥ n}
     * @throws IllegalStateException    if the retrainer returns a non-finite loss
     */
    public ValidationReport run(double[] scores, Retrainer retrainer, DataSet testPoint) {
        Objects.requireNonNull(scores, "scores");
        Objects.requireNonNull(retrainer, "retrainer");
        Objects.requireNonNull(testPoint, "testPoint");
        checkScores(scores);
        int n = scores.length;
        double[] s = scores.clone();
        List<Selection> selection = select(s);
        long start = System.nanoTime();
        double baseline = finite(retrainer.testLossWithout(new int[0], testPoint), "baseline (nothing removed)");
        List<Point> points = new ArrayList<>(selection.size());
        for (Selection sel : selection) {
            int i = sel.index();
            double actual = finite(retrainer.testLossWithout(new int[] {i}, testPoint), "index " + i) - baseline;
            Point p = new Point(i, sel.reason(), s[i], -s[i] / n, actual, retrainer.parameterDistance(new int[] {i}),
                    false);
            points.add(p);
            LOG.trace("retrained without {}: {}", i, p);
            listener.onPoint(new ValidationListener.Progress(points.size(), selection.size(), p,
                    Duration.ofNanos(System.nanoTime() - start)));
        }
        ValidationReport report = new ValidationReport(flagLeftBasin(points), n, baseline,
                Duration.ofNanos(System.nanoTime() - start), seed);
        LOG.debug("{}", report);
        return report;
    }

    /**
     * Runs the protocol for several test points against one retrainer: selects the points of every score vector,
     * asks the retrainer to {@link Retrainer#prefetch prefetch} every removal set needed (the baseline and each
     * selected index, once), then runs {@link #run(double[], Retrainer, DataSet)} for each pair, which only
     * evaluates when the retrainer caches.
     *
     * @param scores     one score vector per test point (as for {@code run}); not modified
     * @param retrainer  ground truth for the model the scores were computed for
     * @param testPoints the test points, in the order of {@code scores}; not modified
     * @return one report per test point, in order
     * @throws IllegalArgumentException if the lists differ in length, or as {@code run}
     */
    public List<ValidationReport> runAll(List<double[]> scores, Retrainer retrainer, List<DataSet> testPoints) {
        Objects.requireNonNull(scores, "scores");
        Objects.requireNonNull(retrainer, "retrainer");
        Objects.requireNonNull(testPoints, "testPoints");
        if (scores.size() != testPoints.size()) {
            throw new IllegalArgumentException("scores has " + scores.size() + " vectors but testPoints has "
                    + testPoints.size() + " entries; give one score vector per test point");
        }
        List<int[]> removals = new ArrayList<>();
        removals.add(new int[0]);
        Set<Integer> seen = new HashSet<>();
        for (double[] sc : scores) {
            for (Selection sel : selection(sc)) {
                if (seen.add(sel.index())) {
                    removals.add(new int[] {sel.index()});
                }
            }
        }
        retrainer.prefetch(removals);
        List<ValidationReport> reports = new ArrayList<>(scores.size());
        for (int i = 0; i < scores.size(); i++) {
            reports.add(run(scores.get(i), retrainer, testPoints.get(i)));
        }
        return reports;
    }

    /**
     * The training points {@link #run(double[], Retrainer, DataSet)} will retrain without for these scores, in
     * report order: the top-k by |score| (ties by lower index), then the seeded random sample — or the explicit
     * indices. The baseline (nothing removed) is retrained in addition.
     *
     * @param scores one score per training point; not modified
     * @return the selection (fresh, unmodifiable)
     * @throws IllegalArgumentException as {@code run}
     */
    public List<Selection> selection(double[] scores) {
        Objects.requireNonNull(scores, "scores");
        checkScores(scores);
        return List.copyOf(select(scores.clone()));
    }

    private static void checkScores(double[] scores) {
        if (scores.length == 0) {
            throw new IllegalArgumentException("scores is empty; one score per training point is required");
        }
        for (int i = 0; i < scores.length; i++) {
            if (!Double.isFinite(scores[i])) {
                throw new IllegalArgumentException("scores contains " + scores[i] + " at index " + i);
            }
        }
    }

    /** The points with {@link Point#leftBasin()} set by the rule of the class comment. */
    static List<Point> flagLeftBasin(List<Point> points) {
        double[] distances = points.stream().mapToDouble(Point::parameterDistance).filter(Double::isFinite)
                .sorted().toArray();
        if (distances.length < BASIN_MIN_POINTS) {
            return points;
        }
        int m = distances.length;
        double median = m % 2 == 1 ? distances[m / 2] : 0.5 * (distances[m / 2 - 1] + distances[m / 2]);
        double maxPredicted = points.stream().mapToDouble(p -> Math.abs(p.predicted())).max().orElse(0);
        List<Point> out = new ArrayList<>(points.size());
        for (Point p : points) {
            boolean far = p.parameterDistance() > BASIN_FACTOR * median;
            boolean large = Math.abs(p.actual()) > BASIN_FACTOR * maxPredicted;
            out.add(far && large ? p.withLeftBasin(true) : p);
        }
        int flagged = (int) out.stream().filter(Point::leftBasin).count();
        if (flagged > 0) {
            LOG.warn("{} of {} retrainings left the warm start's basin (parameter distance > {}x the median {}, "
                    + "|actual change| > {}x the largest |predicted| {}); they are reported but left out of the "
                    + "agreement", flagged, points.size(), BASIN_FACTOR, median, BASIN_FACTOR, maxPredicted);
        }
        return out;
    }

    /** The selected points, in report order. */
    private List<Selection> select(double[] s) {
        int n = s.length;
        List<Selection> out = new ArrayList<>();
        if (indices != null) {
            for (int i : indices) {
                if (i >= n) {
                    throw new IllegalArgumentException("explicit index " + i + " is out of range for n = " + n
                            + " training points");
                }
                out.add(new Selection(i, Reason.EXPLICIT));
            }
            return out;
        }
        if (topK > n) {
            throw new IllegalArgumentException("topK (k = " + topK + ") exceeds the number of training points (n = "
                    + n + ")");
        }
        if ((long) topK + randomSample > n) {
            throw new IllegalArgumentException("topK + randomSample (" + topK + " + " + randomSample
                    + ") exceeds the number of training points (n = " + n + "); lower randomSample");
        }
        int[] byMagnitude = IntStream.range(0, n).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -Math.abs(s[i])).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).toArray();
        for (int r = 0; r < topK; r++) {
            out.add(new Selection(byMagnitude[r], Reason.TOP_K));
        }
        // partial Fisher–Yates over the rest, sorted first so the sample depends only on the seed and n
        int[] rest = Arrays.copyOfRange(byMagnitude, topK, n);
        Arrays.sort(rest);
        for (int position : Sampling.sampleWithoutReplacement(rest.length, randomSample, new SplittableRandom(seed))) {
            out.add(new Selection(rest[position], Reason.RANDOM));
        }
        return out;
    }

    private static double finite(double loss, String what) {
        if (!Double.isFinite(loss)) {
            throw new IllegalStateException("retrainer returned a non-finite test loss (" + loss + ") for " + what);
        }
        return loss;
    }

    @Override
    public String toString() {
        return indices != null
                ? "LeaveOneOutValidation[" + indices.length + " explicit indices"
                        + (indices.length <= 10 ? " " + Arrays.toString(indices) : "") + "]"
                : "LeaveOneOutValidation[topK=" + topK + ", randomSample=" + randomSample + ", seed=" + seed + "]";
    }
}
