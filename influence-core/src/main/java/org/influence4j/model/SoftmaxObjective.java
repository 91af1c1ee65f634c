package org.influence4j.model;

/**
 * The softmax-regression objective, gradient and dense Hessian in plain Java over fixed data, for the
 * Newton trainer. Package-private.
 *
 * <p>Why not ND4J: Newton on a reference model evaluates many tiny problems (one per leave-one-out
 * retraining), where the per-operation overhead of ND4J dominates and its multi-threaded BLAS makes the
 * result depend on the thread count. Plain loops are fast for the sizes a dense Newton step suits anyway
 * ({@code p} up to a few thousand) and bit-for-bit deterministic. The ND4J code paths of
 * {@link SoftmaxRegression} compute the same quantities (tests check that they agree).
 *
 * <p>Same definitions and parameter layout as {@link SoftmaxRegression}: {@code W[i, j]} at {@code j·d + i},
 * then {@code b}.
 */
final class SoftmaxObjective {

    private final double[][] x;
    private final double[][] y;
    private final double l2;
    private final int n;
    private final int d;
    private final int k;

    SoftmaxObjective(double[][] x, double[][] y, double l2) {
        this.x = x;
        this.y = y;
        this.l2 = l2;
        this.n = x.length;
        this.d = x[0].length;
        this.k = y[0].length;
    }

    /** Evaluates the forward pass at {@code theta} (not modified); derivatives are computed on demand. */
    Newton.Point at(double[] theta) {
        double[][] p = new double[n][k];
        double[] s = new double[n];
        double lossSum = 0;
        for (int i = 0; i < n; i++) {
            double[] z = new double[k];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                double zj = theta[d * k + j];
                for (int a = 0; a < d; a++) {
                    zj += x[i][a] * theta[j * d + a];
                }
                z[j] = zj;
                max = Math.max(max, zj);
            }
            double sum = 0;
            for (int j = 0; j < k; j++) {
                p[i][j] = Math.exp(z[j] - max);
                sum += p[i][j];
            }
            double lse = Math.log(sum) + max;
            for (int j = 0; j < k; j++) {
                p[i][j] /= sum;
                s[i] += y[i][j];
                lossSum -= y[i][j] * (z[j] - lse); // ℓᵢ = −Σ_c y_ic log p_ic
            }
        }
        double w2 = 0;
        for (int q = 0; q < d * k; q++) {
            w2 += theta[q] * theta[q];
        }
        double objective = lossSum / n + 0.5 * l2 * w2;
        return new Point(theta, p, s, objective);
    }

    private final class Point implements Newton.Point {
        private final double[] theta;
        private final double[][] p;
        private final double[] s;
        private final double objective;

        Point(double[] theta, double[][] p, double[] s, double objective) {
            this.theta = theta;
            this.p = p;
            this.s = s;
            this.objective = objective;
        }

        @Override
        public double objective() {
            return objective;
        }

        @Override
        public double[] gradient() {
            double[] g = new double[d * k + k];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < k; j++) {
                    double gij = (s[i] * p[i][j] - y[i][j]) / n; // ∂ℓᵢ/∂zᵢⱼ / n
                    for (int a = 0; a < d; a++) {
                        g[j * d + a] += gij * x[i][a];
                    }
                    g[d * k + j] += gij;
                }
            }
            for (int q = 0; q < d * k; q++) {
                g[q] += l2 * theta[q];
            }
            return g;
        }

        @Override
        public double[][] hessian() {
            return denseHessian(x, p, s, l2, k);
        }
    }

    /**
     * The dense Hessian {@code (1/n) Σᵢ sᵢ(diag(pᵢ) − pᵢpᵢᵀ) ⊗ x̃ᵢx̃ᵢᵀ + l2·diag(1_W, 0_b)} in the DL4J layout,
     * from features {@code x [n][d]}, probabilities {@code p [n][k]} and label masses {@code s [n]}.
     * Costs {@code O(n d² k²)}; shared by the trainer and {@code SoftmaxRegression}'s {@code denseMatrix()}.
     */
    static double[][] denseHessian(double[][] x, double[][] p, double[] s, double l2, int k) {
        int n = x.length;
        int d = x[0].length;
        int dim = d * k + k;
        double[][] h = new double[dim][dim];
        double[] xt = new double[d + 1];
        xt[d] = 1;
        for (int i = 0; i < n; i++) {
            System.arraycopy(x[i], 0, xt, 0, d);
            for (int j = 0; j < k; j++) {
                for (int l = j; l < k; l++) {
                    // sᵢ (δ_jl p_ij − p_ij p_il) / n, times x̃ᵢx̃ᵢᵀ in block (j, l)
                    double c = s[i] * ((j == l ? p[i][j] : 0) - p[i][j] * p[i][l]) / n;
                    for (int a = 0; a <= d; a++) {
                        int r = a < d ? j * d + a : d * k + j;
                        double ca = c * xt[a];
                        for (int b = 0; b <= d; b++) {
                            h[r][b < d ? l * d + b : d * k + l] += ca * xt[b];
                        }
                    }
                }
            }
        }
        // mirror each block (j, l), l > j, into (l, j)
        for (int j = 0; j < k; j++) {
            for (int l = j + 1; l < k; l++) {
                for (int a = 0; a <= d; a++) {
                    int r = a < d ? j * d + a : d * k + j;
                    for (int b = 0; b <= d; b++) {
                        int c = b < d ? l * d + b : d * k + l;
                        h[c][r] = h[r][c];
                    }
                }
            }
        }
        for (int q = 0; q < d * k; q++) {
            h[q][q] += l2;
        }
        return h;
    }
}
