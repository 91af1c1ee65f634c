package org.influence4j.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.imageio.ImageIO;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.influence4j.bench.study.FragilityReport;
import org.influence4j.bench.study.Networks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The explain, validate and fragility commands: parsing, one-line errors, and the files they write. */
class CommandsTest {

    @TempDir
    Path dir;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    private static void assertOneLineError(CliRun r, String expected) {
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(expected);
        assertThat(r.err().strip().lines().count()).as(r.err()).isEqualTo(1);
    }

    @Test
    void badArguments_areRejectedInOneLineWithExitCode2() {
        assertOneLineError(run("explain", "--dataset", "nope", "--quiet"), "unknown dataset 'nope'");
        assertOneLineError(run("validate", "--dataset", "nope", "--quiet"), "unknown dataset 'nope'");
        assertOneLineError(run("explain", "-k", "101", "--quiet"), "-k/--top (101) exceeds the training set size (100)");
        assertOneLineError(run("validate", "-k", "95", "--random", "10", "--quiet"), "exceeds the training set size");
        assertOneLineError(run("fragility", "--quick", "-k", "200", "--quiet"), "exceeds the training set size");
        assertOneLineError(run("fragility", "--dataset", "nope", "--quiet"), "unknown dataset 'nope'");
        assertOneLineError(run("fragility", "--preset", "huge"), "unknown --preset 'huge'");
        assertOneLineError(run("fragility", "--solvers", "newton"), "unknown solver 'newton'");
        assertOneLineError(run("explain", "--threads", "0"), "--threads (0) must be >= 1");
        assertOneLineError(run("explain", "--solver", "magic", "--quiet"), "unknown --solver 'magic'");
        assertOneLineError(run("explain", "--frobnicate"), "Unknown option: '--frobnicate'");
        assertOneLineError(run("validate", "-k", "many"), "Invalid value for option '--top-k'");
        assertOneLineError(run("explain", "--model", dir.resolve("missing.zip").toString()), "no such file");
    }

    @Test
    void explain_rejectsModelWhoseOutputDoesNotFitTheLabels() throws Exception {
        MultiLayerNetwork fourClasses = Networks.mlp(4, 4, 1, 3, Networks.HiddenActivation.TANH, 0, 1);
        Path model = dir.resolve("four.zip");
        ModelSerializer.writeModel(fourClasses, model.toFile(), false);
        MultiLayerNetwork sixInputs = Networks.mlp(6, 3, 1, 3, Networks.HiddenActivation.TANH, 0, 1);
        Path wrongInputs = dir.resolve("six.zip");
        ModelSerializer.writeModel(sixInputs, wrongInputs.toFile(), false);
        Path junk = Files.writeString(dir.resolve("junk.zip"), "not a model");

        assertOneLineError(run("explain", "--model", model.toString(), "--quiet"),
                "the model's output has shape [1, 4] but the labels have 3 classes");
        assertOneLineError(run("explain", "--model", wrongInputs.toString(), "--quiet"),
                "the model does not accept the data's 4 input features");
        assertOneLineError(run("explain", "--model", junk.toString(), "--quiet"), "is not a DL4J MultiLayerNetwork");
    }

    @Test
    void explain_loadsASavedModelAndWritesCsvAndJson() throws Exception {
        MultiLayerNetwork net = Networks.mlp(4, 3, 1, 5, Networks.HiddenActivation.TANH, 5e-3, 3);
        Path model = dir.resolve("iris.zip");
        ModelSerializer.writeModel(net, model.toFile(), false);
        Path out = dir.resolve("explain");

        CliRun r = run("explain", "--model", model.toString(), "--test-point", "7", "-k", "4", "--out",
                out.toString(), "--quiet");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("test example 7").contains("most helpful").contains("most harmful")
                .contains("wrote " + out.resolve("explain.csv")).contains("wrote " + out.resolve("explain.json"));
        assertThat(Files.readAllLines(out.resolve("explain.csv"))).hasSize(1 + 2 * 4);
        String json = Files.readString(out.resolve("explain.json"));
        assertThat(json).contains("\"test_index\": 7").contains("\"helpful\": [").contains("\"harmful\": [")
                .contains("\"predicted_loss_change_on_removal\"");
    }

    @Test
    void validate_writesTablesAndOneScatterPlotPerTestPoint() throws Exception {
        Path out = dir.resolve("validate");

        CliRun r = run("validate", "--test-point", "highest-loss,3", "-k", "4", "--random", "2", "--out",
                out.toString(), "--quiet");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("top-k Spearman").contains("wrote " + out.resolve("summary.csv"));
        assertThat(Files.readAllLines(out.resolve("summary.csv"))).hasSize(3);
        assertThat(Files.readAllLines(out.resolve("validation.csv"))).hasSize(1 + 2 * 6);
        assertPng(out.resolve("scatter_test3.png"), 800, 600);
    }

    @Test
    void fragility_tinySweep_writesTableReportAndPlots() throws Exception {
        Path out = dir.resolve("fragility");

        CliRun r = run("fragility", "--quick", "--depths", "1,2", "--seeds", "1", "--weight-decays", "0.005",
                "--protocols", "lbfgs", "--test-points", "1", "-k", "4", "--random", "1", "--out", out.toString(),
                "--quiet");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("wrote").contains(out.resolve("report.md").toString());
        List<String> rows = Files.readAllLines(out.resolve("results.csv"));
        assertThat(rows).hasSize(1 + 2);
        assertThat(rows.get(0)).isEqualTo(String.join(",", FragilityReport.RESULT_COLUMNS));
        assertThat(rows.get(1)).startsWith("lbfgs,1,5,0.005,1,43,");
        assertThat(Files.readString(out.resolve("report.md"))).contains("# Fragility study: quick")
                .contains("mean \\|Spearman\\|").contains("Wall time").contains("Depth sweep by number of top points");
        assertPng(out.resolve("correlation_vs_depth.png"), 800, 600);
        assertPng(out.resolve("top_eigenvalue_vs_depth.png"), 800, 600);
        assertPng(out.resolve("spectrum_lbfgs_d2_w5_wd0.005_s1.png"), 800, 600);
        assertPng(out.resolve("scatter/lbfgs_d1_w5_wd0.005_s1_exact.png"), 800, 600);
    }

    @Test
    void fragility_solverSweep_recordsAgreementAndIterationOverrides() throws Exception {
        Path out = dir.resolve("fragility-solvers");

        CliRun r = run("fragility", "--quick", "--depths", "1", "--seeds", "1", "--weight-decays", "0.005",
                "--protocols", "lbfgs", "--solvers", "exact,cg", "--test-points", "1", "-k", "4", "--random", "0",
                "--retrain-iterations", "7", "--train-iterations", "500", "--out", out.toString(), "--quiet");

        assertThat(r.code()).as(r.err()).isZero();
        List<String> rows = Files.readAllLines(out.resolve("results.csv"));
        assertThat(rows).hasSize(1 + 2);
        List<String> header = List.of(rows.get(0).split(","));
        int agreement = header.indexOf("pearson_vs_first_solver");
        int seconds = header.indexOf("solver_seconds");
        assertThat(Double.parseDouble(rows.get(1).split(",")[agreement])).isEqualTo(1.0, within(1e-12));
        // CG on H + 0.01 I agrees with the exact (clipped) solve at a converged depth-1 network
        assertThat(Double.parseDouble(rows.get(2).split(",")[agreement])).isGreaterThan(0.9);
        assertThat(Double.parseDouble(rows.get(2).split(",")[seconds])).isGreaterThanOrEqualTo(0);
        assertThat(Files.readString(out.resolve("report.md"))).contains("at most 500 iterations")
                .contains("at most 7)");
    }

    static void assertPng(Path file, int width, int height) throws Exception {
        byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(file), 8);
        assertThat(head).as("PNG signature of %s", file)
                .isEqualTo(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        BufferedImage image = ImageIO.read(file.toFile());
        assertThat(image).isNotNull();
        assertThat(image.getWidth()).isEqualTo(width);
        assertThat(image.getHeight()).isEqualTo(height);
    }
}
