package org.influence4j.validation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
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
 *       {@code predicted = −score_i / n} (DESIGN.md: {@code Δ ≈ −(1/n)·I_up,loss});</li>
 *   <li>report Pearson, Spearman and Kendall between predicted and actual, over all points and over the
 *       top-k subset.</li>
 * </ol>
 * Cost: {@code 1 + topK + randomSample} retrainings; progress goes to the {@link ValidationListener}.
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
            Arguments.checkNonNegative("index", i);
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
        int n = scores.length;
        if (n == 0) {
            throw new IllegalArgumentException("scores is empty; one score per training point is required");
        }
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(scores[i])) {
                throw new IllegalArgumentException("scores contains " + scores[i] + " at index " + i);
            }
        }
        double[] s = scores.clone();
        List<int[]> selection = select(s); // {index, reason ordinal}
        long start = System.nanoTime();
        double baseline = finite(retrainer.testLossWithout(new int[0], testPoint), "baseline (nothing removed)");
        List<Point> points = new ArrayList<>(selection.size());
        for (int[] sel : selection) {
            int i = sel[0];
            double actual = finite(retrainer.testLossWithout(new int[] {i}, testPoint), "index " + i) - baseline;
            Point p = new Point(i, Reason.values()[sel[1]], s[i], -s[i] / n, actual);
            points.add(p);
            LOG.trace("retrained without {}: {}", i, p);
            listener.onPoint(new ValidationListener.Progress(points.size(), selection.size(), p,
                    Duration.ofNanos(System.nanoTime() - start)));
        }
        ValidationReport report = new ValidationReport(points, n, baseline,
                Duration.ofNanos(System.nanoTime() - start), seed);
        LOG.debug("{}", report);
        return report;
    }

    /** The selected {index, reason} pairs, in report order. */
    private List<int[]> select(double[] s) {
        int n = s.length;
        List<int[]> out = new ArrayList<>();
        if (indices != null) {
            for (int i : indices) {
                if (i >= n) {
                    throw new IllegalArgumentException("explicit index " + i + " is out of range for n = " + n
                            + " training points");
                }
                out.add(new int[] {i, Reason.EXPLICIT.ordinal()});
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
            out.add(new int[] {byMagnitude[r], Reason.TOP_K.ordinal()});
        }
        // partial Fisher–Yates over the rest, sorted first so the sample depends only on the seed and n
        int[] rest = Arrays.copyOfRange(byMagnitude, topK, n);
        Arrays.sort(rest);
        SplittableRandom rng = new SplittableRandom(seed);
        for (int r = 0; r < randomSample; r++) {
            int j = r + rng.nextInt(rest.length - r);
            int t = rest[r];
            rest[r] = rest[j];
            rest[j] = t;
            out.add(new int[] {rest[r], Reason.RANDOM.ordinal()});
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
