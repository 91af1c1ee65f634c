package org.influence4j.solver;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

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
 * <h2>Eigenvalues μ ≤ 0 of {@code H + λI}</h2>
 * Handled by the solver's {@link EigenvaluePolicy}:
 * <ul>
 *   <li>{@link EigenvaluePolicy#FAIL FAIL}: {@link NotPositiveDefiniteException} with curvature
 *       {@code μ_min} and suggested damping {@code −μ_min + max(1e-6·max|μ|, 1e-12)}, to be added on top of
 *       λ (the margin keeps the condition number at most about 1e6);</li>
 *   <li>{@link EigenvaluePolicy#CLIP CLIP}: every {@code μ ≤ τ} is replaced by {@code τ = ε·max|μ|}
 *       (ε = the solver's clip threshold) — those directions get the largest weight {@code 1/τ};</li>
 *   <li>{@link EigenvaluePolicy#TRUNCATE TRUNCATE}: every direction with {@code μ ≤ τ} is dropped (weight 0, the
 *       pseudo-inverse of the positive part);</li>
 *   <li>{@link EigenvaluePolicy#ABSOLUTE ABSOLUTE}: {@code μ} is replaced by {@code max(|μ|, τ)}.</li>
 * </ul>
 * Under CLIP, TRUNCATE and ABSOLUTE the solution inverts the modified operator, so the true residual against
 * {@code H + λI} is not small along the modified directions; that is the intended regularisation. Clipping
 * is logged at WARN once per factorisation. An operator with all eigenvalues zero (and λ = 0) is not
 * invertible under any policy and throws {@link NotPositiveDefiniteException}.
 *
 * <h2>Thread safety</h2>
 * Immutable (arrays are never handed out, only copies); thread-safe if the operator is.
 */
public final class EigenFactorization {

    /** Relative margin added to {@code −μ_min} in the FAIL policy's suggested damping. */
    public static final double SUGGESTION_MARGIN = 1e-6;

    private static final Logger LOG = LoggerFactory.getLogger(EigenFactorization.class);

    private final HessianVectorProduct operator;
    private final INDArray eigenvalues; // w, ascending, DOUBLE [p]
    private final INDArray eigenvectors; // V, columns, DOUBLE [p, p]
    private final EigenvaluePolicy policy;
    private final double clipThreshold;
    private final int hvpCount;
    private final ExactSolver.Backend backend;
    private final Duration factorizationTime;
    private final AtomicBoolean warned = new AtomicBoolean();

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
     * to {@code μ = w + λ}. Stop reason {@link StopReason#DIRECT}; {@code iterations = 0} (the HVPs were
     * spent by the factorisation, see {@link #hvpCount()}); the true residual {@code ‖b − (H + λI)x‖} is
     * recomputed with one product of the operator (a matrix–vector product for closed-form operators).
     *
     * @param b       right-hand side of length {@code p}, finite, floating point; not modified
     * @param damping total damping λ ≥ 0 added to the undamped {@code H} (a damped operator's own
     *                damping was looked through by {@link ExactSolver#factorize})
     * @return a fresh DOUBLE solution with {@link SolverDiagnostics.Exact}
     * @throws IllegalArgumentException     if {@code b} does not fit or λ is negative or not finite
     * @throws NotPositiveDefiniteException under the FAIL policy if {@code H + λI} has an eigenvalue ≤ 0
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
        SolverResult result = new SolverResult(x, iterations, residual, bNorm, true, StopReason.DIRECT,
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
     * @throws NotPositiveDefiniteException under the FAIL policy if {@code H + λI} has an eigenvalue ≤ 0
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
        if (maxAbs == 0) {
            throw new NotPositiveDefiniteException("H + λI is the zero operator (λ = " + damping
                    + "); it has no inverse under any eigenvalue policy: add damping > 0", 0.0, 1e-12);
        }
        if (policy == EigenvaluePolicy.FAIL && min <= 0) {
            double suggested = -min + Math.max(SUGGESTION_MARGIN * maxAbs, 1e-12);
            throw new NotPositiveDefiniteException(String.format("H + λI (λ = %.6g) is not positive definite: its "
                            + "smallest eigenvalue is %.6g (largest %.6g); add damping %.6g (total λ = %.6g), or use "
                            + "EigenvaluePolicy.CLIP or ABSOLUTE", damping, min, max, suggested, damping + suggested),
                    min, suggested);
        }
        double tau = clipThreshold * maxAbs;
        int clipped = 0;
        for (int i = 0; i < mu.length; i++) {
            double modified = switch (policy) {
                case FAIL -> mu[i];
                case CLIP -> Math.max(mu[i], tau);
                case TRUNCATE -> mu[i] > tau ? mu[i] : Double.POSITIVE_INFINITY; // 1/∞ = 0: direction dropped
                case ABSOLUTE -> Math.max(Math.abs(mu[i]), tau);
            };
            if (modified != mu[i]) {
                clipped++;
            }
            mu[i] = modified;
        }
        if (clipped == mu.length && policy == EigenvaluePolicy.TRUNCATE) {
            throw new NotPositiveDefiniteException(String.format("H + λI (λ = %.6g) has no eigenvalue above the "
                    + "truncation threshold %.3g (smallest %.6g, largest %.6g): TRUNCATE would drop every direction; "
                    + "add damping %.6g", damping, tau, min, max, -min + Math.max(SUGGESTION_MARGIN * maxAbs, 1e-12)),
                    min, -min + Math.max(SUGGESTION_MARGIN * maxAbs, 1e-12));
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
            Solves.warnOnce(LOG, warned, "exact solver: {} of {} eigenvalues of H + λI (λ = {}, smallest {}) "
                    + "replaced by policy {} with threshold {}", clipped, mu.length, damping, min, policy, tau);
        }
        return new Spectrum(Nd4j.createFromArray(inverse), new SolverDiagnostics.Exact(min, max,
                maxModified / minAbs, clipped, policy, damping));
    }

    @Override
    public String toString() {
        return String.format("EigenFactorization[p=%d, eigenvalues of H in [%.4g, %.4g], backend=%s, hvps=%d, "
                        + "time=%d ms, policy=%s, clipThreshold=%.1e]", dimension(), eigenvalues.getDouble(0),
                eigenvalues.getDouble(dimension() - 1), backend, hvpCount, factorizationTime.toMillis(), policy,
                clipThreshold);
    }
}
