package org.influence4j.spark;

import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
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
import org.influence4j.InfluenceEstimator;
import org.influence4j.InfluenceQueries;
import org.influence4j.InfluenceSinks;
import org.influence4j.ProgressListener;
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
 * strict (an unconverged solve is returned flagged, with one WARN).
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
        return new SparkInfluence(model, data, damping, solver, strict, progress, new State(model, data, progress));
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
        return new SparkInfluence(model, data, damping, solver, strict, listener,
                data == null ? null : new State(model, data, listener));
    }

    /** The distributed curvature (shared by every copy of this object with the same training data). */
    public SparkCurvature curvature() {
        return requireState().curvature();
    }

    /** The prepared inverse of {@code H + λI} for this solver and damping (prepared once, then shared). */
    public InverseHvp inverse() {
        return requireState().inverse(solver, damping);
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
        return queries(testPoints, k, null);
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
        return queries(testPoints, k, scoresPath);
    }

    private Queries queries(DataSet testPoints, int k, String scoresPath) {
        State s = requireState();
        if (k < 1) {
            throw new IllegalArgumentException("k (" + k + ") must be >= 1");
        }
        checkTestPoints(testPoints);
        if (scoresPath != null) {
            requireAbsent(s.context(), scoresPath);
        }
        InfluenceModel local = model.model();
        long start = System.nanoTime();
        int q = testPoints.numExamples();
        long p = local.numParameters();
        INDArray g = local.perExampleGradients(testPoints).castTo(DataType.DOUBLE);
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
            SolverResult r = checked(inv.solve(g.getRow(j).dup()));
            results.add(r);
            INDArray x = r.solution();
            solutions[j] = x.toDoubleVector();
            regularizer[j] = regularized ? -x.castTo(DataType.DOUBLE).mul(gradOmega).sumNumber().doubleValue() : 0;
            progress.onProgress("solves", j + 1, q);
        }
        long solved = System.nanoTime();
        JavaSparkContext sc = s.context();
        Broadcast<double[][]> bs = sc.broadcast(solutions);
        try {
            SparkModel m = model;
            int block = (int) Math.max(1, GRADIENT_BLOCK_DOUBLES / Math.max(p, q));
            JavaRDD<ScoredBlock> scored = data.blocks().map(b -> score(m.model(), b, bs.value(), block));
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
                        progress, () -> Jobs.reduce(partials, (BinaryOperator<TopKAccumulator> & Serializable)
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
            bs.destroy();
        }
    }

    /** Scores of one block, row-major {@code [rows, Q]}. */
    record ScoredBlock(long first, int rows, double[] scores) implements Serializable {
    }

    /** {@code −∇ℓ(zᵢ)ᵀs_q} for the block's rows, in sub-blocks of at most {@code block} rows. */
    private static ScoredBlock score(InfluenceModel m, RowBlock b, double[][] solutions, int block) {
        int q = solutions.length;
        double[] out = new double[b.rows() * q];
        DataSet all = b.toDataSet();
        INDArray s = q <= DOTS_MAX_QUERIES ? null : Nd4j.createFromArray(solutions);
        for (int from = 0; from < b.rows(); from += block) {
            int to = Math.min(b.rows(), from + block);
            DataSet part = from == 0 && to == b.rows() ? all : new DataSet(
                    all.getFeatures().get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup(),
                    all.getLabels().get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup());
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
                INDArray g = m.perExampleGradients(part).castTo(DataType.DOUBLE);
                double[] sc = g.mmul(s.transpose()).negi().dup('c').data().asDouble();  // I_up,loss = −gᵢᵀs_q
                System.arraycopy(sc, 0, out, from * q, sc.length);
            }
        }
        return new ScoredBlock(b.first(), b.rows(), out);
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
        SparkSession spark = SparkSession.builder().sparkContext(sc.sc()).getOrCreate();
        Jobs.run(sc, "writing scores to " + path, progress, () -> {
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
     * @throws IllegalArgumentException if the solver's inverse cannot be shipped to executors (conjugate gradient,
     *                                  LiSSA: one distributed solve per training example would be needed)
     */
    public Dataset<Row> selfInfluence() {
        State s = requireState();
        InverseHvp inv = s.inverse(solver, damping);
        InverseHvp portable = inv.portable().orElseThrow(() -> new IllegalArgumentException("self-influence on "
                + "Spark ships the prepared inverse to the executors, which " + solver + " cannot do (it needs one "
                + "distributed solve per training example); use IHVPSolver.kfac(), IHVPSolver.ekfac() or "
                + "IHVPSolver.identity()"));
        InfluenceModel local = model.model();
        DataSet one = s.curvatureExample();
        INDArray gradOmega = regularizerGradient(local, one);
        double[] u = gradOmega.norm2Number().doubleValue() > 0 ? checked(inv.solve(gradOmega)).solution()
                .toDoubleVector() : null;
        JavaSparkContext sc = s.context();
        Broadcast<InverseHvp> binv = sc.broadcast(portable);
        Broadcast<double[]> bu = u == null ? null : sc.broadcast(u);
        SparkModel m = model;
        long p = local.numParameters();
        int block = (int) Math.max(1, GRADIENT_BLOCK_DOUBLES / p);
        JavaRDD<Row> rows = data.blocks().flatMap(b -> {
            InfluenceModel mm = m.model();
            DataSet all = b.toDataSet();
            List<Row> out = new ArrayList<>(b.rows());
            double[] reg = bu == null ? new double[b.rows()]
                    : mm.perExampleGradientDots(all, Nd4j.createFromArray(bu.value())).castTo(DataType.DOUBLE)
                    .toDoubleVector();
            for (int from = 0; from < b.rows(); from += block) {
                int to = Math.min(b.rows(), from + block);
                DataSet part = from == 0 && to == b.rows() ? all : new DataSet(
                        all.getFeatures().get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup(),
                        all.getLabels().get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup());
                double[] qf = binv.value().quadraticForms(mm.perExampleGradients(part).castTo(DataType.DOUBLE))
                        .values();
                for (int r = from; r < to; r++) {
                    out.add(RowFactory.create(b.first() + r, -qf[r - from], bu == null ? 0.0 : -reg[r]));
                }
            }
            return out.iterator();
        });
        StructType schema = new StructType()
                .add("example", DataTypes.LongType, false)
                .add("self_influence", DataTypes.DoubleType, false)
                .add("regularizer_term", DataTypes.DoubleType, false);
        return SparkSession.builder().sparkContext(sc.sc()).getOrCreate().createDataFrame(rows, schema);
    }

    // ------------------------------------------------------------------------------------------ diagnostics

    /**
     * {@code ‖∇R(θ̂)‖₂} over the training data (one Spark job; computed once per training data): influence assumes
     * θ̂ is a stationary point, so a large value means the scores describe a model that is still moving.
     */
    public double objectiveGradientNorm() {
        return requireState().objectiveGradientNorm();
    }

    /** Releases the executor-side state of this training data in this JVM (block operators) and its caches. */
    public void release() {
        if (state != null) {
            state.curvature().release();
        }
    }

    private SolverResult checked(SolverResult r) {
        if (!r.converged()) {
            java.util.Optional<? extends RuntimeException> f = r.failure(damping);
            if (strict && f.isPresent()) {
                throw f.get();
            }
            if (state.warned.compareAndSet(false, true)) {
                LOG.warn("{}: a solve did not converge ({}); the scores are approximate", solver, r.stopReason());
            }
        }
        return r;
    }

    /** {@code ∇Ω = ∇R − mean ∇ℓ}, which does not depend on the data it is evaluated on. */
    private static INDArray regularizerGradient(InfluenceModel m, DataSet d) {
        return m.objectiveGradient(d).castTo(DataType.DOUBLE).sub(m.meanLossGradient(d).castTo(DataType.DOUBLE));
    }

    private void checkTestPoints(DataSet testPoints) {
        Objects.requireNonNull(testPoints, "testPoints");
        if (testPoints.getFeatures() == null || testPoints.getLabels() == null || testPoints.numExamples() == 0) {
            throw new IllegalArgumentException("testPoints has no examples (features and labels are required)");
        }
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

    /** The curvature, prepared inverses and diagnostics of one model and training data, shared by copies. */
    private static final class State {
        final SparkModel model;
        final TrainingData data;
        final ProgressListener progress;
        final java.util.concurrent.atomic.AtomicBoolean warned = new java.util.concurrent.atomic.AtomicBoolean();
        private final com.google.common.base.Supplier<SparkCurvature> curvature;
        private final com.google.common.base.Supplier<DataSet> example;
        private final com.google.common.base.Supplier<Double> gradientNorm;
        private final ConcurrentHashMap<Object, com.google.common.base.Supplier<InverseHvp>> inverses =
                new ConcurrentHashMap<>();

        State(SparkModel model, TrainingData data, ProgressListener progress) {
            this.model = model;
            this.data = data;
            this.progress = progress;
            this.example = com.google.common.base.Suppliers.memoize(() -> {
                RowBlock first = data.blocks().filter(b -> b.first() == 0).first();
                DataSet ds = first.toDataSet();
                DataSet one = new DataSet(ds.getFeatures().getRow(0, true).dup(), ds.getLabels().getRow(0, true)
                        .dup());
                checkFits(model, data, one);
                return one;
            });
            this.curvature = com.google.common.base.Suppliers.memoize(() -> {
                example.get();
                return new SparkCurvature(model, data, progress);
            });
            this.gradientNorm = com.google.common.base.Suppliers.memoize(() -> {
                example.get();
                SparkModel m = model;
                JavaRDD<double[]> partials = data.blocks().mapPartitions(it -> {
                    double[] acc = null;
                    while (it.hasNext()) {
                        RowBlock b = it.next();
                        double[] gb = m.model().objectiveGradient(b.toDataSet()).castTo(DataType.DOUBLE)
                                .toDoubleVector();
                        if (acc == null) {
                            acc = new double[gb.length];
                        }
                        for (int i = 0; i < gb.length; i++) {
                            acc[i] += b.rows() * gb[i];
                        }
                    }
                    return acc == null ? java.util.Collections.emptyIterator() : List.of(acc).iterator();
                });
                double[] sum = Jobs.run(context(), "objective gradient over " + data.numExamples() + " examples",
                        progress, () -> Jobs.reduce(partials, (BinaryOperator<double[]> & Serializable) (a, b) -> {
                            for (int i = 0; i < a.length; i++) {
                                a[i] += b[i];
                            }
                            return a;
                        }));
                double ss = 0;
                for (double v : sum) {
                    double x = v / data.numExamples();
                    ss += x * x;
                }
                return Math.sqrt(ss);
            });
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

        double objectiveGradientNorm() {
            return gradientNorm.get();
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
