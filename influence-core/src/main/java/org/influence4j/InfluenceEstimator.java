package org.influence4j;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import com.google.common.base.Suppliers;

import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.internal.Arguments;
import org.influence4j.internal.Memo;
import org.influence4j.internal.Vectors;
import org.influence4j.model.DataSets;
import org.influence4j.model.InfluenceModel;
import org.influence4j.model.ModelAdapter;
import org.influence4j.solver.Curvature;
import org.influence4j.solver.ExactSolver;
import org.influence4j.solver.IHVPSolver;
import org.influence4j.solver.InverseHvp;
import org.influence4j.solver.IterationListener;
import org.influence4j.solver.SolveMonitor;
import org.influence4j.solver.NotConvergedException;
import org.influence4j.solver.NotPositiveDefiniteException;
import org.influence4j.solver.NumericalException;
import org.influence4j.solver.SolverResult;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Influence functions for a trained model: which training examples made the model predict this?
 *
 * <pre>{@code
 * InfluenceScores s = InfluenceEstimator.forModel(net)      // a DL4J network, or any InfluenceModel
 *         .withTrainingData(trainSet)
 *         .withDamping(0.01)
 *         .influenceOn(testPoint);
 * int[] helpful = s.mostHelpful(10);
 * }</pre>
 *
 * <h2>What is computed</h2>
 * With {@code H} the Hessian of the training objective {@code R(θ) = (1/n)Σℓ(zᵢ,θ) + Ω(θ)} at the model's
 * parameters θ̂ and damping λ, {@link #influenceOn(DataSet)} solves {@code (H + λI)s = ∇L_test} once with the
 * configured {@link IHVPSolver} and returns {@code I_up,loss(zᵢ, z_test) = −sᵀ∇ℓ(zᵢ)} for every training
 * example from one batched pass of gradient dot products (see {@link InfluenceScores} for the sign
 * convention). A test point may hold several examples; {@code L_test} is then their mean loss.
 * {@link #prepare(DataSet)} keeps {@code s} for reuse; {@link #selfInfluence()} computes
 * {@code I_up,loss(zᵢ, zᵢ)} for every training example; {@link #influenceOnEach(DataSet)} scores many test points at
 * once (one solve each, one pass over the training data for all of them) — with a Kronecker-factored curvature
 * ({@link IHVPSolver#ekfac()}) each solve is a few small matrix products after one fit.
 *
 * <h2>Configuration and defaults</h2>
 * Immutable: every {@code withX} returns a new estimator; the original is unchanged. Copies that keep the
 * model and training data share expensive training-set state: the objective's gradient, the {@link Curvature}
 * (with whatever solvers cache in it, e.g. the exact solver's eigendecomposition, which serves every damping) and
 * every {@link IHVPSolver#prepare prepared} inverse, so sweeping λ costs one factorisation and many test points
 * cost one preparation.
 * <ul>
 *   <li>damping λ: {@value #DEFAULT_DAMPING}. Must be ≥ 0. A softmax output with unregularised biases has an
 *       exactly singular Hessian, so λ = 0 only works for strictly convex objectives.</li>
 *   <li>solver: automatic — {@link IHVPSolver#exact()} when {@code p ≤ }{@value #AUTO_EXACT_MAX_PARAMETERS}
 *       (the dense Hessian is cheap and the answer exact), otherwise {@link IHVPSolver#conjugateGradient()}.</li>
 *   <li>strictness: lenient. This is the library's one strictness policy; solvers only report. A flagged solve
 *       ({@link SolverResult#converged()} false) logs one WARN per kind of problem and estimator state (later ones at
 *       DEBUG) with the message of {@link SolverResult#failure(double)}, and the scores carry the flagged result.
 *       What lenient returns: conjugate gradient's iterate where it stopped (iteration limit or non-positive
 *       curvature); LiSSA's estimate at its depth, or its last iterate within the growth bound if it diverged; the
 *       exact solver's solution under its {@link org.influence4j.solver.EigenvaluePolicy} — by default
 *       {@code TRUNCATE}, the pseudo-inverse of the positive part of {@code H + λI}, flagged with the smallest
 *       eigenvalue and a suggested damping. {@link #withStrict(boolean) Strict} throws that exception instead:
 *       {@link NotConvergedException}, {@link NotPositiveDefiniteException} (with the suggested damping) or
 *       {@link org.influence4j.solver.DivergenceException}.</li>
 *   <li>stationarity: the first query logs one WARN when θ̂ is not a stationary point of the objective
 *       ({@code ‖∇R(θ̂)‖} above {@value InfluenceDiagnostics#STATIONARITY_THRESHOLD} of the gradient scale, as in
 *       {@link #diagnose()}): influence assumes a minimum.</li>
 *   <li>cancellation: interrupting the calling thread ends any solve, factorisation or scoring pass within one HVP
 *       or scoring block with a {@link java.util.concurrent.CancellationException} (the interrupt flag stays set);
 *       the estimator stays usable and later calls give the same results.</li>
 * </ul>
 *
 * <p>The estimator never modifies the model, the training data or test points. Thread-safe if the model is.
 * References: Koh &amp; Liang, <i>Understanding Black-box Predictions via Influence Functions</i>, ICML 2017;
 * Basu, Pope &amp; Feizi, <i>Influence Functions in Deep Learning Are Fragile</i>, ICLR 2021.
 */
public final class InfluenceEstimator {

    private static final Logger LOG = LoggerFactory.getLogger(InfluenceEstimator.class);

    /** Default damping λ. */
    public static final double DEFAULT_DAMPING = 0.001;
    /** Largest parameter count for which the automatic solver choice is the exact solver. */
    public static final int AUTO_EXACT_MAX_PARAMETERS = 2000;
    /** Power iterations per extreme eigenvalue in {@link #diagnose()} for large models. */
    public static final int POWER_ITERATIONS = 50;
    /** Rows per batched scoring pass (bounds the memory of the adapter's activations). */
    static final int SCORING_CHUNK = 8192;
    /** Rows of per-example gradients per self-influence step (progress, cancellation). */
    static final int PROGRESS_ROWS = 32;
    /**
     * Test points up to which {@link #influenceOnEach} scores with one batched dot pass per test point instead of one
     * pass of per-example gradients for all of them (forming per-example gradients costs about three to four dot
     * passes on a CNN).
     */
    static final int DOTS_MAX_QUERIES = 2;
    /** Upper bound on the doubles of one block of per-example gradients (128 MB). */
    static final long GRADIENT_BLOCK_DOUBLES = 16L << 20;

    /** Automatic choices are fixed instances, so that copies share one cached factorisation. */
    private static final ExactSolver AUTO_EXACT = IHVPSolver.exact();
    private static final IHVPSolver AUTO_ITERATIVE = IHVPSolver.conjugateGradient();

    private final InfluenceModel model;
    private final TrainingState training;
    private final double damping;
    private final IHVPSolver solver;
    private final boolean strict;
    private final ProgressListener progress;
    private final Duration timeBudget; // null: none

    private InfluenceEstimator(InfluenceModel model, TrainingState training, double damping, IHVPSolver solver,
                               boolean strict, ProgressListener progress, Duration timeBudget) {
        this.model = model;
        this.training = training;
        this.damping = damping;
        this.solver = solver;
        this.strict = strict;
        this.timeBudget = timeBudget;
        this.progress = progress;
    }

    /**
     * An estimator for an {@link InfluenceModel} (a reference model, an adapter's model, or your own).
     *
     * @param model the trained model; never modified
     */
    public static InfluenceEstimator forModel(InfluenceModel model) {
        Objects.requireNonNull(model, "model");
        if (model.numParameters() < 1) {
            throw new IllegalArgumentException("model has " + model.numParameters() + " parameters; at least one is required");
        }
        return new InfluenceEstimator(model, null, DEFAULT_DAMPING, null, false, ProgressListener.NONE, null);
    }

    /**
     * An estimator for a framework model (for example a DL4J {@code MultiLayerNetwork}), adapted by the
     * first {@link ModelAdapter} on the class path that supports its type. An {@link InfluenceModel} is used
     * as is.
     *
     * @param model the trained model; never modified
     * @throws IllegalArgumentException if no adapter supports the type (the message names the module to add),
     *                                  or the adapter rejects this particular model
     */
    public static InfluenceEstimator forModel(Object model) {
        Objects.requireNonNull(model, "model");
        if (model instanceof InfluenceModel im) {
            return forModel(im);
        }
        List<String> tried = new ArrayList<>();
        for (ModelAdapter adapter : ServiceLoader.load(ModelAdapter.class, InfluenceEstimator.class.getClassLoader())) {
            tried.add(adapter.name());
            var adapted = adapter.adapt(model);
            if (adapted.isPresent()) {
                return forModel(adapted.get());
            }
        }
        String type = model.getClass().getName();
        String hint = type.startsWith("org.deeplearning4j")
                ? "add the module org.influence4j:influence-dl4j to the class path"
                : "implement org.influence4j.model.InfluenceModel for it, or register a ModelAdapter";
        throw new IllegalArgumentException("no ModelAdapter supports models of type " + type
                + " (adapters found: " + (tried.isEmpty() ? "none" : String.join(", ", tried)) + "); " + hint);
    }

    /**
     * Returns a copy that uses {@code train} as the training data {@code D} of the objective.
     *
     * @param train the data the model was trained on (features and labels); not modified, not copied — do not
     *              modify it while the estimator is in use
     */
    public InfluenceEstimator withTrainingData(DataSet train) {
        Arguments.checkDataSet("training data", train);
        // the widths now, not at the first query: one example through the model (its first row's labels too)
        fits("training data", () -> model.losses(DataSets.subset(train, new int[] {0})));
        return new InfluenceEstimator(model, new TrainingState(model, train,
                MonitoredCurvature.of(model.curvature(train))), damping, solver,
                strict, progress, timeBudget);
    }

    /** Returns a copy whose training data is every batch of {@code train}, read once into memory. */
    public InfluenceEstimator withTrainingData(DataSetIterator train) {
        return withTrainingData(DataSets.collect(train));
    }

    /** Returns a copy with damping λ ≥ 0: the solver inverts {@code H + λI}. */
    public InfluenceEstimator withDamping(double lambda) {
        Arguments.checkNonNegative("damping", lambda);
        return new InfluenceEstimator(model, training, lambda, solver, strict, progress, timeBudget);
    }

    /**
     * Returns a copy that uses {@code solver} for {@code (H+λI)⁻¹b}, {@link IHVPSolver#prepare prepared} once per
     * curvature and damping and shared by copies of this estimator.
     */
    public InfluenceEstimator withSolver(IHVPSolver solver) {
        Objects.requireNonNull(solver, "solver");
        return new InfluenceEstimator(model, training, damping, solver, strict, progress, timeBudget);
    }

    /**
     * Returns a copy whose solvers are prepared on {@code curvature} instead of the model's Hessian over the
     * training data — for instance {@code curvature().dense()}, the explicit matrix of the same Hessian, which
     * makes every later product a matrix–vector product (worth it when iterative solves will spend more than about
     * {@code p} HVPs in total). The gradients, scores and diagnostics still come from the model and the training
     * data; the curvature must be the Hessian of the same objective, or the scores are not influence. Copies keep
     * sharing the training state (gradients), but not prepared inverses of the previous curvature.
     *
     * @param curvature curvature with the model's dimension; not modified
     * @throws IllegalArgumentException if its dimension is not the model's parameter count
     * @throws IllegalStateException    if no training data is set
     */
    public InfluenceEstimator withCurvature(Curvature curvature) {
        Objects.requireNonNull(curvature, "curvature");
        TrainingState t = requireTraining();
        if (curvature.dimension() != model.numParameters()) {
            throw new IllegalArgumentException("curvature has dimension " + curvature.dimension() + " but the model has "
                    + model.numParameters() + " parameters; pass a curvature of this model (e.g. curvature().dense())");
        }
        return new InfluenceEstimator(model, t.withCurvature(MonitoredCurvature.of(curvature)), damping, solver, strict,
                progress, timeBudget);
    }

    /**
     * Returns a copy whose policy for flagged solves is strict (throw the solve's
     * {@link SolverResult#failure(double) failure}) or lenient (log one WARN and return flagged scores; the
     * default). See the class comment for what lenient returns.
     */
    public InfluenceEstimator withStrict(boolean strict) {
        return new InfluenceEstimator(model, training, damping, solver, strict, progress, timeBudget);
    }

    /**
     * Returns a copy whose computing calls ({@link #prepare}, {@link #influenceOn}, {@link #influenceOnParameters},
     * {@link #selfInfluence}, {@link #diagnose}, {@link #inverse}) each end with a
     * {@link CancellationException} once they have run longer than {@code budget} (checked before every HVP;
     * nothing partial is returned). The estimator stays usable; work already cached (a factorisation that
     * finished) is kept.
     *
     * @param budget positive duration, or {@code null} for none (the default)
     */
    public InfluenceEstimator withTimeBudget(Duration budget) {
        if (budget != null && (budget.isNegative() || budget.isZero())) {
            throw new IllegalArgumentException("timeBudget (" + budget + ") must be positive, or null for none");
        }
        return new InfluenceEstimator(model, training, damping, solver, strict, progress, budget);
    }

    /**
     * Returns a copy that reports progress of long work to {@code listener}: self-influence per
     * {@value #PROGRESS_ROWS} examples ({@code done} of {@code total} examples), and every solve, factorisation or
     * spectrum at most once a second with {@code done} = HVPs so far and {@code total = 0} (unknown).
     */
    public InfluenceEstimator withProgressListener(ProgressListener listener) {
        Objects.requireNonNull(listener, "listener");
        return new InfluenceEstimator(model, training, damping, solver, strict, listener, timeBudget);
    }

    /**
     * The curvature the solvers are prepared on: the model's Hessian over the training data
     * ({@link InfluenceModel#curvature(DataSet)}), or the one given to {@link #withCurvature(Curvature)}. Shared by
     * copies of this estimator, with its cache (e.g. the exact solver's eigendecomposition).
     *
     * @throws IllegalStateException if no training data is set
     */
    public Curvature curvature() {
        return requireTraining().curvature;
    }

    /**
     * The configured (or automatic) solver prepared for this estimator's curvature and damping: {@code (H+λI)⁻¹}
     * as an operator for any number of right-hand sides. Prepared once and shared by copies of this estimator;
     * results are not judged here (see {@link #withStrict(boolean)} for how the estimator's own methods treat
     * flagged solves).
     *
     * @throws IllegalStateException if no training data is set
     */
    public InverseHvp inverse() {
        return monitored("inverse", () -> {
            return requireTraining().inverse(solver(), damping);
        });
    }

    /** The model. */
    public InfluenceModel model() {
        return model;
    }

    /** The damping λ. */
    public double damping() {
        return damping;
    }

    /** The configured solver, or the automatic choice for this model. */
    public IHVPSolver solver() {
        if (solver != null) {
            return solver;
        }
        return model.numParameters() <= AUTO_EXACT_MAX_PARAMETERS ? AUTO_EXACT : AUTO_ITERATIVE;
    }

    /** The training data. */
    public DataSet trainingData() {
        return requireTraining().data;
    }

    /**
     * Influence of every training example on the (mean) loss of {@code testPoint}: solves
     * {@code (H+λI)s = ∇L_test} and scores all training examples in one batched pass.
     *
     * @param testPoint one or more test examples; not modified
     * @return {@code I_up,loss(zᵢ, z_test)} in training-data order (sign convention in {@link InfluenceScores})
     */
    public InfluenceScores influenceOn(DataSet testPoint) {
        return prepare(testPoint).scores();
    }

    /**
     * Solves {@code s_test = (H+λI)⁻¹∇L_test} once and returns it in a form that scores any examples
     * without solving again.
     *
     * @param testPoint one or more test examples; not modified
     */
    public PreparedInfluence prepare(DataSet testPoint) {
        return monitored("prepare", () -> {
            TrainingState t = requireTraining();
            Arguments.checkDataSet("testPoint", testPoint);
            INDArray testGradient = Arguments.toDoubleVector(fits("testPoint", () -> model.meanLossGradient(testPoint)));
            SolverResult result = solve(t, testGradient);
            // after the solve: a model may then compute ∇R(θ̂) from the state its curvature already holds
            warnIfNotStationary(t);
            return new PreparedInfluence(this, result.solution(), result, testGradient);
        });
    }

    /**
     * Influence of every training example on each test example of {@code testPoints} separately (test point
     * {@code q} is row {@code q}; Q = its number of rows), in memory: {@code Q × n} doubles. Row {@code q} equals
     * {@link #influenceOn(DataSet)} of that row alone, to rounding. See
     * {@link #influenceOnEach(DataSet, InfluenceSink)} for the costs; for large {@code n × Q} stream to a sink.
     *
     * @param testPoints Q ≥ 1 test examples; not modified
     */
    public InfluenceMatrix influenceOnEach(DataSet testPoints) {
        Arguments.checkDataSet("testPoints", testPoints);
        int q = testPoints.numExamples();
        int n = requireTraining().data.numExamples();
        if ((long) q * n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("testPoints has " + q + " rows and the training data " + n
                    + " examples: " + (long) q * n + " scores do not fit in one array; use influenceOnEach(testPoints, "
                    + "sink) with InfluenceSinks.topK, csv or binary");
        }
        INDArray values = Nd4j.create(DataType.DOUBLE, q, n);
        InfluenceQueries d = influenceOnEach(testPoints, new InfluenceSink() {
            @Override
            public void begin(int queries, int examples) {
            }

            @Override
            public void accept(int firstExample, INDArray scores) {
                values.get(NDArrayIndex.all(), NDArrayIndex.interval(firstExample, firstExample + scores.rows()))
                        .assign(scores.transpose());
            }
        });
        return new InfluenceMatrix(values, d, objectiveGradientNorm());
    }

    /**
     * Influence of every training example on each test example of {@code testPoints}, streamed block by block to
     * {@code sink} (never holding {@code n × Q} scores): the Q test gradients in one batched call, one solve per test
     * point with the prepared inverse (for a factored curvature — {@link IHVPSolver#kfac()}, {@link IHVPSolver#ekfac()},
     * the exact solver — a few matrix products each after one preparation; for conjugate gradient or LiSSA a full
     * solve each), then ONE pass over the training data for all Q: per-example gradients of a block of training
     * examples times the Q solutions, {@code −G_block·Sᵀ} (for Q ≤ {@value #DOTS_MAX_QUERIES}, a batched dot pass
     * per test point instead, which is cheaper). Progress is reported per solve ("solves", done of Q) and
     * per block ("scoring", examples done of n); the interrupt and the time budget are checked between blocks. A
     * failure or cancellation calls {@link InfluenceSink#abort()} and rethrows.
     *
     * @param testPoints Q ≥ 1 test examples; not modified
     * @param sink       receives {@code [rows, Q]} blocks in training order
     * @return the solves' diagnostics and timings
     */
    public InfluenceQueries influenceOnEach(DataSet testPoints, InfluenceSink sink) {
        Objects.requireNonNull(sink, "sink");
        return monitored("influenceOnEach", () -> {
            TrainingState t = requireTraining();
            Arguments.checkDataSet("testPoints", testPoints);
            int q = testPoints.numExamples();
            DataSet data = t.data;
            int n = data.numExamples();
            long p = model.numParameters();
            long start = System.nanoTime();
            INDArray testGradients = fits("testPoints", () -> model.perExampleGradients(testPoints))
                    .castTo(DataType.DOUBLE);
            if (testGradients.rows() != q || testGradients.columns() != p) {
                throw new IllegalStateException("model returned per-example gradients of shape "
                        + java.util.Arrays.toString(testGradients.shape()) + " for " + q + " test points");
            }
            InverseHvp inverse = t.inverse(solver(), damping);
            INDArray solutions = Nd4j.create(DataType.DOUBLE, q, p);
            List<SolverResult> results = new ArrayList<>(q);
            double[] regularizer = new double[q];
            INDArray gradOmega = regularizerGradient();
            boolean regularized = Vectors.norm2(gradOmega) > 0;
            for (int j = 0; j < q; j++) {
                checkInterrupt("influenceOnEach", j, q);
                SolverResult r = checked(t, inverse.solve(testGradients.getRow(j).dup()));
                INDArray x = r.solution();
                solutions.putRow(j, x);
                results.add(r);
                regularizer[j] = regularized ? -Vectors.dot(x, gradOmega) : 0;
                progress.onProgress("solves", j + 1, q);
            }
            warnIfNotStationary(t);
            long solved = System.nanoTime();
            int block = q <= DOTS_MAX_QUERIES ? Math.min(n, SCORING_CHUNK)
                    : (int) Math.max(1, Math.min(n, GRADIENT_BLOCK_DOUBLES / Math.max(p, q)));
            sink.begin(q, n);
            boolean done = false;
            try {
                for (int from = 0; from < n; from += block) {
                    checkInterrupt("influenceOnEach", from, n);
                    checkBudget("influenceOnEach");
                    int to = Math.min(n, from + block);
                    DataSet part = from == 0 && to == n ? data : DataSets.subset(data, range(from, to));
                    INDArray scores;
                    if (q <= DOTS_MAX_QUERIES) {
                        // a batched dot pass per test point is cheaper than forming the per-example gradients
                        scores = Nd4j.create(DataType.DOUBLE, to - from, q);
                        for (int j = 0; j < q; j++) {
                            scores.putColumn(j, model.perExampleGradientDots(part, solutions.getRow(j).dup())
                                    .castTo(DataType.DOUBLE).reshape(to - from, 1).negi());
                        }
                    } else {
                        INDArray raw = model.perExampleGradients(part);
                        INDArray g = raw.castTo(DataType.DOUBLE);
                        scores = g.mmul(solutions.transpose()).negi();  // I_up,loss = −gᵢᵀs_q
                        // a block of GRADIENT_BLOCK_DOUBLES, ours (fresh from the model): freed now, not when the
                        // collector gets to its wrapper — blocks add up to n·p doubles over the loop
                        g.close();
                        raw.close();
                    }
                    sink.accept(from, scores);
                    progress.onProgress("scoring", to, n);
                }
                sink.end();
                done = true;
            } finally {
                if (!done) {
                    sink.abort();
                }
            }
            long scored = System.nanoTime();
            return new InfluenceQueries(results, regularizer, n, damping, solver().toString(), model.describe(),
                    java.time.Duration.ofNanos(solved - start), java.time.Duration.ofNanos(scored - solved));
        });
    }

    /**
     * Influence of upweighting {@code example} on the parameters, {@code I_up,params(z) = −(H+λI)⁻¹∇ℓ(z)}
     * (Koh &amp; Liang, eq. 1): removing {@code z} from the training set is predicted to move the parameters by
     * {@code −I_up,params(z)/n}. If {@code example} holds several rows, {@code ∇ℓ} is their mean loss
     * gradient. One solve per call.
     *
     * @param example one or more examples; not modified
     * @return a fresh rank-1 DOUBLE vector in the model's parameter layout
     */
    public INDArray influenceOnParameters(DataSet example) {
        return monitored("influenceOnParameters", () -> {
            TrainingState t = requireTraining();
            Arguments.checkDataSet("example", example);
            INDArray g = Arguments.toDoubleVector(fits("example", () -> model.meanLossGradient(example)));
            return solve(t, g).solution().negi();
        });
    }

    /**
     * Self-influence {@code I_up,loss(zᵢ, zᵢ) = −∇ℓ(zᵢ)ᵀ(H+λI)⁻¹∇ℓ(zᵢ)} of every training example, from the
     * prepared inverse's {@link InverseHvp#quadraticForms quadratic forms} over blocks of per-example gradients: with
     * the exact solver one eigendecomposition plus one matrix product per block; with an iterative solver one solve
     * per example. Progress is reported (and the interrupt checked) every {@value #PROGRESS_ROWS} examples.
     */
    public InfluenceScores selfInfluence() {
        return monitored("self-influence", () -> {
            TrainingState t = requireTraining();
            DataSet data = t.data;
            int n = data.numExamples();
            long p = model.numParameters();
            int block = (int) Math.max(1, Math.min(n, GRADIENT_BLOCK_DOUBLES / p));
            double[] values = new double[n];
            InverseHvp inverse = t.inverse(solver(), damping);
            SolverResult worst = null;
            for (int start = 0; start < n; start += block) {
                int end = Math.min(n, start + block);
                INDArray grads = model.perExampleGradients(DataSets.subset(data, range(start, end)));
                // quadratic forms in steps of PROGRESS_ROWS rows: progress and cancellation at that granularity
                for (int from = start; from < end; from += PROGRESS_ROWS) {
                    checkInterrupt("self-influence", from, n);
                    int to = Math.min(end, from + PROGRESS_ROWS);
                    InverseHvp.QuadraticForms q = inverse.quadraticForms(
                            grads.get(NDArrayIndex.interval(from - start, to - start), NDArrayIndex.all()));
                    for (int i = from; i < to; i++) {
                        values[i] = -q.values()[i - from];
                    }
                    worst = SolverResult.lessAccurate(worst, q.worst());
                    progress.onProgress("self-influence", to, n);
                }
                grads.close(); // fresh from the model, up to GRADIENT_BLOCK_DOUBLES: freed now, not by the collector
            }
            if (worst != null) {
                checked(t, worst);
            }
            // rᵢ = −gᵢᵀ(H+λI)⁻¹∇Ω: one more solve and one batched pass (skipped without a regulariser)
            double[] regularizer = new double[n];
            INDArray gradOmega = regularizerGradient();
            if (Vectors.norm2(gradOmega) > 0) {
                INDArray u = solve(t, gradOmega).solution();
                double[] dots = batchedDots(data, u);
                for (int i = 0; i < n; i++) {
                    regularizer[i] = -dots[i];
                }
            }
            return new InfluenceScores(values, regularizer, ScoreKind.SELF_INFLUENCE, damping, worst, objectiveGradientNorm(),
                    model.describe());
        });
    }

    /**
     * The damped Hessian operator {@code H + λI} of the training objective, as the solvers see it (for
     * diagnostics, e.g. an eigenvalue spectrum or {@link org.influence4j.hvp.HvpSelfCheck}).
     */
    public HessianVectorProduct dampedHessian() {
        return requireTraining().curvature.hessian().damped(damping);
    }

    /**
     * {@code ∇Ω(θ̂) = ∇R(θ̂) − (1/n)Σ∇ℓ(zᵢ, θ̂)}, the regulariser's gradient (computed once per model and training
     * data); zero for an unregularised model.
     */
    INDArray regularizerGradient() {
        return requireTraining().regularizerGradient.get();
    }

    /** {@code ‖∇R(θ̂)‖₂} over the training data (computed once per model and training data). */
    public double objectiveGradientNorm() {
        return requireTraining().gradientNorm.get();
    }

    /**
     * Checks whether influence scores can be trusted for this model and training set: stationarity of θ̂,
     * the Hessian's extreme eigenvalues and sign, and the conditioning of {@code H + λI}; see
     * {@link InfluenceDiagnostics}. For {@code p ≤ }{@value #AUTO_EXACT_MAX_PARAMETERS} the whole spectrum comes
     * from the exact eigendecomposition (shared with the exact solver: no extra cost afterwards); for larger
     * models the extremes are estimated with {@value #POWER_ITERATIONS} power iterations each (2 × that many
     * HVPs).
     */
    public InfluenceDiagnostics diagnose() {
        return monitored("diagnose", () -> {
            TrainingState t = requireTraining();
            DataSet data = t.data;
            INDArray gradR = Arguments.toDoubleVector(model.objectiveGradient(data));
            INDArray gradL = Arguments.toDoubleVector(model.meanLossGradient(data));
            double normR = Vectors.norm2(gradR);
            double normL = Vectors.norm2(gradL);
            double normOmega = Vectors.norm2(gradR.sub(gradL));
            double relative = normL + normOmega == 0 ? 0 : normR / (normL + normOmega);
            long p = model.numParameters();
            double min;
            double max;
            int negative;
            boolean exact = p <= AUTO_EXACT_MAX_PARAMETERS;
            if (exact) {
                INDArray ev = AUTO_EXACT.factorize(t.curvature).eigenvalues(); // shared with an exact solver's inverse
                min = ev.getDouble(0);
                max = ev.getDouble(ev.length() - 1);
                int count = 0;
                for (long i = 0; i < ev.length(); i++) {
                    if (ev.getDouble(i) < 0) {
                        count++;
                    }
                }
                negative = count;
            } else {
                HessianVectorProduct h = t.curvature.hessian();
                double[] extremes = org.influence4j.internal.PowerIteration.extremes(h, POWER_ITERATIONS, 20210101L);
                min = extremes[0];
                max = extremes[1];
                negative = -1;
            }
            List<String> warnings = new ArrayList<>();
            if (!(relative <= InfluenceDiagnostics.STATIONARITY_THRESHOLD)) { // NaN-safe: a NaN gradient is not stationary
                warnings.add(String.format("θ̂ is not a stationary point of the objective: ‖∇R(θ̂)‖ = %.3e, %.2g of the "
                        + "gradient scale; influence assumes a minimum — train longer or to a tighter tolerance", normR,
                        relative));
            }
            if (!Double.isFinite(min) || !Double.isFinite(max)) {
                // NaN-safe: every comparison below is false for NaN, which would report a broken operator as fine
                warnings.add(String.format("the Hessian's eigenvalue %s is not finite (smallest %.4g, largest %.4g): the model's "
                        + "Hessian-vector product returns NaN or Inf; check it with HvpSelfCheck against finite "
                        + "differences, and the parameters and training data for non-finite values",
                        exact ? "spectrum" : "estimate", min, max));
            } else if (min + damping <= 0) {
                double suggested = NotPositiveDefiniteException.suggestedDamping(damping, min + damping);
                warnings.add(String.format(Locale.ROOT, "H + λI is not positive definite: smallest eigenvalue of H is "
                        + "%.4g%s and λ = %g; use a damping of at least %.3g (withDamping(%.3g)) or the Gauss–Newton "
                        + "curvature; otherwise the exact solver's default EigenvaluePolicy.TRUNCATE inverts only the "
                        + "positive part; the model may not be at a minimum", min,
                        negative >= 0 ? " (" + negative + " negative)" : "", damping, suggested, suggested));
            } else if (min < 0) {
                warnings.add(String.format("H is indefinite (smallest eigenvalue %.4g%s): θ̂ is a saddle point, not a minimum; "
                        + "λ = %g makes H + λI positive definite but the scores describe a damped model",
                        min, negative >= 0 ? ", " + negative + " negative" : "", damping));
            }
            double lo = min + damping;
            if (lo > 0 && (max + damping) / lo > InfluenceDiagnostics.CONDITION_THRESHOLD) {
                warnings.add(String.format("H + λI is ill-conditioned (condition number %.3g): iterative solvers will "
                        + "need many iterations; increase the damping", (max + damping) / lo));
            }
            if (damping > 0 && damping >= max) {
                warnings.add(String.format("the damping λ = %g is at least the largest curvature %.4g: (H + λI)⁻¹ ≈ I/λ and the "
                        + "scores are close to plain gradient dot products; reduce the damping", damping, max));
            }
            return new InfluenceDiagnostics(p, data.numExamples(), damping, normR, relative, min, max, negative, exact,
                    warnings);
        });
    }

    // ---- internals shared with PreparedInfluence ----

    /** {@code gᵢᵀv} for every example of {@code data}, in blocks of {@link #SCORING_CHUNK} rows. */
    /**
     * Runs a model call on the caller's argument {@code name}, so that the model's rejection of the data (which names
     * the SPI's parameter, {@code data}) names the caller's argument: {@code "testPoint does not fit the model: ..."}.
     */
    static <T> T fits(String name, Supplier<T> call) {
        try {
            return call.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + " does not fit the model: " + e.getMessage(), e);
        }
    }

    double[] batchedDots(DataSet data, INDArray v) {
        int n = data.numExamples();
        double[] out = new double[n];
        for (int start = 0; start < n; start += SCORING_CHUNK) {
            checkInterrupt("scoring", start, n);
            int end = Math.min(n, start + SCORING_CHUNK);
            DataSet part = start == 0 && end == n ? data : DataSets.subset(data, range(start, end));
            INDArray dots = model.perExampleGradientDots(part, v);
            if (dots.length() != end - start) {
                throw new IllegalStateException("model returned " + dots.length() + " gradient dots for "
                        + (end - start) + " examples");
            }
            INDArray d = dots.castTo(DataType.DOUBLE);
            for (int i = start; i < end; i++) {
                out[i] = d.getDouble(i - start);
            }
        }
        return out;
    }

    private SolverResult solve(TrainingState t, INDArray rhs) {
        return checked(t, t.inverse(solver(), damping).solve(rhs));
    }

    /** The one strictness policy: a flagged result is thrown (strict) or logged once per kind (lenient). */
    private SolverResult checked(TrainingState t, SolverResult r) {
        var failure = r.failure(damping);
        if (failure.isEmpty()) {
            return r;
        }
        NumericalException e = failure.get();
        if (strict) {
            throw e;
        }
        String message = e.getMessage() + notStationaryNote(t) + "; returning flagged scores";
        if (t.warned.add(r.stopReason())) {
            LOG.warn(message + " (further " + r.stopReason() + " results of this estimator are logged at DEBUG)");
        } else {
            LOG.debug(message);
        }
        return r;
    }

    /** ", and θ̂ may not be a minimum: ‖∇R(θ̂)‖ = …" when the gradient at θ̂ is large, else empty. */
    private static String notStationaryNote(TrainingState t) {
        double[] g = t.stationarity.get();
        return g[1] > InfluenceDiagnostics.STATIONARITY_THRESHOLD ? String.format(Locale.ROOT, " (the model may "
                + "not be at a minimum: ‖∇R(θ̂)‖ = %.3g, %.2g of the gradient scale)", g[0], g[1]) : "";
    }

    private static void warnIfNotStationary(TrainingState t) {
        double[] g = t.stationarity.get();
        if (g[1] > InfluenceDiagnostics.STATIONARITY_THRESHOLD && t.warned.add("stationarity")) {
            LOG.warn(String.format(Locale.ROOT, "θ̂ is not a stationary point of the training objective: ‖∇R(θ̂)‖ = "
                    + "%.3g, %.2g of the gradient scale (threshold %.0e); influence functions assume a minimum, so the "
                    + "scores may not predict retraining — train longer or to a tighter tolerance, and check with "
                    + "diagnose()", g[0], g[1], InfluenceDiagnostics.STATIONARITY_THRESHOLD));
        }
    }

    /**
     * Runs one computing call under the estimator's monitor: every HVP of the curvature and every solver iteration
     * checks the interrupt and the time budget, reports progress at most once a second and logs an INFO line at
     * most every {@value #INFO_INTERVAL_SECONDS} seconds once the call has run that long.
     */
    private <T> T monitored(String task, Supplier<T> work) {
        return SolveMonitor.run(new CallMonitor(task), work);
    }

    /** Seconds between INFO lines of a long call. */
    static final int INFO_INTERVAL_SECONDS = 5;

    private final class CallMonitor implements SolveMonitor.Listener {
        private final String task;
        private final long start = System.nanoTime();
        private final long deadline;
        private long products;
        private long lastProgress = start;
        private long lastLog = start;
        private IterationListener.Event last;

        CallMonitor(String task) {
            this.task = task;
            this.deadline = timeBudget == null ? 0 : start + timeBudget.toNanos();
        }

        @Override
        public void onProduct() {
            products++;
            if (Thread.currentThread().isInterrupted()) {
                throw new CancellationException(task + " interrupted after " + products + " HVPs");
            }
            long now = System.nanoTime();
            if (deadline != 0 && now - deadline > 0) {
                throw new CancellationException(String.format(Locale.ROOT, "%s exceeded its time budget of %s after %d "
                        + "HVPs (%.1f s); nothing was returned: raise withTimeBudget, the damping or the solver's "
                        + "tolerance, or use a cheaper solver", task, timeBudget, products, (now - start) / 1e9));
            }
            report(now);
        }

        @Override
        public void onIteration(IterationListener.Event event) {
            last = event;
            report(System.nanoTime());
        }

        @Override
        public void onCheckpoint() {
            long now = System.nanoTime();
            if (deadline != 0 && now - deadline > 0) {
                throw new CancellationException(String.format(Locale.ROOT, "%s exceeded its time budget of %s (%.1f "
                        + "s); nothing was returned: raise withTimeBudget", task, timeBudget, (now - start) / 1e9));
            }
        }

        @Override
        public void onExamples(String what, long done, long total) {
            long now = System.nanoTime();
            if (deadline != 0 && now - deadline > 0) {
                throw new CancellationException(String.format(Locale.ROOT, "%s exceeded its time budget of %s during "
                        + "%s (%d of %d examples, %.1f s); nothing was returned: raise withTimeBudget", task,
                        timeBudget, what, done, total, (now - start) / 1e9));
            }
            if (now - lastProgress >= 1_000_000_000L || done == total) {
                lastProgress = now;
                progress.onProgress(what, done, total);
            }
        }

        private void report(long now) {
            if (now - lastProgress >= 1_000_000_000L) {
                lastProgress = now;
                progress.onProgress(task, products, 0);
            }
            if (now - lastLog >= INFO_INTERVAL_SECONDS * 1_000_000_000L) {
                lastLog = now;
                LOG.info(String.format(Locale.ROOT, "%s: %d HVPs, %.0f s elapsed%s", task, products, (now - start) / 1e9,
                        last == null ? "" : String.format(Locale.ROOT, "; %s iteration %d%s, %s %.3g", last.solver(),
                                last.iteration(), last.repeat() > 0 ? " of repeat " + last.repeat() : "",
                                last.solver().equals("cg") ? "relative residual" : "relative change", last.measure())));
            }
        }
    }

    /** Ends the call with a CancellationException once it has run past its time budget. */
    private static void checkBudget(String task) {
        SolveMonitor.checkpoint();
    }

    private static void checkInterrupt(String task, long done, long total) {
        if (Thread.currentThread().isInterrupted()) {
            throw new CancellationException(task + " interrupted after " + done + " of " + total + " examples");
        }
    }

    private TrainingState requireTraining() {
        if (training == null) {
            throw new IllegalStateException("no training data: call withTrainingData(...) first");
        }
        return training;
    }

    private static int[] range(int start, int end) {
        int[] r = new int[end - start];
        for (int i = 0; i < r.length; i++) {
            r[i] = start + i;
        }
        return r;
    }

    @Override
    public String toString() {
        return "InfluenceEstimator[model=" + model.describe() + ", n=" + (training == null ? "unset" : training.data.numExamples())
                + ", damping=" + damping + ", solver=" + (solver == null ? "auto(" + solver() + ")" : solver)
                + ", strict=" + strict + "]";
    }

    /** Training-set state shared by copies of the estimator that keep the model and data. */
    private static final class TrainingState {
        final DataSet data;
        final Curvature curvature;
        final Supplier<Double> gradientNorm;
        final Supplier<INDArray> regularizerGradient;
        /** {‖∇R(θ̂)‖, ‖∇R‖ / (‖∇L‖ + ‖∇Ω‖)}: stationarity of θ̂ relative to the gradient scale. */
        final Supplier<double[]> stationarity;
        final Set<Object> warned;
        private final Map<Object, Supplier<?>> inverses = new ConcurrentHashMap<>();

        private record InverseKey(IHVPSolver solver, double damping) {
        }

        TrainingState(InfluenceModel model, DataSet data, Curvature curvature) {
            this.data = data;
            this.curvature = curvature;
            Supplier<INDArray> gradR = Suppliers.memoize(() -> Arguments.toDoubleVector(model.objectiveGradient(data)));
            Supplier<INDArray> gradL = Suppliers.memoize(() -> Arguments.toDoubleVector(model.meanLossGradient(data)));
            this.gradientNorm = Suppliers.memoize(() -> Vectors.norm2(gradR.get()));
            this.regularizerGradient = Suppliers.memoize(() -> gradR.get().sub(gradL.get()));
            this.stationarity = Suppliers.memoize(() -> {
                double normR = gradientNorm.get();
                double scale = Vectors.norm2(gradL.get()) + Vectors.norm2(regularizerGradient.get());
                return new double[] {normR, scale == 0 ? 0 : normR / scale};
            });
            this.warned = ConcurrentHashMap.newKeySet();
        }

        private TrainingState(TrainingState base, Curvature curvature) {
            this.data = base.data;
            this.curvature = curvature;
            this.gradientNorm = base.gradientNorm;
            this.regularizerGradient = base.regularizerGradient;
            this.stationarity = base.stationarity;
            this.warned = base.warned;
        }

        TrainingState withCurvature(Curvature c) {
            return new TrainingState(this, c);
        }

        /** The solver prepared for this curvature and damping, once (the key holds the solver instance). */
        InverseHvp inverse(IHVPSolver solver, double damping) {
            return Memo.get(inverses, new InverseKey(solver, damping), () -> solver.prepare(curvature, damping));
        }
    }
}
