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
 * </ul>
 * Solvers never see a model. They are stateless and thread-safe; all per-solve state is local.
 *
 * <p>Contract of {@link #solve}: {@code b} is not modified; its length must equal
 * {@code h.dimension()} and it must be finite, or an {@link IllegalArgumentException} names the argument.
 * {@code b = 0} returns {@code x = 0} with {@link StopReason#ZERO_RIGHT_HAND_SIDE}. Numerical failures are
 * {@link NumericalException}s or flagged results, as each solver documents.
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
}
