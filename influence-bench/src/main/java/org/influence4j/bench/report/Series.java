package org.influence4j.bench.report;

import java.util.Arrays;
import java.util.Objects;

/**
 * One named line of a chart: points {@code (x[i], y[i])}, all finite. The record keeps copies of the arrays.
 *
 * @param name the legend entry; unique within a chart
 * @param x    the x values
 * @param y    the y values, as many as x values
 */
public record Series(String name, double[] x, double[] y) {

    /** Validates and copies the points. */
    public Series {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        if (x.length != y.length) {
            throw new IllegalArgumentException("series '" + name + "': x has " + x.length + " values but y has "
                    + y.length);
        }
        if (x.length == 0) {
            throw new IllegalArgumentException("series '" + name + "' has no points");
        }
        x = x.clone();
        y = y.clone();
        Plots.requireFinite(x, "series '" + name + "' x");
        Plots.requireFinite(y, "series '" + name + "' y");
    }

    /** The x values (a copy). */
    @Override
    public double[] x() {
        return x.clone();
    }

    /** The y values (a copy). */
    @Override
    public double[] y() {
        return y.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Series s && name.equals(s.name) && Arrays.equals(x, s.x) && Arrays.equals(y, s.y);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(x), Arrays.hashCode(y));
    }

    @Override
    public String toString() {
        return "Series[" + name + ", " + x.length + " points]";
    }
}
