package org.influence4j.solver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.internal.Arguments;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kronecker-factored curvature: K-FAC (Martens &amp; Grosse 2015; KFC for convolutions, Grosse &amp; Martens 2016)
 * and EK-FAC (George et al. 2018), as used for influence by Grosse et al. (2023). Instead of solving with the
 * Hessian, it fits a block-diagonal approximation of the Gauss–Newton matrix (one block per layer, each a Kronecker
 * product in its eigenbasis; math in {@link KroneckerFactors}) from one (K-FAC) or two (EK-FAC) streamed passes over
 * the training data, once per curvature, and then applies its damped inverse in closed form: each right-hand side
 * costs a few small matrix products per layer, so many test points cost about one pass for all of them.
 *
 * <p>Requires a curvature with {@link Curvature#layerStatistics() layer statistics} (the DL4J adapter offers them
 * for dense and convolutional chains); every analysed parameter must belong to one layer block — for a model with
 * other parametrised layers, restrict the analysed parameters to the supported layers, or use
 * {@link IHVPSolver#conjugateGradient()}.
 *
 * <h2>What a result means</h2>
 * A solve is exact for the approximate curvature, not for {@code H + λI}: results have
 * {@link StopReason#APPROXIMATE}, {@code converged = true}, zero HVPs, and a residual against the true
 * {@code H + λI} only when {@link #withResidualCheck(boolean) asked for} (one HVP per solve; NaN otherwise). The
 * approximation replaces the Hessian by the Gauss–Newton matrix (positive semi-definite, so any λ > 0 gives an
 * invertible operator) and drops the coupling between layers; its accuracy against exact influence is measured in
 * this project's accuracy study (docs/kronecker.md).
 *
 * <h2>Defaults and options</h2>
 * <ul>
 *   <li>labels: {@link FisherSampling#SAMPLED} (one label per example from the model, seed 0): the true Fisher at the
 *       cost of one backward pass per pass over the data; {@link FisherSampling#EXPECTED} is exact at C times the
 *       backward work.</li>
 *   <li>damping: the estimator's λ, plus each layer's regulariser curvature κ (weight decay), added to every
 *       eigenvalue; {@link #withHeuristicDamping(double)} adds {@code factor × mean eigenvalue} per layer (Kronfluence's
 *       heuristic is factor 0.1 with λ = 0) — a different, usually much larger damping than a fixed λ.</li>
 *   <li>factors are cached in the curvature (shared by every λ and estimator copy); {@link #withFactorFile(Path)}
 *       persists them and reuses them on a later run when the file matches the network, the training data and these
 *       settings (refused with an error otherwise).</li>
 * </ul>
 * Immutable and thread-safe.
 */
public final class KroneckerSolver implements IHVPSolver {

    private static final Logger LOG = LoggerFactory.getLogger(KroneckerSolver.class);

    private final boolean eigenvalueCorrection;
    private final FisherSampling sampling;
    private final long seed;
    private final double dampingFactor;
    private final boolean residualCheck;
    private final Path factorFile;

    private KroneckerSolver(boolean eigenvalueCorrection, FisherSampling sampling, long seed, double dampingFactor,
                            boolean residualCheck, Path factorFile) {
        this.eigenvalueCorrection = eigenvalueCorrection;
        this.sampling = sampling;
        this.seed = seed;
        this.dampingFactor = dampingFactor;
        this.residualCheck = residualCheck;
        this.factorFile = factorFile;
    }

    /** K-FAC with the defaults. */
    static KroneckerSolver kfac() {
        return new KroneckerSolver(false, FisherSampling.SAMPLED, 0, 0, false, null);
    }

    /** EK-FAC with the defaults. */
    static KroneckerSolver ekfac() {
        return new KroneckerSolver(true, FisherSampling.SAMPLED, 0, 0, false, null);
    }

    /** Returns a copy that fits the factors with {@code sampling}'s labels. */
    public KroneckerSolver withSampling(FisherSampling sampling) {
        Objects.requireNonNull(sampling, "sampling");
        return new KroneckerSolver(eigenvalueCorrection, sampling, seed, dampingFactor, residualCheck, factorFile);
    }

    /** Returns a copy whose sampled labels use {@code seed}. */
    public KroneckerSolver withSeed(long seed) {
        return new KroneckerSolver(eigenvalueCorrection, sampling, seed, dampingFactor, residualCheck, factorFile);
    }

    /**
     * Returns a copy that adds {@code factor × (the layer's mean eigenvalue)} to the damping of every layer block
     * (Kronfluence's heuristic uses 0.1); 0 turns it off (the default).
     *
     * @param factor {@code ≥ 0}, finite
     */
    public KroneckerSolver withHeuristicDamping(double factor) {
        Arguments.checkNonNegative("factor", factor);
        return new KroneckerSolver(eigenvalueCorrection, sampling, seed, factor, residualCheck, factorFile);
    }

    /**
     * Returns a copy that measures every solve's residual against the true {@code H + λI} (one HVP per solve), so that
     * {@link SolverResult#relativeResidual()} says how far the approximation is from solving the real system.
     */
    public KroneckerSolver withResidualCheck(boolean check) {
        return new KroneckerSolver(eigenvalueCorrection, sampling, seed, dampingFactor, check, factorFile);
    }

    /**
     * Returns a copy that persists the fitted factors to {@code file}: when it exists, the factors are loaded from it
     * instead of fitted, after checking that they were fitted for the same network, training data and settings
     * (method, labels, seed) — a mismatch throws {@link IllegalArgumentException} naming the difference, and the file
     * is left as it is; when it does not exist, the factors are fitted and written there. {@code null}: no file
     * (the default).
     *
     * @param file a file in an existing directory, or null
     */
    public KroneckerSolver withFactorFile(Path file) {
        if (file != null) {
            Path dir = file.toAbsolutePath().getParent();
            if (dir == null || !Files.isDirectory(dir)) {
                throw new IllegalArgumentException("factorFile " + file + " is in a directory that does not exist; "
                        + "create " + dir + " first");
            }
            if (Files.isDirectory(file)) {
                throw new IllegalArgumentException("factorFile " + file + " is a directory; name a file in it");
            }
        }
        return new KroneckerSolver(eigenvalueCorrection, sampling, seed, dampingFactor, residualCheck, file);
    }

    /** {@code "ekfac"} or {@code "kfac"}. */
    public String method() {
        return eigenvalueCorrection ? "ekfac" : "kfac";
    }

    /** The labels the factors are fitted with. */
    public FisherSampling sampling() {
        return sampling;
    }

    /**
     * Not available: a Kronecker-factored curvature needs the model's layer statistics, which a bare operator does not
     * have.
     *
     * @throws IllegalArgumentException always, naming the remedy
     */
    @Override
    public SolverResult solve(HessianVectorProduct h, INDArray b) {
        throw new IllegalArgumentException("the " + method() + " solver needs the layer statistics of a model's "
                + "curvature, not a bare operator " + h + "; use it through InfluenceEstimator.withSolver, or "
                + "prepare(curvature, damping) with a curvature whose layerStatistics() is present");
    }

    /**
     * Fits (or loads) the factors of {@code curvature} once — cached in it for every damping — and returns their
     * damped inverse.
     *
     * @throws IllegalArgumentException if the curvature has no layer statistics, its blocks do not cover the
     *                                  parameters, λ is negative, λ = 0 leaves a zero eigenvalue, or the factor file
     *                                  does not match
     */
    @Override
    public InverseHvp prepare(Curvature curvature, double damping) {
        Objects.requireNonNull(curvature, "curvature");
        Arguments.checkNonNegative("damping", damping);
        KroneckerFactors f = fitted(curvature);
        double[] spectrum = f.spectrum(damping, dampingFactor);
        if (!(spectrum[0] > 0)) {
            throw new IllegalArgumentException("damping " + damping + " leaves the " + method() + " curvature with the "
                    + "eigenvalue " + spectrum[0] + " (a layer's factors are singular, e.g. a constant input or an "
                    + "output that never changes); use damping > 0 or withHeuristicDamping(0.1)");
        }
        HessianVectorProduct h = residualCheck ? curvature.hessian().damped(damping) : null;
        return new Inverse(method(), dampingFactor, f, damping, spectrum, h);
    }

    private record FactorKey(boolean correction, FisherSampling sampling, long seed, Path file) {
    }

    private KroneckerFactors factors(Curvature curvature, LayerStatistics stats, List<LayerBlock> blocks) {
        String fingerprint = factorFile == null ? "" : curvature.fingerprint();
        if (factorFile != null && Files.exists(factorFile)) {
            KroneckerFactors loaded = KroneckerFactors.load(factorFile);
            String why = loaded.mismatch(blocks, stats.numExamples(), method(), sampling, seed, fingerprint);
            if (why != null) {
                throw new IllegalArgumentException("the factors in " + factorFile + " do not match: " + why
                        + "; delete the file to fit them again, or choose another factorFile");
            }
            LOG.info("{}: loaded {} factors from {}", curvature, method(), factorFile);
            return loaded;
        }
        KroneckerFactors f = KroneckerFactors.fit(stats, eigenvalueCorrection, sampling, seed, fingerprint);
        LOG.debug("{}: fitted {} factors in {} ms", curvature, method(), f.fitTime().toMillis());
        if (factorFile != null) {
            f.save(factorFile);
            LOG.info("{}: saved {} factors to {}", curvature, method(), factorFile);
        }
        return f;
    }

    /**
     * The factors of {@code curvature} with this solver's settings (fitted, loaded from the factor file, or taken
     * from the curvature's cache), e.g. to inspect or {@link KroneckerFactors#save save} them.
     */
    public KroneckerFactors factors(Curvature curvature) {
        Objects.requireNonNull(curvature, "curvature");
        return fitted(curvature);
    }

    private KroneckerFactors fitted(Curvature curvature) {
        LayerStatistics stats = curvature.layerStatistics().orElseThrow(() -> new IllegalArgumentException(
                "the " + method() + " solver needs per-layer statistics, which " + curvature + " does not offer "
                        + "(DL4J dense and convolutional chains do; layers without an R-operator do not); use "
                        + "IHVPSolver.conjugateGradient() or IHVPSolver.exact(), or restrict the analysed parameters "
                        + "to dense and convolution layers"));
        List<LayerBlock> blocks = stats.blocks();
        checkCoverage(blocks, curvature.dimension());
        return curvature.cached(new FactorKey(eigenvalueCorrection, sampling, seed, factorFile),
                () -> factors(curvature, stats, blocks));
    }

    private static void checkCoverage(List<LayerBlock> blocks, long p) {
        if (p > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the model has " + p + " parameters; Kronecker factors index at most "
                    + Integer.MAX_VALUE);
        }
        int[] seen = new int[(int) p];
        for (LayerBlock b : blocks) {
            for (int i : b.index()) {
                if (i < 0 || i >= p) {
                    throw new IllegalArgumentException("layer block " + b.name() + " names parameter " + i
                            + " outside 0.." + (p - 1));
                }
                seen[i]++;
            }
        }
        for (int i = 0; i < p; i++) {
            if (seen[i] != 1) {
                throw new IllegalArgumentException("parameter " + i + " belongs to " + seen[i] + " layer blocks; "
                        + "Kronecker-factored curvature needs every analysed parameter in exactly one (restrict the "
                        + "analysed parameters to dense and convolution layers, or use conjugate gradient)");
            }
        }
    }

    @Override
    public String toString() {
        return method() + "[sampling=" + sampling + ", seed=" + seed
                + (dampingFactor > 0 ? ", heuristicDamping=" + dampingFactor : "")
                + (factorFile != null ? ", factorFile=" + factorFile : "") + "]";
    }

    /** The damped inverse of fitted factors (serializable: its portable copy has no residual operator). */
    private static final class Inverse implements InverseHvp, java.io.Serializable {
        private static final long serialVersionUID = 1L;
        private final String method;
        private final double dampingFactor;
        private final KroneckerFactors factors;
        private final double damping;
        private final double[] spectrum;
        private final transient HessianVectorProduct residualOperator; // null: no residual check

        Inverse(String method, double dampingFactor, KroneckerFactors factors, double damping, double[] spectrum,
                HessianVectorProduct residualOperator) {
            this.method = method;
            this.dampingFactor = dampingFactor;
            this.factors = factors;
            this.damping = damping;
            this.spectrum = spectrum;
            this.residualOperator = residualOperator;
        }

        @Override
        public long dimension() {
            return factors.dimension();
        }

        @Override
        public double damping() {
            return damping;
        }

        @Override
        public SolverResult solve(INDArray b) {
            long start = System.nanoTime();
            Arguments.checkVector("b", b, dimension());
            Arguments.checkFinite("b", b);
            if (Thread.currentThread().isInterrupted()) {
                throw new java.util.concurrent.CancellationException("interrupted before a " + method + " solve");
            }
            double[] bv = Arguments.toDoubleVector(b).toDoubleVector();
            double bn = norm(bv);
            double[] x = factors.apply(bv, damping, dampingFactor, true);
            INDArray xs = Nd4j.createFromArray(x);
            double residual = Double.NaN;
            if (residualOperator != null) {
                residual = residualOperator.apply(xs).subi(Nd4j.createFromArray(bv)).norm2Number().doubleValue();
            }
            return new SolverResult(xs, 0, residual, bn, true, bn == 0 ? StopReason.ZERO_RIGHT_HAND_SIDE
                    : StopReason.APPROXIMATE, Duration.ofNanos(System.nanoTime() - start),
                    new SolverDiagnostics.Kronecker(method, factors.sampling(), factors.seed(),
                            factors.blockList().size(), dampingFactor, spectrum[0], spectrum[1],
                            residualOperator != null));
        }

        @Override
        public java.util.Optional<InverseHvp> portable() {
            return java.util.Optional.of(residualOperator == null ? this
                    : new Inverse(method, dampingFactor, factors, damping, spectrum, null));
        }

        @Override
        public String toString() {
            return method + "Inverse[λ=" + damping + ", " + factors + "]";
        }
    }

    static double norm(double[] v) {
        double s = 0;
        for (double d : v) {
            s += d * d;
        }
        return Math.sqrt(s);
    }
}
