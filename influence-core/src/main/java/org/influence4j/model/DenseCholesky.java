package org.influence4j.model;

/**
 * A small dense Cholesky factorisation {@code A = LLᵀ} in plain Java, used by the reference models'
 * trainers (normal equations, Newton steps). Intended for a few thousand unknowns at most: it costs
 * {@code p³/3} flops and {@code 8p²} bytes. Package-private; the public solvers live in {@code solver/}.
 */
final class DenseCholesky {

    private final double[][] l;

    private DenseCholesky(double[][] l) {
        this.l = l;
    }

    /**
     * Factorises the symmetric matrix {@code a} (only its lower triangle is read; not modified).
     *
     * @return the factor, or {@code null} if {@code a} is not numerically positive definite
     */
    static DenseCholesky factor(double[][] a) {
        int p = a.length;
        double[][] l = new double[p][p];
        for (int j = 0; j < p; j++) {
            double d = a[j][j];
            double[] lj = l[j];
            for (int k = 0; k < j; k++) {
                d -= lj[k] * lj[k];
            }
            // NaN-safe: a non-positive (or NaN) pivot means A is not positive definite
            if (!(d > 0)) {
                return null;
            }
            double ljj = Math.sqrt(d);
            lj[j] = ljj;
            for (int i = j + 1; i < p; i++) {
                double[] li = l[i];
                double s = a[i][j];
                for (int k = 0; k < j; k++) {
                    s -= li[k] * lj[k];
                }
                li[j] = s / ljj;
            }
        }
        return new DenseCholesky(l);
    }

    /** Solves {@code Ax = b} (forward then back substitution); {@code b} is not modified. */
    double[] solve(double[] b) {
        int p = l.length;
        double[] y = new double[p];
        for (int i = 0; i < p; i++) {
            double s = b[i];
            double[] li = l[i];
            for (int k = 0; k < i; k++) {
                s -= li[k] * y[k];
            }
            y[i] = s / li[i];
        }
        double[] x = new double[p];
        for (int i = p - 1; i >= 0; i--) {
            double s = y[i];
            for (int k = i + 1; k < p; k++) {
                s -= l[k][i] * x[k];
            }
            x[i] = s / l[i][i];
        }
        return x;
    }
}
