package org.influence4j.bench.report;

import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG charts for reports, drawn with XChart without a display. Loading this class sets the system property
 * {@code java.awt.headless=true} unless it is already set, so it works on servers and in CI; an application that
 * shows windows should set the property itself before.
 *
 * <p>Every method validates its data (finite values; positive ones on a logarithmic axis), creates missing parent
 * directories, overwrites {@code file} and returns it. Arrays are not modified. The methods are stateless and
 * thread-safe.
 */
public final class Plots {

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /** How {@link #eigenvalueSpectrum} maps eigenvalues, which may be negative or zero, to the y axis. */
    public enum SpectrumScale {
        /**
         * {@code |λ|} on a logarithmic axis; negative eigenvalues drawn as red crosses, exact zeros left out (their
         * count is in the legend).
         */
        ABS_LOG,
        /**
         * Symmetric log (as matplotlib's {@code symlog}): {@code y = λ/t} within {@code ±t} and
         * {@code y = sign(λ)·(1 + log10(|λ|/t))} beyond, on a linear axis with tick labels in eigenvalue units;
         * {@code t} is the power of ten at or below {@code 1e-6·max|λ|}. Shows negatives and zeros in place.
         */
        SYMLOG
    }

    private static final Color BLUE = new Color(31, 119, 180);
    private static final Color RED = new Color(214, 39, 40);
    private static final Color GREY = new Color(127, 127, 127);

    private Plots() {
    }

    /**
     * Scatter plot of predicted against actual loss changes (one point per removed training example) with the
     * line {@code y = x}: points on the line are perfect predictions. The actual change is on the x axis, the
     * predicted one on the y axis (Koh &amp; Liang 2017, Fig. 2). Axis titles default to "Actual Δ test loss
     * (leave-one-out retraining)" and "Predicted Δ test loss (influence)" when the options leave them empty; the
     * title may carry the correlations, see {@link #correlationTitle}.
     *
     * @param file      the PNG to write
     * @param predicted predicted changes; not modified
     * @param actual    actual changes, as many as predicted; not modified
     * @param options   title, axis titles, size ({@code logY} must be false)
     * @return {@code file}
     * @throws IOException if the file cannot be written
     */
    public static Path predictedVsActual(Path file, double[] predicted, double[] actual, PlotOptions options)
            throws IOException {
        Objects.requireNonNull(options, "options");
        if (predicted.length != actual.length || predicted.length == 0) {
            throw new IllegalArgumentException("predicted (" + predicted.length + ") and actual (" + actual.length
                    + ") must have the same, non-zero length");
        }
        if (options.logY()) {
            throw new IllegalArgumentException("loss changes can be negative; logY must be false");
        }
        requireFinite(predicted, "predicted");
        requireFinite(actual, "actual");
        PlotOptions o = options.withAxisTitles(
                options.xAxisTitle().isEmpty() ? "Actual Δ test loss (leave-one-out retraining)"
                        : options.xAxisTitle(),
                options.yAxisTitle().isEmpty() ? "Predicted Δ test loss (influence)" : options.yAxisTitle());
        XYChart chart = newChart(o);
        double lo = Math.min(Arrays.stream(predicted).min().orElseThrow(), Arrays.stream(actual).min().orElseThrow());
        double hi = Math.max(Arrays.stream(predicted).max().orElseThrow(), Arrays.stream(actual).max().orElseThrow());
        double pad = hi > lo ? 0.05 * (hi - lo) : Math.max(1e-12, Math.abs(hi) * 0.1);
        XYSeries diagonal = chart.addSeries("y = x", new double[] {lo - pad, hi + pad}, new double[] {lo - pad,
                hi + pad});
        diagonal.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        diagonal.setMarker(SeriesMarkers.NONE);
        diagonal.setLineColor(GREY);
        XYSeries points = chart.addSeries("training examples (" + predicted.length + ")", actual.clone(),
                predicted.clone());
        points.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        points.setMarker(SeriesMarkers.CIRCLE);
        points.setMarkerColor(BLUE);
        return write(chart, file);
    }

    /**
     * Scatter plot of two measurements of the same items, without a reference line (the quantities need not share a
     * scale): e.g. the summed influence scores of each subset against the test loss of the model trained on it.
     *
     * @param file    the PNG to write
     * @param x       values on the x axis; not modified
     * @param y       values on the y axis, as many as {@code x}; not modified
     * @param points  legend label of the points, e.g. "subsets"
     * @param options title, axis titles (both required), size ({@code logY} must be false)
     * @return {@code file}
     * @throws IOException if the file cannot be written
     */
    public static Path scatter(Path file, double[] x, double[] y, String points, PlotOptions options)
            throws IOException {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(points, "points");
        if (x.length != y.length || x.length == 0) {
            throw new IllegalArgumentException("x (" + x.length + ") and y (" + y.length
                    + ") must have the same, non-zero length");
        }
        if (options.logY() || options.xAxisTitle().isEmpty() || options.yAxisTitle().isEmpty()) {
            throw new IllegalArgumentException("a scatter plot needs both axis titles and a linear y axis");
        }
        requireFinite(x, "x");
        requireFinite(y, "y");
        XYChart chart = newChart(options);
        XYSeries s = chart.addSeries(points + " (" + x.length + ")", x.clone(), y.clone());
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        s.setMarker(SeriesMarkers.CIRCLE);
        s.setMarkerColor(BLUE);
        return write(chart, file);
    }

    /**
     * A title with correlations appended, e.g. {@code "Iris, depth 2 (Pearson 0.912, Spearman 0.874)"}.
     *
     * @param base     the title text
     * @param pearson  Pearson correlation (NaN prints as "n/a")
     * @param spearman Spearman correlation (NaN prints as "n/a")
     * @return the combined title
     */
    public static String correlationTitle(String base, double pearson, double spearman) {
        return base + " (Pearson " + fixed3(pearson) + ", Spearman " + fixed3(spearman) + ")";
    }

    /**
     * Line chart of a metric against a parameter, one line with markers per series, e.g. Spearman correlation
     * against depth with and without weight decay, or the top Hessian eigenvalue against depth (with
     * {@code options.withLogY(true)}).
     *
     * @param file    the PNG to write
     * @param series  the lines, at least one, with distinct names
     * @param options title, axis titles, size, log scale
     * @return {@code file}
     * @throws IOException if the file cannot be written
     */
    public static Path lineChart(Path file, List<Series> series, PlotOptions options) throws IOException {
        Objects.requireNonNull(options, "options");
        if (series.isEmpty()) {
            throw new IllegalArgumentException("series must not be empty");
        }
        Set<String> names = new HashSet<>();
        for (Series s : series) {
            if (!names.add(s.name())) {
                throw new IllegalArgumentException("series name '" + s.name() + "' is used twice");
            }
            if (options.logY()) {
                requirePositive(s.y(), "series '" + s.name() + "' y (logarithmic axis)");
            }
        }
        XYChart chart = newChart(options);
        chart.getStyler().setYAxisLogarithmic(options.logY());
        for (Series s : series) {
            XYSeries line = chart.addSeries(s.name(), s.x(), s.y());
            line.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        }
        return write(chart, file);
    }

    /**
     * Eigenvalue spectrum: the eigenvalues sorted in decreasing order against their rank {@code 1 … p}, with
     * negative eigenvalues marked (red crosses). X axis title defaults to "rank", y to "eigenvalue" (plus the
     * scale).
     *
     * @param file        the PNG to write
     * @param eigenvalues the eigenvalues in any order; not modified
     * @param scale       how negative and zero eigenvalues are shown
     * @param options     title, axis titles, size ({@code logY} is ignored: the scale decides)
     * @return {@code file}
     * @throws IOException if the file cannot be written
     */
    public static Path eigenvalueSpectrum(Path file, double[] eigenvalues, SpectrumScale scale, PlotOptions options)
            throws IOException {
        Objects.requireNonNull(scale, "scale");
        Objects.requireNonNull(options, "options");
        if (eigenvalues.length == 0) {
            throw new IllegalArgumentException("eigenvalues must not be empty");
        }
        requireFinite(eigenvalues, "eigenvalues");
        double[] sorted = eigenvalues.clone();
        Arrays.sort(sorted);
        reverse(sorted);
        double maxAbs = Arrays.stream(sorted).map(Math::abs).max().orElseThrow();
        // linear threshold of the symmetric log: a power of ten, so that integer y ticks are round numbers
        double t = maxAbs > 0 ? Math.pow(10, Math.floor(Math.log10(1e-6 * maxAbs))) : 1.0;

        List<Double> posX = new ArrayList<>();
        List<Double> posY = new ArrayList<>();
        List<Double> negX = new ArrayList<>();
        List<Double> negY = new ArrayList<>();
        List<Double> zeroX = new ArrayList<>();
        for (int i = 0; i < sorted.length; i++) {
            double v = sorted[i];
            double rank = i + 1;
            if (scale == SpectrumScale.ABS_LOG) {
                if (v > 0) {
                    posX.add(rank);
                    posY.add(v);
                } else if (v < 0) {
                    negX.add(rank);
                    negY.add(-v);
                } else {
                    zeroX.add(rank);
                }
            } else {
                double y = symlog(v, t);
                if (v < 0) {
                    negX.add(rank);
                    negY.add(y);
                } else {
                    posX.add(rank);
                    posY.add(y);
                }
            }
        }
        if (posX.isEmpty() && negX.isEmpty()) {
            throw new IllegalArgumentException("all " + sorted.length + " eigenvalues are 0: nothing to show on a "
                    + "logarithmic axis; use SpectrumScale.SYMLOG");
        }
        String yTitle = options.yAxisTitle().isEmpty()
                ? (scale == SpectrumScale.ABS_LOG ? "|eigenvalue| (log scale)"
                        : "eigenvalue (symmetric log, linear within ±" + fmt(t) + ")")
                : options.yAxisTitle();
        PlotOptions o = options.withLogY(scale == SpectrumScale.ABS_LOG)
                .withAxisTitles(options.xAxisTitle().isEmpty() ? "rank" : options.xAxisTitle(), yTitle);
        XYChart chart = newChart(o);
        chart.getStyler().setYAxisLogarithmic(o.logY());
        if (scale == SpectrumScale.SYMLOG) {
            double tt = t;
            chart.setCustomYAxisTickLabelsFormatter(y -> fmt(inverseSymlog(y, tt)));
        }
        String zeros = zeroX.isEmpty() ? "" : ", " + zeroX.size() + " exactly 0 not shown";
        if (!posX.isEmpty()) {
            String name = (scale == SpectrumScale.ABS_LOG ? "λ > 0 (" : "λ ≥ 0 (") + posX.size() + ")"
                    + (negX.isEmpty() ? zeros : "");
            XYSeries s = chart.addSeries(name, posX, posY);
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            s.setMarker(SeriesMarkers.CIRCLE);
            s.setMarkerColor(BLUE);
        }
        if (!negX.isEmpty()) {
            String name = "λ < 0 (" + negX.size() + (scale == SpectrumScale.ABS_LOG ? ", |λ| shown" : "") + ")"
                    + zeros;
            XYSeries s = chart.addSeries(name, negX, negY);
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            s.setMarker(SeriesMarkers.CROSS);
            s.setMarkerColor(RED);
        }
        return write(chart, file);
    }

    /** Symmetric log with linear threshold {@code t}: linear within ±t, {@code ±(1 + log10(|v|/t))} beyond. */
    static double symlog(double v, double t) {
        double a = Math.abs(v);
        return a <= t ? v / t : Math.signum(v) * (1 + Math.log10(a / t));
    }

    /** The inverse of {@link #symlog}. */
    static double inverseSymlog(double y, double t) {
        double a = Math.abs(y);
        return a <= 1 ? y * t : Math.signum(y) * t * Math.pow(10, a - 1);
    }

    /**
     * Grouped bar chart: one group per category (e.g. a curvature) and one bar per series in each group (e.g. a
     * network), for comparing a metric such as a correlation across choices.
     *
     * @param file       the PNG to write
     * @param categories the group labels, at least one
     * @param series     name → one value per category (NaN draws no bar), at least one, insertion order kept
     * @param options    title, axis titles, size ({@code logY} must be false)
     * @return {@code file}
     * @throws IOException if the file cannot be written
     */
    public static Path barChart(Path file, List<String> categories, java.util.LinkedHashMap<String, double[]> series,
                                PlotOptions options) throws IOException {
        Objects.requireNonNull(options, "options");
        if (categories.isEmpty() || series.isEmpty()) {
            throw new IllegalArgumentException("categories and series must not be empty");
        }
        org.knowm.xchart.CategoryChart chart = new org.knowm.xchart.CategoryChartBuilder().width(options.width())
                .height(options.height()).title(options.title()).xAxisTitle(options.xAxisTitle())
                .yAxisTitle(options.yAxisTitle()).build();
        Styler st = chart.getStyler();
        st.setChartBackgroundColor(Color.WHITE);
        st.setChartTitleVisible(!options.title().isEmpty());
        st.setLegendPosition(Styler.LegendPosition.OutsideS);
        st.setLegendLayout(Styler.LegendLayout.Horizontal);
        for (var e : series.entrySet()) {
            if (e.getValue().length != categories.size()) {
                throw new IllegalArgumentException("series " + e.getKey() + " has " + e.getValue().length
                        + " values for " + categories.size() + " categories");
            }
            List<Double> values = new ArrayList<>();
            for (double v : e.getValue()) {
                values.add(Double.isFinite(v) ? v : null);
            }
            chart.addSeries(e.getKey(), new ArrayList<>(categories), values);
        }
        return write(chart, file);
    }

    private static XYChart newChart(PlotOptions o) {
        XYChart chart = new XYChartBuilder().width(o.width()).height(o.height()).title(o.title())
                .xAxisTitle(o.xAxisTitle()).yAxisTitle(o.yAxisTitle()).build();
        Styler st = chart.getStyler();
        st.setChartBackgroundColor(Color.WHITE);
        st.setChartTitleVisible(!o.title().isEmpty());
        // below the plot: inside, the legend box can hide points wherever the data happen to be
        st.setLegendPosition(Styler.LegendPosition.OutsideS);
        st.setLegendLayout(Styler.LegendLayout.Horizontal);
        st.setMarkerSize(6);
        chart.getStyler().setXAxisTitleVisible(!o.xAxisTitle().isEmpty());
        chart.getStyler().setYAxisTitleVisible(!o.yAxisTitle().isEmpty());
        return chart;
    }

    private static Path write(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
        return file;
    }

    static void requireFinite(double[] values, String what) {
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException(what + "[" + i + "] (" + values[i] + ") must be finite");
            }
        }
    }

    private static void requirePositive(double[] values, String what) {
        for (int i = 0; i < values.length; i++) {
            if (!(values[i] > 0)) {
                throw new IllegalArgumentException(what + "[" + i + "] (" + values[i] + ") must be > 0");
            }
        }
    }

    private static void reverse(double[] a) {
        for (int i = 0, j = a.length - 1; i < j; i++, j--) {
            double t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private static String fixed3(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(java.util.Locale.ROOT, "%.3f", v);
    }

    /** Three significant digits, trailing zeros dropped, scientific outside [1e-3, 1e5); NaN as "n/a". */
    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        if (v == 0 || Double.isInfinite(v)) {
            return v == 0 ? "0" : Double.toString(v);
        }
        BigDecimal r = BigDecimal.valueOf(v).round(new MathContext(3));
        double a = Math.abs(v);
        if (a >= 1e-3 && a < 1e5) {
            return r.stripTrailingZeros().toPlainString();
        }
        String mantissa = r.unscaledValue().abs().toString().replaceAll("0+$", "");
        int exponent = r.precision() - r.scale() - 1;
        String m = mantissa.length() == 1 ? mantissa : mantissa.charAt(0) + "." + mantissa.substring(1);
        return (v < 0 ? "-" : "") + m + "e" + exponent;
    }
}
