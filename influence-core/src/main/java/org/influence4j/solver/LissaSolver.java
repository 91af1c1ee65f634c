package org.influence4j.solver;

import java.util.Objects;
import java.util.SplittableRandom;

import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.hvp.MiniBatchHessianVectorProduct;
import org.influence4j.internal.Arguments;
import org.influence4j.internal.PowerIteration;
import org.influence4j.internal.Vectors;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LiSSA, the stochastic Neumann-series estimator of {@code A⁻¹b} of Agarwal, Bullins &amp; Hazan (2017),
 * <i>Second-Order Stochastic Optimization for Machine Learning in Linear Time</i>, as used for influence
 * functions by Koh &amp; Liang (2017), <i>Understanding Black-box Predictions via Influence Functions</i>.
 *
 * <h2>Algorithm</h2>
 * The operator passed in is {@code A = H + λI} (already damped, e.g. {@code hessian.damped(λ)}), with a
 * <em>true</em> damping λ. With a scale {@code s > 0}:
 * <pre>
 *   h₀ = b;   hₜ = b + hₜ₋₁ − Aₜ hₜ₋₁ / s   (t = 1 … depth);   x = h_T / s
 * </pre>
 * where {@code Aₜ = A_{Bₜ}} is the damped Hessian of a fresh random mini-batch when {@code A} is a
 * {@link MiniBatchHessianVectorProduct} ({@code E[A_B] = A}), and {@code A} itself otherwise
 * (deterministic, full batch). Unrolled, {@code hₜ/s = (1/s) Σₖ (I − A/s)ᵏ b → A⁻¹b}: a Neumann series that
 * converges iff every eigenvalue μ of {@code A} satisfies {@code 0 < μ < 2s}, at rate
 * {@code max|1 − μ/s|} per step. Koh &amp; Liang's code writes the step as {@code b + (1 − d)hₜ₋₁ − H_B hₜ₋₁/s},
 * i.e. a hidden damping {@code λ = d·s}; here λ is explicit and scale-independent. The estimates of
 * {@link #withRepeats(int) repeats} independent runs are averaged.
 *
 * <h2>Scale</h2>
 * Unless set with {@link #withScale(double)}, the scale is {@code safety × ρ̂}, where {@code ρ̂} estimates
 * the spectral radius of {@code A} (its largest eigenvalue when {@code A} is positive definite) by up to
 * {@value #POWER_ITERATIONS} power iterations on the full operator ({@code apply}), started from a seeded
 * Gaussian vector and stopped early when the estimate changes by less than 1e-3 relative. Power iteration
 * approaches λmax from below; contraction needs {@code s > λmax/2}, so any safety ≥ 1 gives a margin of 2×
 * for the deterministic operator. Mini-batch Hessians have larger extreme eigenvalues than the full one,
 * hence a larger default safety there. Defaults: {@value #DEFAULT_SAFETY} (deterministic),
 * {@value #DEFAULT_MINI_BATCH_SAFETY} (mini-batch). Larger scales are safer but converge more slowly.
 *
 * <h2>Depth</h2>
 * Each step multiplies the residual along an eigenvector of {@code A} with eigenvalue μ by {@code 1 − μ/s}. When
 * {@code H} is positive semi-definite its flattest directions have {@code μ ≈ λ} (exactly λ where {@code H} is
 * singular, as along a softmax output's biases), so meeting a tolerance {@code tol} can take
 * <pre>
 *   depth ≈ (s/λ)·ln(1/tol)          e.g. λmax = 20, s = 2·λmax = 40, λ = 0.01, tol = 1e-8:  ≈ 74,000 steps
 * </pre>
 * The default depth ({@value #DEFAULT_DEPTH}) is enough only when {@code s/λ} is below about 50: with a small
 * damping, raise the depth or the damping, or use conjugate gradient, whose iteration count grows with
 * {@code √(s/λ)} instead. A result that stops at its depth says which it needed:
 * {@link SolverDiagnostics.Lissa#depthForTolerance(double)}, and the message of {@link SolverResult#failure(double)}
 * (which {@code InfluenceEstimator} logs or throws). With mini-batches the sampling noise adds a floor that no depth
 * removes.
 *
 * <h2>Stopping criterion</h2>
 * Each repeat stops early when the relative change {@code ‖hₜ − hₜ₋₁‖/‖hₜ‖ ≤ tolerance}
 * ({@link #withTolerance(double)}, default {@value #DEFAULT_TOLERANCE}; 0 disables early stopping), else at
 * {@link #withDepth(int) depth} (default {@value #DEFAULT_DEPTH}). The result is {@code converged} only if
 * every repeat met the tolerance ({@link StopReason#CONVERGED}), otherwise it is flagged with
 * {@link StopReason#MAX_ITERATIONS}. With mini-batches the change never vanishes (sampling noise), so a
 * run to full depth is normal: judge it by the true residual. The true residual
 * {@code ‖b − Ax‖} is recomputed with one product of the <em>full</em> operator, not counted.
 *
 * <h2>Cost</h2>
 * One HVP (of a mini-batch, or of the full operator) per step, {@code depth × repeats} at most, plus the
 * power iterations when the scale is estimated. {@link SolverResult#iterations()} counts all of them
 * (power iterations included), not the final residual. With a deterministic operator every repeat would be
 * identical, so only one is run.
 *
 * <h2>Memory</h2>
 * Two vectors of length {@code p} per repeat, updated in place, whatever the depth. Every product the operator
 * returns is closed as soon as it is used (the {@link HessianVectorProduct} contract gives it to the caller), and a
 * mini-batch is drawn and used in one {@link MiniBatchHessianVectorProduct#applySampled} call, which lets the
 * operator release the batch at once: ND4J keeps array memory off the Java heap, where a rarely collected heap would
 * otherwise leave it for thousands of steps.
 *
 * <h2>Divergence and non-finite values</h2>
 * When every step operator {@code I − Aₜ/s} is a contraction, {@code ‖hₜ‖ ≤ (t+1)‖b‖}. As soon as
 * {@code ‖hₜ‖ > }{@value #GROWTH_BOUND}{@code ·(t+1)·‖b‖} or {@code hₜ} is non-finite, the recursion stops and
 * the result is flagged {@link StopReason#DIVERGED}, holding the last iterate within the bound. One more product
 * classifies the growing direction {@code Δ = hₜ − hₜ₋₁} by its Rayleigh quotient μ
 * ({@link SolverDiagnostics.Lissa#divergenceCurvature()}): negative when {@code A} has a negative eigenvalue — the
 * series then diverges for every scale and only more damping helps — and above {@code 2s} when the scale is too
 * small. Slow growth from a tiny negative eigenvalue may stay under the bound until {@code depth}; the result is
 * then flagged {@link StopReason#MAX_ITERATIONS} and its true residual is large. The solver reports and does not
 * judge: {@link SolverResult#failure(double)} gives the matching exception ({@link DivergenceException} says
 * whether to increase the scale or the damping), which {@code InfluenceEstimator} throws in strict mode. The
 * thread's interrupt is checked before every HVP ({@link java.util.concurrent.CancellationException}).
 *
 * <h2>Randomness and thread safety</h2>
 * All randomness (power-iteration start, mini-batches) comes from {@link #withSeed(long) the seed}
 * (default {@value #DEFAULT_SEED}), echoed in {@link SolverDiagnostics.Lissa}: equal seeds give identical
 * results. Immutable and stateless; thread-safe if the operator is.
 */
public final class LissaSolver implements IHVPSolver {

    /** Default recursion depth per repeat. */
    public static final int DEFAULT_DEPTH = 1000;
    /** Default relative-change tolerance. */
    public static final double DEFAULT_TOLERANCE = 1e-8;
    /** Default mini-batch size when prepared for a curvature. */
    public static final int DEFAULT_BATCH_SIZE = 128;
    /** Default seed. */
    public static final long DEFAULT_SEED = 42L;
    /** Default safety factor on the estimated λmax for a deterministic operator. */
    public static final double DEFAULT_SAFETY = 1.25;
    /** Default safety factor on the estimated λmax for a mini-batch operator. */
    public static final double DEFAULT_MINI_BATCH_SAFETY = 2.0;
    /** Maximum number of power iterations used to estimate λmax. */
    public static final int POWER_ITERATIONS = 30;
    /** Divergence is declared when {@code ‖hₜ‖} exceeds this many times the contraction bound {@code (t+1)‖b‖}. */
    public static final double GROWTH_BOUND = 10.0;

    private static final Logger LOG = LoggerFactory.getLogger(LissaSolver.class);

    private final double scale; // NaN: estimate
    private final double safety; // NaN: default by operator kind
    private final int depth;
    private final int repeats;
    private final long seed;
    private final double tolerance;
    private final IterationListener listener;
    private final int batchSize;

    private LissaSolver(double scale, double safety, int depth, int repeats, long seed, double tolerance,
                        IterationListener listener, int batchSize) {
        this.scale = scale;
        this.safety = safety;
        this.depth = depth;
        this.repeats = repeats;
        this.seed = seed;
        this.tolerance = tolerance;
        this.listener = listener;
        this.batchSize = batchSize;
    }

    static LissaSolver defaults() {
        return new LissaSolver(Double.NaN, Double.NaN, DEFAULT_DEPTH, 1, DEFAULT_SEED, DEFAULT_TOLERANCE,
                IterationListener.NONE, DEFAULT_BATCH_SIZE);
    }

    /**
     * Returns a copy with a fixed scale {@code s} (default: estimated, see the class comment). The recursion
     * contracts only if {@code s > λmax(A)/2}, for every sampled batch.
     *
     * @param scale finite, {@code > 0}
     */
    public LissaSolver withScale(double scale) {
        return new LissaSolver(Arguments.checkPositive("scale", scale), safety, depth, repeats, seed, tolerance,
                listener, batchSize);
    }

    /** Returns a copy that estimates the scale by power iteration (the default). */
    public LissaSolver withEstimatedScale() {
        return new LissaSolver(Double.NaN, safety, depth, repeats, seed, tolerance, listener, batchSize);
    }

    /**
     * Returns a copy whose estimated scale is {@code safety × λ̂max} (defaults {@value #DEFAULT_SAFETY},
     * or {@value #DEFAULT_MINI_BATCH_SAFETY} for mini-batch operators). Ignored when a scale is set.
     *
     * @param safety finite, {@code ≥ 1}
     */
    public LissaSolver withScaleSafety(double safety) {
        if (!(safety >= 1) || Double.isInfinite(safety)) {
            throw new IllegalArgumentException("safety (" + safety + ") must be finite and >= 1");
        }
        return new LissaSolver(scale, safety, depth, repeats, seed, tolerance, listener, batchSize);
    }

    /**
     * Returns a copy with recursion depth {@code depth} per repeat (default {@value #DEFAULT_DEPTH}). The
     * error of a deterministic run shrinks like {@code (1 − μmin/s)^depth} with {@code μmin ≥ λ}: a tolerance
     * {@code tol} can take {@code (s/λ)·ln(1/tol)} steps (see the class comment), e.g. 74,000 for
     * {@code s = 40, λ = 0.01}.
     *
     * @param depth {@code ≥ 1}
     */
    public LissaSolver withDepth(int depth) {
        return new LissaSolver(scale, safety, Arguments.checkPositive("depth", depth), repeats, seed, tolerance,
                listener, batchSize);
    }

    /**
     * Returns a copy averaging {@code repeats} independent runs (default 1); only useful with a mini-batch
     * operator, where it reduces the variance.
     *
     * @param repeats {@code ≥ 1}
     */
    public LissaSolver withRepeats(int repeats) {
        return new LissaSolver(scale, safety, depth, Arguments.checkPositive("repeats", repeats), seed, tolerance,
                listener, batchSize);
    }

    /** Returns a copy with random seed {@code seed} (default {@value #DEFAULT_SEED}). */
    public LissaSolver withSeed(long seed) {
        return new LissaSolver(scale, safety, depth, repeats, seed, tolerance, listener, batchSize);
    }

    /**
     * Returns a copy with relative-change tolerance {@code ‖hₜ − hₜ₋₁‖/‖hₜ‖} (default
     * {@value #DEFAULT_TOLERANCE}); 0 runs every repeat to full depth.
     *
     * @param tolerance finite, {@code ≥ 0}
     */
    public LissaSolver withTolerance(double tolerance) {
        return new LissaSolver(scale, safety, depth, repeats, seed, Arguments.checkNonNegative("tolerance", tolerance),
                listener, batchSize);
    }

    /**
     * Returns a copy that reports every step to {@code listener}; the measure is the relative change.
     *
     * @param listener called on the solving thread; must be cheap and must not throw
     */
    public LissaSolver withListener(IterationListener listener) {
        return new LissaSolver(scale, safety, depth, repeats, seed, tolerance,
                Objects.requireNonNull(listener, "listener"), batchSize);
    }


    /**
     * Returns a copy that samples mini-batches of {@code batchSize} examples when {@link #prepare prepared} for a
     * curvature (default {@value #DEFAULT_BATCH_SIZE}); a batch at least as large as the training data gives
     * deterministic, full-batch LiSSA. Not used by {@link #solve}, whose operator decides.
     *
     * @param batchSize {@code ≥ 1}
     */
    public LissaSolver withBatchSize(int batchSize) {
        return new LissaSolver(scale, safety, depth, repeats, seed, tolerance, listener,
                Arguments.checkPositive("batchSize", batchSize));
    }

    /** The mini-batch size used when prepared for a curvature. */
    public int batchSize() {
        return batchSize;
    }

    /**
     * Prepares LiSSA on the curvature's mini-batch Hessians of {@link #batchSize()} examples, damped by λ: each
     * solve runs the recursion on {@code curvature.miniBatches(batchSize).damped(λ)}.
     */
    @Override
    public InverseHvp prepare(Curvature curvature, double damping) {
        Objects.requireNonNull(curvature, "curvature");
        Arguments.checkNonNegative("damping", damping);
        return new OperatorInverse(this, curvature.miniBatches(batchSize).damped(damping), damping);
    }

    /** The seed. */
    public long seed() {
        return seed;
    }

    /** The recursion depth per repeat. */
    public int depth() {
        return depth;
    }

    /** The number of repeats. */
    public int repeats() {
        return repeats;
    }

    /**
     * Estimates {@code A⁻¹b} with the LiSSA recursion; see the class comment.
     *
     * @param h the damped operator {@code A = H + λI}; a {@link MiniBatchHessianVectorProduct} is sampled,
     *          any other operator is used deterministically
     * @param b right-hand side of length {@code h.dimension()}, finite, floating point; not modified
     * @return a fresh DOUBLE solution with true (full-operator) residual and {@link SolverDiagnostics.Lissa}
     * @return a flagged result ({@link StopReason#DIVERGED}) when the recursion grows beyond the contraction bound
     *         or turns non-finite, or ({@link StopReason#MAX_ITERATIONS}) when a repeat misses the tolerance
     * @throws IllegalArgumentException if {@code b} does not fit
     * @throws java.util.concurrent.CancellationException if the thread is interrupted
     */
    @Override
    public SolverResult solve(HessianVectorProduct h, INDArray b) {
        long start = System.nanoTime();
        INDArray rhs = Solves.checkedRightHandSide(h, b);
        long p = h.dimension();
        MiniBatchHessianVectorProduct miniBatch = h instanceof MiniBatchHessianVectorProduct mb ? mb : null;
        int sampled = miniBatch == null ? 0 : miniBatch.batchSize();
        int runs = miniBatch == null ? 1 : repeats;
        double bNorm = Vectors.norm2(rhs);
        if (bNorm == 0) {
            return Solves.zeroResult(p, start, new SolverDiagnostics.Lissa(scale, Double.isNaN(scale), Double.NaN,
                    depth, runs, batchSize, seed, 0, tolerance, Double.NaN));
        }
        SplittableRandom rng = new SplittableRandom(seed);
        int hvps = 0;
        double s = scale;
        double lambdaMax = Double.NaN;
        if (Double.isNaN(s)) {
            // spectral radius estimate ‖Av‖ from below, stopped when it changes by < 1e-3 relative
            PowerIteration.Estimate est = PowerIteration.run(h, 0, POWER_ITERATIONS, 1e-3, rng.split());
            hvps += est.products();
            lambdaMax = est.norm();
            if (!Double.isFinite(lambdaMax)) {
                throw new NumericalException("LiSSA: the operator returned a non-finite product while estimating "
                        + "its largest eigenvalue; check " + h);
            }
            double f = Double.isNaN(safety)
                    ? (miniBatch == null ? DEFAULT_SAFETY : DEFAULT_MINI_BATCH_SAFETY) : safety;
            s = f * lambdaMax;
            if (!(s > 0) || Double.isInfinite(s)) {
                // no positive scale exists: the operator is zero or not finite; report as divergence
                return new SolverResult(Vectors.zeros(p), hvps, bNorm, bNorm, false, StopReason.DIVERGED,
                        Solves.elapsedSince(start), new SolverDiagnostics.Lissa(s, true, lambdaMax, depth, runs,
                        sampled, seed, 0, tolerance, lambdaMax));
            }
        }
        INDArray sum = Vectors.zeros(p);
        INDArray[] estimates = new INDArray[runs];
        boolean allConverged = true;
        double divergence = Double.NaN;
        boolean diverged = false;
        int done = 0;
        for (int repeat = 0; repeat < runs; repeat++) {
            Recursion run = recursion(h, miniBatch, rhs, bNorm, s, rng.split(), repeat, hvps);
            hvps += run.steps;
            if (run.diverged) {
                diverged = true;
                divergence = run.curvature;
                hvps++; // the product that measured the growing direction
                estimates[repeat] = run.h.divi(s);
                sum.addi(estimates[repeat]);
                done = repeat + 1;
                allConverged = false;
                break;
            }
            done = repeat + 1;
            allConverged &= run.converged;
            estimates[repeat] = run.h.divi(s); // x_r = h_T / s
            sum.addi(estimates[repeat]);
        }
        INDArray x = sum.divi(done);
        double spread = spread(java.util.Arrays.copyOf(estimates, done), x);
        for (int r = 0; r < done; r++) {
            estimates[r].close(); // summed into x
        }
        double residual = Solves.trueResidualNorm(h, rhs, x); // full operator, not counted
        rhs.close(); // this solve's copy of b
        StopReason stop = diverged ? StopReason.DIVERGED
                : allConverged ? StopReason.CONVERGED : StopReason.MAX_ITERATIONS;
        SolverResult result = new SolverResult(x, hvps,
                residual, bNorm, !diverged && allConverged, stop, Solves.elapsedSince(start),
                new SolverDiagnostics.Lissa(s, Double.isNaN(scale), lambdaMax, depth, runs, sampled, seed, spread,
                        tolerance, divergence));
        LOG.debug("lissa: {}", result);
        return result;
    }

    /**
     * Outcome of one repeat: the final hₜ (not yet divided by s; on divergence the last iterate within the bound),
     * steps taken, tolerance met, divergence and the curvature of the growing direction.
     */
    private record Recursion(INDArray h, int steps, boolean converged, boolean diverged, double curvature) {
    }

    /**
     * One repeat of the recursion. Its memory does not grow with the depth: {@code h} and {@code Δ} are two buffers
     * updated in place, and each step's product {@code Aₜhₜ₋₁} (fresh, owned here) is closed as soon as it is used,
     * so that its off-heap memory is freed at once rather than when the garbage collector gets to its wrapper — with
     * a large heap and an operator that allocates little on it, that can be thousands of steps later. A mini-batch
     * operator draws and uses each batch in one {@link MiniBatchHessianVectorProduct#applySampled} call, which lets it
     * drop the batch's memory too.
     */
    private Recursion recursion(HessianVectorProduct op, MiniBatchHessianVectorProduct miniBatch, INDArray b,
                                double bNorm, double s, SplittableRandom rng, int repeat, int hvpsBefore) {
        INDArray h = b.dup(); // h₀ = b
        INDArray change = b.ulike();
        try {
            for (int t = 1; t <= depth; t++) {
                Solves.checkInterrupt("LiSSA", hvpsBefore + t - 1);
                INDArray product = miniBatch == null ? op.apply(h) : miniBatch.applySampled(rng, h); // Aₜhₜ₋₁
                // Δ = hₜ − hₜ₋₁ = b − Aₜhₜ₋₁/s
                change.assign(b).subi(product.divi(s));
                product.close();
                h.addi(change);
                double hNorm = Vectors.norm2(h);
                double changeNorm = Vectors.norm2(change);
                if (!Double.isFinite(hNorm) || hNorm > GROWTH_BOUND * (t + 1) * bNorm) {
                    // back to the last iterate within the bound (h₀ = b if even that is lost to overflow)
                    h.subi(change);
                    if (!Double.isFinite(Vectors.norm2(h))) {
                        h.close();
                        h = b.dup();
                    }
                    // one more product classifies the growing direction Δ by its Rayleigh quotient μ:
                    // negative ⇒ A is indefinite, > 2s ⇒ the scale is too small
                    double mu = Double.NaN;
                    if (Double.isFinite(changeNorm) && changeNorm > 0) {
                        INDArray ac = op.apply(change);
                        mu = Vectors.dot(change, ac) / Vectors.dot(change, change);
                        ac.close();
                    }
                    LOG.debug("lissa: diverged at step {} of repeat {}: ‖h‖ = {} > {}·(t+1)·‖b‖, scale {}, "
                            + "curvature {}", t, repeat, hNorm, GROWTH_BOUND, s, mu);
                    return new Recursion(h, t, false, true, mu);
                }
                double relativeChange = changeNorm / hNorm;
                IterationListener.Event event = new IterationListener.Event("lissa", t, repeat, relativeChange);
                listener.onIteration(event);
                SolveMonitor.iteration(event);
                if (LOG.isTraceEnabled()) {
                    LOG.trace("lissa: repeat {} step {} relative change {}", repeat, t, relativeChange);
                }
                if (relativeChange <= tolerance) {
                    return new Recursion(h, t, true, false, Double.NaN);
                }
            }
            return new Recursion(h, depth, false, false, Double.NaN);
        } finally {
            change.close();
        }
    }

    /** Mean relative distance {@code ‖x_r − x̄‖/‖x̄‖} of the repeats from their average. */
    private static double spread(INDArray[] estimates, INDArray mean) {
        if (estimates.length < 2) {
            return 0;
        }
        double meanNorm = Vectors.norm2(mean);
        double total = 0;
        for (INDArray e : estimates) {
            INDArray d = e.sub(mean);
            total += Vectors.norm2(d);
            d.close();
        }
        return meanNorm == 0 ? 0 : total / estimates.length / meanNorm;
    }

    @Override
    public String toString() {
        return "LissaSolver[scale=" + (Double.isNaN(scale) ? "estimated(safety=" + (Double.isNaN(safety)
                ? DEFAULT_SAFETY + " full / " + DEFAULT_MINI_BATCH_SAFETY + " mini-batch" : safety) + ")" : scale)
                + ", depth=" + depth + ", repeats=" + repeats + ", seed=" + seed + ", tolerance=" + tolerance
                + ", batchSize=" + batchSize + "]";
    }
}
