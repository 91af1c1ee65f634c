package org.influence4j.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotsTest {

    @TempDir
    Path dir;

    private static BufferedImage readPng(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        assertThat(bytes).startsWith(0x89, 'P', 'N', 'G');
        BufferedImage image = ImageIO.read(file.toFile());
        assertThat(image).as("ImageIO decodes %s", file).isNotNull();
        return image;
    }

    @Test
    void predictedVsActual_writesPngOfConfiguredSize() throws IOException {
        double[] actual = {-0.02, 0.01, 0.03, 0.0, -0.01};
        double[] predicted = {-0.018, 0.012, 0.025, 0.001, -0.013};
        String title = Plots.correlationTitle("Iris, depth 1", 0.991, 0.9);

        Path file = Plots.predictedVsActual(dir.resolve("sub/scatter.png"), predicted, actual,
                PlotOptions.titled(title).withSize(640, 480));

        assertThat(file).isEqualTo(dir.resolve("sub/scatter.png"));
        BufferedImage image = readPng(file);
        assertThat(image.getWidth()).isEqualTo(640);
        assertThat(image.getHeight()).isEqualTo(480);
        assertThat(title).isEqualTo("Iris, depth 1 (Pearson 0.991, Spearman 0.900)");
    }

    @Test
    void predictedVsActual_rejectsMismatchedOrNonFiniteInput() {
        assertThatThrownBy(() -> Plots.predictedVsActual(dir.resolve("a.png"), new double[2], new double[3],
                PlotOptions.titled(""))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Plots.predictedVsActual(dir.resolve("a.png"), new double[] {1, Double.NaN},
                new double[2], PlotOptions.titled(""))).hasMessage("predicted[1] (NaN) must be finite");
    }

    @Test
    void lineChart_drawsSeveralSeriesOnLogAxis() throws IOException {
        double[] depth = {1, 2, 4, 8};
        List<Series> series = List.of(
                new Series("weight decay 5e-3", depth, new double[] {1.5, 3.1, 9.0, 24.0}),
                new Series("no weight decay", depth, new double[] {0.8, 2.0, 4.0, 11.0}));

        Path file = Plots.lineChart(dir.resolve("eig.png"), series,
                PlotOptions.titled("Top Hessian eigenvalue").withAxisTitles("depth", "λ_max").withLogY(true)
                        .withSize(500, 300));

        BufferedImage image = readPng(file);
        assertThat(image.getWidth()).isEqualTo(500);
        assertThat(image.getHeight()).isEqualTo(300);
    }

    @Test
    void lineChart_rejectsNonPositiveValuesOnLogAxisAndDuplicateNames() {
        Series s = new Series("corr", new double[] {1, 2}, new double[] {0.5, -0.1});

        assertThatThrownBy(() -> Plots.lineChart(dir.resolve("x.png"), List.of(s), PlotOptions.titled("")
                .withLogY(true))).hasMessage("series 'corr' y (logarithmic axis)[1] (-0.1) must be > 0");
        assertThatThrownBy(() -> Plots.lineChart(dir.resolve("x.png"), List.of(s, s), PlotOptions.titled("")))
                .hasMessageContaining("used twice");
        assertThatThrownBy(() -> new Series("bad", new double[] {1}, new double[] {1, 2}))
                .hasMessageContaining("x has 1 values but y has 2");
    }

    @Test
    void eigenvalueSpectrum_marksNegativesInBothScales() throws IOException {
        double[] eig = {24.0, -0.003, 1.5, 0.0, 1e-7, -2e-5, 0.4};
        for (Plots.SpectrumScale scale : Plots.SpectrumScale.values()) {
            Path file = Plots.eigenvalueSpectrum(dir.resolve(scale + ".png"), eig, scale,
                    PlotOptions.titled("Hessian spectrum").withSize(700, 400));

            BufferedImage image = readPng(file);
            assertThat(image.getWidth()).isEqualTo(700);
            assertThat(image.getHeight()).isEqualTo(400);
        }
        assertThat(eig[1]).as("input not modified").isEqualTo(-0.003);
    }

    @Test
    void eigenvalueSpectrum_rejectsAllZeroOnAbsLogScale() throws IOException {
        assertThatThrownBy(() -> Plots.eigenvalueSpectrum(dir.resolve("z.png"), new double[3],
                Plots.SpectrumScale.ABS_LOG, PlotOptions.titled(""))).hasMessageContaining("use SpectrumScale.SYMLOG");
        assertThat(readPng(Plots.eigenvalueSpectrum(dir.resolve("z.png"), new double[3], Plots.SpectrumScale.SYMLOG,
                PlotOptions.titled("")))).isNotNull();
    }

    @Test
    void symlog_isLinearInsideThresholdAndInvertible() {
        assertThat(Plots.symlog(5e-5, 1e-4)).isEqualTo(0.5);
        assertThat(Plots.symlog(-1e-2, 1e-4)).isCloseTo(-3.0, within(1e-12));
        for (double v : new double[] {-24, -1e-3, -3e-5, 0, 2e-5, 0.7, 1e4}) {
            double back = Plots.inverseSymlog(Plots.symlog(v, 1e-4), 1e-4);
            assertThat(back).isCloseTo(v, within(1e-12 * (1 + Math.abs(v))));
        }
    }

    @Test
    void fmt_usesThreeSignificantDigits() {
        assertThat(Plots.fmt(100)).isEqualTo("100");
        assertThat(Plots.fmt(0.0999)).isEqualTo("0.0999");
        assertThat(Plots.fmt(1e-4)).isEqualTo("1e-4");
        assertThat(Plots.fmt(-2.345e-7)).isEqualTo("-2.35e-7");
        assertThat(Plots.fmt(123456)).isEqualTo("1.23e5");
        assertThat(Plots.fmt(Double.NaN)).isEqualTo("n/a");
    }

    @Test
    void options_validateSize() {
        assertThatThrownBy(() -> PlotOptions.titled("t").withSize(50, 400))
                .hasMessage("width (50) must be in [100, 10000] pixels");
    }
}
