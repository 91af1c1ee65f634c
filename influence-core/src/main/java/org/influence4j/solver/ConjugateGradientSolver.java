package org.influence4j.solver;

import java.util.Arrays;
import java.util.Objects;

import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.internal.Arguments;
import org.influence4j.internal.Vectors;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Conjugate gradient (CG) for {@code Hx = b} with a symmetric positive-definite operator {@code H}, usually
 * a damped Hessian {@code H + λI}; optionally with a Jacobi (diagonal) preconditioner {@code M = diag(d)}.
 *
 * <h2>Algorithm</h2>
 * Preconditioned CG as in Barrett et al. (1994), <i>Templates for the Solution of Linear Systems</i>,
 * §2.3.1, from {@code x₀} (zero or {@link #withInitialGuess(INDArray) the initial guess}):
 * <pre>
 *   r₀ = b − Hx₀,  z₀ = M⁻¹r₀,  p₁ = z₀
 *   for k = 1, 2, …:  qₖ = H pₖ;  αₖ = rₖ₋₁ᵀzₖ₋₁ / pₖᵀqₖ;  xₖ = xₖ₋₁ + αₖpₖ;  rₖ = rₖ₋₁ − αₖqₖ
 *                     zₖ = M⁻¹rₖ;  βₖ = rₖᵀzₖ / rₖ₋₁ᵀzₖ₋₁;  pₖ₊₁ = zₖ + βₖpₖ
 * </pre>
 * In exact arithmetic CG solves an SPD system in at most {@code p} iterations; after {@code k} iterations
 * the {@code H}-norm error has shrunk by at least {@code 2((√κ − 1)/(√κ + 1))ᵏ}, {@code κ} the condition
 * number of the (preconditioned) operator.
 *
 * <h2>Stopping criterion and true residual</h2>
 * The iteration stops when the recurrence's relative residual {@code ‖rₖ‖/‖b‖ ≤ tolerance}
 * ({@link #withTolerance(double)}, default {@value #DEFAULT_TOLERANCE}). The solver then recomputes the
 * <em>true</em> residual {@code ‖b − Hx‖} with one extra product, because the recurrence drifts in floating
 * point. If the true residual misses the tolerance, the iteration restarts from it (residual replacement;
 * that check counts as an iteration); otherwise the check is the final residual and is <em>not</em>
 * counted. Other stops also end with one uncounted product for the reported true residual.
 *
 * <h2>Stopping honestly at the limits of floating point</h2>
 * Every {@value #CHECK_INTERVAL} iterations the true residual is recomputed (one counted HVP) and the best iterate
 * so far (by true residual, starting with {@code x₀}) is kept. The solve stops with {@link StopReason#STAGNATED} when
 * the true residual is at the attainable accuracy — at or below {@code c·√p·ε·(ρ_max‖x‖ + ‖b‖)}, the rounding level of
 * forming {@code b − Hx} (Barrett et al. 1994, §4.2; c = {@value #ATTAINABLE_ULPS}) — or has not decreased by 0.1 %
 * over {@value #STAGNATION_CHECKS} checks. Any stop other than convergence returns the best iterate, so an
 * unattainable tolerance never returns an iterate worse than one the solve held. A non-positive curvature is judged
 * against the operator's scale: only {@code pᵀHp/pᵀp < −ε·ρ_max} (ε = {@value #CURVATURE_EPSILON}) is
 * {@link StopReason#NON_POSITIVE_CURVATURE}; a value between that and zero is rounding and ends as
 * {@link StopReason#STAGNATED}. A non-finite α, β or norm ends the solve with {@link StopReason#BREAKDOWN} before a
 * non-finite vector reaches the operator.
 *
 * <h2>Cost</h2>
 * One HVP per iteration plus {@code O(p)} vector work; one more HVP for the final true residual, and one for
 * the initial residual when an initial guess is given (counted). {@link SolverResult#iterations()} counts
 * every product except the final check. Default iteration limit: {@code min(10·p, }{@value #MAX_ITERATIONS_CAP}{@code )}
 * (ten times the exact-arithmetic bound allows for rounding; the cap keeps large models from running for
 * days — set {@link #withMaxIterations(int)} explicitly for those).
 *
 * <h2>Preconditions and failures</h2>
 * {@code H} must be symmetric positive definite. CG detects a direction with non-positive curvature
 * {@code pᵀHp ≤ 0}, which proves {@code H} is not positive definite, stops there and returns the iterate
 * reached, flagged {@code converged = false} with {@link StopReason#NON_POSITIVE_CURVATURE}, the smallest
 * Rayleigh quotient {@code pᵀHp/pᵀp} in {@link SolverDiagnostics.Cg#minCurvature()} and the smallest Ritz value of
 * the Lanczos matrix CG built in {@link SolverDiagnostics.Cg#smallestEigenvalueEstimate()}. Reaching the
 * iteration limit returns the flagged iterate with {@link StopReason#MAX_ITERATIONS}. The solver reports and does
 * not judge: {@link SolverResult#failure(double)} gives the matching exception, which {@code InfluenceEstimator}
 * throws in strict mode and logs at WARN otherwise. Each solve logs one DEBUG summary line and one TRACE line per
 * iteration. A non-finite product from the operator throws {@link NumericalException}. The thread's interrupt is
 * checked before every HVP; an interrupted solve ends with a {@link java.util.concurrent.CancellationException}
 * (the interrupt flag stays set).
 *
 * <h2>Thread safety</h2>
 * Immutable and stateless: one instance may solve on many threads at once, provided the operator is
 * thread-safe. Every {@code withX} returns a new solver.
 */
public final class ConjugateGradientSolver implements IHVPSolver {

    /** Default relative-residual tolerance {@code ‖b − Hx‖/‖b‖}. */
    public static final double DEFAULT_TOLERANCE = 1e-8;
    /** Cap on the default iteration limit {@code 10·p}. */
    public static final int MAX_ITERATIONS_CAP = 10_000;
    /**
     * Relative size ε below which a non-positive Rayleigh quotient {@code pᵀHp/pᵀp ≤ 0} is rounding, not negative
     * curvature: only {@code pᵀHp/pᵀp < −ε·ρ_max} (ρ_max the largest Rayleigh quotient met, a lower bound on
     * {@code ‖H‖}) stops with {@link StopReason#NON_POSITIVE_CURVATURE}; closer to zero it is
     * {@link StopReason#STAGNATED}.
     */
    public static final double CURVATURE_EPSILON = 1e-10;
    /** Iterations between true-residual checks (each one counted HVP), which keep the best iterate. */
    public static final int CHECK_INTERVAL = 50;
    /** Checks without a 0.1 % decrease of the best true residual after which the solve has stagnated. */
    public static final int STAGNATION_CHECKS = 40;
    /**
     * The attainable accuracy: a true residual at or below {@code c·√p·ε·(ρ_max‖x‖ + ‖b‖)} (ε the unit roundoff,
     * ρ_max the largest Rayleigh quotient met, c = this constant) is at the rounding level of forming {@code b − Hx}
     * and cannot improve further; the solve stops there with {@link StopReason#STAGNATED}.
     */
    public static final double ATTAINABLE_ULPS = 10;

    private static final Logger LOG = LoggerFactory.getLogger(ConjugateGradientSolver.class);

    private final double tolerance;
    private final int maxIterations; // 0: default min(10p, cap)
    private final INDArray jacobiDiagonal; // DOUBLE copy, or null
    private final IterationListener listener;
    private final INDArray initialGuess; // DOUBLE copy, or null

    private ConjugateGradientSolver(double tolerance, int maxIterations, INDArray jacobiDiagonal,
                                    IterationListener listener, INDArray initialGuess) {
        this.tolerance = tolerance;
        this.maxIterations = maxIterations;
        this.jacobiDiagonal = jacobiDiagonal;
        this.listener = listener;
        this.initialGuess = initialGuess;
    }

    static ConjugateGradientSolver defaults() {
        return new ConjugateGradientSolver(DEFAULT_TOLERANCE, 0, null, IterationListener.NONE, null);
    }

    /**
     * Returns a copy with relative-residual tolerance {@code ‖b − Hx‖/‖b‖ ≤ tolerance}
     * (default {@value #DEFAULT_TOLERANCE}). Below about {@code 1e-16·κ} the tolerance is unattainable in
     * DOUBLE and the solve ends at the iteration limit.
     *
     * @param tolerance finite, {@code > 0}
     */
    public ConjugateGradientSolver withTolerance(double tolerance) {
        return new ConjugateGradientSolver(Arguments.checkPositive("tolerance", tolerance), maxIterations,
                jacobiDiagonal, listener, initialGuess);
    }

    /**
     * Returns a copy limited to {@code maxIterations} HVPs (default {@code min(10·p, }{@value #MAX_ITERATIONS_CAP}{@code )}).
     *
     * @param maxIterations {@code ≥ 1}
     */
    public ConjugateGradientSolver withMaxIterations(int maxIterations) {
        return new ConjugateGradientSolver(tolerance, Arguments.checkPositive("maxIterations", maxIterations),
                jacobiDiagonal, listener, initialGuess);
    }

    /**
     * Returns a copy preconditioned with {@code M = diag(diagonal)} (Jacobi). Pass the diagonal of the
     * operator actually solved — for {@code H + λI} that is {@code diag(H) + λ}. It pays off when the
     * diagonal varies over orders of magnitude (badly scaled parameters); it costs {@code O(p)} per
     * iteration and no HVP.
     *
     * @param diagonal vector of length {@code p}, every entry finite and {@code > 0}; copied, not modified
     * @throws IllegalArgumentException if an entry is not positive or not finite; the length is checked
     *                                  against the operator in {@link #solve}
     */
    public ConjugateGradientSolver withJacobiPreconditioner(INDArray diagonal) {
        Arguments.checkVector("diagonal", diagonal, diagonal == null ? 0 : diagonal.length());
        if (diagonal.isEmpty()) {
            throw new IllegalArgumentException("diagonal has shape " + java.util.Arrays.toString(diagonal.shape())
                    + "; a Jacobi preconditioner needs one entry > 0 per parameter");
        }
        INDArray d = Arguments.toDoubleVector(diagonal);
        double min = d.minNumber().doubleValue();
        if (!(min > 0)) {
            throw new IllegalArgumentException("diagonal has minimum entry " + min
                    + "; a Jacobi preconditioner needs every entry > 0 (add the damping to diag(H))");
        }
        return new ConjugateGradientSolver(tolerance, maxIterations, d, listener, initialGuess);
    }

    /** Returns a copy without preconditioner (the default). */
    public ConjugateGradientSolver withoutPreconditioner() {
        return new ConjugateGradientSolver(tolerance, maxIterations, null, listener, initialGuess);
    }

    /**
     * Returns a copy that reports every iteration to {@code listener} (default: none). The measure is the
     * recurrence's relative residual {@code ‖rₖ‖/‖b‖}.
     *
     * @param listener called on the solving thread; must be cheap and must not throw
     */
    public ConjugateGradientSolver withListener(IterationListener listener) {
        return new ConjugateGradientSolver(tolerance, maxIterations, jacobiDiagonal,
                Objects.requireNonNull(listener, "listener"), initialGuess);
    }

    /**
     * Returns a copy that starts from {@code x0} instead of zero (e.g. the solution for a nearby test
     * point); costs one extra, counted, HVP for the initial residual. Pass {@code null} to start from zero.
     *
     * @param x0 vector of length {@code p}, finite; copied, not modified
     */
    public ConjugateGradientSolver withInitialGuess(INDArray x0) {
        INDArray copy = null;
        if (x0 != null) {
            Arguments.checkVector("x0", x0, x0.length());
            copy = Arguments.toDoubleVector(x0);
        }
        return new ConjugateGradientSolver(tolerance, maxIterations, jacobiDiagonal, listener, copy);
    }

    /** The relative-residual tolerance. */
    public double tolerance() {
        return tolerance;
    }

    /** The iteration limit for an operator of dimension {@code p} (the default rule unless set). */
    public int maxIterations(long p) {
        return maxIterations > 0 ? maxIterations : (int) Math.max(1, Math.min(10 * p, MAX_ITERATIONS_CAP));
    }

    /** Whether a Jacobi preconditioner is configured. */
    public boolean preconditioned() {
        return jacobiDiagonal != null;
    }

    /**
     * Solves {@code Hx = b} by (preconditioned) conjugate gradient; see the class comment for the
     * criterion, costs and failure modes.
     *
     * @param h symmetric positive-definite operator; {@code apply} is called once per iteration
     * @param b right-hand side of length {@code h.dimension()}, finite, floating point; not modified
     * @return a fresh DOUBLE solution with true residual and {@link SolverDiagnostics.Cg}
     * @throws IllegalArgumentException if {@code b}, the preconditioner or the initial guess does not fit
     * @throws java.util.concurrent.CancellationException if the thread is interrupted
     * @throws NumericalException           if the operator returns a non-finite product
     */
    @Override
    public SolverResult solve(HessianVectorProduct h, INDArray b) {
        long start = System.nanoTime();
        INDArray rhs = Solves.checkedRightHandSide(h, b);
        long p = h.dimension();
        if (jacobiDiagonal != null && jacobiDiagonal.length() != p) {
            throw new IllegalArgumentException("Jacobi diagonal has length " + jacobiDiagonal.length()
                    + " but the operator has dimension " + p);
        }
        if (initialGuess != null && initialGuess.length() != p) {
            throw new IllegalArgumentException("initial guess x0 has length " + initialGuess.length()
                    + " but the operator has dimension " + p);
        }
        double bNorm = Vectors.norm2(rhs);
        if (bNorm == 0) {
            return Solves.zeroResult(p, start, diagnostics(Double.NaN, Double.NaN, Double.NaN));
        }
        return new Run(h, rhs, bNorm, maxIterations(p), start).iterate();
    }

    private SolverDiagnostics.Cg diagnostics(double minCurvature, double maxCurvature, double smallest) {
        return new SolverDiagnostics.Cg(tolerance, jacobiDiagonal != null, minCurvature, maxCurvature, smallest);
    }

    /** The per-solve state of one CG run (local to {@link #solve}). */
    private final class Run {
        final HessianVectorProduct h;
        final INDArray b;
        final double bNorm;
        final double target;
        final int maxIt;
        final long start;
        int hvps;
        double minCurvature = Double.POSITIVE_INFINITY;
        double maxCurvature = Double.NEGATIVE_INFINITY;
        // Lanczos tridiagonal implied by the CG coefficients (Saad 2003, §6.7.3), reset on restarts
        double[] lanczosDiag = new double[16];
        double[] lanczosOff = new double[16];
        int lanczosSize;

        Run(HessianVectorProduct h, INDArray b, double bNorm, int maxIt, long start) {
            this.h = h;
            this.b = b;
            this.bNorm = bNorm;
            this.target = tolerance * bNorm;
            this.maxIt = maxIt;
            this.start = start;
        }

        SolverResult iterate() {
            INDArray x;
            INDArray r;
            if (initialGuess != null) {
                x = initialGuess.dup();
                r = Solves.residual(h, b, x); // r₀ = b − Hx₀
                hvps++;
            } else {
                x = Vectors.zeros(b.length());
                r = b.dup();
            }
            double rNorm = Vectors.norm2(r);
            INDArray z = precondition(r);
            INDArray d = z.dup();
            double rz = Vectors.dot(r, z);
            double prevAlpha = Double.NaN;
            double prevBeta = 0;
            int iteration = 0;
            double finalResidual = Double.NaN;
            // the best iterate by true residual, from the checks every CHECK_INTERVAL iterations
            INDArray bestX = x.dup(); // x₀, whose residual r₀ is exact
            double bestTrue = rNorm;
            int checksWithoutProgress = 0;
            StopReason stop;
            while (true) {
                if (rNorm <= target) {
                    INDArray trueR = Solves.residual(h, b, x);
                    double trueNorm = Vectors.norm2(trueR);
                    if (trueNorm <= target || hvps >= maxIt) {
                        finalResidual = trueNorm;
                        stop = trueNorm <= target ? StopReason.CONVERGED : StopReason.MAX_ITERATIONS;
                        break;
                    }
                    // residual replacement: the recurrence drifted; restart from the true residual
                    hvps++;
                    LOG.trace("cg: recurrence residual {} but true residual {}; restarting", rNorm / bNorm,
                            trueNorm / bNorm);
                    if (trueNorm < bestTrue) {
                        bestTrue = trueNorm;
                        bestX = x.dup();
                    }
                    r = trueR;
                    rNorm = trueNorm;
                    z = precondition(r);
                    d = z.dup();
                    rz = Vectors.dot(r, z);
                    lanczosSize = 0;
                    prevBeta = 0;
                    continue;
                }
                if (hvps >= maxIt) {
                    stop = StopReason.MAX_ITERATIONS;
                    break;
                }
                if (iteration > 0 && iteration % CHECK_INTERVAL == 0) {
                    // true residual every CHECK_INTERVAL iterations (one counted HVP): keep the best iterate; stop
                    // once it is at the attainable accuracy (normwise backward error at rounding level, Barrett et al.
                    // §4.2), or has not improved for STAGNATION_CHECKS checks
                    double trueNorm = Solves.trueResidualNorm(h, b, x);
                    hvps++;
                    if (trueNorm < bestTrue * (1 - 1e-3)) {
                        checksWithoutProgress = 0;
                    } else {
                        checksWithoutProgress++;
                    }
                    if (trueNorm < bestTrue) {
                        bestTrue = trueNorm;
                        bestX = x.dup();
                    }
                    double attainable = ATTAINABLE_ULPS * Math.sqrt(b.length()) * Math.ulp(1.0)
                            * (maxCurvature * Vectors.norm2(x) + bNorm);
                    if (trueNorm <= attainable || checksWithoutProgress >= STAGNATION_CHECKS) {
                        stop = StopReason.STAGNATED;
                        break;
                    }
                    if (hvps >= maxIt) {
                        stop = StopReason.MAX_ITERATIONS;
                        break;
                    }
                }
                Solves.checkInterrupt("conjugate gradient", hvps);
                INDArray q = h.apply(d);
                hvps++;
                iteration++;
                double curvature = Vectors.dot(d, q); // pᵀHp
                double dd = Vectors.dot(d, d);
                double rayleigh = curvature / dd;
                if (!Double.isFinite(dd) || !Double.isFinite(rz)) {
                    stop = StopReason.BREAKDOWN; // the recurrence's own scalars overflowed
                    break;
                }
                if (!Double.isFinite(rayleigh)) {
                    throw new NumericalException("conjugate gradient: the operator returned a non-finite "
                            + "product for a finite direction at iteration " + iteration + " (pᵀHp = " + curvature
                            + "); check " + h);
                }
                minCurvature = Math.min(minCurvature, rayleigh);
                maxCurvature = Math.max(maxCurvature, rayleigh);
                // T_kk = 1/α_k + β_{k−1}/α_{k−1}, with 1/α_k = pᵀHp / rᵀz (finite even when pᵀHp ≤ 0)
                appendLanczos(curvature / rz + (lanczosSize > 0 ? prevBeta / prevAlpha : 0));
                if (!(curvature > 0)) {
                    // judged against the operator's scale: −ε·ρ_max or below is negative curvature; closer to zero
                    // it is rounding in a recurrence that has lost its accuracy
                    stop = rayleigh < -CURVATURE_EPSILON * Math.max(maxCurvature, Math.abs(rayleigh))
                            ? StopReason.NON_POSITIVE_CURVATURE : StopReason.STAGNATED;
                    break;
                }
                double alpha = rz / curvature; // α = rᵀz / pᵀHp
                if (!Double.isFinite(alpha)) {
                    stop = StopReason.BREAKDOWN;
                    break;
                }
                x.addi(d.mul(alpha));
                r.subi(q.muli(alpha));
                rNorm = Vectors.norm2(r);
                if (!Double.isFinite(rNorm)) {
                    stop = StopReason.BREAKDOWN;
                    break;
                }
                IterationListener.Event event = new IterationListener.Event("cg", iteration, 0, rNorm / bNorm);
                listener.onIteration(event);
                SolveMonitor.iteration(event);
                if (LOG.isTraceEnabled()) {
                    LOG.trace("cg: iteration {} relative residual {}", iteration, rNorm / bNorm);
                }
                z = precondition(r);
                double rzNew = Vectors.dot(r, z);
                double beta = rzNew / rz; // β = rₖᵀzₖ / rₖ₋₁ᵀzₖ₋₁
                if (!Double.isFinite(beta)) {
                    stop = StopReason.BREAKDOWN;
                    break;
                }
                lanczosOff[lanczosSize - 1] = Math.sqrt(beta) / alpha; // T_{k,k+1} = √β_k / α_k
                d = z.addi(d.muli(beta));
                rz = rzNew;
                prevAlpha = alpha;
                prevBeta = beta;
            }
            if (Double.isNaN(finalResidual)) {
                finalResidual = Vectors.isFiniteVector(x) ? Solves.trueResidualNorm(h, b, x) // final check, not counted
                        : Double.POSITIVE_INFINITY;
            }
            if (stop != StopReason.CONVERGED && bestX != null && !(finalResidual <= bestTrue)) {
                x = bestX; // an earlier iterate was better: return it
                finalResidual = bestTrue;
            }
            if (!Vectors.isFiniteVector(x)) {
                x = Vectors.zeros(b.length());
                finalResidual = bNorm;
            }
            return finish(x, stop, finalResidual);
        }

        private void appendLanczos(double diagonal) {
            if (lanczosSize == lanczosDiag.length) {
                lanczosDiag = Arrays.copyOf(lanczosDiag, 2 * lanczosSize);
                lanczosOff = Arrays.copyOf(lanczosOff, 2 * lanczosSize);
            }
            lanczosDiag[lanczosSize++] = diagonal;
        }

        private INDArray precondition(INDArray r) {
            return jacobiDiagonal == null ? r.dup() : r.div(jacobiDiagonal); // z = M⁻¹r
        }

        private SolverResult finish(INDArray x, StopReason stop, double residual) {
            boolean converged = stop == StopReason.CONVERGED;
            double theta = iteration() == 0 ? Double.NaN : smallestEigenvalueEstimate();
            SolverResult result = new SolverResult(x, hvps, residual, bNorm, converged, stop,
                    Solves.elapsedSince(start), diagnostics(minCurvature, maxCurvature, theta));
            LOG.debug("cg: {}", result);
            return result;
        }

        private int iteration() {
            return Double.isInfinite(minCurvature) ? 0 : 1;
        }

        /** Smallest Ritz value of the Lanczos matrix (unpreconditioned), capped by the Rayleigh quotients. */
        private double smallestEigenvalueEstimate() {
            if (jacobiDiagonal != null || lanczosSize == 0) {
                return minCurvature; // Ritz values would belong to M^{-1/2} H M^{-1/2}
            }
            return Math.min(minCurvature, Tridiagonal.minEigenvalue(lanczosDiag, lanczosOff, lanczosSize));
        }
    }

    @Override
    public String toString() {
        return "ConjugateGradientSolver[tolerance=" + tolerance
                + ", maxIterations=" + (maxIterations > 0 ? maxIterations : "min(10p, " + MAX_ITERATIONS_CAP + ")")
                + ", preconditioner=" + (jacobiDiagonal == null ? "none" : "jacobi(p=" + jacobiDiagonal.length() + ")")
                + ", initialGuess=" + (initialGuess == null ? "zero" : "given") + "]";
    }
}
