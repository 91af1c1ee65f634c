package org.influence4j.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;

import org.hipparchus.stat.correlation.KendallsCorrelation;
import org.hipparchus.stat.correlation.PearsonsCorrelation;
import org.hipparchus.stat.correlation.SpearmansCorrelation;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class CorrelationsTest {

    /** Same formulas in a different summation order: agreement to a few ulps of 1. */
    static final double VS_HIPPARCHUS = 1e-12;
    static final double HAND = 1e-15;

    /** Correlated random samples; with {@code levels > 0}, values are rounded onto that many levels (ties). */
    static double[][] sample(long seed, int n, int levels) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] x = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = rng.nextGaussian();
            y[i] = 0.6 * x[i] + 0.8 * rng.nextGaussian() + (rng.nextInt(10) == 0 ? 5 : 0); // some outliers
            if (levels > 0) {
                // + 0.0 turns −0.0 into 0.0: Hipparchus ranks −0.0 below 0.0, we treat them as equal
                x[i] = Math.rint(x[i] * levels / 4) + 0.0;
                y[i] = Math.rint(y[i] * levels / 4) + 0.0;
            }
        }
        return new double[][] {x, y};
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3, 12})
    void allThree_matchHipparchus_onRandomData(int levels) {
        for (long seed = 1; seed <= 5; seed++) {
            for (int n : new int[] {2, 3, 17, 400}) {
                double[][] s = sample(seed * 100 + n, n, levels);
                double[] x = s[0];
                double[] y = s[1];
                if (isConstant(x) || isConstant(y)) {
                    continue;
                }
                assertThat(Correlations.pearson(x, y)).as("pearson n=%d levels=%d", n, levels)
                        .isCloseTo(new PearsonsCorrelation().correlation(x, y), within(VS_HIPPARCHUS));
                assertThat(Correlations.spearman(x, y)).as("spearman n=%d levels=%d", n, levels)
                        .isCloseTo(new SpearmansCorrelation().correlation(x, y), within(VS_HIPPARCHUS));
                assertThat(Correlations.kendallTauB(x, y)).as("kendall n=%d levels=%d", n, levels)
                        .isCloseTo(new KendallsCorrelation().correlation(x, y), within(VS_HIPPARCHUS));
            }
        }
    }

    @Test
    void handComputedSmallCases() {
        double[] x = {1, 2, 3, 4, 5};
        assertThat(Correlations.pearson(x, new double[] {2, 4, 6, 8, 10})).isCloseTo(1.0, within(HAND));
        assertThat(Correlations.pearson(x, new double[] {5, 4, 3, 2, 1})).isCloseTo(-1.0, within(HAND));
        // y = x² on 1..5: Pearson = Σ(x−3)(y−11) / √(10 · 374) = 60 / √3740
        assertThat(Correlations.pearson(x, new double[] {1, 4, 9, 16, 25}))
                .isCloseTo(60 / Math.sqrt(3740), within(HAND));
        assertThat(Correlations.spearman(x, new double[] {1, 4, 9, 16, 25})).isCloseTo(1.0, within(HAND));
        // one swap among 4: concordant 5, discordant 1 → tau = 4/6; Spearman 1 − 6·2/(4·15) = 0.8
        double[] a = {1, 2, 3, 4};
        double[] b = {1, 3, 2, 4};
        assertThat(Correlations.kendallTauB(a, b)).isCloseTo(4.0 / 6, within(HAND));
        assertThat(Correlations.spearman(a, b)).isCloseTo(0.8, within(HAND));
        // ties: x = (1,1,2), y = (1,2,3): pairs (1,2) tied in x; n_c = 2, n_d = 0; tau_b = 2 / √(2·3)
        assertThat(Correlations.kendallTauB(new double[] {1, 1, 2}, new double[] {1, 2, 3}))
                .isCloseTo(2 / Math.sqrt(6), within(HAND));
        assertThat(Correlations.ranks(new double[] {10, 20, 10, 5, 20, 20}))
                .containsExactly(2.5, 5, 2.5, 1, 5, 5);
        // −0.0 and 0.0 are one tied value
        assertThat(Correlations.ranks(new double[] {0.0, -0.0, 1})).containsExactly(1.5, 1.5, 3);
    }

    @Test
    void degenerateInput_isNaN() {
        double[] constant = {3, 3, 3};
        double[] x = {1, 2, 3};
        assertThat(Correlations.pearson(constant, x)).isNaN();
        assertThat(Correlations.spearman(x, constant)).isNaN();
        assertThat(Correlations.kendallTauB(constant, x)).isNaN();
        assertThat(Correlations.pearson(new double[] {1}, new double[] {2})).isNaN();
        assertThat(Correlations.spearman(new double[0], new double[0])).isNaN();
        assertThat(Correlations.kendallTauB(new double[] {1}, new double[] {2})).isNaN();
    }

    @Test
    void badInput_isRejected() {
        assertThatThrownBy(() -> Correlations.pearson(new double[2], new double[3]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x has length 2 but y has length 3");
        assertThatThrownBy(() -> Correlations.kendallTauB(new double[] {1, Double.NaN}, new double[2]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x contains NaN at index 1");
        assertThatThrownBy(() -> Correlations.spearman(new double[2], new double[] {0, Double.NEGATIVE_INFINITY}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("y contains -Infinity");
        assertThatThrownBy(() -> Correlations.pearson(null, new double[0])).isInstanceOf(NullPointerException.class);
    }

    @Test
    void argumentsAreNotModified() {
        double[][] s = sample(9, 50, 3);
        double[] x = s[0].clone();
        double[] y = s[1].clone();
        Correlations.pearson(x, y);
        Correlations.spearman(x, y);
        Correlations.kendallTauB(x, y);
        Correlations.ranks(x);
        assertThat(x).containsExactly(s[0]);
        assertThat(y).containsExactly(s[1]);
    }

    private static boolean isConstant(double[] a) {
        for (double v : a) {
            if (v != a[0]) {
                return false;
            }
        }
        return true;
    }
}
