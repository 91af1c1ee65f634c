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
    void validate_looFromScratch_onSoftmaxRegression_equalsWarmStartedLeaveOneOut() throws Exception {
        // depth 0 with weight decay is strictly convex: retraining from scratch and warm-started from θ̂ reach the
        // same unique optimum (to L-BFGS's tolerance), so both ground truths measure the same changes
        Path out = dir.resolve("scratch");
        CliRun r = run("validate", "--depth", "0", "--optimizer", "lbfgs", "--test-point", "highest-loss", "-k", "4",
                "--random", "2", "--ground-truth", "loo,loo-scratch", "--out", out.toString(), "--quiet");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("leave-one-out from scratch: from scratch with seed").contains("7 trainings");
        List<String> points = Files.readAllLines(out.resolve("validation.csv"));
        assertThat(points).hasSize(1 + 2 * 6);
        for (int i = 1; i <= 6; i++) {
            String[] warm = points.get(i).split(",");
            String[] scratch = points.get(i + 6).split(",");
            assertThat(warm[0]).isEqualTo("loo");
            assertThat(scratch[0]).isEqualTo("loo-scratch");
            assertThat(scratch[2]).isEqualTo(warm[2]);
            double a = Double.parseDouble(warm[6]);
            assertThat(Double.parseDouble(scratch[6])).as("actual change without %s", warm[2])
                    .isCloseTo(a, within(1e-3 * Math.abs(a) + 1e-7));
        }
        assertPng(out.resolve("scatter_loo_scratch_test" + points.get(1).split(",")[1] + ".png"), 800, 600);
    }

    @Test
    void validate_everyGroundTruth_lds_matchesItsSubsetsFile_andResumes() throws Exception {
        Path out = dir.resolve("truths");
        String[] args = {"validate", "--optimizer", "lbfgs", "--test-point", "highest-loss,3", "-k", "5", "--random",
            "2", "--ground-truth", "lds,pbrf,loo", "--subsets", "12", "--bootstrap", "200", "--out", out.toString(),
            "--quiet"};

        CliRun r = run(args);

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("PBRF: damping").contains("mean LDS").contains("12 trainings run, 0 loaded");
        // loo and pbrf share the removals: one summary row per (ground truth, test point), in --ground-truth order
        List<String> summary = Files.readAllLines(out.resolve("summary.csv"));
        assertThat(summary).hasSize(1 + 4);
        assertThat(summary.get(1)).startsWith("loo,");
        assertThat(summary.get(3)).startsWith("pbrf,");
        List<String> points = Files.readAllLines(out.resolve("validation.csv"));
        assertThat(points).hasSize(1 + 4 * 7);
        // the same training indices were removed for both ground truths, with the same predictions
        for (int i = 1; i <= 14; i++) {
            String[] loo = points.get(i).split(",");
            String[] pbrf = points.get(i + 14).split(",");
            assertThat(pbrf[0]).isEqualTo("pbrf");
            assertThat(pbrf[2]).isEqualTo(loo[2]);
            assertThat(pbrf[5]).isEqualTo(loo[5]);
        }
        // each LDS value is the Spearman correlation of its test point's rows in lds_subsets.csv (an independent
        // recomputation from the written per-subset values)
        List<String> lds = Files.readAllLines(out.resolve("lds.csv"));
        List<String> subsets = Files.readAllLines(out.resolve("lds_subsets.csv"));
        assertThat(lds).hasSize(3);
        assertThat(subsets).hasSize(1 + 12 * 2);
        for (String row : lds.subList(1, 3)) {
            String[] f = row.split(",");
            String test = f[0];
            double[][] xy = subsets.stream().skip(1).map(l -> l.split(",")).filter(c -> c[1].equals(test))
                    .map(c -> new double[] {Double.parseDouble(c[2]), Double.parseDouble(c[3])})
                    .toArray(double[][]::new);
            assertThat(xy).hasNumberOfRows(12);
            double spearman = org.influence4j.validation.Correlations.spearman(
                    java.util.Arrays.stream(xy).mapToDouble(p -> p[0]).toArray(),
                    java.util.Arrays.stream(xy).mapToDouble(p -> p[1]).toArray());
            assertThat(Double.parseDouble(f[3])).isEqualTo(spearman, within(1e-12));
            assertThat(Double.parseDouble(f[4])).isLessThanOrEqualTo(Double.parseDouble(f[5]));
            // a converged one-hidden-layer Iris network: summed influence ranks the subsets' test losses well
            assertThat(spearman).isGreaterThan(0.5);
        }
        assertPng(out.resolve("lds_scatter_test3.png"), 800, 600);
        assertPng(out.resolve("scatter_pbrf_test3.png"), 800, 600);

        // a rerun into the same directory resumes every training from lds_trainings.txt and reproduces lds.csv
        String[] again = java.util.Arrays.copyOf(args, args.length + 1);
        again[args.length] = "--overwrite";
        again[10] = "lds";
        CliRun resumed = run(again);

        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("0 trainings run, 12 loaded");
        assertThat(Files.readAllLines(out.resolve("lds.csv"))).isEqualTo(lds);
    }

    @Test
    void benchmarkTable_tinyQuickTable_exactAndCgAgree_andTheFilesAreWritten() throws Exception {
        Path out = dir.resolve("table");

        CliRun r = run("benchmark-table", "--quick", "--model", "softmax", "--test-points", "5", "--loo-removals", "6",
                "--subsets", "8", "--out", out.toString(), "--quiet");

        assertThat(r.code()).as(r.err()).isZero();
        List<String> rows = Files.readAllLines(out.resolve("table.csv"));
        assertThat(rows).hasSize(1 + 6);
        List<String> header = List.of(rows.get(0).split(","));
        int lds = header.indexOf("lds");
        int loo = header.indexOf("loo_pearson");
        String[] exact = rows.get(1).split(",");
        String[] cg = rows.get(2).split(",");
        assertThat(exact[3]).isEqualTo("exact");
        assertThat(cg[3]).isEqualTo("cg");
        // CG to tolerance and the exact solve rank the training examples the same way on a convex model
        assertThat(Double.parseDouble(cg[lds])).isEqualTo(Double.parseDouble(exact[lds]), within(1e-9));
        assertThat(Double.parseDouble(cg[loo])).isEqualTo(Double.parseDouble(exact[loo]), within(1e-6));
        assertThat(Files.readString(out.resolve("table.md"))).contains("| softmax (4-3)").contains("dattri");
        assertPng(out.resolve("lds.png"), 1000, 600);
        assertPng(out.resolve("loo.png"), 1000, 600);
        assertThat(out.resolve("lds_trainings_softmax.txt")).exists();
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
    void fragility_withPbrfAndLds_reportsBothNextToLeaveOneOut() throws Exception {
        Path out = dir.resolve("fragility-truths");

        CliRun r = run("fragility", "--quick", "--depths", "1,2", "--seeds", "1", "--weight-decays", "0.005",
                "--protocols", "lbfgs", "--test-points", "1", "-k", "5", "--random", "0", "--pbrf", "--lds", "6",
                "--out", out.toString(), "--quiet");

        assertThat(r.code()).as(r.err()).isZero();
        List<String> rows = Files.readAllLines(out.resolve("results.csv"));
        assertThat(rows).hasSize(1 + 2);
        List<String> header = List.of(rows.get(0).split(","));
        for (String row : rows.subList(1, 3)) {
            double pbrf = Double.parseDouble(row.split(",")[header.indexOf("pbrf_spearman_top_k")]);
            // a converged network with the exact solver: PBRF (what influence approximates) agrees in rank
            assertThat(pbrf).isBetween(0.5, 1.0);
        }
        List<String> lds = Files.readAllLines(out.resolve("lds.csv"));
        assertThat(lds).hasSize(1 + 2);
        assertThat(lds.get(0)).isEqualTo(String.join(",", FragilityReport.LDS_COLUMNS));
        List<String> ldsHeader = List.of(lds.get(0).split(","));
        for (String row : lds.subList(1, 3)) {
            String[] f = row.split(",");
            assertThat(Integer.parseInt(f[ldsHeader.indexOf("test_points")])).isEqualTo(50);
            assertThat(Integer.parseInt(f[ldsHeader.indexOf("subsets")])).isEqualTo(6);
            double v = Double.parseDouble(f[ldsHeader.indexOf("lds")]);
            assertThat(v).isBetween(Double.parseDouble(f[ldsHeader.indexOf("lds_low")]) - 1e-12,
                    Double.parseDouble(f[ldsHeader.indexOf("lds_high")]) + 1e-12);
        }
        assertThat(Files.readString(out.resolve("report.md"))).contains("## Linear datamodeling score")
                .contains("## Leave-one-out and the proximal Bregman response");
        assertPng(out.resolve("lds_vs_depth.png"), 800, 600);
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
