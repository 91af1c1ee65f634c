package org.influence4j.solver;

import org.influence4j.hvp.HessianVectorProduct;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * <b>I</b>nverse <b>H</b>essian-<b>V</b>ector <b>P</b>roduct solver: computes {@code x = H⁻¹b} for a
 * symmetric operator {@code H} (usually a damped Hessian {@code H + λI}) and a right-hand side {@code b}
 * (usually a test-loss gradient), the expensive step of every influence computation.
 *
 * <p>Three algorithms, each from a static factory returning an immutable, configurable solver:
 * <ul>
 *   <li>{@link #conjugateGradient()}: Krylov iteration for positive-definite operators; one HVP per
 *       iteration; stops on relative residual.</li>
 *   <li>{@link #lissa()}: the stochastic Neumann-series recursion of Agarwal, Bullins &amp; Hazan (2017) as
 *       used by Koh &amp; Liang (2017), on mini-batch Hessians.</li>
 *   <li>{@link #exact()}: dense eigendecomposition ({@code p} HVPs or a closed form, then LAPACK
 *       {@code dsyevd}); reusable for further right-hand sides and dampings.</li>
 *   <li>{@link #kfac()} and {@link #ekfac()}: Kronecker-factored approximations of the curvature, fitted from the
 *       model's layer statistics and inverted in closed form; and {@link #identity()}, plain gradient dot
 *       products.</li>
 * </ul>
 * Solvers never see a model. They are stateless and thread-safe; all per-solve state is local.
 *
 * <h2>Prepared once, applied many times</h2>
 * {@link #prepare(Curvature, double)} is the seam through which an estimator uses any solver (EJML's
 * {@code setA}/{@code solve}): it receives the {@link Curvature} of a model over its training data and the damping
 * λ, does whatever can be done once (the exact solver factorises {@code H} once per curvature and serves every λ
 * from it; LiSSA samples mini-batches of its own size; a third-party solver may form and cache factors through
 * {@link Curvature#cached}), and returns an {@link InverseHvp} that solves any number of right-hand sides. The
 * default prepares nothing and calls {@link #solve} on {@code H + λI} for each right-hand side, which is right for
 * Krylov methods such as conjugate gradient.
 *
 * <h2>Results, not verdicts</h2>
 * A solver reports; it does not decide what is an error. A solve that misses its tolerance, meets negative
 * curvature, diverges or inverts a modified spectrum returns a flagged {@link SolverResult}
 * ({@code converged = false} and the {@link StopReason}); {@link SolverResult#failure(double)} turns it into the
 * matching {@link NumericalException}, which {@code InfluenceEstimator} throws in strict mode and logs otherwise.
 * Every solver checks the thread's interrupt at least once per HVP and ends an interrupted solve with a
 * {@link java.util.concurrent.CancellationException}.
 *
 * <p>Contract of {@link #solve}: {@code b} is not modified; its length must equal
 * {@code h.dimension()} and it must be finite, or an {@link IllegalArgumentException} names the argument.
 * {@code b = 0} returns {@code x = 0} with {@link StopReason#ZERO_RIGHT_HAND_SIDE}.
 */
public interface IHVPSolver {

    /**
     * Solves {@code Hx = b}.
     *
     * @param h operator, symmetric; positive definite where the solver requires it
     * @param b right-hand side of length {@code h.dimension()}; not modified
     * @return the solution with diagnostics
     */
    SolverResult solve(HessianVectorProduct h, INDArray b);

    /**
     * Prepares {@code (H + λI)⁻¹} for {@code curvature} and {@code damping}, to be applied to any number of
     * right-hand sides. The default solves {@code curvature.hessian().damped(damping)} with {@link #solve} per
     * right-hand side; solvers that can do work once (factorise, sample, estimate a scale) override it.
     *
     * @param curvature the undamped curvature of the training objective; not modified
     * @param damping   λ ≥ 0
     * @return the prepared inverse; cheap to keep, thread-safe
     * @throws IllegalArgumentException if λ is negative or not finite
     */
    default InverseHvp prepare(Curvature curvature, double damping) {
        java.util.Objects.requireNonNull(curvature, "curvature");
        org.influence4j.internal.Arguments.checkNonNegative("damping", damping);
        return new OperatorInverse(this, curvature.hessian().damped(damping), damping);
    }

    /** A conjugate gradient solver with default settings (see {@link ConjugateGradientSolver}). */
    static ConjugateGradientSolver conjugateGradient() {
        return ConjugateGradientSolver.defaults();
    }

    /** A LiSSA solver with default settings (see {@link LissaSolver}). */
    static LissaSolver lissa() {
        return LissaSolver.defaults();
    }

    /** An exact eigendecomposition solver with default settings (see {@link ExactSolver}). */
    static ExactSolver exact() {
        return ExactSolver.defaults();
    }

    /**
     * K-FAC: a Kronecker-factored approximation of the Gauss–Newton curvature, fitted once per curvature from one pass
     * over the training data and inverted in closed form (see {@link KroneckerSolver}). Needs a model with layer
     * statistics (DL4J dense and convolutional chains).
     */
    static KroneckerSolver kfac() {
        return KroneckerSolver.kfac();
    }

    /**
     * EK-FAC: K-FAC's eigenbasis with eigenvalues refitted by a second pass (see {@link KroneckerSolver}); more
     * accurate than K-FAC at the cost of that pass.
     */
    static KroneckerSolver ekfac() {
        return KroneckerSolver.ekfac();
    }

    /**
     * Identity curvature: influence as plain gradient dot products (grad-dot / TracIn), see {@link IdentitySolver}.
     */
    static IdentitySolver identity() {
        return IdentitySolver.defaults();
    }
}
