package org.influence4j.solver;

import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import java.util.SplittableRandom;

import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.hvp.MiniBatchHessianVectorProduct;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Test problems with known answers and the tolerances of the solver tests, in one place.
 *
 * <p>Every SPD problem is built as {@code H = Q diag(s) Qᵀ} from a random orthogonal {@code Q} (modified
 * Gram–Schmidt, applied twice, on a seeded Gaussian matrix) and a prescribed spectrum, in plain Java. The
 * oracle {@code x = Q diag(1/s) Qᵀ b} uses {@code Q} and {@code s} directly, independent of any solver.
 */
final class SolverFixtures {

    /**
     * Exact solver: relative error ≤ this × κ. A backward-stable eigensolver gives about {@code p·ε·κ}
     * ({@code 60 × 1.1e-16 ≈ 7e-15}); forming {@code H} from {@code Q, s} in floating point adds a perturbation
     * of the same order, so 1e-12 leaves a margin of ~100.
     */
    static final double EXACT_ERROR_PER_KAPPA = 1e-12;
    /** CG relative-residual tolerance (the solver's default), checked on the true residual. */
    static final double CG_TOLERANCE = ConjugateGradientSolver.DEFAULT_TOLERANCE;
    /** LiSSA relative error on well-conditioned problems (the method is approximate and, with batches, noisy). */
    static final double LISSA_RELATIVE_ERROR = 1e-2;
    /**
     * dsyevd vs ND4J Eigen: both backward stable, eigenvalues agree to {@code O(p·ε·‖H‖)}; solutions of a
     * problem with κ = 100 to {@code O(p·ε·κ)} ≈ 1e-12; 1e-10 leaves a margin.
     */
    static final double BACKENDS_AGREE = 1e-10;
    /** Well-conditioned results that every solver must reach with default settings (contract test). */
    static final double CONTRACT_RELATIVE_ERROR = 1e-6;

    private SolverFixtures() {
    }

    /** A symmetric problem {@code H = Q diag(s) Qᵀ} with its exact inverse. */
    record Problem(double[][] q, double[] spectrum, INDArray matrix) {

        int p() {
            return spectrum.length;
        }

        /** The explicit operator. */
        HessianVectorProduct operator() {
            return HessianVectorProduct.ofMatrix(matrix);
        }

        /** {@code Q diag(1/(s + λ)) Qᵀ b} in plain Java. */
        INDArray oracle(INDArray b, double damping) {
            double[] shifted = spectrum.clone();
            for (int i = 0; i < shifted.length; i++) {
                shifted[i] += damping;
            }
            return oracleWithSpectrum(b, shifted);
        }

        /** {@code Q diag(1/μ) Qᵀ b} for an arbitrary (e.g. clipped) spectrum μ. */
        INDArray oracleWithSpectrum(INDArray b, double[] mu) {
            int p = p();
            double[] bb = b.toDoubleVector();
            double[] c = new double[p];
            for (int k = 0; k < p; k++) {
                double sum = 0;
                for (int i = 0; i < p; i++) {
                    sum += q[i][k] * bb[i];
                }
                c[k] = sum / mu[k];
            }
            double[] x = new double[p];
            for (int i = 0; i < p; i++) {
                double sum = 0;
                for (int k = 0; k < p; k++) {
                    sum += q[i][k] * c[k];
                }
                x[i] = sum;
            }
            return Nd4j.createFromArray(x);
        }
    }

    /** SPD problem of size p with log-spaced spectrum from 1 to κ. */
    static Problem spd(int p, double kappa, long seed) {
        double[] s = new double[p];
        for (int i = 0; i < p; i++) {
            s[i] = Math.pow(kappa, p == 1 ? 0 : (double) i / (p - 1));
        }
        return withSpectrum(s, seed);
    }

    /**
     * A symmetric problem of size p whose spectrum starts with {@code leading} (e.g. negative or zero
     * eigenvalues) and continues with values equally spaced from {@code low} to {@code high}.
     */
    static Problem withLeadingEigenvalues(int p, double[] leading, double low, double high, long seed) {
        double[] s = new double[p];
        System.arraycopy(leading, 0, s, 0, leading.length);
        int rest = p - leading.length;
        for (int i = 0; i < rest; i++) {
            s[leading.length + i] = low + (high - low) * i / (rest - 1);
        }
        return withSpectrum(s, seed);
    }

    /** Symmetric problem {@code Q diag(spectrum) Qᵀ}, exactly symmetric. */
    static Problem withSpectrum(double[] spectrum, long seed) {
        int p = spectrum.length;
        double[][] q = randomOrthogonal(p, new Random(seed));
        double[][] h = new double[p][p];
        for (int i = 0; i < p; i++) {
            for (int j = 0; j <= i; j++) {
                double sum = 0;
                for (int k = 0; k < p; k++) {
                    sum += q[i][k] * spectrum[k] * q[j][k];
                }
                h[i][j] = sum;
                h[j][i] = sum;
            }
        }
        return new Problem(q, spectrum.clone(), Nd4j.createFromArray(h));
    }

    /** Columns of a seeded Gaussian matrix orthonormalised by modified Gram–Schmidt, twice ("twice is enough"). */
    static double[][] randomOrthogonal(int p, Random rng) {
        double[][] a = new double[p][p];
        for (double[] row : a) {
            for (int j = 0; j < p; j++) {
                row[j] = rng.nextGaussian();
            }
        }
        for (int pass = 0; pass < 2; pass++) {
            for (int k = 0; k < p; k++) {
                for (int j = 0; j < k; j++) {
                    double dot = 0;
                    for (int i = 0; i < p; i++) {
                        dot += a[i][j] * a[i][k];
                    }
                    for (int i = 0; i < p; i++) {
                        a[i][k] -= dot * a[i][j];
                    }
                }
                double norm = 0;
                for (int i = 0; i < p; i++) {
                    norm += a[i][k] * a[i][k];
                }
                norm = Math.sqrt(norm);
                for (int i = 0; i < p; i++) {
                    a[i][k] /= norm;
                }
            }
        }
        return a;
    }

    /** A seeded standard-normal vector of length p. */
    static INDArray gaussian(int p, long seed) {
        Random rng = new Random(seed);
        double[] v = new double[p];
        for (int i = 0; i < p; i++) {
            v[i] = rng.nextGaussian();
        }
        return Nd4j.createFromArray(v);
    }

    /** {@code ‖x − y‖ / ‖y‖}. */
    static double relativeError(INDArray x, INDArray y) {
        return x.sub(y).norm2Number().doubleValue() / y.norm2Number().doubleValue();
    }

    /** Bitwise copy of the elements of an array (for "not modified" checks). */
    static double[] bits(INDArray a) {
        return a.dup().reshape(a.length()).toDoubleVector();
    }

    /** Counts products like {@link CountingHvp} and hides the closed form, so the exact solver spends HVPs. */
    static final class Counting extends CountingHvp {
        Counting(HessianVectorProduct delegate) {
            super(delegate);
        }

        @Override
        public Optional<INDArray> denseMatrix() {
            return Optional.empty();
        }
    }

    /**
     * Ridge regression's Hessian as a mini-batch operator: {@code H = XᵀX/n + ridge·I}, and for a batch
     * {@code B}: {@code H_B = X_Bᵀ X_B/|B| + ridge·I} (the regulariser in every batch), so {@code E[H_B] = H}.
     * Batches are drawn without replacement by a partial Fisher–Yates shuffle. Products are plain Java
     * sums of rank-one terms {@code xᵢ(xᵢᵀv)} (fast for the small sizes used here).
     */
    static final class RidgeMiniBatch implements MiniBatchHessianVectorProduct {
        final double[][] x;
        final double ridge;
        final int batchSize;

        RidgeMiniBatch(double[][] x, double ridge, int batchSize) {
            this.x = x;
            this.ridge = ridge;
            this.batchSize = batchSize;
        }

        /** Standard Gaussian design {@code [n, p]}, seeded. */
        static RidgeMiniBatch random(int n, int p, double ridge, int batchSize, long seed) {
            Random rng = new Random(seed);
            double[][] d = new double[n][p];
            for (double[] row : d) {
                for (int j = 0; j < p; j++) {
                    row[j] = rng.nextGaussian();
                }
            }
            return new RidgeMiniBatch(d, ridge, batchSize);
        }

        /** The dense full Hessian {@code XᵀX/n + ridge·I}. */
        INDArray fullMatrix() {
            INDArray xs = Nd4j.createFromArray(x);
            INDArray h = xs.transpose().mmul(xs).divi(x.length);
            return h.addi(Nd4j.eye(x[0].length).castTo(h.dataType()).muli(ridge));
        }

        /** {@code (Σ_{i ∈ rows} xᵢxᵢᵀ/|rows| + ridge·I) v}. */
        private INDArray product(int[] rows, INDArray v) {
            int p = x[0].length;
            double[] vv = v.toDoubleVector();
            double[] out = new double[p];
            for (int i : rows) {
                double dot = 0;
                for (int j = 0; j < p; j++) {
                    dot += x[i][j] * vv[j];
                }
                for (int j = 0; j < p; j++) {
                    out[j] += x[i][j] * dot / rows.length;
                }
            }
            for (int j = 0; j < p; j++) {
                out[j] += ridge * vv[j];
            }
            return Nd4j.createFromArray(out);
        }

        private HessianVectorProduct restrictedTo(int[] rows) {
            return new HessianVectorProduct() {
                @Override
                public long dimension() {
                    return x[0].length;
                }

                @Override
                public INDArray apply(INDArray v) {
                    HessianVectorProduct.checkArgument(this, v);
                    return product(rows, v);
                }
            };
        }

        @Override
        public HessianVectorProduct sampleBatch(SplittableRandom rng) {
            int n = x.length;
            int[] perm = new int[n];
            Arrays.setAll(perm, i -> i);
            for (int i = 0; i < batchSize; i++) {
                int j = i + rng.nextInt(n - i);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            return restrictedTo(Arrays.copyOf(perm, batchSize));
        }

        @Override
        public int batchSize() {
            return batchSize;
        }

        @Override
        public long dimension() {
            return x[0].length;
        }

        @Override
        public INDArray apply(INDArray v) {
            int[] all = new int[x.length];
            Arrays.setAll(all, i -> i);
            return restrictedTo(all).apply(v);
        }
    }
}
