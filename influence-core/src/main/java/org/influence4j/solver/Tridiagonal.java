package org.influence4j.solver;

/**
 * The smallest eigenvalue of a small symmetric tridiagonal matrix by Sturm-sequence bisection (Barrett et
 * al. 1994, §4.2.2; Golub &amp; Van Loan §8.4). Used for the Lanczos matrix that conjugate gradient builds
 * as a by-product, whose smallest eigenvalue (Ritz value) estimates the operator's. Package-private.
 */
final class Tridiagonal {

    private Tridiagonal() {
    }

    /**
     * Smallest eigenvalue of the {@code k × k} symmetric tridiagonal matrix with diagonal {@code d[0..k)}
     * and off-diagonal {@code e[0..k−1)}, to about machine precision relative to its Gershgorin bound.
     */
    static double minEigenvalue(double[] d, double[] e, int k) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < k; i++) {
            double radius = (i > 0 ? Math.abs(e[i - 1]) : 0) + (i < k - 1 ? Math.abs(e[i]) : 0);
            lo = Math.min(lo, d[i] - radius);
            hi = Math.max(hi, d[i] + radius);
        }
        // invariant: no eigenvalue below lo, at least one eigenvalue ≤ hi
        for (int it = 0; it < 200 && hi - lo > 1e-15 * Math.max(Math.abs(lo), Math.abs(hi)); it++) {
            double mid = 0.5 * (lo + hi);
            if (countBelow(d, e, k, mid) >= 1) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return 0.5 * (lo + hi);
    }

    /** Number of eigenvalues {@code < x}: negative pivots of the LDLᵀ factorisation of {@code T − xI}. */
    private static int countBelow(double[] d, double[] e, int k, double x) {
        int count = 0;
        double q = 1;
        for (int i = 0; i < k; i++) {
            q = d[i] - x - (i > 0 ? e[i - 1] * e[i - 1] / q : 0);
            if (q == 0) {
                q = -Double.MIN_NORMAL; // perturb an exact zero pivot (standard in bisection codes)
            }
            if (q < 0) {
                count++;
            }
        }
        return count;
    }
}
