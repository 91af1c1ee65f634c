package org.influence4j.solver;

import java.util.Objects;

import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.hvp.Hvps;
import org.influence4j.internal.Arguments;
import org.influence4j.internal.Vectors;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Exact inverse-HVP solver by dense symmetric eigendecomposition: {@code x = V diag(1/μ) Vᵀ b} with
 * {@code H = V diag(w) Vᵀ} and {@code μ = w + λ}.
 *
 * <h2>Algorithm and cost</h2>
 * <ol>
 *   <li>Form the dense symmetric Hessian with {@link Hvps#toDense(HessianVectorProduct, long)}: the closed
 *       form when the operator has one (no HVP), else {@code p} HVPs with unit vectors, symmetrised.
 *       {@link #prepare(Curvature, double) Prepared} for a curvature, the <em>undamped</em> {@code H} is
 *       factorised once per curvature and cached in it ({@link Curvature#cached}), and every damping λ is applied
 *       in the eigenbasis: one {@link EigenFactorization} serves every λ, every right-hand side and every
 *       estimator copy that shares the curvature.</li>
 *   <li>Decompose it in {@code O(p³)} with LAPACKE {@code dsyevd} (divide and conquer, through the OpenBLAS
 *       binding of nd4j-native; measured 22 ms at p = 500, 0.6 s at p = 2000) when the binding is on the
 *       class path and the ND4J backend is the CPU one, otherwise with ND4J's {@code Eigen} (LAPACK
 *       {@code syev}, 8–13× slower). {@link #withBackend(Backend)} forces a path.</li>
 *   <li>Solve in {@code O(p²)} and recompute the true residual with one (uncounted) operator product.</li>
 * </ol>
 * Memory: {@code 8p²} bytes for the matrix (which becomes {@code V}) plus LAPACK workspace of about the
 * same size. The solver refuses a {@code p} whose matrix exceeds {@link #withMaxBytes(long)} (default half
 * the JVM's maximum heap) with an {@link IllegalArgumentException} recommending CG or LiSSA. Practical up to
 * {@code p} of a few thousand.
 *
 * <h2>Stopping criterion and results</h2>
 * Direct: {@link StopReason#DIRECT}, {@code converged = true}, {@code iterations} = HVPs spent forming the
 * matrix ({@code p}, or 0 for a closed form). Accuracy: backward stable; relative error about
 * {@code κ·p·ε}.
 *
 * <h2>Indefinite operators</h2>
 * Eigenvalues {@code μ ≤ τ} of {@code H + λI} are handled by {@link #withPolicy(EigenvaluePolicy)}: TRUNCATE
 * (default: the pseudo-inverse of the positive part), CLIP or ABSOLUTE; see {@link EigenFactorization}. A solve in
 * which the policy modified an eigenvalue is flagged {@link StopReason#NOT_POSITIVE_DEFINITE} with the smallest
 * eigenvalue; {@link SolverResult#failure(double)} gives the exception (with the suggested damping) that a strict
 * caller throws. A non-finite dense matrix (from a broken operator) throws {@link NumericalException}; an
 * interrupted factorisation throws {@link java.util.concurrent.CancellationException}.
 *
 * <h2>Thread safety</h2>
 * Immutable and stateless; thread-safe if the operator is.
 */
public final class ExactSolver implements IHVPSolver {

    /** Default clip threshold ε (relative to {@code max|μ|}) for the CLIP and ABSOLUTE policies. */
    public static final double DEFAULT_CLIP_THRESHOLD = 1e-10;

    /** Which eigensolver performs the decomposition. */
    public enum Backend {
        /** LAPACKE {@code dsyevd} when available (binding present, CPU backend), else ND4J {@code Eigen}. */
        AUTO,
        /** LAPACKE {@code dsyevd} through the bytedeco OpenBLAS binding; fails if unavailable. */
        LAPACKE_DSYEVD,
        /** ND4J's {@code Eigen.symmetricGeneralizedEigenvalues} (any backend). */
        ND4J_EIGEN
    }

    private final EigenvaluePolicy policy;
    private final double clipThreshold;
    private final long maxBytes; // 0: half the maximum heap, evaluated at solve time
    private final Backend backend;

    private ExactSolver(EigenvaluePolicy policy, double clipThreshold, long maxBytes, Backend backend) {
        this.policy = policy;
        this.clipThreshold = clipThreshold;
        this.maxBytes = maxBytes;
        this.backend = backend;
    }

    static ExactSolver defaults() {
        return new ExactSolver(EigenvaluePolicy.TRUNCATE, DEFAULT_CLIP_THRESHOLD, 0, Backend.AUTO);
    }

    /** Returns a copy with the given policy for eigenvalues {@code μ ≤ τ} of {@code H + λI} (default TRUNCATE). */
    public ExactSolver withPolicy(EigenvaluePolicy policy) {
        return new ExactSolver(Objects.requireNonNull(policy, "policy"), clipThreshold, maxBytes, backend);
    }

    /**
     * Returns a copy with clip threshold ε (default {@value #DEFAULT_CLIP_THRESHOLD}): CLIP and ABSOLUTE
     * raise eigenvalues below {@code ε·max|μ|} to that value, bounding the condition number by {@code 1/ε}.
     *
     * @param clipThreshold in {@code (0, 1)}
     */
    public ExactSolver withClipThreshold(double clipThreshold) {
        if (!(clipThreshold > 0 && clipThreshold < 1)) {
            throw new IllegalArgumentException("clipThreshold (" + clipThreshold + ") must be in (0, 1)");
        }
        return new ExactSolver(policy, clipThreshold, maxBytes, backend);
    }

    /**
     * Returns a copy that refuses operators whose dense {@code p × p} DOUBLE matrix needs more than
     * {@code maxBytes} (default: half the JVM's maximum heap).
     *
     * @param maxBytes {@code ≥ 1}
     */
    public ExactSolver withMaxBytes(long maxBytes) {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes (" + maxBytes + ") must be >= 1");
        }
        return new ExactSolver(policy, clipThreshold, maxBytes, backend);
    }

    /** Returns a copy that uses the given eigensolver (default {@link Backend#AUTO}). */
    public ExactSolver withBackend(Backend backend) {
        return new ExactSolver(policy, clipThreshold, maxBytes, Objects.requireNonNull(backend, "backend"));
    }

    /** The eigenvalue policy. */
    public EigenvaluePolicy policy() {
        return policy;
    }

    /** Whether LAPACKE {@code dsyevd} is usable in this JVM (binding on the class path, CPU backend). */
    public static boolean lapackeAvailable() {
        return SymmetricEigen.lapackeAvailable();
    }

    /**
     * Factorises the operator once: forms its dense matrix and eigendecomposes it; any damping the operator
     * carries is part of the factorised matrix. Cost: {@code p} HVPs (none for a closed form) and {@code O(p³)}.
     *
     * @param h symmetric operator; not required to be positive definite
     * @throws IllegalArgumentException if the dense matrix would exceed {@link #withMaxBytes(long) maxBytes}
     * @throws NumericalException       if the operator produced non-finite entries
     */
    public EigenFactorization factorize(HessianVectorProduct h) {
        Objects.requireNonNull(h, "h");
        long start = System.nanoTime();
        CountingHvp counting = new CountingHvp(h);
        INDArray dense = Hvps.toDense(counting, maxBytes > 0 ? maxBytes : Runtime.getRuntime().maxMemory() / 2);
        double sum = dense.norm1Number().doubleValue();
        if (!Double.isFinite(sum)) {
            throw new NumericalException("the dense Hessian of " + h + " has non-finite entries; check the operator");
        }
        SymmetricEigen.Result eigen = SymmetricEigen.decomposeInPlace(dense, backend);
        return new EigenFactorization(h, eigen, policy, clipThreshold, counting.products(),
                Solves.elapsedSince(start));
    }

    /** Key of the decomposition cached in a curvature: the eigensolver path (the matrix is the curvature's). */
    private record DecompositionKey(Backend backend) {
    }

    /**
     * The eigendecomposition of the curvature's undamped Hessian, computed once per curvature and eigensolver
     * path (cached in it, so shared by every damping, policy and estimator copy) and viewed under this solver's
     * policy.
     *
     * @param curvature the curvature; its Hessian is factorised on first use
     * @throws IllegalArgumentException if the dense matrix would exceed {@link #withMaxBytes(long) maxBytes}
     */
    public EigenFactorization factorize(Curvature curvature) {
        Objects.requireNonNull(curvature, "curvature");
        Hvps.checkDenseFits(curvature.dimension(), maxBytes > 0 ? maxBytes : Runtime.getRuntime().maxMemory() / 2);
        EigenFactorization f = curvature.cached(new DecompositionKey(backend), () -> factorize(curvature.hessian()));
        return f.withPolicy(policy, clipThreshold);
    }

    /**
     * Prepares the exact inverse: {@link #factorize(Curvature)} once (cached in the curvature), then every
     * right-hand side costs two {@code p × p} matrix–vector products plus one HVP for the true residual, and
     * {@link InverseHvp#quadraticForms} one {@code m × p × p} matrix product.
     */
    @Override
    public InverseHvp prepare(Curvature curvature, double damping) {
        Arguments.checkNonNegative("damping", damping);
        return new FactorizedInverse(factorize(curvature), damping);
    }

    /** The exact {@link InverseHvp}: a factorisation and a damping. */
    private record FactorizedInverse(EigenFactorization factorization, double damping) implements InverseHvp {
        @Override
        public long dimension() {
            return factorization.dimension();
        }

        @Override
        public SolverResult solve(INDArray b) {
            return factorization.solve(b, damping);
        }

        @Override
        public QuadraticForms quadraticForms(INDArray rows) {
            INDArray q = factorization.inverseQuadraticForms(rows, damping);
            SolverResult diagnostics = rows.rows() == 0 ? null : factorization.solve(rows.getRow(0).dup(), damping);
            return new QuadraticForms(q.toDoubleVector(), diagnostics);
        }

        @Override
        public String toString() {
            return "InverseHvp[exact, λ=" + damping + ", " + factorization + "]";
        }
    }

    /**
     * Solves {@code Hx = b} exactly: {@link #factorize(HessianVectorProduct)} then
     * {@link EigenFactorization#solve(INDArray, double)} with damping 0 (a damped operator's damping is part of
     * the factorised matrix). For many right-hand sides or dampings, {@link #prepare} instead.
     *
     * @param h symmetric operator ({@code H + λI})
     * @param b right-hand side of length {@code h.dimension()}, finite, floating point; not modified
     * @return a fresh DOUBLE solution; {@code iterations} = HVPs spent forming the matrix; flagged
     *         {@link StopReason#NOT_POSITIVE_DEFINITE} when the policy modified an eigenvalue
     * @throws IllegalArgumentException     if {@code b} does not fit or the matrix would not fit in memory
     */
    @Override
    public SolverResult solve(HessianVectorProduct h, INDArray b) {
        long start = System.nanoTime();
        INDArray rhs = Solves.checkedRightHandSide(h, b);
        if (Vectors.norm2(rhs) == 0) {
            return Solves.zeroResult(h.dimension(), start,
                    new SolverDiagnostics.Exact(Double.NaN, Double.NaN, Double.NaN, 0, policy, 0));
        }
        EigenFactorization factorization = factorize(h);
        return factorization.solve(rhs, 0, factorization.hvpCount(), start);
    }

    @Override
    public String toString() {
        return "ExactSolver[policy=" + policy + ", clipThreshold=" + clipThreshold + ", maxBytes="
                + (maxBytes > 0 ? maxBytes : "maxHeap/2") + ", backend=" + backend
                + (backend == Backend.AUTO ? "(" + (lapackeAvailable() ? "LAPACKE_DSYEVD" : "ND4J_EIGEN") + ")" : "")
                + "]";
    }
}
