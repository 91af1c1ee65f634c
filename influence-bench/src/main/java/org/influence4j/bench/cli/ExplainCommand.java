package org.influence4j.bench.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.influence4j.InfluenceEstimator;
import org.influence4j.InfluenceScores;
import org.influence4j.bench.data.TrainTestData;
import org.influence4j.bench.progress.Progress;
import org.influence4j.bench.report.CsvTable;
import org.influence4j.bench.report.MarkdownTable;
import org.influence4j.bench.study.TestPoints;
import org.influence4j.dl4j.Dl4jInfluenceModel;
import org.influence4j.model.DataSets;
import org.nd4j.linalg.dataset.DataSet;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code influence4j explain}: trains (or loads) a network, picks a test example, and lists the most helpful and
 * most harmful training examples with their influence and predicted loss change on removal.
 */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = {"Which training examples made the model predict this test example?",
                "Scores are I_up,loss = −∇L_testᵀ(H+λI)⁻¹∇ℓ(z): negative = helpful (removing it raises the test "
                        + "loss), positive = harmful. Writes explain.csv and explain.json."})
final class ExplainCommand implements Callable<Integer> {

    /** The files written into {@code --out}. */
    static final List<String> OUTPUTS = List.of("explain.csv", "explain.json");

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    ModelOptions model;

    @Option(names = "--test-point", defaultValue = "highest-loss", description = "highest-loss, median-loss or a "
            + "0-based test index (default: ${DEFAULT-VALUE}).")
    String testPoint;

    @Option(names = {"-k", "--top"}, defaultValue = "10", description = "How many helpful and harmful examples "
            + "(default: ${DEFAULT-VALUE}).")
    int k;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path dir = common.apply("out/explain", OUTPUTS);
        if (k < 1) {
            throw new IllegalArgumentException("-k/--top (" + k + ") must be >= 1");
        }
        TrainTestData data = model.data(common.seed);
        if (k > data.train().numExamples()) {
            throw new IllegalArgumentException("-k/--top (" + k + ") exceeds the training set size ("
                    + data.train().numExamples() + ")");
        }
        ModelOptions.Trained trained;
        try (Progress p = Progress.start("train", 1, !common.quiet)) {
            trained = model.network(data, common.seed);
            p.step();
        }
        DataSet train = trained.train(); // in the shape the network takes
        DataSet test = trained.test();
        Dl4jInfluenceModel im = Dl4jInfluenceModel.of(trained.net());
        double[] losses = im.losses(test).toDoubleVector();
        TestPoints.Choice choice = TestPointOption.resolve(testPoint, losses);
        DataSet tp = DataSets.subset(test, new int[] {choice.index()});
        InfluenceScores s;
        try (Progress p = Progress.start("influence", 1, !common.quiet)) {
            s = InfluenceEstimator.forModel(im).withTrainingData(train).withDamping(model.damping)
                    .withSolver(model.solver(common.seed, im.numParameters()))
                    .withProgressListener((task, done, total) -> p.message(task + " " + done + "/" + total))
                    .influenceOn(tp);
            p.step();
        }

        List<String> classes = data.classNames();
        int[] labels = data.train().labelIndices();
        int testLabel = data.test().labelIndices()[choice.index()];
        out.printf("model: %s%n", trained.description());
        out.printf("‖∇R(θ̂)‖ = %.3g (influence assumes ≈ 0); damping λ = %s; solver: %s%n", s.objectiveGradientNorm(),
                s.damping(), s.solverResult());
        out.printf("test example %d (%s, label %s), loss %.4g%n%n", choice.index(), choice.kind().label(),
                classes.get(testLabel), choice.loss());
        CsvTable csv = CsvTable.withHeader("kind", "rank", "train_index", "label", "influence",
                "predicted_loss_change_on_removal");
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", trained.description());
        json.put("test_index", choice.index());
        json.put("test_selection", choice.kind().label());
        json.put("test_label", classes.get(testLabel));
        json.put("test_loss", choice.loss());
        json.put("damping", s.damping());
        json.put("solver", s.solverResult().toString());
        json.put("objective_gradient_norm", s.objectiveGradientNorm());
        json.put("seed", common.seed);
        for (String kind : List.of("helpful", "harmful")) {
            int[] idx = kind.equals("helpful") ? s.mostHelpful(k) : s.mostHarmful(k);
            MarkdownTable t = MarkdownTable.withHeader("rank", "train index", "label", "influence",
                    "predicted Δ test loss if removed");
            List<Object> list = new ArrayList<>();
            for (int r = 0; r < idx.length; r++) {
                int i = idx[r];
                String label = classes.get(labels[i]);
                t.row(r + 1, i, label, s.value(i), s.predictedLossChangeOnRemoval(i));
                csv.row(kind, r + 1, i, label, s.value(i), s.predictedLossChangeOnRemoval(i));
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("rank", r + 1);
                e.put("train_index", i);
                e.put("label", label);
                e.put("influence", s.value(i));
                e.put("predicted_loss_change_on_removal", s.predictedLossChangeOnRemoval(i));
                list.add(e);
            }
            json.put(kind, list);
            out.printf("most %s (%s):%n%s%n", kind, kind.equals("helpful") ? "negative influence" : "positive "
                    + "influence", t);
        }
        Files.createDirectories(dir);
        Path csvFile = csv.write(dir.resolve("explain.csv"));
        Path jsonFile = Files.writeString(dir.resolve("explain.json"), Json.write(json));
        out.printf("wrote %s%nwrote %s%n", csvFile, jsonFile);
        out.flush();
        return 0;
    }
}
