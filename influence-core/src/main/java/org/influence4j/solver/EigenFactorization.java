package org.influence4j.solver;

import java.time.Duration;
import java.util.Arrays;

import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.internal.Arguments;
import org.influence4j.internal.Vectors;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The eigendecomposition {@code H = V diag(w) Vᵀ} of an <em>undamped</em> symmetric operator, made once by
 * {@link ExactSolver#factorize(HessianVectorProduct)} and reused for any right-hand side and any damping λ:
 * <pre>
 *   (H + λI)⁻¹ b = V diag(1/μ) Vᵀ b,   μᵢ = wᵢ + λ  (after the eigenvalue policy)
 * </pre>
 * Each solve costs two matrix–vector products with {@code V} ({@code O(p²)}) plus one product of the
 * operator for the reported true residual; no HVP is spent on the solution itself.
 *
 * <h2>Eigenvalues μ ≤ τ of {@code H + λI}</h2>
 * Handled by the solver's {@link EigenvaluePolicy}, with {@code τ = ε·max|μ|} (ε = the solver's clip threshold):
 * <ul>
 *   <li>{@link EigenvaluePolicy#TRUNCATE TRUNCATE} (default): every direction with {@code μ ≤ τ} is dropped
 *       (weight 0, the pseudo-inverse of the positive part);</li>
 *   <li>{@link EigenvaluePolicy#CLIP CLIP}: every {@code μ ≤ τ} is replaced by {@code τ} — those directions get
 *       the largest weight {@code 1/τ};</li>
 *   <li>{@link EigenvaluePolicy#ABSOLUTE ABSOLUTE}: {@code μ} is replaced by {@code max(|μ|, τ)}.</li>
 * </ul>
 * The solution then inverts the modified operator, so the true residual against {@code H + λI} is not small along
 * the modified directions. Such a solve is flagged: {@code converged = false},
 * {@link StopReason#NOT_POSITIVE_DEFINITE}, with the smallest eigenvalue and the number modified in
 * {@link SolverDiagnostics.Exact}; {@link SolverResult#failure(double)} gives the exception a strict caller
 * throws. The zero operator (all eigenvalues 0, λ = 0) has every direction dropped whatever the policy: the
 * solution is zero, flagged.
 *
 * <h2>Thread safety</h2>
 * Immutable (arrays are never handed out, only copies); thread-safe if the operator is.
 */
public final class EigenFactorization {

    private static final Logger LOG = LoggerFactory.getLogger(EigenFactorization.class);

    private final HessianVectorProduct operator;
    private final INDArray eigenvalues; // w, ascending, DOUBLE [p]
    private final INDArray eigenvectors; // V, columns, DOUBLE [p, p]
    private final EigenvaluePolicy policy;
    private final double clipThreshold;
    private final int hvpCount;
    private final ExactSolver.Backend backend;
    private final Duration factorizationTime;

    EigenFactorization(HessianVectorProduct operator, SymmetricEigen.Result eigen, EigenvaluePolicy policy,
                       double clipThreshold, int hvpCount, Duration factorizationTime) {
        this.operator = operator;
        this.eigenvalues = eigen.values();
        this.eigenvectors = eigen.vectors();
        this.policy = policy;
        this.clipThreshold = clipThreshold;
        this.hvpCount = hvpCount;
        this.backend = eigen.backend();
        this.factorizationTime = factorizationTime;
    }

    /** The same decomposition under another policy and clip threshold (shares the arrays; no copy). */
    EigenFactorization withPolicy(EigenvaluePolicy newPolicy, double newClipThreshold) {
        if (newPolicy == policy && newClipThreshold == clipThreshold) {
            return this;
        }
        return new EigenFactorization(operator, new SymmetricEigen.Result(eigenvalues, eigenvectors, backend),
                newPolicy, newClipThreshold, hvpCount, factorizationTime);
    }

    /** The dimension {@code p}. */
    public long dimension() {
        return eigenvalues.length();
    }

    /** The eigenvalues {@code w} of the undamped {@code H}, ascending; a fresh DOUBLE copy. */
    public INDArray eigenvalues() {
        return eigenvalues.dup();
    }

    /** The orthonormal eigenvectors of {@code H} as the columns of a fresh {@code p × p} DOUBLE matrix. */
    public INDArray eigenvectors() {
        return eigenvectors.dup();
    }

    /** HVPs spent forming the dense matrix: {@code p}, or 0 when the operator had a closed form. */
    public int hvpCount() {
        return hvpCount;
    }

    /** The eigensolver path that was used (LAPACKE {@code dsyevd} or ND4J {@code Eigen}). */
    public ExactSolver.Backend backend() {
        return backend;
    }

    /** Wall-clock time spent forming the matrix and decomposing it. */
    public Duration factorizationTime() {
        return factorizationTime;
    }

    /** The policy applied to eigenvalues {@code μ ≤ 0} of {@code H + λI}. */
    public EigenvaluePolicy policy() {
        return policy;
    }

    /**
     * Solves {@code (H + λI)x = b} in the eigenbasis: {@code x = V diag(1/μ) Vᵀ b} with the policy applied
     * to {@code μ = w + λ}. Stop reason {@link StopReason#DIRECT}, or {@link StopReason#NOT_POSITIVE_DEFINITE}
     * (flagged) when the policy modified an eigenvalue; {@code iterations = 0} (the HVPs were
     * spent by the factorisation, see {@link #hvpCount()}); the true residual {@code ‖b − (H + λI)x‖} is
     * recomputed with one product of the operator (a matrix–vector product for closed-form operators).
     *
     * @param b       right-hand side of length {@code p}, finite, floating point; not modified
     * @param damping total damping λ ≥ 0 added to the factorised {@code H}
     * @return a fresh DOUBLE solution with {@link SolverDiagnostics.Exact}
     * @throws IllegalArgumentException     if {@code b} does not fit or λ is negative or not finite
     */
    public SolverResult solve(INDArray b, double damping) {
        return solve(b, damping, 0, System.nanoTime());
    }

    SolverResult solve(INDArray b, double damping, int iterations, long startNanos) {
        Arguments.checkVector("b", b, dimension());
        Arguments.checkNonNegative("damping", damping);
        INDArray rhs = Arguments.toDoubleVector(b);
        double bNorm = Vectors.norm2(rhs);
        if (bNorm == 0) {
            return new SolverResult(Vectors.zeros(dimension()), 0, 0.0, 0.0, true,
                    StopReason.ZERO_RIGHT_HAND_SIDE, Solves.elapsedSince(startNanos),
                    new SolverDiagnostics.Exact(Double.NaN, Double.NaN, Double.NaN, 0, policy, damping));
        }
        Spectrum spectrum = spectrum(damping);
        long p = dimension();
        // x = V diag(1/μ) Vᵀ b
        INDArray coefficients = eigenvectors.transpose().mmul(rhs.reshape(p, 1)).reshape(p);
        INDArray x = eigenvectors.mmul(coefficients.muli(spectrum.inverse).reshape(p, 1)).reshape(p);
        INDArray hx = operator.apply(x);
        if (damping != 0) {
            hx.addi(x.mul(damping)); // (H + λI)x
        }
        double residual = Vectors.norm2(rhs.subi(hx));
        boolean modified = spectrum.diagnostics.clipped() > 0;
        SolverResult result = new SolverResult(x, iterations, residual, bNorm, !modified,
                modified ? StopReason.NOT_POSITIVE_DEFINITE : StopReason.DIRECT,
                Solves.elapsedSince(startNanos), spectrum.diagnostics);
        LOG.debug("exact: {}", result);
        return result;
    }

    /**
     * For each row {@code rᵢ} of {@code rows} the quadratic form {@code rᵢᵀ(H + λI)⁻¹rᵢ}
     * {@code = Σⱼ (rᵢᵀvⱼ)²/μⱼ}: one {@code n × p × p} matrix product and {@code O(np)} more — the
     * self-influence of every training point at once, from its gradients. Policy as in
     * {@link #solve(INDArray, double)}. Needs {@code 8np} bytes of temporary memory.
     *
     * @param rows    matrix {@code [n, p]}, finite, floating point; not modified
     * @param damping total damping λ ≥ 0
     * @return a fresh rank-1 DOUBLE array of length {@code n}
     * @throws IllegalArgumentException     if {@code rows} is not an {@code [n, p]} finite floating matrix
     */
    public INDArray inverseQuadraticForms(INDArray rows, double damping) {
        Arguments.checkFloatingPoint("rows", rows);
        long p = dimension();
        if (rows.rank() != 2 || rows.columns() != p) {
            throw new IllegalArgumentException("rows has shape " + Arrays.toString(rows.shape())
                    + "; expected a matrix [n, " + p + "] with one vector per row");
        }
        Arguments.checkFinite("rows", rows);
        Arguments.checkNonNegative("damping", damping);
        Spectrum spectrum = spectrum(damping);
        INDArray projected = rows.castTo(DataType.DOUBLE).mmul(eigenvectors); // (rows·V)ᵢⱼ = rᵢᵀvⱼ
        projected.muli(projected);
        return projected.mmul(spectrum.inverse.reshape(p, 1)).reshape(rows.rows());
    }

    /** The inverse damped spectrum after the policy, with the diagnostics of that damping. */
    private record Spectrum(INDArray inverse, SolverDiagnostics.Exact diagnostics) {
    }

    private Spectrum spectrum(double damping) {
        double[] mu = eigenvalues.toDoubleVector();
        for (int i = 0; i < mu.length; i++) {
            mu[i] += damping; // μ = w + λ
        }
        double min = mu[0];
        double max = mu[mu.length - 1];
        double maxAbs = Math.max(Math.abs(min), Math.abs(max));
        double tau = clipThreshold * maxAbs;
        int clipped = 0;
        for (int i = 0; i < mu.length; i++) {
            double modified = maxAbs == 0 ? Double.POSITIVE_INFINITY // the zero operator: every direction dropped
                    : switch (policy) {
                        case CLIP -> Math.max(mu[i], tau);
                        case TRUNCATE -> mu[i] > tau ? mu[i] : Double.POSITIVE_INFINITY; // 1/∞ = 0: dropped
                        case ABSOLUTE -> Math.max(Math.abs(mu[i]), tau);
                    };
            if (modified != mu[i]) {
                clipped++;
            }
            mu[i] = modified;
        }
        double minAbs = Double.POSITIVE_INFINITY;
        double maxModified = 0;
        double[] inverse = new double[mu.length];
        for (int i = 0; i < mu.length; i++) {
            inverse[i] = 1.0 / mu[i];
            if (Double.isFinite(mu[i])) {
                minAbs = Math.min(minAbs, Math.abs(mu[i]));
                maxModified = Math.max(maxModified, Math.abs(mu[i]));
            }
        }
        if (clipped > 0) {
            LOG.debug("exact solver: {} of {} eigenvalues of H + λI (λ = {}, smallest {}) modified by policy {} with "
                    + "threshold {}", clipped, mu.length, damping, min, policy, tau);
        }
        return new Spectrum(Nd4j.createFromArray(inverse), new SolverDiagnostics.Exact(min, max,
                minAbs == Double.POSITIVE_INFINITY ? Double.NaN : maxModified / minAbs, clipped, policy, damping));
    }

    @Override
    public String toString() {
        return String.format("EigenFactorization[p=%d, eigenvalues of H in [%.4g, %.4g], backend=%s, hvps=%d, "
                        + "time=%d ms, policy=%s, clipThreshold=%.1e]", dimension(), eigenvalues.getDouble(0),
                eigenvalues.getDouble(dimension() - 1), backend, hvpCount, factorizationTime.toMillis(), policy,
                clipThreshold);
    }
}
