package org.influence4j.bench.report;

import java.util.Objects;

/**
 * Appearance of one chart. Immutable; the {@code withX} methods return modified copies.
 *
 * @param title      the chart title (may carry statistics, e.g. correlations); may be empty
 * @param xAxisTitle the x-axis title; may be empty
 * @param yAxisTitle the y-axis title; may be empty
 * @param width      image width in pixels, in {@code [100, 10000]} (default 800)
 * @param height     image height in pixels, in {@code [100, 10000]} (default 600)
 * @param logY       whether the y axis is logarithmic (all y values must then be {@code > 0}); default false
 */
public record PlotOptions(String title, String xAxisTitle, String yAxisTitle, int width, int height, boolean logY) {

    /** Default image width in pixels. */
    public static final int DEFAULT_WIDTH = 800;
    /** Default image height in pixels. */
    public static final int DEFAULT_HEIGHT = 600;

    /** Validates the sizes and null-checks the titles. */
    public PlotOptions {
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(xAxisTitle, "xAxisTitle");
        Objects.requireNonNull(yAxisTitle, "yAxisTitle");
        if (width < 100 || width > 10_000) {
            throw new IllegalArgumentException("width (" + width + ") must be in [100, 10000] pixels");
        }
        if (height < 100 || height > 10_000) {
            throw new IllegalArgumentException("height (" + height + ") must be in [100, 10000] pixels");
        }
    }

    /** Options with the given title, no axis titles, 800×600 pixels, linear axes. */
    public static PlotOptions titled(String title) {
        return new PlotOptions(title, "", "", DEFAULT_WIDTH, DEFAULT_HEIGHT, false);
    }

    /** A copy with another title. */
    public PlotOptions withTitle(String newTitle) {
        return new PlotOptions(newTitle, xAxisTitle, yAxisTitle, width, height, logY);
    }

    /** A copy with other axis titles. */
    public PlotOptions withAxisTitles(String x, String y) {
        return new PlotOptions(title, x, y, width, height, logY);
    }

    /** A copy with another image size in pixels. */
    public PlotOptions withSize(int newWidth, int newHeight) {
        return new PlotOptions(title, xAxisTitle, yAxisTitle, newWidth, newHeight, logY);
    }

    /** A copy with a logarithmic (or linear) y axis. */
    public PlotOptions withLogY(boolean log) {
        return new PlotOptions(title, xAxisTitle, yAxisTitle, width, height, log);
    }
}
