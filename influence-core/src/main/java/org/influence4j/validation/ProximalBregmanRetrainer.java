package org.influence4j.validation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.influence4j.internal.Arguments;
import org.influence4j.internal.Lbfgs;
import org.influence4j.internal.Memo;
import org.influence4j.model.DataSets;
import org.influence4j.model.InfluenceModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proximal Bregman response function (PBRF; Bae, Ng, Lo, Ghassemi &amp; Grosse 2022, <i>If influence functions are
 * the answer, then what is the question?</i>) as a {@link Retrainer}: the ground truth that influence functions
 * actually approximate for models that are not at a minimum of their objective, and that separates the estimator's
 * error from the retraining's.
 *
 * <h2>Definition</h2>
 * With the objective {@code R(θ) = (1/n)Σᵢ ℓ(zᵢ(θ), yᵢ) + Ω(θ)}, the trained parameters θ̂, the outputs
 * {@code zᵢ(θ)} (pre-activation of the output layer) and {@code ẑᵢ = zᵢ(θ̂)}, removing the training examples
 * {@code R} gives
 * <pre>
 *   θ_R = argmin_θ P(θ),
 *   P(θ) = (1/n)Σᵢ D_ℓ(zᵢ(θ), ẑᵢ; yᵢ) + D_Ω(θ, θ̂) − (1/n)Σ_{m∈R} ℓ(z_m(θ), y_m) + (λ/2)‖θ − θ̂‖²
 * </pre>
 * where {@code D_ℓ} is the Bregman divergence of the loss in the outputs, {@code D_Ω} that of the regulariser, and λ
 * <b>the same damping as the influence estimate</b> being checked ({@link Builder#damping}). The first two terms keep
 * every output and the regulariser close to their values at θ̂ (a proximity term measured by the loss itself), the
 * third removes {@code R} with weight {@code 1/n}, the last is the damping's proximity term.
 *
 * <h2>How it is computed</h2>
 * Every loss the library supports is a canonical-link pair ({@code ∇_z ℓ(z; t) = c·(act(z) − t)}), for which
 * {@code D_ℓ(z, ẑ; y) = ℓ(z; t̂) − ℓ(ẑ; t̂)} with the soft targets {@code t̂ = act(ẑ)} (the model's own predictions;
 * see {@link InfluenceModel#bregmanTargets}, which states the derivation and the scale {@code c}, MSE's {@code 2/k}
 * included). With {@code R_soft(θ)} the model's objective on the training data with its labels replaced by
 * {@code t̂}, and {@code g₀ = ∇R_soft(θ̂)}:
 * <pre>
 *   P(θ) = R_soft(θ) − g₀ᵀ(θ − θ̂) − (1/n)Σ_{m∈R} ℓ(z_m(θ), y_m) + (λ/2)‖θ − θ̂‖² + const,
 *   ∇P(θ̂) = −(1/n)Σ_{m∈R} ∇ℓ_m(θ̂).
 * </pre>
 * Analytically {@code g₀ = ∇Ω(θ̂)} (the soft targets make the mean loss stationary in the outputs); it is computed
 * numerically, by the same code path as every later gradient, so that its round-off is absorbed and
 * {@code ∇P(θ̂)} is exactly the removal term. Both {@code R_soft} and the removed losses come from the model at other
 * parameters ({@link InfluenceModel#withParameters}), so any model that offers the two capabilities is supported
 * (the reference models, the DL4J adapter). {@code P} is minimised by L-BFGS (memory 20, Armijo
 * backtracking, warm-started at θ̂).
 *
 * <h2>What it is the ground truth of</h2>
 * <ul>
 *   <li><b>θ̂ minimises P exactly when R is empty</b> — even when θ̂ is not a stationary point of {@code R(θ)} (a
 *       network trained for a fixed budget). {@link #testLossWithout} with nothing removed returns the test loss at θ̂
 *       itself, without a solve: no drift of continued training, no other optimum.</li>
 *   <li><b>First order it is influence with Gauss–Newton curvature.</b>
 *       {@code θ_R − θ̂ ≈ (1/n)(G + ∇²Ω + λI)⁻¹ Σ_{m∈R} ∇ℓ_m(θ̂)}, with {@code G} the Gauss–Newton matrix of the mean
 *       loss: the Hessian of {@code R_soft} at θ̂ is exactly {@code G + ∇²Ω} (the soft targets zero the residual
 *       terms). Hence the test-loss change it reports is what {@code Δ ≈ −score/n} predicts for an estimator with
 *       Gauss–Newton curvature and damping λ, up to {@code O(1/n²)}. The remaining gap of such an estimator is its
 *       solver error plus those second-order terms (the response's own nonlinearity, which shrinks as the removal
 *       weight {@code r/n} does); the gap of an exact-Hessian estimator to PBRF adds its curvature error (the
 *       residual terms of the Hessian). Neither contains an error of the retraining.</li>
 *   <li><b>Sign convention.</b> {@code score = I_up,loss(z, z_test) = −∇ℓ_testᵀ H⁻¹ ∇ℓ(z)}; removing {@code z}
 *       changes the test loss by {@code Δ ≈ −score/n}; {@code testLossWithout(R) − testLossWithout({})} is that
 *       change under PBRF.</li>
 *   <li><b>Removal keeps the regulariser's weight.</b> PBRF downweights {@code R} by {@code ε = −1/n} in
 *       {@code (1/n)Σᵢℓᵢ + Ω}, exactly the perturbation influence linearises. Retraining on the remaining
 *       {@code n − r} examples with their <em>mean</em> loss (as {@code SoftmaxRegression.retrainer} does) instead
 *       weighs Ω by {@code n/(n − r)} relative to the losses, a further {@code O(r/n)} shift of the optimum that is
 *       the same for every removed point of a leave-one-out run. For a linear model at a stationary θ̂ with
 *       {@code λ = 0}, PBRF equals retraining the objective {@code (1/n)Σ_{i∉R}ℓᵢ + Ω} exactly (the Bregman terms
 *       then reconstruct {@code R(θ)} up to the linear term {@code ∇R(θ̂)ᵀ(θ − θ̂) = 0}).</li>
 * </ul>
 *
 * <h2>Stopping rule</h2>
 * A solve stops when {@code ‖∇P(θ)‖₂ ≤ relativeTolerance · ‖∇P(θ̂)‖₂}, where {@code ‖∇P(θ̂)‖ = (1/n)‖Σ_R ∇ℓ_m(θ̂)‖} is
 * the size of the removal's pull. The parameter error is then about {@code relativeTolerance} times the response
 * {@code ‖θ_R − θ̂‖} (times the condition number of {@code ∇²P} in the worst case). The default
 * {@value #DEFAULT_RELATIVE_TOLERANCE} keeps that error three or more orders of magnitude below the {@code O(1/n)}
 * relative difference between PBRF and its first-order prediction that validations measure (for {@code n} up to
 * about 10⁴), and far above round-off: the gradient's own floor is about {@code 1e-16} times the size of the
 * per-example gradients, while {@code ‖∇P(θ̂)‖} is of order {@code 1/n} times it. When objective differences are at
 * round-off the line search accepts a step that lowers {@code ‖∇P‖}. A solve that reaches
 * {@link Builder#maxIterations} (default {@value #DEFAULT_MAX_ITERATIONS}) or stalls keeps its last iterate, is
 * flagged in {@link #solves()} and counted by {@link #unconvergedSolves()}, and logs a WARN (the first one; later
 * ones at DEBUG, with a summary WARN per {@link #prefetch}). If {@code ‖∇P(θ̂)‖ = 0} (removed points with zero
 * gradient) {@code θ_R = θ̂} without a solve.
 *
 * <h2>Cost, caching, threads</h2>
 * One L-BFGS iteration costs one evaluation of {@code P} and {@code ∇P} (usually; the line search may add trials):
 * one {@link InfluenceModel#withParameters} plus the objective and its gradient over the {@code n} training examples
 * and the loss and gradient over the removed ones. The solution {@code θ_R} is cached per removal set (the set, not
 * the order of its indices), so several test points share one solve; {@link #prefetch} solves a known list of
 * removal sets on {@link Builder#threads} threads, reporting to a {@link Listener}. Thread-safe, provided the model
 * is (the library's models are). The model, the training data and every argument are left unchanged: the builder
 * copies the training data, and every evaluation at other parameters happens on a model returned by
 * {@code withParameters}.
 *
 * <p>Defaults: relative tolerance {@value #DEFAULT_RELATIVE_TOLERANCE}, at most {@value #DEFAULT_MAX_ITERATIONS}
 * iterations per solve (warm-started solves of small models take tens to a few hundred), one thread, no listener;
 * the damping has no default.
 */
public final class ProximalBregmanRetrainer implements Retrainer {

    private static final Logger LOG = LoggerFactory.getLogger(ProximalBregmanRetrainer.class);

    /** Default {@link Builder#relativeTolerance}. */
    public static final double DEFAULT_RELATIVE_TOLERANCE = 1e-6;
    /** Default {@link Builder#maxIterations}. */
    public static final int DEFAULT_MAX_ITERATIONS = 1000;
    /** L-BFGS correction pairs. */
    static final int MEMORY = 20;
    /** Line-search trials per iteration (steps down to 2⁻⁵⁹). */
    static final int MAX_BACKTRACKS = 60;

    /**
     * Diagnostics of one solve.
     *
     * @param removed             the removed training indices (sorted; a copy)
     * @param iterations          L-BFGS iterations (0 when nothing had to be solved)
     * @param evaluations         evaluations of {@code P} and {@code ∇P} (each one {@code withParameters} and a pass
     *                            over the training data)
     * @param initialGradientNorm {@code ‖∇P(θ̂)‖₂ = (1/n)‖Σ_R ∇ℓ_m(θ̂)‖₂}
     * @param gradientNorm        {@code ‖∇P(θ_R)‖₂} at the returned parameters
     * @param converged           whether {@code gradientNorm ≤ relativeTolerance · initialGradientNorm}
     * @param parameterDistance   {@code ‖θ_R − θ̂‖₂}
     * @param seconds             wall time
     */
    public record Solve(int[] removed, int iterations, int evaluations, double initialGradientNorm,
                        double gradientNorm, boolean converged, double parameterDistance, double seconds) {

        /** Copies {@code removed}. */
        public Solve {
            removed = removed.clone();
        }

        /** The removed indices (a copy). */
        @Override
        public int[] removed() {
            return removed.clone();
        }

        /** {@code gradientNorm / initialGradientNorm} (0 when the initial gradient is 0). */
        public double relativeGradientNorm() {
            return initialGradientNorm == 0 ? 0 : gradientNorm / initialGradientNorm;
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "Solve[removed=%s, %d iterations, %d evaluations, "
                            + "‖∇P‖ %.3e → %.3e (relative %.1e), %s, ‖θ_R − θ̂‖=%.6e, %.3f s]",
                    removed.length <= 10 ? Arrays.toString(removed) : removed.length + " indices", iterations,
                    evaluations, initialGradientNorm, gradientNorm, relativeGradientNorm(),
                    converged ? "converged" : "NOT converged", parameterDistance, seconds);
        }
    }

    /**
     * Receives progress from {@link #prefetch}: one call after each finished solve, on the thread that called
     * {@code prefetch}, in the order the removal sets were given. Must be cheap and must not throw.
     */
    @FunctionalInterface
    public interface Listener {

        /** A listener that ignores every event. */
        Listener NONE = (solve, completed, total) -> { };

        /**
         * Called after a solve.
         *
         * @param solve     its diagnostics
         * @param completed solves of this prefetch finished so far (1-based)
         * @param total     solves this prefetch does (removal sets already cached are not counted)
         */
        void onSolved(Solve solve, int completed, int total);
    }

    private final InfluenceModel model;
    private final DataSet train;
    private final DataSet soft;
    private final int n;
    private final double[] theta0;
    private final double softAtStart;  // R_soft(θ̂)
    private final double[] g0;         // ∇R_soft(θ̂), computed like every later gradient
    private final double damping;
    private final double relativeTolerance;
    private final int maxIterations;
    private final int threads;
    private final Listener listener;
    private final Map<Object, Supplier<?>> cache = new ConcurrentHashMap<>();
    private final Map<List<Integer>, Solve> stats = new ConcurrentHashMap<>();
    private final AtomicBoolean warned = new AtomicBoolean();

    private ProximalBregmanRetrainer(Builder b, DataSet soft, InfluenceModel atStart) {
        this.model = b.model;
        this.train = b.train;
        this.soft = soft;
        this.n = train.numExamples();
        this.theta0 = model.parameters().toDoubleVector();
        this.softAtStart = atStart.objective(soft);
        this.g0 = atStart.objectiveGradient(soft).toDoubleVector();
        this.damping = b.damping;
        this.relativeTolerance = b.relativeTolerance;
        this.maxIterations = b.maxIterations;
        this.threads = b.threads;
        this.listener = b.listener;
        LOG.debug("{}", this);
    }

    /**
     * A builder for the PBRF of {@code model} on {@code train}.
     *
     * @param model the trained model θ̂ (as the influence estimate saw it); must offer
     *              {@link InfluenceModel#withParameters} and {@link InfluenceModel#bregmanTargets}; not modified
     * @param train the training data the model was trained on, in the order whose indices {@code removed} refers
     *              to; copied, not modified
     * @return a builder; {@link Builder#damping} must be set
     */
    public static Builder builder(InfluenceModel model, DataSet train) {
        return new Builder(model, train);
    }

    /** Options of {@link ProximalBregmanRetrainer}. Not thread-safe; {@link #build()} may be called repeatedly. */
    public static final class Builder {
        private final InfluenceModel model;
        private final DataSet train;
        private Double damping;
        private double relativeTolerance = DEFAULT_RELATIVE_TOLERANCE;
        private int maxIterations = DEFAULT_MAX_ITERATIONS;
        private int threads = 1;
        private Listener listener = Listener.NONE;

        private Builder(InfluenceModel model, DataSet train) {
            this.model = Objects.requireNonNull(model, "model");
            Arguments.checkDataSet("train", train);
            this.train = new DataSet(train.getFeatures().castTo(DataType.DOUBLE).dup(),
                    train.getLabels().castTo(DataType.DOUBLE).dup());
        }

        /**
         * The damping λ of the influence estimate this ground truth checks ({@code InfluenceEstimator.withDamping}),
         * finite and {@code ≥ 0}. Required: PBRF's proximity term {@code (λ/2)‖θ − θ̂‖²} is what makes it the ground
         * truth of <em>that</em> estimate.
         */
        public Builder damping(double lambda) {
            if (!(lambda >= 0) || Double.isInfinite(lambda)) {
                throw new IllegalArgumentException("damping (" + lambda + ") must be finite and >= 0: pass the damping "
                        + "λ of the influence estimate being checked (InfluenceEstimator.withDamping), 0 for none");
            }
            this.damping = lambda;
            return this;
        }

        /**
         * Stop a solve when {@code ‖∇P(θ)‖ ≤ relativeTolerance · ‖∇P(θ̂)‖}; in {@code (0, 1)}, default
         * {@value ProximalBregmanRetrainer#DEFAULT_RELATIVE_TOLERANCE} (see the class comment).
         */
        public Builder relativeTolerance(double value) {
            if (!(value > 0 && value < 1)) {
                throw new IllegalArgumentException("relativeTolerance (" + value + ") must be in (0, 1), e.g. "
                        + DEFAULT_RELATIVE_TOLERANCE + ": a solve stops when ‖∇P(θ)‖ ≤ relativeTolerance·‖∇P(θ̂)‖");
            }
            this.relativeTolerance = value;
            return this;
        }

        /**
         * L-BFGS iterations per solve, {@code ≥ 1}; default
         * {@value ProximalBregmanRetrainer#DEFAULT_MAX_ITERATIONS}.
         */
        public Builder maxIterations(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("maxIterations (" + value + ") must be >= 1, e.g. "
                        + DEFAULT_MAX_ITERATIONS);
            }
            this.maxIterations = value;
            return this;
        }

        /** Threads that {@link ProximalBregmanRetrainer#prefetch} solves on, {@code ≥ 1}; default 1. */
        public Builder threads(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("threads (" + value + ") must be >= 1; use 1 to solve on the "
                        + "calling thread");
            }
            this.threads = value;
            return this;
        }

        /** Progress of {@link ProximalBregmanRetrainer#prefetch}; default {@link Listener#NONE}. */
        public Builder listener(Listener value) {
            this.listener = Objects.requireNonNull(value, "listener");
            return this;
        }

        /**
         * Checks the model's capabilities and computes the soft targets and {@code g₀} (one pass over the training
         * data).
         *
         * @throws IllegalArgumentException if the damping was not set, the model offers no Bregman targets or cannot
         *                                  be evaluated at other parameters (naming the model and the remedy), or the
         *                                  training data does not fit the model
         */
        public ProximalBregmanRetrainer build() {
            if (damping == null) {
                throw new IllegalArgumentException("damping was not set: call damping(λ) with the damping of the "
                        + "influence estimate being checked (InfluenceEstimator.withDamping), 0 for none");
            }
            Optional<DataSet> soft;
            try {
                soft = model.bregmanTargets(train);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("train does not fit the model " + model.describe() + ": "
                        + e.getMessage(), e);
            }
            if (soft.isEmpty()) {
                throw new IllegalArgumentException("model " + model.describe() + " offers no Bregman targets "
                        + "(InfluenceModel.bregmanTargets is empty: its output activation and loss are not a "
                        + "canonical-link pair, or the model does not implement the capability); the proximal Bregman "
                        + "response function needs them: use softmax + cross-entropy, sigmoid + binary cross-entropy "
                        + "or identity + squared error, or a retraining ground truth (a Retrainer that retrains)");
            }
            Optional<InfluenceModel> atStart = model.withParameters(model.parameters());
            if (atStart.isEmpty()) {
                throw new IllegalArgumentException("model " + model.describe() + " cannot be evaluated at other "
                        + "parameters (InfluenceModel.withParameters is empty); the proximal Bregman response function "
                        + "re-optimises its objective: implement withParameters, or use a retraining ground truth "
                        + "(a Retrainer that retrains)");
            }
            return new ProximalBregmanRetrainer(this, soft.get(), atStart.get());
        }
    }

    // ----------------------------------------------------------------------------------------------- Retrainer

    /**
     * {@inheritDoc}
     *
     * <p>The mean loss with the test point's own labels at {@code θ_R} ({@link #parametersWithout}); with nothing
     * removed, at θ̂ itself. Solves {@code P} for {@code removed} unless cached. Nothing passed is modified.
     *
     * @throws IllegalArgumentException if {@code removed} has an index out of range or repeated, or the test point
     *                                  does not fit the model (checked before any solve)
     */
    @Override
    public double testLossWithout(int[] removed, DataSet testPoint) {
        List<Integer> k = Arguments.removalSet(removed, n);
        double atStart = lossAtStart(testPoint); // checks the test point before any solve
        if (k.isEmpty()) {
            return atStart;
        }
        INDArray theta = solved(k).theta();
        return model.withParameters(theta).orElseThrow().losses(testPoint).meanNumber().doubleValue();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Solves every removal set not yet cached on the builder's number of threads (each solve on its own thread,
     * its own models), reporting each finished solve to the listener; logs one WARN if any of them missed the
     * tolerance.
     *
     * @throws IllegalArgumentException   if a removal set has an index out of range or repeated (checked before any
     *                                    solve)
     * @throws CancellationException      if the calling thread is interrupted (the solves finished so far stay
     *                                    cached)
     */
    @Override
    public void prefetch(Collection<int[]> removals) {
        Objects.requireNonNull(removals, "removals");
        Set<List<Integer>> todo = new LinkedHashSet<>();
        for (int[] r : removals) {
            List<Integer> k = Arguments.removalSet(r, n);
            if (!k.isEmpty() && !stats.containsKey(k)) {
                todo.add(k);
            }
        }
        if (todo.isEmpty()) {
            return;
        }
        int done = 0;
        long unconvergedBefore = unconvergedSolves();
        if (threads <= 1 || todo.size() == 1) {
            for (List<Integer> k : todo) {
                listener.onSolved(solved(k).solve(), ++done, todo.size());
            }
        } else {
            ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, todo.size()), r -> {
                Thread t = new Thread(r, "pbrf-solve");
                t.setDaemon(true);
                return t;
            });
            try {
                List<Future<Solved>> futures = new ArrayList<>();
                for (List<Integer> k : todo) {
                    futures.add(pool.submit(() -> solved(k)));
                }
                for (Future<Solved> f : futures) {
                    listener.onSolved(f.get().solve(), ++done, todo.size());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                CancellationException c = new CancellationException("interrupted while solving the proximal Bregman "
                        + "response function; the solves finished so far stay cached");
                c.initCause(e);
                throw c;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new IllegalStateException("PBRF solve failed: " + e.getCause(), e.getCause());
            } finally {
                pool.shutdownNow();
            }
        }
        long missed = unconvergedSolves() - unconvergedBefore;
        if (missed > 0) {
            LOG.warn("{} of {} PBRF solves of this prefetch missed the relative tolerance {} within {} iterations "
                    + "(see solves()); increase maxIterations or relativeTolerance", missed, todo.size(),
                    relativeTolerance, maxIterations);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code ‖θ_R − θ̂‖₂}: the baseline (nothing removed) is θ̂ itself. Solves unless cached.
     */
    @Override
    public double parameterDistance(int[] removed) {
        List<Integer> k = Arguments.removalSet(removed, n);
        return k.isEmpty() ? 0.0 : solved(k).solve().parameterDistance();
    }

    // ----------------------------------------------------------------------------------------------- results

    /**
     * {@code θ_R}, the minimiser of {@code P} for {@code removed} (θ̂ for the empty set), in the model's parameter
     * layout. Solves unless cached.
     *
     * @param removed distinct training indices in range; not modified
     * @return a fresh rank-1 DOUBLE array
     */
    public INDArray parametersWithout(int[] removed) {
        List<Integer> k = Arguments.removalSet(removed, n);
        return k.isEmpty() ? Nd4j.createFromArray(theta0.clone()) : solved(k).theta().dup();
    }

    /**
     * The diagnostics of the solve for {@code removed} (a trivial one, 0 iterations, for the empty set). Solves
     * unless cached.
     *
     * @param removed distinct training indices in range; not modified
     */
    public Solve solve(int[] removed) {
        List<Integer> k = Arguments.removalSet(removed, n);
        return k.isEmpty() ? new Solve(new int[0], 0, 0, 0, 0, true, 0, 0) : solved(k).solve();
    }

    /** Diagnostics of every solve done so far (order unspecified). */
    public List<Solve> solves() {
        return List.copyOf(stats.values());
    }

    /** How many solves so far missed the tolerance (their last iterate is used). */
    public long unconvergedSolves() {
        return stats.values().stream().filter(s -> !s.converged()).count();
    }

    /** The largest {@link Solve#relativeGradientNorm()} over the solves so far (NaN if none). */
    public double maxRelativeGradientNorm() {
        return stats.values().stream().mapToDouble(Solve::relativeGradientNorm).max().orElse(Double.NaN);
    }

    /** The damping λ of the proximity term. */
    public double damping() {
        return damping;
    }

    /** The relative gradient tolerance of each solve. */
    public double relativeTolerance() {
        return relativeTolerance;
    }

    /** The iteration cap of each solve. */
    public int maxIterations() {
        return maxIterations;
    }

    /** The model θ̂. */
    public InfluenceModel model() {
        return model;
    }

    @Override
    public String toString() {
        return "ProximalBregmanRetrainer[" + model.describe() + ", n=" + n + ", damping=" + damping
                + ", relativeTolerance=" + relativeTolerance + ", maxIterations=" + maxIterations + ", threads="
                + threads + "]";
    }

    // ----------------------------------------------------------------------------------------------- the solve

    /** A finished solve: {@code θ_R} and its diagnostics. */
    private record Solved(INDArray theta, Solve solve) {
    }

    private Solved solved(List<Integer> k) {
        return Memo.get(cache, k, () -> solveNow(k));
    }

    private Solved solveNow(List<Integer> k) {
        long t0 = System.nanoTime();
        int[] removed = k.stream().mapToInt(Integer::intValue).toArray();
        ProximalObjective p = objective(removed);
        double[] g = new double[theta0.length];
        double f = p.evaluate(theta0, g);
        double initial = norm(g);
        Lbfgs.Result r = initial == 0 ? null
                : Lbfgs.minimize(p.reusingStart(f, g), theta0, relativeTolerance * initial, maxIterations,
                new Lbfgs.Options(MEMORY, MAX_BACKTRACKS, true), (it, value, gn) -> {
                    if (Thread.currentThread().isInterrupted()) {
                        throw new CancellationException("PBRF solve interrupted after " + it + " iterations");
                    }
                });
        double[] theta = r == null ? theta0.clone() : r.x();
        double distance = 0;
        for (int i = 0; i < theta.length; i++) {
            distance += (theta[i] - theta0[i]) * (theta[i] - theta0[i]);
        }
        Solve s = new Solve(removed, r == null ? 0 : r.iterations(), r == null ? 1 : r.evaluations(), initial,
                r == null ? 0 : r.gradientNorm(), r == null || r.converged(), Math.sqrt(distance),
                (System.nanoTime() - t0) / 1e9);
        stats.put(k, s);
        if (!s.converged()) {
            if (warned.compareAndSet(false, true)) {
                LOG.warn("PBRF solve missed the relative tolerance {} ({}): {}; its last iterate is used (see solves(), "
                        + "unconvergedSolves()); increase maxIterations or relativeTolerance; further misses are "
                        + "logged at DEBUG", relativeTolerance, r.stop(), s);
            } else {
                LOG.debug("PBRF solve missed the relative tolerance ({}): {}", r.stop(), s);
            }
        } else {
            LOG.debug("PBRF {}", s);
        }
        return new Solved(Nd4j.createFromArray(theta), s);
    }

    /**
     * {@code P} and {@code ∇P} for removing {@code removed} (sorted, distinct, in range, not empty), up to the
     * constant {@code R_soft(θ̂)}. Package-private for tests.
     */
    ProximalObjective objective(int[] removed) {
        return new ProximalObjective(DataSets.subset(train, removed), removed.length / (double) n);
    }

    /** {@code P(θ) − R_soft(θ̂)} and its gradient; see the class comment. */
    final class ProximalObjective implements Lbfgs.Objective {
        private final DataSet removedData;
        private final double weight; // r/n: (1/n)Σ_R ℓ_m = (r/n)·mean_R ℓ_m

        ProximalObjective(DataSet removedData, double weight) {
            this.removedData = removedData;
            this.weight = weight;
        }

        @Override
        public double evaluate(double[] theta, double[] gradient) {
            InfluenceModel m = model.withParameters(Nd4j.createFromArray(theta)).orElseThrow();
            double f = m.objective(soft) - softAtStart
                    - weight * m.losses(removedData).meanNumber().doubleValue();
            double[] gs = m.objectiveGradient(soft).toDoubleVector();
            double[] gr = m.meanLossGradient(removedData).toDoubleVector();
            double linear = 0;
            double proximal = 0;
            for (int i = 0; i < theta.length; i++) {
                double dx = theta[i] - theta0[i];
                linear += g0[i] * dx;
                proximal += dx * dx;
                // ∇P = ∇R_soft(θ) − g₀ − (r/n)∇mean_R ℓ + λ(θ − θ̂)
                gradient[i] = gs[i] - g0[i] - weight * gr[i] + damping * dx;
            }
            return f - linear + 0.5 * damping * proximal;
        }

        /**
         * This objective, answering its first call, at θ̂, with the value and gradient already computed there (the
         * solve needs {@code ‖∇P(θ̂)‖} for its tolerance before L-BFGS starts).
         */
        Lbfgs.Objective reusingStart(double value, double[] atStart) {
            boolean[] first = {true};
            double[] start = atStart.clone();
            return (theta, gradient) -> {
                if (first[0] && Arrays.equals(theta, theta0)) {
                    first[0] = false;
                    System.arraycopy(start, 0, gradient, 0, start.length);
                    return value;
                }
                first[0] = false;
                return evaluate(theta, gradient);
            };
        }
    }

    // ----------------------------------------------------------------------------------------------- checks

    /** The mean test loss at θ̂; an IAE naming the test point if it does not fit the model. */
    private double lossAtStart(DataSet testPoint) {
        Arguments.checkDataSet("testPoint", testPoint);
        try {
            return model.losses(testPoint).meanNumber().doubleValue();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("testPoint does not fit the model " + model.describe() + ": "
                    + e.getMessage() + "; pass test examples shaped like the training data", e);
        }
    }

    private static double norm(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v * v;
        }
        return Math.sqrt(s);
    }
}
