package org.influence4j.validation;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

import org.influence4j.internal.Arguments;
import org.influence4j.internal.Sampling;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The linear datamodeling score (LDS; Park et al. 2023, "TRAK: Attributing Model Behavior at Scale", after Ilyas et
 * al. 2022, "Datamodels"): how well summed influence scores predict what training on a random subset of the data
 * actually does. Where leave-one-out asks about the effect of one point, the LDS asks whether attributions are
 * <em>additive</em> over many points removed at once, which is how they are used to select or prune data.
 *
 * <h2>Protocol</h2>
 * Given the scores {@code score[t][i] = I_up,loss(zᵢ, z_t)} of every training point {@code i < n} for every test example
 * {@code t < m}, and a {@link SubsetTrainer}:
 * <ol>
 *   <li>draw {@code M} subsets {@code S_j} of {@code k = ⌊α·n⌋} distinct training points ({@link #subsets(int)});</li>
 *   <li>train on each subset with {@code R} seeds and average the measurement {@code f_t} (the test loss, or the
 *       margin) over the seeds: {@code actual_j[t] = (1/R) Σ_r f_t(θ_{S_j, r})};</li>
 *   <li>predict with the scores: {@code predicted_j[t] = Σ_{i ∈ S_j} score[t][i]};</li>
 *   <li>per test example, {@code ρ_t = Spearman_j(predicted_j[t], sign · actual_j[t])} with {@code sign = +1} for
 *       {@link Measurement#LOSS} and {@code −1} for {@link Measurement#MARGIN};</li>
 *   <li>{@code LDS = mean_t ρ_t} over the test examples where {@code ρ_t} is defined.</li>
 * </ol>
 * Sign: with this library's convention (negative score = helpful, see {@code InfluenceScores}), a harmful point has a
 * positive score and raises the test loss when it is in the training set; a subset with a larger summed score should
 * therefore have a larger loss (and a smaller margin), and agreement is positive for both measurements. A test
 * example whose predicted or actual values are constant across the subsets has an undefined (NaN) Spearman
 * correlation: it is left out of the mean and counted ({@link DatamodelReport#excludedCount()}). The result, with
 * bootstrap intervals, is a {@link DatamodelReport}.
 *
 * <h2>Subsets and seeds</h2>
 * <ul>
 *   <li>Subset size: {@code k = ⌊α·n⌋}, where a product {@code α·n} within a relative {@code 1e-9} of an integer counts
 *       as that integer ({@code 0.29·100 = 28.999999999999996} gives 29); {@code 1 ≤ k < n} is required.</li>
 *   <li>Subset {@code j}: the first {@code k} entries of a partial Fisher–Yates shuffle of {@code 0 … n−1} driven by a
 *       {@link SplittableRandom} whose seed is a SplitMix64 hash of {@code (seed, j)} alone, then sorted. Subset
 *       {@code j} therefore does not depend on {@code M}: a run with a larger {@code M} extends a smaller one (and, with
 *       a checkpoint, reuses its trainings).</li>
 *   <li>Training seed of subset {@code j}, replicate {@code r}: {@code seed + j + r·}{@value #REPLICATE_SEED_STRIDE}
 *       ({@link #trainingSeed(int, int)}); replicate 0 of subset {@code j} uses {@code seed + j}, as dattri does.
 *       When the trainer reports {@link SubsetTrainer#seedDependent()} {@code false}, each subset is trained once
 *       whatever {@link #seedsPerSubset()} says (logged at DEBUG; the report gives the effective number).</li>
 * </ul>
 *
 * <h2>Defaults</h2>
 * <ul>
 *   <li>{@code M = }{@value #DEFAULT_SUBSETS} subsets and fraction {@code α = }{@value #DEFAULT_FRACTION}: the values of
 *       TRAK and of dattri's published LDS benchmarks, so that numbers are comparable;</li>
 *   <li>{@value #DEFAULT_SEEDS_PER_SUBSET} seed per subset: dattri's published LDS trains one model per subset. Several
 *       seeds average out the retraining noise of a seed-dependent trainer (initialisation, shuffling), which otherwise
 *       lowers the LDS of even a perfect attribution; they multiply the cost;</li>
 *   <li>seed {@value #DEFAULT_SEED} (dattri's), {@link Measurement#LOSS} (dattri's measurement; TRAK uses the margin,
 *       which differs only with several seeds, see {@link Measurement});</li>
 *   <li>{@value #DEFAULT_BOOTSTRAP} bootstrap resamples and confidence {@value #DEFAULT_CONFIDENCE}: enough for stable
 *       2.5% and 97.5% percentiles, a negligible cost next to the trainings;</li>
 *   <li>{@value #DEFAULT_THREADS} worker thread (the trainer may itself be parallel), no listener, no checkpoint.</li>
 * </ul>
 *
 * <h2>Bootstrap intervals</h2>
 * Percentile intervals at the {@linkplain #withConfidence(double) confidence} level from {@code B}
 * {@linkplain #withBootstrap(int) resamples}; resample {@code b} draws with a generator seeded by a hash of
 * {@code (seed, b)}. For each test example, the {@code M} subsets are resampled with replacement and its Spearman
 * correlation recomputed (ties from repeated subsets get average ranks): the interval covers the uncertainty from the
 * finite number of random subsets. For the LDS, each resample draws the subsets and the test examples jointly (both
 * with replacement) and averages the defined correlations: the interval covers the finite number of subsets and the
 * choice of test examples. Resamples whose correlation is undefined (every drawn subset alike) are left out of the
 * percentiles. {@code B = 0} gives NaN bounds.
 *
 * <h2>Threads, progress, cancellation</h2>
 * The {@code M·R} trainings run as independent tasks {@code (j, r)} on {@link #threads()} worker threads; the
 * results are stored by {@code (j, r)} and reduced in a fixed order, so the report is bit for bit the same for any
 * number of threads. The trainer must be thread-safe. Progress events ({@link DatamodelListener}) are delivered on
 * the calling thread. Interrupting the calling thread cancels the run: it throws {@link CancellationException} with
 * the interrupt flag kept, interrupts the workers and abandons queued trainings; trainings that finished before stay
 * in the checkpoint. An exception thrown by the trainer ends the run and propagates unwrapped (a
 * {@link RuntimeException} or {@link Error}); trainings finished before it stay in the checkpoint too.
 *
 * <h2>Checkpoint</h2>
 * With {@link #withCheckpoint(Path)}, the file is a UTF-8 text file: a header line (the tag {@value #CHECKPOINT_TAG},
 * then tab-separated {@code key=value} fields: {@code n}, {@code m}, {@code fraction}, {@code seed},
 * {@code measurement}, the effective {@code seedsPerSubset}, {@code testPoints} — a SHA-256 of the test examples'
 * features and labels — and the trainer's {@link SubsetTrainer#describe() description}), followed by one line per
 * finished training, {@code "j r v_0 … v_{m−1}"}, appended and flushed as each training finishes (values as
 * {@link Double#toString}, which round-trips exactly). The header holds everything that determines the trainings
 * except {@code M}; the scores, the bootstrap and the number of threads do not affect the trainings and are not in
 * it. On {@code run}, an existing file whose header matches is loaded and its trainings with {@code j < M} are not
 * run again; a last line without its newline (a crash while writing) is ignored, cut off and written again. A header
 * that does not match, or a corrupt complete line, is an {@link IllegalArgumentException} naming the file, the field
 * and the remedy, and the file is left untouched. A resumed run gives bit for bit the report of an uninterrupted one.
 * The training data itself is not in the header: the trainer's description stands for it (see
 * {@link SubsetTrainer#describe()}), so a trainer of one's own should include a fingerprint of its data there.
 *
 * <p>Cost: {@code M·R} trainings (minus those loaded), then {@code O(m·M log M)} for the correlations and
 * {@code O(B·m·M)} for the bootstrap. Immutable and thread-safe; each {@code withX} returns a copy. References: Park
 * et al. 2023 (TRAK, §2 and App. A); Ilyas et al. 2022 (Datamodels); Deng et al. 2024 (dattri).
 */
public final class LinearDatamodelingScore {

    /** Default number of subsets {@code M}. */
    public static final int DEFAULT_SUBSETS = 100;
    /** Default fraction {@code α} of the training data in each subset. */
    public static final double DEFAULT_FRACTION = 0.5;
    /** Default number of training seeds per subset. */
    public static final int DEFAULT_SEEDS_PER_SUBSET = 1;
    /** Default seed of subsets, trainings and bootstrap. */
    public static final long DEFAULT_SEED = 0L;
    /** Default number of bootstrap resamples. */
    public static final int DEFAULT_BOOTSTRAP = 1000;
    /** Default confidence level of the bootstrap intervals. */
    public static final double DEFAULT_CONFIDENCE = 0.95;
    /** Default number of worker threads. */
    public static final int DEFAULT_THREADS = 1;
    /** Fewest subsets: Spearman's correlation of fewer than 3 pairs is ±1 or undefined. */
    public static final int MIN_SUBSETS = 3;
    /** Stride between the training seeds of consecutive replicates of one subset (a prime above any plausible M). */
    public static final long REPLICATE_SEED_STRIDE = 1_000_003L;
    /** First token of a checkpoint file's header (the format version). */
    public static final String CHECKPOINT_TAG = "influence4j-lds-checkpoint-v1";

    private static final Logger LOG = LoggerFactory.getLogger(LinearDatamodelingScore.class);
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private static final long SUBSET_SALT = 0x5B5E7C0FFEE5EEDL;
    private static final long BOOTSTRAP_SALT = 0xB0075712A9L;
    /** Tolerance of the rule that snaps {@code α·n} to a nearby integer (relative). */
    private static final double SNAP = 1e-9;

    private final int subsets;
    private final double fraction;
    private final int seedsPerSubset;
    private final long seed;
    private final Measurement measurement;
    private final int bootstrap;
    private final double confidence;
    private final int threads;
    private final DatamodelListener listener;
    private final Path checkpoint; // null: none

    private LinearDatamodelingScore(int subsets, double fraction, int seedsPerSubset, long seed,
                                    Measurement measurement, int bootstrap, double confidence, int threads,
                                    DatamodelListener listener, Path checkpoint) {
        this.subsets = subsets;
        this.fraction = fraction;
        this.seedsPerSubset = seedsPerSubset;
        this.seed = seed;
        this.measurement = measurement;
        this.bootstrap = bootstrap;
        this.confidence = confidence;
        this.threads = threads;
        this.listener = listener;
        this.checkpoint = checkpoint;
    }

    /** The default configuration (see the class comment). */
    public static LinearDatamodelingScore defaults() {
        return new LinearDatamodelingScore(DEFAULT_SUBSETS, DEFAULT_FRACTION, DEFAULT_SEEDS_PER_SUBSET, DEFAULT_SEED,
                Measurement.LOSS, DEFAULT_BOOTSTRAP, DEFAULT_CONFIDENCE, DEFAULT_THREADS, DatamodelListener.NONE,
                null);
    }

    /**
     * A copy with {@code count ≥ }{@value #MIN_SUBSETS} subsets.
     *
     * @throws IllegalArgumentException if {@code count < 3}
     */
    public LinearDatamodelingScore withSubsets(int count) {
        if (count < MIN_SUBSETS) {
            throw new IllegalArgumentException("subsets (" + count + ") must be >= " + MIN_SUBSETS
                    + "; a Spearman correlation over fewer subsets is +-1 or undefined (TRAK and dattri use 100)");
        }
        return new LinearDatamodelingScore(count, fraction, seedsPerSubset, seed, measurement, bootstrap, confidence,
                threads, listener, checkpoint);
    }

    /**
     * A copy whose subsets hold the fraction {@code α ∈ (0, 1)} of the training data.
     *
     * @throws IllegalArgumentException if {@code α} is not strictly between 0 and 1 (NaN included)
     */
    public LinearDatamodelingScore withFraction(double alpha) {
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("fraction (" + alpha + ") must be in (0, 1); TRAK and dattri use 0.5");
        }
        return new LinearDatamodelingScore(subsets, alpha, seedsPerSubset, seed, measurement, bootstrap, confidence,
                threads, listener, checkpoint);
    }

    /**
     * A copy that trains every subset with {@code count ≥ 1} seeds and averages the measurements (ignored, i.e. 1, for
     * a trainer that is not {@link SubsetTrainer#seedDependent() seed dependent}).
     *
     * @throws IllegalArgumentException if {@code count < 1}
     */
    public LinearDatamodelingScore withSeedsPerSubset(int count) {
        return new LinearDatamodelingScore(subsets, fraction, Arguments.checkPositive("seedsPerSubset", count), seed,
                measurement, bootstrap, confidence, threads, listener, checkpoint);
    }

    /** A copy with another seed for the subsets, the trainings and the bootstrap. */
    public LinearDatamodelingScore withSeed(long newSeed) {
        return new LinearDatamodelingScore(subsets, fraction, seedsPerSubset, newSeed, measurement, bootstrap,
                confidence, threads, listener, checkpoint);
    }

    /** A copy that measures {@code what} on the test examples. */
    public LinearDatamodelingScore withMeasurement(Measurement what) {
        return new LinearDatamodelingScore(subsets, fraction, seedsPerSubset, seed,
                Objects.requireNonNull(what, "measurement"), bootstrap, confidence, threads, listener, checkpoint);
    }

    /**
     * A copy with {@code resamples ≥ 0} bootstrap resamples; 0 computes no intervals (NaN bounds).
     *
     * @throws IllegalArgumentException if {@code resamples < 0}
     */
    public LinearDatamodelingScore withBootstrap(int resamples) {
        return new LinearDatamodelingScore(subsets, fraction, seedsPerSubset, seed, measurement,
                Arguments.checkNonNegative("bootstrap resamples", resamples), confidence, threads, listener,
                checkpoint);
    }

    /**
     * A copy whose intervals have confidence level {@code level ∈ (0, 1)}.
     *
     * @throws IllegalArgumentException if {@code level} is not strictly between 0 and 1 (NaN included)
     */
    public LinearDatamodelingScore withConfidence(double level) {
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException("confidence (" + level + ") must be in (0, 1), e.g. 0.95");
        }
        return new LinearDatamodelingScore(subsets, fraction, seedsPerSubset, seed, measurement, bootstrap, level,
                threads, listener, checkpoint);
    }

    /**
     * A copy that runs the trainings (and the bootstrap) on {@code count ≥ 1} worker threads.
     *
     * @throws IllegalArgumentException if {@code count < 1}
     */
    public LinearDatamodelingScore withThreads(int count) {
        return new LinearDatamodelingScore(subsets, fraction, seedsPerSubset, seed, measurement, bootstrap, confidence,
                Arguments.checkPositive("threads", count), listener, checkpoint);
    }

    /** A copy that reports progress to {@code progressListener} (on the calling thread). */
    public LinearDatamodelingScore withListener(DatamodelListener progressListener) {
        return new LinearDatamodelingScore(subsets, fraction, seedsPerSubset, seed, measurement, bootstrap, confidence,
                threads, Objects.requireNonNull(progressListener, "listener"), checkpoint);
    }

    /**
     * A copy that records every finished training in {@code file} and resumes from it (format in the class comment);
     * {@code null} for none. The file's directory must exist when {@code run} is called.
     */
    public LinearDatamodelingScore withCheckpoint(Path file) {
        return new LinearDatamodelingScore(subsets, fraction, seedsPerSubset, seed, measurement, bootstrap, confidence,
                threads, listener, file);
    }

    /** Number of subsets {@code M}. */
    public int subsetCount() {
        return subsets;
    }

    /** Fraction {@code α} of the training data in each subset. */
    public double fraction() {
        return fraction;
    }

    /** Configured seeds per subset (the effective number may be 1, see the class comment). */
    public int seedsPerSubset() {
        return seedsPerSubset;
    }

    /** The seed of subsets, trainings and bootstrap. */
    public long seed() {
        return seed;
    }

    /** What is measured on the test examples. */
    public Measurement measurement() {
        return measurement;
    }

    /** Number of bootstrap resamples (0: none). */
    public int bootstrapResamples() {
        return bootstrap;
    }

    /** Confidence level of the bootstrap intervals. */
    public double confidence() {
        return confidence;
    }

    /** Number of worker threads. */
    public int threads() {
        return threads;
    }

    /** The progress listener. */
    public DatamodelListener listener() {
        return listener;
    }

    /** The checkpoint file, or {@code null} for none. */
    public Path checkpoint() {
        return checkpoint;
    }

    /**
     * The subset size {@code k = ⌊α·n⌋} for {@code n} training points (see the class comment for the rounding rule).
     *
     * @throws IllegalArgumentException unless {@code 1 ≤ k < n}
     */
    public int subsetSize(int n) {
        if (n < 2) {
            throw new IllegalArgumentException("n (" + n + ") must be >= 2 training points to draw proper subsets");
        }
        double an = fraction * n;
        double nearest = Math.rint(an);
        long k = Math.abs(an - nearest) <= SNAP * Math.max(1.0, an) ? (long) nearest : (long) Math.floor(an);
        if (k < 1) {
            throw new IllegalArgumentException("fraction (" + fraction + ") of n = " + n
                    + " training points gives subsets of 0 points; raise the fraction to at least 1/n = "
                    + (1.0 / n));
        }
        if (k >= n) {
            throw new IllegalArgumentException("fraction (" + fraction + ") of n = " + n
                    + " training points gives subsets of all " + n + " points; lower the fraction to at most (n-1)/n = "
                    + ((n - 1.0) / n));
        }
        return (int) k;
    }

    /**
     * The {@code M} subsets this configuration trains on for {@code n} training points: row {@code j} is subset
     * {@code S_j}, {@code k} distinct indices in increasing order (see the class comment). Fresh arrays.
     *
     * @throws IllegalArgumentException as {@link #subsetSize(int)}
     */
    public int[][] subsets(int n) {
        int k = subsetSize(n);
        int[][] out = new int[subsets][];
        for (int j = 0; j < subsets; j++) {
            out[j] = subset(n, k, j);
        }
        return out;
    }

    /** Subset {@code j}: a function of (seed, j, n, k) only. */
    private int[] subset(int n, int k, int j) {
        int[] s = Sampling.sampleWithoutReplacement(n, k, new SplittableRandom(stream(seed, SUBSET_SALT, j)));
        Arrays.sort(s);
        return s;
    }

    /**
     * The seed passed to the trainer for subset {@code j}, replicate {@code r}:
     * {@code seed + j + r·}{@value #REPLICATE_SEED_STRIDE} (wrapping on overflow).
     */
    public long trainingSeed(int subset, int replicate) {
        return seed + subset + replicate * REPLICATE_SEED_STRIDE;
    }

    /**
     * {@link #run(double[][], SubsetTrainer, DataSet)} for scores held in an ND4J matrix.
     *
     * @param scores {@code [m, n]}: row {@code t} holds the scores of every training point for test row {@code t};
     *               floating point (FLOAT is widened), finite; not modified
     * @throws IllegalArgumentException if {@code scores} is not a finite floating-point matrix, or as {@code run}
     */
    public DatamodelReport run(INDArray scores, SubsetTrainer trainer, DataSet testPoints) {
        Arguments.checkFloatingPoint("scores", scores);
        if (scores.rank() != 2 || scores.size(0) == 0) {
            throw new IllegalArgumentException("scores has shape " + Arrays.toString(scores.shape())
                    + "; expected a matrix [m, n] with one row of n training-point scores per test example");
        }
        Arguments.checkFinite("scores", scores);
        return run(scores.castTo(DataType.DOUBLE).toDoubleMatrix(), trainer, testPoints);
    }

    /**
     * Computes the linear datamodeling score (see the class comment).
     *
     * @param scores     {@code scores[t][i] = I_up,loss(zᵢ, z_t)}: row {@code t} is the score vector of test row
     *                   {@code t}, of length {@code n ≥ 2} in training-data order; finite; not modified
     * @param trainer    trains on a subset and measures the test examples; must be thread-safe when
     *                   {@code threads > 1}
     * @param testPoints the {@code m} test examples (row {@code t} for score row {@code t}); features and labels
     *                   finite; copied for the trainer, not modified
     * @return the report
     * @throws IllegalArgumentException if the number of score rows differs from {@code m}, the rows are ragged or
     *                                  shorter than 2, a score is not finite, the fraction gives an empty or full
     *                                  subset, the test points are invalid, or the checkpoint's directory is missing,
     *                                  its header does not match or it has a corrupt line
     * @throws IllegalStateException    if the trainer returns the wrong number of values or a non-finite value
     * @throws CancellationException    if the calling thread is interrupted (the flag stays set)
     * @throws UncheckedIOException     if the checkpoint cannot be read or written
     */
    public DatamodelReport run(double[][] scores, SubsetTrainer trainer, DataSet testPoints) {
        Objects.requireNonNull(scores, "scores");
        Objects.requireNonNull(trainer, "trainer");
        Arguments.checkDataSet("testPoints", testPoints);
        int m = testPoints.numExamples();
        double[][] s = checkScores(scores, m);
        int n = s[0].length;
        int k = subsetSize(n);
        long start = System.nanoTime();

        boolean seedDependent = trainer.seedDependent();
        int seeds = seedDependent ? seedsPerSubset : 1;
        if (!seedDependent && seedsPerSubset > 1) {
            LOG.debug("trainer {} does not depend on the seed: training each subset once instead of {} times",
                    trainer.describe(), seedsPerSubset);
        }
        String description = oneLine(trainer.describe());
        int[][] sets = new int[subsets][];
        for (int j = 0; j < subsets; j++) {
            sets[j] = subset(n, k, j);
        }
        DataSet test = testPoints.copy();
        double[][][] results = new double[subsets][seeds][];

        int loaded = 0;
        int run;
        Checkpoint file = null;
        if (checkpoint != null) {
            file = Checkpoint.open(checkpoint, header(n, m, seeds, description, test), results, m);
            loaded = file.loaded();
        }
        try {
            run = trainAll(sets, seeds, trainer, test, results, file, loaded, start);
        } finally {
            if (file != null) {
                file.close();
            }
        }

        // actual_j[t] = (1/R) Σ_r f_t(θ_{S_j, r}), summed in replicate order; predicted_j[t] = Σ_{i ∈ S_j} score[t][i]
        double[][] actual = new double[subsets][m];
        double[][] predicted = new double[subsets][m];
        for (int j = 0; j < subsets; j++) {
            for (int t = 0; t < m; t++) {
                double sum = 0;
                for (int r = 0; r < seeds; r++) {
                    sum += results[j][r][t];
                }
                actual[j][t] = sum / seeds;
                double p = 0;
                for (int i : sets[j]) {
                    p += s[t][i];
                }
                predicted[j][t] = p;
            }
        }
        double sign = measurement == Measurement.MARGIN ? -1.0 : 1.0;
        double[][] xs = new double[m][subsets]; // per test point: predicted across subsets
        double[][] ys = new double[m][subsets]; // per test point: sign · actual across subsets
        double[] rho = new double[m];
        for (int t = 0; t < m; t++) {
            for (int j = 0; j < subsets; j++) {
                xs[t][j] = predicted[j][t];
                ys[t][j] = sign * actual[j][t];
            }
            rho[t] = Correlations.spearman(xs[t], ys[t]);
        }
        double lds = meanOfDefined(rho, null);
        Bootstrap boot = bootstrap(xs, ys, rho);

        List<DatamodelReport.Point> points = new ArrayList<>(m);
        int excluded = 0;
        for (int t = 0; t < m; t++) {
            points.add(new DatamodelReport.Point(t, rho[t], boot.low[t], boot.high[t]));
            excluded += Double.isNaN(rho[t]) ? 1 : 0;
        }
        if (excluded > 0) {
            LOG.warn("{} of {} test points have predicted or actual values that are constant across the {} subsets; "
                    + "their Spearman correlation is undefined and they are left out of the LDS", excluded, m, subsets);
        }
        DatamodelReport report = new DatamodelReport(lds, boot.ldsLow, boot.ldsHigh, points, predicted, actual, n, k,
                fraction, seeds, measurement, description, run, loaded, seed, bootstrap, confidence,
                Duration.ofNanos(System.nanoTime() - start));
        LOG.debug("{}", report);
        return report;
    }

    // ------------------------------------------------------------------------------------------------ validation

    /** A deep copy of the scores after checking shape ({@code m} rows of one length {@code n ≥ 2}) and finiteness. */
    private static double[][] checkScores(double[][] scores, int m) {
        if (scores.length != m) {
            throw new IllegalArgumentException("scores has " + scores.length + " rows but testPoints has " + m
                    + " examples; give one row of training-point scores per test example (row t for test row t)");
        }
        double[][] s = new double[m][];
        for (int t = 0; t < m; t++) {
            s[t] = Objects.requireNonNull(scores[t], "scores row " + t).clone();
        }
        int n = s[0].length;
        if (n < 2) {
            throw new IllegalArgumentException("scores rows have length " + n
                    + "; at least 2 training points (n >= 2) are needed to draw subsets");
        }
        for (int t = 1; t < m; t++) {
            if (s[t].length != n) {
                throw new IllegalArgumentException("scores row " + t + " has length " + s[t].length + " but row 0 has "
                        + "length " + n + "; every row needs one score per training point");
            }
        }
        for (int t = 0; t < m; t++) {
            for (int i = 0; i < n; i++) {
                if (!Double.isFinite(s[t][i])) {
                    throw new IllegalArgumentException("scores contains " + s[t][i] + " at [" + t + ", " + i
                            + "]; influence scores must be finite");
                }
            }
        }
        return s;
    }

    // ------------------------------------------------------------------------------------------------ trainings

    /** One finished training. */
    private record Training(int subset, int replicate, double[] values) {
    }

    /** Runs every training not yet in {@code results}; returns how many were run. */
    private int trainAll(int[][] sets, int seeds, SubsetTrainer trainer, DataSet test, double[][][] results,
                         Checkpoint file, int loaded, long start) {
        int m = test.numExamples();
        List<int[]> pending = new ArrayList<>();
        for (int j = 0; j < subsets; j++) {
            for (int r = 0; r < seeds; r++) {
                if (results[j][r] == null) {
                    pending.add(new int[] {j, r});
                }
            }
        }
        int total = subsets * seeds;
        LOG.debug("linear datamodeling score: {} trainings ({} subsets x {} seeds), {} loaded from the checkpoint, "
                + "{} to run on {} threads", total, subsets, seeds, loaded, pending.size(), threads);
        if (pending.isEmpty()) {
            return 0;
        }
        if (Thread.currentThread().isInterrupted()) {
            throw new CancellationException("linear datamodeling score cancelled: the calling thread was interrupted "
                    + "before the first training");
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, pending.size()), workers("lds-train"));
        CompletionService<Training> done = new ExecutorCompletionService<>(pool);
        int run = 0;
        boolean finished = false;
        try {
            for (int[] task : pending) {
                int j = task[0];
                int r = task[1];
                done.submit(() -> train(trainer, sets[j], j, r, test, m));
            }
            for (int i = 0; i < pending.size(); i++) {
                Training t;
                try {
                    t = unwrap(done.take());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CancellationException("linear datamodeling score cancelled after " + (loaded + run)
                            + " of " + total + " trainings: the calling thread was interrupted");
                }
                store(t, results, file);
                run++;
                listener.onTraining(new DatamodelListener.Progress(loaded + run, total, t.subset(), t.replicate(),
                        Duration.ofNanos(System.nanoTime() - start), loaded));
            }
            finished = true;
        } finally {
            pool.shutdownNow();
            if (!finished && file != null) {
                keepFinished(done, results, file);
            }
        }
        return run;
    }

    /** The trainer's measurement of subset {@code j}, replicate {@code r}, checked (runs on a worker). */
    private Training train(SubsetTrainer trainer, int[] set, int j, int r, DataSet test, int m) {
        long trainingSeed = trainingSeed(j, r);
        double[] v = trainer.measure(set.clone(), trainingSeed, test, measurement);
        String where = "subset " + j + " (replicate " + r + ", seed " + trainingSeed + ")";
        if (v == null) {
            throw new IllegalStateException("trainer " + trainer.describe() + " returned null for " + where
                    + "; expected " + m + " values, one per test example");
        }
        if (v.length != m) {
            throw new IllegalStateException("trainer " + trainer.describe() + " returned " + v.length + " values for "
                    + where + "; expected " + m + ", one per test example");
        }
        for (int t = 0; t < m; t++) {
            if (!Double.isFinite(v[t])) {
                throw new IllegalStateException("trainer " + trainer.describe() + " returned " + v[t]
                        + " for test example " + t + " on " + where + "; measurements must be finite");
            }
        }
        return new Training(j, r, v.clone());
    }

    private static void store(Training t, double[][][] results, Checkpoint file) {
        results[t.subset()][t.replicate()] = t.values();
        if (file != null) {
            file.append(t);
        }
    }

    /** After a failure or a cancellation: records the trainings that finished but were not yet taken. */
    private static void keepFinished(CompletionService<Training> done, double[][][] results, Checkpoint file) {
        Future<Training> f;
        while ((f = done.poll()) != null) {
            if (f.isDone() && !f.isCancelled()) {
                try {
                    Training t = f.get();
                    if (results[t.subset()][t.replicate()] == null) {
                        store(t, results, file);
                    }
                } catch (ExecutionException | InterruptedException | CancellationException e) {
                    // this task failed or was stopped: nothing to keep; the flag, if any, is restored below
                    if (e instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                    }
                } catch (RuntimeException e) {
                    LOG.warn("could not record a finished training in the checkpoint: {}", e.toString());
                    return;
                }
            }
        }
    }

    /** The value of a finished future; a worker's unchecked exception is rethrown as it is. */
    private static <T> T unwrap(Future<T> f) throws InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("a worker failed: " + cause, cause);
        }
    }

    private static ThreadFactory workers(String name) {
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "influence4j-" + name + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    // ------------------------------------------------------------------------------------------------ bootstrap

    /** Bootstrap bounds: per test point and for the LDS (NaN without bootstrap). */
    private record Bootstrap(double[] low, double[] high, double ldsLow, double ldsHigh) {
    }

    private Bootstrap bootstrap(double[][] xs, double[][] ys, double[] rho) {
        int m = rho.length;
        double[] low = new double[m];
        double[] high = new double[m];
        Arrays.fill(low, Double.NaN);
        Arrays.fill(high, Double.NaN);
        if (bootstrap == 0) {
            return new Bootstrap(low, high, Double.NaN, Double.NaN);
        }
        int[][] orderX = new int[m][];
        int[][] orderY = new int[m][];
        for (int t = 0; t < m; t++) {
            orderX[t] = order(xs[t]);
            orderY[t] = order(ys[t]);
        }
        double[][] perPoint = new double[bootstrap][]; // [b][t]
        double[] ldsReplicates = new double[bootstrap];
        parallelFor(bootstrap, b -> {
            SplittableRandom rng = new SplittableRandom(stream(seed, BOOTSTRAP_SALT, b));
            int[] count = new int[subsets];
            for (int i = 0; i < subsets; i++) {
                count[rng.nextInt(subsets)]++;
            }
            int[] rows = new int[m];
            for (int i = 0; i < m; i++) {
                rows[i] = rng.nextInt(m);
            }
            double[] rx = new double[subsets];
            double[] ry = new double[subsets];
            double[] r = new double[m];
            for (int t = 0; t < m; t++) {
                r[t] = Double.isNaN(rho[t]) ? Double.NaN
                        : weightedSpearman(count, xs[t], orderX[t], ys[t], orderY[t], rx, ry);
            }
            perPoint[b] = r;
            ldsReplicates[b] = meanOfDefined(r, rows);
        });
        double lo = (1 - confidence) / 2;
        double hi = (1 + confidence) / 2;
        double[] column = new double[bootstrap];
        for (int t = 0; t < m; t++) {
            if (Double.isNaN(rho[t])) {
                continue;
            }
            for (int b = 0; b < bootstrap; b++) {
                column[b] = perPoint[b][t];
            }
            double[] sorted = sortedDefined(column);
            low[t] = quantile(sorted, lo);
            high[t] = quantile(sorted, hi);
        }
        double[] sorted = sortedDefined(ldsReplicates);
        return new Bootstrap(low, high, quantile(sorted, lo), quantile(sorted, hi));
    }

    /**
     * Spearman's correlation of the multiset that holds {@code count[j]} copies of the pair {@code (x[j], y[j])}:
     * average ranks computed from the presorted orders in {@code O(M)}, then Pearson's correlation of the ranks
     * weighted by the counts, whose mean is exactly {@code (M + 1)/2}. Equal to {@link Correlations#spearman} on the
     * expanded arrays up to rounding. {@code rx}, {@code ry} are scratch arrays of length {@code M}.
     */
    static double weightedSpearman(int[] count, double[] x, int[] orderX, double[] y, int[] orderY, double[] rx,
                                   double[] ry) {
        int total = weightedRanks(count, x, orderX, rx);
        weightedRanks(count, y, orderY, ry);
        double mean = (total + 1) / 2.0;
        double sxx = 0, syy = 0, sxy = 0;
        for (int j = 0; j < count.length; j++) {
            int c = count[j];
            if (c > 0) {
                double dx = rx[j] - mean;
                double dy = ry[j] - mean;
                sxx += c * dx * dx;
                syy += c * dy * dy;
                sxy += c * dx * dy;
            }
        }
        if (sxx == 0 || syy == 0) {
            return Double.NaN;
        }
        return Math.max(-1.0, Math.min(1.0, sxy / Math.sqrt(sxx * syy)));
    }

    /** Average ranks of the weighted multiset into {@code ranks}; returns the total count. */
    private static int weightedRanks(int[] count, double[] v, int[] order, double[] ranks) {
        int below = 0; // copies with a smaller value
        int i = 0;
        int len = order.length;
        while (i < len) {
            int g = i;
            int inGroup = count[order[i]];
            while (g + 1 < len && v[order[g + 1]] == v[order[i]]) {
                g++;
                inGroup += count[order[g]];
            }
            double rank = below + (inGroup + 1) / 2.0; // mean of ranks below+1 … below+inGroup
            for (int q = i; q <= g; q++) {
                ranks[order[q]] = rank;
            }
            below += inGroup;
            i = g + 1;
        }
        return below;
    }

    /** Indices sorted by value (−0.0 and 0.0 adjacent, compared equal by the rank code). */
    static int[] order(double[] v) {
        Integer[] boxed = new Integer[v.length];
        for (int i = 0; i < v.length; i++) {
            boxed[i] = i;
        }
        Arrays.sort(boxed, (a, b) -> Double.compare(v[a] + 0.0, v[b] + 0.0));
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = boxed[i];
        }
        return out;
    }

    /** Mean of the non-NaN entries (of {@code v}, or of {@code v[rows[i]]} when {@code rows} is given); NaN if none. */
    private static double meanOfDefined(double[] v, int[] rows) {
        double sum = 0;
        int count = 0;
        int len = rows == null ? v.length : rows.length;
        for (int i = 0; i < len; i++) {
            double x = rows == null ? v[i] : v[rows[i]];
            if (!Double.isNaN(x)) {
                sum += x;
                count++;
            }
        }
        return count == 0 ? Double.NaN : sum / count;
    }

    private static double[] sortedDefined(double[] v) {
        double[] d = Arrays.stream(v).filter(x -> !Double.isNaN(x)).toArray();
        Arrays.sort(d);
        return d;
    }

    /** The {@code q}-quantile of sorted values by linear interpolation ({@code h = (F−1)q}); NaN if empty. */
    static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        double h = (sorted.length - 1) * q;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        double v = sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
        return Math.max(sorted[lo], Math.min(sorted[hi], v)); // no overshoot from rounding
    }

    /**
     * Runs {@code body(b)} for {@code b = 0 … count−1} on {@link #threads} threads (inline for one); each index writes
     * only its own slots, so the outcome does not depend on the threads. Cancels on interrupt of the calling thread.
     */
    private void parallelFor(int count, java.util.function.IntConsumer body) {
        if (threads == 1) {
            for (int b = 0; b < count; b++) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new CancellationException("linear datamodeling score cancelled during the bootstrap: the "
                            + "calling thread was interrupted");
                }
                body.accept(b);
            }
            return;
        }
        int workers = Math.min(threads, count);
        ExecutorService pool = Executors.newFixedThreadPool(workers, workers("lds-bootstrap"));
        try {
            List<Future<?>> parts = new ArrayList<>(workers);
            for (int w = 0; w < workers; w++) {
                int first = w;
                parts.add(pool.submit(() -> {
                    for (int b = first; b < count; b += workers) {
                        if (Thread.currentThread().isInterrupted()) {
                            return;
                        }
                        body.accept(b);
                    }
                }));
            }
            for (Future<?> f : parts) {
                try {
                    unwrap(f);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CancellationException("linear datamodeling score cancelled during the bootstrap: the "
                            + "calling thread was interrupted");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ------------------------------------------------------------------------------------------------ seeds

    /** A well-mixed seed for stream {@code index} of {@code (seed, salt)}: SplitMix64 hashes, never overlapping. */
    private static long stream(long seed, long salt, long index) {
        return mix64(mix64(seed ^ salt) + GOLDEN_GAMMA * (index + 1));
    }

    /** SplitMix64's finaliser (Stafford's variant 13), a bijection of {@code long}. */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    // ------------------------------------------------------------------------------------------------ checkpoint

    /** The header fields, in order: everything that determines the trainings except {@code M}. */
    private List<String[]> header(int n, int m, int seeds, String description, DataSet test) {
        List<String[]> h = new ArrayList<>();
        h.add(new String[] {"n", Integer.toString(n)});
        h.add(new String[] {"m", Integer.toString(m)});
        h.add(new String[] {"fraction", Double.toString(fraction)});
        h.add(new String[] {"seed", Long.toString(seed)});
        h.add(new String[] {"measurement", measurement.name()});
        h.add(new String[] {"seedsPerSubset", Integer.toString(seeds)});
        h.add(new String[] {"testPoints", "sha256:" + sha256(test)});
        h.add(new String[] {"trainer", description});
        return h;
    }

    /** The description on one line: tabs and line breaks become spaces. */
    private static String oneLine(String s) {
        return Objects.requireNonNull(s, "trainer.describe()").replaceAll("[\\t\\r\\n]", " ");
    }

    /** SHA-256 of the features and labels: rank, shape and values as big-endian doubles in 'c' order. */
    private static String sha256(DataSet data) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
        digest(md, data.getFeatures());
        digest(md, data.getLabels());
        return HexFormat.of().formatHex(md.digest());
    }

    private static void digest(MessageDigest md, INDArray a) {
        ByteBuffer head = ByteBuffer.allocate(8 * (a.rank() + 1)).order(ByteOrder.BIG_ENDIAN);
        head.putLong(a.rank());
        for (long s : a.shape()) {
            head.putLong(s);
        }
        md.update(head.array());
        INDArray flat = a.castTo(DataType.DOUBLE).dup('c').reshape(a.length());
        int block = 1 << 16;
        ByteBuffer buf = ByteBuffer.allocate(8 * block).order(ByteOrder.BIG_ENDIAN);
        for (long from = 0; from < flat.length(); from += block) {
            long to = Math.min(flat.length(), from + block);
            double[] v = flat.get(NDArrayIndex.interval(from, to)).toDoubleVector();
            buf.clear();
            for (double x : v) {
                buf.putDouble(x);
            }
            md.update(buf.array(), 0, 8 * v.length);
        }
    }

    /** The checkpoint file of one run: loaded on open, one line appended per finished training. */
    private static final class Checkpoint {
        private final Path file;
        private final BufferedWriter out;
        private final int loaded;

        private Checkpoint(Path file, BufferedWriter out, int loaded) {
            this.file = file;
            this.out = out;
            this.loaded = loaded;
        }

        int loaded() {
            return loaded;
        }

        /**
         * Checks the file against the header, loads its trainings into {@code results} (those with {@code j < M}),
         * cuts off an incomplete last line, and opens the file for appending (writing the header if it is new).
         */
        static Checkpoint open(Path file, List<String[]> header, double[][][] results, int m) {
            Path parent = file.toAbsolutePath().getParent();
            if (parent == null || !Files.isDirectory(parent)) {
                throw new IllegalArgumentException("checkpoint " + file + ": its directory " + parent
                        + " does not exist; create it or choose another checkpoint path");
            }
            if (Files.isDirectory(file)) {
                throw new IllegalArgumentException("checkpoint " + file + " is a directory; give a file path");
            }
            StringBuilder h = new StringBuilder(CHECKPOINT_TAG);
            for (String[] f : header) {
                h.append('\t').append(f[0]).append('=').append(f[1]);
            }
            String headerLine = h.toString();
            try {
                int loaded = 0;
                boolean fresh = true;
                if (Files.exists(file)) {
                    byte[] bytes = Files.readAllBytes(file);
                    int end = lastNewline(bytes) + 1; // bytes [0, end) are complete lines
                    String complete = new String(bytes, 0, end, StandardCharsets.UTF_8);
                    if (end == 0) {
                        String partial = new String(bytes, StandardCharsets.UTF_8);
                        if (!headerLine.startsWith(partial)) {
                            throw notACheckpoint(file, partial);
                        }
                        // empty, or a header cut short by a crash: nothing was recorded, start again
                    } else {
                        String[] lines = complete.split("\n", -1); // the last element is the empty tail
                        checkHeader(file, lines[0], header);
                        for (int l = 1; l < lines.length - 1; l++) {
                            loaded += load(file, l + 1, lines[l], results, m);
                        }
                        if (end < bytes.length) {
                            LOG.warn("checkpoint {}: ignoring an incomplete last line of {} bytes (an interrupted "
                                    + "write); that training runs again", file, bytes.length - end);
                            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                                ch.truncate(end);
                            }
                        }
                        fresh = false;
                    }
                }
                BufferedWriter out;
                if (fresh) {
                    out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                            StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
                    out.write(headerLine);
                    out.write('\n');
                    out.flush();
                } else {
                    out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND,
                            StandardOpenOption.WRITE);
                }
                if (loaded > 0) {
                    LOG.debug("checkpoint {}: {} trainings loaded", file, loaded);
                }
                return new Checkpoint(file, out, loaded);
            } catch (IOException e) {
                throw new UncheckedIOException("checkpoint " + file + ": " + e.getMessage(), e);
            }
        }

        private static int lastNewline(byte[] bytes) {
            for (int i = bytes.length - 1; i >= 0; i--) {
                if (bytes[i] == '\n') {
                    return i;
                }
            }
            return -1;
        }

        private static IllegalArgumentException notACheckpoint(Path file, String start) {
            String shown = start.length() > 60 ? start.substring(0, 60) + "..." : start;
            return new IllegalArgumentException("checkpoint " + file + " is not a linear datamodeling checkpoint (it "
                    + "starts with '" + shown + "', expected '" + CHECKPOINT_TAG + "'); delete it or choose another "
                    + "checkpoint path");
        }

        private static void checkHeader(Path file, String line, List<String[]> header) {
            String[] fields = line.split("\t", -1);
            if (!fields[0].equals(CHECKPOINT_TAG)) {
                throw notACheckpoint(file, line);
            }
            for (int f = 0; f < header.size(); f++) {
                String key = header.get(f)[0];
                String expected = header.get(f)[1];
                String found = null;
                if (f + 1 < fields.length && fields[f + 1].startsWith(key + "=")) {
                    found = fields[f + 1].substring(key.length() + 1);
                }
                if (!expected.equals(found)) {
                    throw new IllegalArgumentException("checkpoint " + file + " was written for " + key + "="
                            + (found == null ? "(missing)" : found) + " but this run has " + key + "=" + expected
                            + "; its trainings do not apply: delete the file or choose another checkpoint path");
                }
            }
            if (fields.length != header.size() + 1) {
                throw new IllegalArgumentException("checkpoint " + file + " has a header with " + (fields.length - 1)
                        + " fields, expected " + header.size() + "; delete the file or choose another checkpoint path");
            }
        }

        /** Loads one line {@code "j r v_0 … v_{m−1}"}; returns 1 if it was a new training with {@code j < M}. */
        private static int load(Path file, int lineNumber, String line, double[][][] results, int m) {
            String[] f = line.split(" ", -1);
            int seeds = results.length == 0 ? 0 : results[0].length;
            try {
                if (f.length != m + 2) {
                    throw new NumberFormatException(f.length + " fields, expected " + (m + 2));
                }
                int j = Integer.parseInt(f[0]);
                int r = Integer.parseInt(f[1]);
                if (j < 0 || r < 0 || r >= seeds) {
                    throw new NumberFormatException("subset " + j + ", replicate " + r + " out of range");
                }
                double[] v = new double[m];
                for (int t = 0; t < m; t++) {
                    v[t] = Double.parseDouble(f[t + 2]);
                    if (!Double.isFinite(v[t])) {
                        throw new NumberFormatException("non-finite value " + v[t]);
                    }
                }
                if (j >= results.length || results[j][r] != null) {
                    return 0; // a subset beyond this run's M (kept in the file), or a repeat
                }
                results[j][r] = v;
                return 1;
            } catch (NumberFormatException e) {
                String shown = line.length() > 80 ? line.substring(0, 80) + "..." : line;
                throw new IllegalArgumentException("checkpoint " + file + " line " + lineNumber + " is corrupt ("
                        + e.getMessage() + "): '" + shown + "'; delete the file or choose another checkpoint path", e);
            }
        }

        /** Appends {@code "j r v…"} and flushes. */
        void append(Training t) {
            StringBuilder sb = new StringBuilder(24 * (t.values().length + 2));
            sb.append(t.subset()).append(' ').append(t.replicate());
            for (double v : t.values()) {
                sb.append(' ').append(v);
            }
            sb.append('\n');
            try {
                out.write(sb.toString());
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("checkpoint " + file + ": " + e.getMessage(), e);
            }
        }

        /** Closes the file; every line was flushed when written, so a failure here loses nothing and is logged. */
        void close() {
            try {
                out.close();
            } catch (IOException e) {
                LOG.warn("checkpoint {}: closing failed ({}); every line was already flushed", file, e.toString());
            }
        }
    }

    @Override
    public String toString() {
        return "LinearDatamodelingScore[subsets=" + subsets + ", fraction=" + fraction + ", seedsPerSubset="
                + seedsPerSubset + ", seed=" + seed + ", measurement=" + measurement + ", bootstrap=" + bootstrap
                + ", confidence=" + confidence + ", threads=" + threads
                + (checkpoint == null ? "" : ", checkpoint=" + checkpoint) + "]";
    }
}
