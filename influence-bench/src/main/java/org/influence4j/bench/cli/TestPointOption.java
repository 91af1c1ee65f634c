package org.influence4j.bench.cli;

import java.util.Locale;

import org.influence4j.bench.study.TestPoints;

/** Parses a test-point selector: {@code highest-loss}, {@code median-loss}, or a 0-based test index. */
final class TestPointOption {

    private TestPointOption() {
    }

    /** Resolves {@code spec} against the per-example test losses. */
    static TestPoints.Choice resolve(String spec, double[] losses) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        switch (s) {
            case "highest-loss" -> {
                int i = TestPoints.highestLoss(losses);
                return new TestPoints.Choice(i, TestPoints.Kind.HIGHEST_LOSS, losses[i]);
            }
            case "median-loss" -> {
                int i = TestPoints.medianLoss(losses);
                return new TestPoints.Choice(i, TestPoints.Kind.MEDIAN_LOSS, losses[i]);
            }
            default -> {
                int i;
                try {
                    i = Integer.parseInt(s);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--test-point '" + spec + "' is not highest-loss, median-loss "
                            + "or a test index");
                }
                if (i < 0 || i >= losses.length) {
                    throw new IllegalArgumentException("--test-point " + i + " is out of range: the test set has "
                            + losses.length + " examples (0.." + (losses.length - 1) + ")");
                }
                return new TestPoints.Choice(i, TestPoints.Kind.INDEX, losses[i]);
            }
        }
    }
}
