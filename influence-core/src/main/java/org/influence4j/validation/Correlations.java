package org.influence4j.validation;

import java.util.Arrays;
import java.util.Objects;

/**
 * Correlation coefficients for comparing predicted with actual leave-one-out changes: Pearson (linear),
 * Spearman (Pearson of average ranks, so ties are handled) and Kendall's tau-b (pairs, ties corrected).
 *
 * <p>Conventions for every method:
 * <ul>
 *   <li>arrays of different lengths, or containing NaN/Inf, are rejected with an
 *       {@link IllegalArgumentException} naming the argument (and the first bad index);</li>
 *   <li>degenerate input — fewer than 2 points, or a constant array (zero variance, or for Kendall every
 *       pair tied in one of the arrays) — returns {@link Double#NaN}: the coefficient is undefined;</li>
 *   <li>values are compared numerically: {@code −0.0} and {@code 0.0} are one tied value (Hipparchus's
 *       rankings treat them as distinct);</li>
 *   <li>arguments are not modified; results are clamped to {@code [−1, 1]} against round-off.</li>
 * </ul>
 * Costs: Pearson {@code O(n)}; Spearman and Kendall {@code O(n log n)} (Kendall by Knight's merge-sort
 * algorithm, 1966). Stateless and thread-safe.
 */
public final class Correlations {

    private Correlations() {
    }

    /**
     * Pearson's product-moment correlation {@code Σ(x−x̄)(y−ȳ) / √(Σ(x−x̄)² Σ(y−ȳ)²)} (two-pass, centred).
     *
     * @return the coefficient, or NaN if {@code n < 2} or either array is constant
     */
    public static double pearson(double[] x, double[] y) {
        check(x, y);
        int n = x.length;
        if (n < 2) {
            return Double.NaN;
        }
        double mx = mean(x);
        double my = mean(y);
        double sxx = 0, syy = 0, sxy = 0;
        for (int i = 0; i < n; i++) {
            double dx = x[i] - mx;
            double dy = y[i] - my;
            sxx += dx * dx;
            syy += dy * dy;
            sxy += dx * dy;
        }
        if (sxx == 0 || syy == 0) {
            return Double.NaN;
        }
        return clamp(sxy / Math.sqrt(sxx * syy));
    }

    /**
     * Spearman's rank correlation: Pearson's correlation of the {@link #ranks(double[]) average ranks}
     * (the usual tie correction).
     *
     * @return the coefficient, or NaN if {@code n < 2} or either array is constant
     */
    public static double spearman(double[] x, double[] y) {
        check(x, y);
        return pearson(ranks(x), ranks(y));
    }

    /**
     * Kendall's tau-b: {@code (n_c − n_d) / √((n₀ − n₁)(n₀ − n₂))} where {@code n_c}/{@code n_d} count
     * concordant/discordant pairs, {@code n₀ = n(n−1)/2}, and {@code n₁}, {@code n₂} count pairs tied in
     * {@code x}, in {@code y}.
     *
     * @return the coefficient, or NaN if {@code n < 2} or every pair is tied in {@code x} or in {@code y}
     */
    public static double kendallTauB(double[] x, double[] y) {
        check(x, y);
        return tauB(withoutNegativeZero(x), withoutNegativeZero(y));
    }

    /** Knight's algorithm on finite arrays without −0.0. */
    private static double tauB(double[] x, double[] y) {
        int n = x.length;
        if (n < 2) {
            return Double.NaN;
        }
        Integer[] boxed = new Integer[n];
        for (int i = 0; i < n; i++) {
            boxed[i] = i;
        }
        // sort by x, then y: pairs tied in x are then ordered by y and contribute no inversions
        Arrays.sort(boxed, (a, b) -> {
            int c = Double.compare(x[a], x[b]);
            return c != 0 ? c : Double.compare(y[a], y[b]);
        });
        long n0 = (long) n * (n - 1) / 2;
        long tiedX = 0;   // n₁
        long tiedXY = 0;  // n₃: pairs tied in both
        long runX = 1;
        long runXY = 1;
        double[] ys = new double[n];
        ys[0] = y[boxed[0]];
        for (int i = 1; i < n; i++) {
            int cur = boxed[i];
            int prev = boxed[i - 1];
            ys[i] = y[cur];
            boolean sameX = x[cur] == x[prev];
            if (sameX) {
                runX++;
            } else {
                tiedX += runX * (runX - 1) / 2;
                runX = 1;
            }
            // sorted by (x, y): pairs tied in both are contiguous runs
            if (sameX && y[cur] == y[prev]) {
                runXY++;
            } else {
                tiedXY += runXY * (runXY - 1) / 2;
                runXY = 1;
            }
        }
        tiedX += runX * (runX - 1) / 2;
        tiedXY += runXY * (runXY - 1) / 2;
        long swaps = mergeSortCountingInversions(ys);
        long tiedY = 0;   // n₂, counted on the now sorted ys
        long runY = 1;
        for (int i = 1; i < n; i++) {
            if (ys[i] == ys[i - 1]) {
                runY++;
            } else {
                tiedY += runY * (runY - 1) / 2;
                runY = 1;
            }
        }
        tiedY += runY * (runY - 1) / 2;
        double denominator = Math.sqrt((double) (n0 - tiedX) * (double) (n0 - tiedY));
        if (denominator == 0) {
            return Double.NaN;
        }
        // n_c − n_d = n₀ − n₁ − n₂ + n₃ − 2·(discordant pairs = inversions of y in (x, y) order)
        double numerator = (double) (n0 - tiedX - tiedY + tiedXY - 2 * swaps);
        return clamp(numerator / denominator);
    }

    /**
     * Ranks {@code 1..n} with ties given the average of the ranks they span (fractional ranking).
     *
     * @param x values; not modified
     * @return a fresh array of ranks in the order of {@code x}
     */
    public static double[] ranks(double[] x) {
        Objects.requireNonNull(x, "x");
        checkFinite("x", x);
        double[] v = withoutNegativeZero(x);
        int n = x.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(v[a], v[b]));
        double[] r = new double[n];
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && v[order[j + 1]] == v[order[i]]) {
                j++;
            }
            double avg = (i + j) / 2.0 + 1; // mean of ranks i+1 … j+1
            for (int t = i; t <= j; t++) {
                r[order[t]] = avg;
            }
            i = j + 1;
        }
        return r;
    }

    /** Sorts {@code a} ascending in place and returns the number of pairs {@code i < j} with {@code a[i] > a[j]}. */
    private static long mergeSortCountingInversions(double[] a) {
        double[] buf = new double[a.length];
        long inversions = 0;
        for (int width = 1; width < a.length; width *= 2) {
            for (int lo = 0; lo < a.length - width; lo += 2 * width) {
                int mid = lo + width;
                int hi = Math.min(lo + 2 * width, a.length);
                int i = lo, j = mid, k = lo;
                while (i < mid && j < hi) {
                    if (a[j] < a[i]) {
                        inversions += mid - i; // a[j] jumps over every remaining left element
                        buf[k++] = a[j++];
                    } else {
                        buf[k++] = a[i++];
                    }
                }
                while (i < mid) {
                    buf[k++] = a[i++];
                }
                while (j < hi) {
                    buf[k++] = a[j++];
                }
                System.arraycopy(buf, lo, a, lo, hi - lo);
            }
        }
        return inversions;
    }

    private static void check(double[] x, double[] y) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        if (x.length != y.length) {
            throw new IllegalArgumentException("x has length " + x.length + " but y has length " + y.length
                    + "; correlations need paired samples of equal length");
        }
        checkFinite("x", x);
        checkFinite("y", y);
    }

    private static void checkFinite(String name, double[] a) {
        for (int i = 0; i < a.length; i++) {
            if (!Double.isFinite(a[i])) {
                throw new IllegalArgumentException(name + " contains " + a[i] + " at index " + i
                        + "; correlations need finite values");
            }
        }
    }

    /** A copy with −0.0 replaced by 0.0, so that sorting ({@code Double.compare}) agrees with {@code ==}. */
    private static double[] withoutNegativeZero(double[] a) {
        double[] c = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i] + 0.0;
        }
        return c;
    }

    private static double mean(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v;
        }
        return s / a.length;
    }

    private static double clamp(double r) {
        return Math.max(-1.0, Math.min(1.0, r));
    }
}
