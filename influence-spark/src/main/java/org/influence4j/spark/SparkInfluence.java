package org.influence4j.spark;

import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BinaryOperator;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.influence4j.InfluenceDiagnostics;
import org.influence4j.InfluenceEstimator;
import org.influence4j.InfluenceQueries;
import org.influence4j.InfluenceSinks;
import org.influence4j.ProgressListener;
import org.influence4j.internal.Arguments;
import org.influence4j.model.InfluenceModel;
import org.influence4j.solver.IHVPSolver;
import org.influence4j.solver.InverseHvp;
import org.influence4j.solver.SolverResult;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Influence over training data held by Apache Spark — the distributed counterpart of {@link InfluenceEstimator},
 * with the same mathematics, sign convention and solvers. Immutable and fluent:
 * <pre>{@code
 * TrainingData train = TrainingData.fromIdx(sc, images, labels, 10, 8);
 * SparkInfluence influence = SparkInfluence.forModel(SparkModel.of(net))
 *         .withTrainingData(train).withSolver(IHVPSolver.ekfac()).withDamping(0.01);
 * SparkInfluence.Queries top = influence.topInfluences(testPoints, 10);   // per test point: helpful, harmful
 * }</pre>
 *
 * <h2>What runs where</h2>
 * <ul>
 *   <li><b>Curvature</b> ({@link SparkCurvature}): Kronecker factors and EK-FAC eigenvalue corrections are sums over
 *       examples, aggregated per partition and merged in a tree; the driver eigendecomposes the factors (the
 *       core's {@code KroneckerSolver}, unchanged). For conjugate gradient and LiSSA every Hessian-vector product is
 *       one Spark job (per-partition sums), and the solver runs on the driver.</li>
 *   <li><b>Queries</b>: the test gradients and their solves {@code s_q = (H+λI)⁻¹∇ℓ(z_q)} on the driver (test
 *       points are few); the {@code Q} solutions are broadcast, and every partition scores its examples,
 *       {@code I_up,loss(zᵢ, z_q) = −∇ℓ(zᵢ)ᵀs_q}, keeping the top-k per test point in bounded heaps that are merged
 *       in a tree. Optionally every score is written as Parquet.</li>
 *   <li><b>Self-influence</b> {@code −∇ℓ(zᵢ)ᵀ(H+λI)⁻¹∇ℓ(zᵢ)} per row: the prepared inverse is shipped to the
 *       executors ({@link InverseHvp#portable()}: Kronecker-factored and identity curvatures).</li>
 * </ul>
 * The driver never collects the training data. Executors rebuild the model once per JVM from its
 * {@link SparkModel} recipe and run the single-machine model code on blocks of examples, so results equal the
 * single-machine estimator's on the same data to rounding, whatever the partitioning; a retried task recomputes the
 * same values.
 *
 * <h2>Defaults</h2>
 * Damping {@value InfluenceEstimator#DEFAULT_DAMPING} (the estimator's); solver conjugate gradient (the exact solver,
 * the estimator's choice for small models, would need {@code p} distributed products to form the matrix); not
 * strict (an unconverged solve is returned flagged, with one WARN per stop reason, as the estimator does). A model
 * that is not at a stationary point of its objective gets the estimator's WARN too (one distributed gradient pass per
 * training data).
 *
 * <h2>Progress and cancellation</h2>
 * Finished Spark tasks and solves are reported to the {@link #withProgressListener progress listener}; interrupting
 * the calling thread cancels the running Spark jobs and ends the call with a
 * {@link java.util.concurrent.CancellationException}.
 */
public final class SparkInfluence {

    private static final Logger LOG = LoggerFactory.getLogger(SparkInfluence.class);

    /** Rows whose per-example gradients are formed at once on an executor: at most this many doubles. */
    static final long GRADIENT_BLOCK_DOUBLES = 16L << 20;

    /** At most this many test points are scored by a batched dot pass each instead of per-example gradients. */
    static final int DOTS_MAX_QUERIES = 2;

    private final SparkModel model;
    private final TrainingData data;
    private final double damping;
    private final IHVPSolver solver;
    private final boolean strict;
    private final ProgressListener progress;
    private final State state;   // shared by copies with the same model, data and listener

    private SparkInfluence(SparkModel model, TrainingData data, double damping, IHVPSolver solver, boolean strict,
                           ProgressListener progress, State state) {
        this.model = model;
        this.data = data;
        this.damping = damping;
        this.solver = solver;
        this.strict = strict;
        this.progress = progress;
        this.state = state;
    }

    /**
     * Influence for {@code model}; give the training data with {@link #withTrainingData}.
     *
     * @param model the recipe executors rebuild the model from
     */
    public static SparkInfluence forModel(SparkModel model) {
        Objects.requireNonNull(model, "model");
        return new SparkInfluence(model, null, InfluenceEstimator.DEFAULT_DAMPING, IHVPSolver.conjugateGradient(),
                false, ProgressListener.NONE, null);
    }

    /**
     * The training data the objective averages over.
     *
     * @param data examples whose widths fit the model (checked on the first use, on one example)
     */
    public SparkInfluence withTrainingData(TrainingData data) {
        Objects.requireNonNull(data, "data");
        return new SparkInfluence(model, data, damping, solver, strict, progress, new State(model, data));
    }

    /**
     * The damping λ of the inverted operator {@code H + λI}.
     *
     * @param lambda {@code ≥ 0}, finite
     */
    public SparkInfluence withDamping(double lambda) {
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("damping (" + lambda + ") must be finite and >= 0");
        }
        return new SparkInfluence(model, data, lambda, solver, strict, progress, state);
    }

    /**
     * The solver: {@link IHVPSolver#conjugateGradient()} (the default; one Spark job per product),
     * {@link IHVPSolver#kfac()} or {@link IHVPSolver#ekfac()} (factors by tree aggregation, then closed-form solves
     * on the driver), {@link IHVPSolver#lissa()} (one job per mini-batch product) or {@link IHVPSolver#identity()}.
     */
    public SparkInfluence withSolver(IHVPSolver solver) {
        Objects.requireNonNull(solver, "solver");
        return new SparkInfluence(model, data, damping, solver, strict, progress, state);
    }

    /** Whether an unconverged solve throws (true) or is returned flagged with one WARN (false, the default). */
    public SparkInfluence withStrict(boolean strict) {
        return new SparkInfluence(model, data, damping, solver, strict, progress, state);
    }

    /**
     * Receives progress: finished Spark tasks per distributed pass, and solves.
     *
     * @param listener called on the driver; must be cheap and must not throw
     */
    public SparkInfluence withProgressListener(ProgressListener listener) {
        Objects.requireNonNull(listener, "listener");
        return new SparkInfluence(model, data, damping, solver, strict, listener, state);
    }

    /** The distributed curvature (shared by every copy of this object with the same training data). */
    public SparkCurvature curvature() {
        return Jobs.cancellable("preparing the curvature", () -> begin().curvature());
    }

    /** The prepared inverse of {@code H + λI} for this solver and damping (prepared once, then shared). */
    public InverseHvp inverse() {
        return Jobs.cancellable("preparing the inverse", () -> begin().inverse(solver, damping));
    }

    /** The damping λ. */
    public double damping() {
        return damping;
    }

    /** The solver. */
    public IHVPSolver solver() {
        return solver;
    }

    /** The training data, or null before {@link #withTrainingData}. */
    public TrainingData trainingData() {
        return data;
    }

    private State requireState() {
        if (state == null) {
            throw new IllegalStateException("no training data: call withTrainingData(TrainingData) first");
        }
        return state;
    }

    /** The state, with this object's progress listener receiving the events of the call that starts. */
    private State begin() {
        State s = requireState();
        s.listener.set(progress);
        return s;
    }

    // --------------------------------------------------------------------------------------------- queries

    /**
     * The result of {@link #topInfluences}: the top-k per test point and the solves' diagnostics.
     *
     * @param top         per test point, in query order: the {@code k} most helpful (most negative) and most harmful
     *                    (most positive) training examples, strongest first, ties by the smaller index
     * @param diagnostics the solves, regulariser terms and times
     * @param scoresPath  where every score was written, or null
     */
    public record Queries(List<InfluenceSinks.TopInfluences> top, InfluenceQueries diagnostics, String scoresPath) {
        /** Validates and copies. */
        public Queries {
            top = List.copyOf(top);
            Objects.requireNonNull(diagnostics, "diagnostics");
        }
    }

    /**
     * The {@code k} most helpful and most harmful training examples for each test point of {@code testPoints}
     * (row {@code q} is test point {@code q}): equal to the single-machine
     * {@code InfluenceEstimator.influenceOnEach(testPoints, InfluenceSinks.topK(k))} on the same data.
     *
     * @param testPoints Q ≥ 1 test examples (features and labels as the model takes them); not modified
     * @param k          ≥ 1
     */
    public Queries topInfluences(DataSet testPoints, int k) {
        return Jobs.cancellable("topInfluences", () -> queries(testPoints, k, null));
    }

    /**
     * As {@link #topInfluences}, and also writes every score to {@code scoresPath} as Parquet: one row per training
     * example, columns {@code example} (long, its index) and {@code scores} ({@code array<double>}, the score for
     * each test point in query order). Nothing is ever overwritten.
     *
     * @param scoresPath a path that does not exist yet (any file system Spark's Hadoop configuration reaches)
     * @throws IllegalArgumentException if {@code scoresPath} exists
     */
    public Queries topInfluences(DataSet testPoints, int k, String scoresPath) {
        Objects.requireNonNull(scoresPath, "scoresPath");
        return Jobs.cancellable("topInfluences", () -> queries(testPoints, k, scoresPath));
    }

    private Queries queries(DataSet testPoints, int k, String scoresPath) {
        State s = requireState();
        if (k < 1) {
            throw new IllegalArgumentException("k (" + k + ") must be >= 1");
        }
        Arguments.checkDataSet("testPoints", testPoints);
        if (scoresPath != null) {
            requireAbsent(s.context(), scoresPath);
        }
        s = begin();
        InfluenceModel local = model.model();
        long start = System.nanoTime();
        int q = testPoints.numExamples();
        long p = local.numParameters();
        INDArray g = testGradients(local, testPoints);
        InverseHvp inv = s.inverse(solver, damping);
        double[][] solutions = new double[q][];
        List<SolverResult> results = new ArrayList<>(q);
        double[] regularizer = new double[q];
        INDArray gradOmega = regularizerGradient(local, testPoints);
        boolean regularized = gradOmega.norm2Number().doubleValue() > 0;
        for (int j = 0; j < q; j++) {
            if (Thread.currentThread().isInterrupted()) {
                throw new java.util.concurrent.CancellationException("interrupted after " + j + " of " + q
                        + " solves");
            }
            SolverResult r = checked(s, inv.solve(g.getRow(j).dup()));
            results.add(r);
            INDArray x = r.solution();
            solutions[j] = x.toDoubleVector();
            regularizer[j] = regularized ? -x.castTo(DataType.DOUBLE).mul(gradOmega).sumNumber().doubleValue() : 0;
            progress.onProgress("solves", j + 1, q);
        }
        s.warnIfNotStationary();
        if (solver instanceof org.influence4j.solver.ConjugateGradientSolver
                || solver instanceof org.influence4j.solver.LissaSolver) {
            s.curvature().release();   // the block operators of the products are not needed for scoring
        }
        long solved = System.nanoTime();
        JavaSparkContext sc = s.context();
        Broadcast<double[][]> bs = sc.broadcast(solutions);
        State state = s;
        try {
            Broadcast<SparkModel> m = s.model;
            int block = (int) Math.max(1, GRADIENT_BLOCK_DOUBLES / Math.max(p, q));
            JavaRDD<ScoredBlock> scored = data.blocks().mapPartitions(blocks -> scored(
                    RowBlock.runs(blocks, SparkCurvature.RUN_ROWS), m.value().model(), bs.value(), block));
            if (scoresPath != null) {
                scored = scored.persist(StorageLevel.MEMORY_AND_DISK());
            }
            JavaRDD<ScoredBlock> finalScored = scored;
            List<InfluenceSinks.TopInfluences> top;
            try {
                if (scoresPath != null) {
                    writeScores(s.context(), finalScored, q, scoresPath);
                }
                JavaRDD<TopKAccumulator> partials = finalScored.mapPartitions(it -> {
                    TopKAccumulator acc = new TopKAccumulator(q, k);
                    while (it.hasNext()) {
                        ScoredBlock b = it.next();
                        acc.offer(b.first(), b.scores(), b.rows());
                    }
                    return List.of(acc).iterator();
                });
                top = Jobs.run(sc, "scoring " + data.numExamples() + " examples against " + q + " test points",
                        state.progress(), () -> Jobs.reduce(partials, (BinaryOperator<TopKAccumulator> & Serializable)
                                TopKAccumulator::merge)).result();
            } finally {
                if (scoresPath != null) {
                    finalScored.unpersist(false);
                }
            }
            long scoredAt = System.nanoTime();
            InfluenceQueries d = new InfluenceQueries(results, regularizer, (int) data.numExamples(), damping,
                    solver.toString(), local.describe(), Duration.ofNanos(solved - start),
                    Duration.ofNanos(scoredAt - solved));
            return new Queries(top, d, scoresPath);
        } finally {
            bs.unpersist(false);
        }
    }

    /** Scores of one block, row-major {@code [rows, Q]}. */
    record ScoredBlock(long first, int rows, double[] scores) implements Serializable {
    }

    /** The scores of each block of {@code blocks}, computed as they are consumed (a static context: no capture). */
    private static java.util.Iterator<ScoredBlock> scored(java.util.Iterator<RowBlock> blocks, InfluenceModel m,
                                                          double[][] solutions, int block) {
        return new java.util.Iterator<>() {
            @Override
            public boolean hasNext() {
                return blocks.hasNext();
            }

            @Override
            public ScoredBlock next() {
                return score(m, blocks.next(), solutions, block);
            }
        };
    }

    /** Rows {@code [from, to)} of {@code all}: {@code all} itself when that is every row, else a fresh copy. */
    private static DataSet rows(DataSet all, int from, int to) {
        return from == 0 && to == all.numExamples() ? all : new DataSet(
                all.getFeatures().get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup(),
                all.getLabels().get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup());
    }

    /** {@code −∇ℓ(zᵢ)ᵀs_q} for the block's rows, in sub-blocks of at most {@code block} rows. */
    private static ScoredBlock score(InfluenceModel m, RowBlock b, double[][] solutions, int block) {
        int q = solutions.length;
        double[] out = new double[b.rows() * q];
        DataSet all = b.toDataSet();
        INDArray s = q <= DOTS_MAX_QUERIES ? null : Nd4j.createFromArray(solutions);
        for (int from = 0; from < b.rows(); from += block) {
            int to = Math.min(b.rows(), from + block);
            DataSet part = rows(all, from, to);
            if (s == null) {
                // a batched dot pass per test point is cheaper than forming the per-example gradients
                for (int j = 0; j < q; j++) {
                    double[] dots = m.perExampleGradientDots(part, Nd4j.createFromArray(solutions[j]))
                            .castTo(DataType.DOUBLE).toDoubleVector();
                    for (int r = 0; r < dots.length; r++) {
                        out[(from + r) * q + j] = -dots[r];
                    }
                }
            } else {
                // the gradients of a sub-block are large (rows × p): their off-heap memory is released at once
                INDArray g = m.perExampleGradients(part).castTo(DataType.DOUBLE);
                INDArray product = g.mmul(s.transpose());
                double[] sc = product.negi().dup('c').data().asDouble();  // I_up,loss = −gᵢᵀs_q
                System.arraycopy(sc, 0, out, from * q, sc.length);
                release(product);
                release(g);
            }
            if (part != all) {
                RowBlock.close(part);
            }
        }
        RowBlock.close(all);
        return new ScoredBlock(b.first(), b.rows(), out);
    }

    /**
     * Frees the off-heap memory of a large temporary now instead of when a collector runs; only arrays that own their
     * buffer (fresh results handed to this code, not views or workspace arrays) are closed.
     */
    static void release(INDArray a) {
        if (a != null && !a.wasClosed() && !a.isView() && !a.isAttached() && a.closeable()) {
            a.close();
        }
    }

    private void writeScores(JavaSparkContext sc, JavaRDD<ScoredBlock> scored, int q, String path) {
        StructType schema = new StructType()
                .add("example", DataTypes.LongType, false)
                .add("scores", DataTypes.createArrayType(DataTypes.DoubleType, false), false);
        JavaRDD<Row> rows = scored.flatMap(b -> {
            List<Row> out = new ArrayList<>(b.rows());
            for (int r = 0; r < b.rows(); r++) {
                double[] v = java.util.Arrays.copyOfRange(b.scores(), r * q, (r + 1) * q);
                out.add(RowFactory.create(b.first() + r, v));
            }
            return out.iterator();
        });
        SparkSession spark = SparkSession.builder().config(sc.getConf()).getOrCreate();
        Jobs.run(sc, "writing scores to " + path, requireState().progress(), () -> {
            spark.createDataFrame(rows, schema).write().mode(SaveMode.ErrorIfExists).parquet(path);
            return null;
        });
    }

    // ------------------------------------------------------------------------------------------ self-influence

    /**
     * Self-influence {@code I_up,loss(zᵢ, zᵢ) = −∇ℓ(zᵢ)ᵀ(H+λI)⁻¹∇ℓ(zᵢ)} of every training example, as a data frame
     * with columns {@code example} (long), {@code self_influence} (double) and {@code regularizer_term}
     * ({@code −∇ℓ(zᵢ)ᵀ(H+λI)⁻¹∇Ω}, 0 without a regulariser) — equal to the single-machine
     * {@code InfluenceEstimator.selfInfluence()} to rounding. The inverse is prepared now (fitting factors if
     * needed); the scores are computed lazily when the frame is used (sort it by {@code self_influence} ascending:
     * the most self-influential examples, often mislabelled ones, come first).
     *
     * <p>The shipped inverses are closed-form (Kronecker-factored, identity): their quadratic forms have no solver
     * residual to report, so the frame carries no per-row diagnostics; the solve of the regulariser term is checked as
     * the queries' solves are.
     *
     * @throws IllegalArgumentException if the solver's inverse cannot be shipped to executors (conjugate gradient,
     *                                  LiSSA: one distributed solve per training example would be needed)
     */
    public Dataset<Row> selfInfluence() {
        return Jobs.cancellable("selfInfluence", this::selfInfluenceFrame);
    }

    private Dataset<Row> selfInfluenceFrame() {
        State s = begin();
        InverseHvp inv = s.inverse(solver, damping);
        InverseHvp portable = inv.portable().orElseThrow(() -> new IllegalArgumentException("self-influence on "
                + "Spark ships the prepared inverse to the executors, which " + solver + " cannot do (it needs one "
                + "distributed solve per training example); use IHVPSolver.kfac(), IHVPSolver.ekfac() or "
                + "IHVPSolver.identity()"));
        InfluenceModel local = model.model();
        DataSet one = s.curvatureExample();
        INDArray gradOmega = regularizerGradient(local, one);
        double[] u = gradOmega.norm2Number().doubleValue() > 0 ? checked(s, inv.solve(gradOmega)).solution()
                .toDoubleVector() : null;
        JavaSparkContext sc = s.context();
        Broadcast<InverseHvp> binv = sc.broadcast(portable);
        Broadcast<double[]> bu = u == null ? null : sc.broadcast(u);
        Broadcast<SparkModel> m = s.model;
        long p = local.numParameters();
        int block = (int) Math.max(1, GRADIENT_BLOCK_DOUBLES / p);
        JavaRDD<Row> rows = data.blocks().flatMap(b -> {
            InfluenceModel mm = m.value().model();
            DataSet all = b.toDataSet();
            List<Row> out = new ArrayList<>(b.rows());
            double[] reg = bu == null ? new double[b.rows()]
                    : mm.perExampleGradientDots(all, Nd4j.createFromArray(bu.value())).castTo(DataType.DOUBLE)
                    .toDoubleVector();
            for (int from = 0; from < b.rows(); from += block) {
                int to = Math.min(b.rows(), from + block);
                DataSet part = rows(all, from, to);
                INDArray g = mm.perExampleGradients(part).castTo(DataType.DOUBLE);
                double[] qf = binv.value().quadraticForms(g).values();
                release(g);
                if (part != all) {
                    RowBlock.close(part);
                }
                for (int r = from; r < to; r++) {
                    out.add(RowFactory.create(b.first() + r, -qf[r - from], bu == null ? 0.0 : -reg[r]));
                }
            }
            RowBlock.close(all);
            return out.iterator();
        });
        StructType schema = new StructType()
                .add("example", DataTypes.LongType, false)
                .add("self_influence", DataTypes.DoubleType, false)
                .add("regularizer_term", DataTypes.DoubleType, false);
        return SparkSession.builder().config(sc.getConf()).getOrCreate().createDataFrame(rows, schema);
    }

    // ------------------------------------------------------------------------------------------ diagnostics

    /**
     * {@code ‖∇R(θ̂)‖₂} over the training data (one Spark job; computed once per training data): influence assumes
     * θ̂ is a stationary point, so a large value means the scores describe a model that is still moving.
     */
    public double objectiveGradientNorm() {
        return Jobs.cancellable("objectiveGradientNorm", () -> begin().stationarity()[0]);
    }

    /**
     * Drops the block operators that conjugate gradient and LiSSA keep on the executors between products (one small
     * Spark job); later products rebuild them. The prepared inverses and fitted factors stay on the driver.
     */
    public void release() {
        if (state != null && state.curvatureCreated()) {
            state.curvature().release();
        }
    }

    /** The single-machine estimator's policy: strict throws; otherwise one WARN per stop reason, then DEBUG. */
    private SolverResult checked(State s, SolverResult r) {
        var failure = r.failure(damping);
        if (failure.isEmpty()) {
            return r;
        }
        org.influence4j.solver.NumericalException e = failure.get();
        if (strict) {
            throw e;
        }
        String message = e.getMessage() + s.notStationaryNote() + "; returning flagged scores";
        if (s.warned.add(r.stopReason())) {
            LOG.warn(message + " (further " + r.stopReason() + " results are logged at DEBUG)");
        } else {
            LOG.debug(message);
        }
        return r;
    }

    /** The test points' gradients, with the model's complaints about them naming {@code testPoints}. */
    private static INDArray testGradients(InfluenceModel m, DataSet testPoints) {
        try {
            return m.perExampleGradients(testPoints).castTo(DataType.DOUBLE);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("testPoints: " + e.getMessage(), e);
        }
    }

    /** {@code ∇Ω = ∇R − mean ∇ℓ}, which does not depend on the data it is evaluated on. */
    private static INDArray regularizerGradient(InfluenceModel m, DataSet d) {
        return m.objectiveGradient(d).castTo(DataType.DOUBLE).sub(m.meanLossGradient(d).castTo(DataType.DOUBLE));
    }

    private static void requireAbsent(JavaSparkContext sc, String path) {
        try {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(sc.hadoopConfiguration());
            if (fs.exists(p)) {
                throw new IllegalArgumentException("scoresPath " + path + " already exists; choose a new path or "
                        + "delete it first (results are never written over existing files)");
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot check scoresPath " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "SparkInfluence[" + model.describe() + ", " + (data == null ? "no training data" : data) + ", λ="
                + damping + ", " + solver + "]";
    }

    // -------------------------------------------------------------------------------------------- shared state

    /**
     * The curvature, prepared inverses and diagnostics of one model and training data, shared by copies: the model
     * recipe broadcast once, the first example (checked against the model), ‖∇R(θ̂)‖ and the stationarity ratio.
     */
    private static final class State {
        final Broadcast<SparkModel> model;
        final TrainingData data;
        final java.util.concurrent.atomic.AtomicReference<ProgressListener> listener =
                new java.util.concurrent.atomic.AtomicReference<>(ProgressListener.NONE);
        final java.util.Set<Object> warned = ConcurrentHashMap.newKeySet();
        private final com.google.common.base.Supplier<SparkCurvature> curvature;
        private volatile boolean curvatureCreated;
        private final com.google.common.base.Supplier<DataSet> example;
        private final com.google.common.base.Supplier<double[]> stationarity;
        private final ConcurrentHashMap<Object, com.google.common.base.Supplier<InverseHvp>> inverses =
                new ConcurrentHashMap<>();

        State(SparkModel recipe, TrainingData data) {
            this.data = data;
            this.model = data.context().broadcast(recipe);
            ProgressListener forward = (task, done, total) -> listener.get().onProgress(task, done, total);
            this.example = com.google.common.base.Suppliers.memoize(() -> {
                RowBlock first = data.blocks().filter(b -> b.first() == 0).first();
                DataSet ds = first.toDataSet();
                DataSet one = new DataSet(ds.getFeatures().getRow(0, true).dup(), ds.getLabels().getRow(0, true)
                        .dup());
                checkFits(recipe, data, one);
                return one;
            });
            this.curvature = com.google.common.base.Suppliers.memoize(() -> {
                example.get();
                curvatureCreated = true;
                return new SparkCurvature(model, data, forward);
            });
            this.stationarity = com.google.common.base.Suppliers.memoize(() -> {
                DataSet one = example.get();
                Broadcast<SparkModel> m = model;
                JavaRDD<double[]> partials = data.blocks().mapPartitions(blocks -> {
                    double[] acc = null;
                    java.util.Iterator<RowBlock> it = RowBlock.runs(blocks, SparkCurvature.RUN_ROWS);
                    while (it.hasNext()) {
                        RowBlock b = it.next();
                        DataSet ds = b.toDataSet();
                        double[] gb = m.value().model().objectiveGradient(ds).castTo(DataType.DOUBLE)
                                .toDoubleVector();
                        RowBlock.close(ds);
                        if (acc == null) {
                            acc = new double[gb.length];
                        }
                        for (int i = 0; i < gb.length; i++) {
                            acc[i] += b.rows() * gb[i];
                        }
                    }
                    return acc == null ? java.util.Collections.emptyIterator() : List.of(acc).iterator();
                });
                double[] sum = Jobs.run(data.context(), "objective gradient over " + data.numExamples()
                        + " examples", forward, () -> Jobs.reduce(partials, (BinaryOperator<double[]>
                        & Serializable) (a, b) -> {
                            for (int i = 0; i < a.length; i++) {
                                a[i] += b[i];
                            }
                            return a;
                        }));
                // ‖∇R‖, and its ratio to the gradient scale ‖(1/n)Σ∇ℓ‖ + ‖∇Ω‖, as the single-machine estimator
                double[] omega = regularizerGradient(recipe.model(), one).toDoubleVector();
                double normR = 0;
                double normL = 0;
                double normOmega = 0;
                for (int i = 0; i < sum.length; i++) {
                    double r = sum[i] / data.numExamples();
                    normR += r * r;
                    normL += (r - omega[i]) * (r - omega[i]);
                    normOmega += omega[i] * omega[i];
                }
                normR = Math.sqrt(normR);
                double scale = Math.sqrt(normL) + Math.sqrt(normOmega);
                return new double[] {normR, scale == 0 ? 0 : normR / scale};
            });
        }

        ProgressListener progress() {
            return (task, done, total) -> listener.get().onProgress(task, done, total);
        }

        JavaSparkContext context() {
            return data.context();
        }

        DataSet curvatureExample() {
            return example.get();
        }

        SparkCurvature curvature() {
            return curvature.get();
        }

        boolean curvatureCreated() {
            return curvatureCreated;
        }

        double[] stationarity() {
            return stationarity.get();
        }

        /** ", the model may not be at a minimum …" when the gradient at θ̂ is large, else empty. */
        String notStationaryNote() {
            double[] g = stationarity();
            return g[1] > InfluenceDiagnostics.STATIONARITY_THRESHOLD ? String.format(Locale.ROOT, " (the model may "
                    + "not be at a minimum: ‖∇R(θ̂)‖ = %.3g, %.2g of the gradient scale)", g[0], g[1]) : "";
        }

        void warnIfNotStationary() {
            double[] g = stationarity();
            if (g[1] > InfluenceDiagnostics.STATIONARITY_THRESHOLD && warned.add("stationarity")) {
                LOG.warn(String.format(Locale.ROOT, "θ̂ is not a stationary point of the training objective: "
                        + "‖∇R(θ̂)‖ = %.3g, %.2g of the gradient scale (threshold %.0e); influence functions assume a "
                        + "minimum, so the scores may not predict retraining — train longer or to a tighter tolerance",
                        g[0], g[1], InfluenceDiagnostics.STATIONARITY_THRESHOLD));
            }
        }

        private record InverseKey(IHVPSolver solver, double damping) {
        }

        InverseHvp inverse(IHVPSolver solver, double damping) {
            return inverses.computeIfAbsent(new InverseKey(solver, damping), key -> com.google.common.base.Suppliers
                    .memoize(() -> solver.prepare(curvature(), damping))).get();
        }

        /** The model accepts the data's examples (its own checks and messages, plus the widths). */
        private static void checkFits(SparkModel model, TrainingData data, DataSet one) {
            try {
                model.model().losses(one);
            } catch (IllegalArgumentException | IllegalStateException
                     | org.nd4j.linalg.exception.ND4JIllegalStateException e) {
                throw new IllegalArgumentException("the training data (" + data.featureWidth() + " features and "
                        + data.labelWidth() + " label entries per example, " + data.source() + ") does not fit the "
                        + "model " + model.describe() + ": " + e.getMessage(), e);
            }
        }
    }
}
