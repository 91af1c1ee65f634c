package org.influence4j.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.influence4j.bench.study.FragilityReport;
import org.influence4j.bench.study.FragilityStudy;
import org.influence4j.bench.study.Networks;
import org.influence4j.solver.StopReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code mnist-cnn} preset: its configuration, its command-line wiring, and its machinery (LeNet trained and
 * retrained warm-started with L-BFGS over all 25,010 parameters, CG, top-k leave-one-out, the report) on a tiny
 * subset: 200 training images, top-3, 10 training and 2 retraining iterations. Influence is restricted to the output
 * layer here (850 parameters, exact products over the fixed convolutional features), where the damped Hessian of
 * this barely trained network is positive definite and CG converges in a few dozen products; over all parameters
 * (what the preset does, with exact convolutional products) it is indefinite after 10 iterations, so CG would stop
 * on negative curvature. The full preset is {@code FragilityCnnSlowTest}.
 */
class LenetPresetTest {

    @TempDir
    Path dir;

    @Test
    void preset_isTheLenetComparison_andTheCommandLineKnowsIt() {
        FragilityStudy.Config c = FragilityStudy.Config.mnistCnn();

        assertThat(c.model().architecture()).isEqualTo(FragilityStudy.Architecture.LENET);
        assertThat(c.model().protocols()).containsExactly(Networks.lenetProtocol());
        assertThat(c.model().lastLayerOnly()).isFalse();
        assertThat(c.influence().solvers()).containsExactly(FragilityStudy.SolverKind.CG);
        assertThat(c.validation()).isEqualTo(new FragilityStudy.Config.Validation(1, 10, 0));
        assertThat(c.networks()).isEqualTo(1);
        assertThat(c.model().trainExamples()).isZero();
        assertThat(FragilityStudy.Config.mnistSmallCnn().model().architecture())
                .isEqualTo(FragilityStudy.Architecture.CNN);
        // the command line resolves both presets and checks -k against the (sub)set before any work
        CliRun r = CliRun.of("fragility", "--preset", "mnist-cnn", "--train-examples", "200", "-k", "201",
                "--out", dir.resolve("x").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("exceeds the training set size of small-mnist (200)");
        r = CliRun.of("fragility", "--preset", "mnist-small-cnn", "-k", "5501", "--out", dir.resolve("x").toString());
        assertThat(r.err()).contains("exceeds the training set size of small-mnist (5500)");
        assertThat(dir.resolve("x")).doesNotExist();
    }

    @Test
    void tinyLenetRun_writesOneComparisonOfThreeRetrainedPoints_withFiniteCorrelations() throws Exception {
        FragilityStudy.Config p = FragilityStudy.Config.mnistCnn();
        FragilityStudy.Config c = p.withModel(new FragilityStudy.Config.Model(p.model().dataset(),
                        p.model().architecture(), p.model().activation(),
                        List.of(Networks.lenetProtocol().withIterations(10, 2)), true, 200))
                .withValidation(new FragilityStudy.Config.Validation(1, 3, 0));
        Path out = dir.resolve("mnist-cnn");

        FragilityStudy.Results results = new FragilityStudy(c).run(false, line -> { });
        FragilityReport.write(results, out, "LenetPresetTest");

        assertThat(results.networks()).hasSize(1);
        assertThat(results.comparisons()).hasSize(1);
        FragilityStudy.Comparison cmp = results.comparisons().get(0);
        assertThat(cmp.solve().stopReason()).isEqualTo(StopReason.CONVERGED);
        List<String> rows = Files.readAllLines(out.resolve("results.csv"));
        assertThat(rows).hasSize(1 + 1);
        List<String> header = List.of(rows.get(0).split(","));
        assertThat(header).isEqualTo(FragilityReport.RESULT_COLUMNS);
        String[] row = rows.get(1).split(",");
        assertThat(row[header.indexOf("protocol")]).isEqualTo("lbfgs");
        assertThat(row[header.indexOf("depth")]).isEqualTo("3"); // LeNet: two convolutions and a dense layer
        assertThat(row[header.indexOf("parameters")]).isEqualTo("850"); // its output layer: 84·10 + 10
        assertThat(row[header.indexOf("train_iterations")]).isEqualTo("10");
        assertThat(row[header.indexOf("solver")]).isEqualTo("cg");
        assertThat(row[header.indexOf("top_k")]).isEqualTo("3");
        assertThat(row[header.indexOf("retrained")]).isEqualTo("3");
        for (String col : List.of("pearson_top_k", "spearman_top_k", "train_grad_norm", "test_accuracy",
                "retraining_noise", "lambda_max")) {
            assertThat(Double.parseDouble(row[header.indexOf(col)])).as(col).isFinite();
        }
        assertThat(Files.readAllLines(out.resolve("points.csv"))).hasSize(1 + 3);
        assertThat(Files.readAllLines(out.resolve("networks.csv"))).hasSize(1 + 1);
        assertThat(Files.readString(out.resolve("report.md"))).contains("# Fragility study: mnist-cnn")
                .contains("LENET").contains("a stratified subset of 200 training examples");
        assertThat(out.resolve("scatter")).isDirectory();
    }
}
