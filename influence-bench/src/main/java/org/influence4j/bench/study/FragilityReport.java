package org.influence4j.bench.study;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.influence4j.bench.report.CsvTable;
import org.influence4j.bench.report.MarkdownTable;
import org.influence4j.bench.report.PlotOptions;
import org.influence4j.bench.report.Plots;
import org.influence4j.bench.report.Series;
import org.influence4j.bench.study.FragilityStudy.Comparison;
import org.influence4j.bench.study.FragilityStudy.Network;
import org.influence4j.bench.study.FragilityStudy.Results;
import org.influence4j.dl4j.TrainingProtocol;
import org.influence4j.validation.LeaveOneOutValidation;
import org.influence4j.validation.ValidationReport;

/**
 * Writes a {@link FragilityStudy}'s results: {@code results.csv} (one row per network, test point and solver),
 * {@code networks.csv} (one row per trained network), {@code points.csv} (every retrained training point),
 * {@code report.md}, and the plots — correlation against depth and width with and without weight decay, the top
 * Hessian eigenvalue against depth, one eigenvalue spectrum per protocol, and one predicted-vs-actual scatter plot per
 * setting (network and solver, highest-loss test point).
 */
public final class FragilityReport {

    /** Columns of {@code results.csv}, in order. */
    public static final List<String> RESULT_COLUMNS = List.of("protocol", "depth", "width", "weight_decay", "seed",
            "parameters", "train_grad_norm", "train_iterations", "train_objective", "test_accuracy", "lambda_min",
            "lambda_max", "test_index", "test_kind", "test_loss", "solver", "damping", "solver_iterations",
            "solver_relative_residual", "solver_stop", "solver_seconds", "pearson_vs_first_solver",
            "spearman_vs_first_solver", "top_k", "pearson_top_k", "spearman_top_k", "kendall_top_k",
            "retrained", "pearson_all", "spearman_all", "kendall_all", "max_retrain_grad_norm",
            "unconverged_retrainings", "network_seconds", "retraining_noise", "median_abs_actual_top_k", "left_basin",
            "pearson_top_k_with_left_basin", "spearman_top_k_with_left_basin", "pbrf_pearson_top_k",
            "pbrf_spearman_top_k", "pbrf_pearson_all", "pbrf_spearman_all");

    /** Columns of {@code lds.csv} (written when the study computed the linear datamodeling score), in order. */
    public static final List<String> LDS_COLUMNS = List.of("protocol", "depth", "width", "weight_decay", "seed",
            "parameters", "solver", "lds", "lds_low", "lds_high", "test_points", "excluded_test_points", "subsets",
            "subset_size", "trainings_run");

    private FragilityReport() {
    }

    /**
     * Writes everything into {@code dir} (created if needed).
     *
     * @param results the study's results
     * @param dir     output directory
     * @param command the command line that produced them (quoted in the report)
     * @return the files written, report first
     * @throws IOException if a file cannot be written
     */
    public static List<Path> write(Results results, Path dir, String command) throws IOException {
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        Path report = dir.resolve("report.md");
        files.add(report);
        files.add(resultsTable(results).write(dir.resolve("results.csv")));
        files.add(networksTable(results).write(dir.resolve("networks.csv")));
        files.add(pointsTable(results).write(dir.resolve("points.csv")));
        if (!results.datamodels().isEmpty()) {
            files.add(ldsTable(results).write(dir.resolve("lds.csv")));
        }
        List<Path> plots = plots(results, dir);
        files.addAll(plots);
        Files.writeString(report, markdown(results, command, dir, plots));
        return files;
    }

    /** One row per comparison, columns {@link #RESULT_COLUMNS}. */
    public static CsvTable resultsTable(Results results) {
        CsvTable t = CsvTable.withHeader(RESULT_COLUMNS.toArray(String[]::new));
        for (Comparison c : results.comparisons()) {
            Network n = c.network();
            ValidationReport r = c.report();
            t.row(protocol(n), n.depth(), n.width(), n.weightDecay(), n.seed(), n.parameters(),
                    n.training().gradientNorm(), n.training().iterations(), n.training().objective(),
                    n.testAccuracy(), n.lambdaMin(), n.lambdaMax(), c.testPoint().index(),
                    c.testPoint().kind().label(), c.testPoint().loss(), c.solver().label(),
                    results.config().influence().damping(), c.solve().iterations(), c.solve().relativeResidual(),
                    c.solve().stopReason(), c.solveSeconds(), c.agreementPearson(), c.agreementSpearman(),
                    r.topK().count(), r.topK().pearson(), r.topK().spearman(),
                    r.topK().kendall(), r.all().count(), r.all().pearson(), r.all().spearman(), r.all().kendall(),
                    n.maxRetrainGradNorm(), n.unconverged(), n.seconds(), c.retrainingNoise(),
                    c.medianAbsActualTopK(), r.leftBasinCount(), r.topKAllPoints().pearson(),
                    r.topKAllPoints().spearman(), c.pbrf() == null ? Double.NaN : c.pbrf().topK().pearson(),
                    c.pbrf() == null ? Double.NaN : c.pbrf().topK().spearman(),
                    c.pbrf() == null ? Double.NaN : c.pbrf().all().pearson(),
                    c.pbrf() == null ? Double.NaN : c.pbrf().all().spearman());
        }
        return t;
    }

    /** One row per (network, solver) datamodeling score, columns {@link #LDS_COLUMNS}. */
    public static CsvTable ldsTable(Results results) {
        CsvTable t = CsvTable.withHeader(LDS_COLUMNS.toArray(String[]::new));
        for (FragilityStudy.Datamodel d : results.datamodels()) {
            Network n = d.network();
            org.influence4j.validation.DatamodelReport r = d.report();
            t.row(protocol(n), n.depth(), n.width(), n.weightDecay(), n.seed(), n.parameters(), d.solver().label(),
                    r.lds(), r.ldsLow(), r.ldsHigh(), r.testPointCount(), r.excludedCount(), r.subsetCount(),
                    r.subsetSize(), r.trainingsRun());
        }
        return t;
    }

    private static CsvTable networksTable(Results results) {
        CsvTable t = CsvTable.withHeader("protocol", "depth", "width", "weight_decay", "seed", "parameters",
                "train_grad_norm", "train_iterations", "train_objective", "train_seconds", "test_accuracy",
                "lambda_min", "lambda_max", "retrainings", "max_retrain_grad_norm", "unconverged_retrainings",
                "seconds");
        for (Network n : results.networks()) {
            t.row(protocol(n), n.depth(), n.width(), n.weightDecay(), n.seed(), n.parameters(),
                    n.training().gradientNorm(), n.training().iterations(), n.training().objective(),
                    n.trainSeconds(), n.testAccuracy(), n.lambdaMin(), n.lambdaMax(), n.retrainings(),
                    n.maxRetrainGradNorm(), n.unconverged(), n.seconds());
        }
        return t;
    }

    private static CsvTable pointsTable(Results results) {
        CsvTable t = CsvTable.withHeader("protocol", "depth", "width", "weight_decay", "seed", "test_index",
                "test_kind", "solver", "train_index", "reason", "score", "predicted", "actual", "parameter_distance",
                "left_basin");
        for (Comparison c : results.comparisons()) {
            Network n = c.network();
            for (ValidationReport.Point p : c.report().points()) {
                t.row(protocol(n), n.depth(), n.width(), n.weightDecay(), n.seed(), c.testPoint().index(),
                        c.testPoint().kind().label(), c.solver().label(), p.index(),
                        p.reason().name().toLowerCase(Locale.ROOT), p.score(), p.predicted(), p.actual(),
                        p.parameterDistance(), p.leftBasin());
            }
        }
        return t;
    }

    // ------------------------------------------------------------------------------------------------ plots

    private static List<Path> plots(Results results, Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        FragilityStudy.Config cfg = results.config();
        FragilityStudy.SolverKind main = cfg.influence().solvers().get(0);
        List<Comparison> mainSolver = results.comparisons().stream().filter(c -> c.solver() == main).toList();
        if (cfg.model().architecture() == FragilityStudy.Architecture.MLP) {
            if (cfg.sweep().depths().size() > 1) {
                out.add(Plots.lineChart(dir.resolve("correlation_vs_depth.png"),
                        sweepSeries(results, mainSolver, n -> n.width() == cfg.sweep().baseWidth(), Network::depth),
                        PlotOptions.titled("Mean |Spearman| (top-" + cfg.validation().topK() + ", " + main.label()
                                + ") vs depth, width " + cfg.sweep().baseWidth()).withAxisTitles("hidden layers",
                                "mean |Spearman| (predicted vs actual Δ test loss)")));
                List<Series> eig = eigenSeries(results, n -> n.width() == cfg.sweep().baseWidth(), Network::depth);
                if (!eig.isEmpty()) {
                    out.add(Plots.lineChart(dir.resolve("top_eigenvalue_vs_depth.png"), eig,
                            PlotOptions.titled("Largest Hessian eigenvalue vs depth, width " + cfg.sweep().baseWidth())
                                    .withAxisTitles("hidden layers", "λmax(H) (mean over seeds)").withLogY(true)));
                }
            }
            if (cfg.sweep().depths().size() > 1 && !results.datamodels().isEmpty()) {
                out.add(Plots.lineChart(dir.resolve("lds_vs_depth.png"), ldsSeries(results, main,
                        n -> n.width() == cfg.sweep().baseWidth(), Network::depth), PlotOptions.titled("Linear "
                        + "datamodeling score (" + main.label() + ", " + cfg.validation().ldsSubsets() + " subsets) vs "
                        + "depth, width " + cfg.sweep().baseWidth()).withAxisTitles("hidden layers",
                        "mean LDS over test points and seeds")));
            }
            if (cfg.sweep().widths().size() > 1) {
                out.add(Plots.lineChart(dir.resolve("correlation_vs_width.png"),
                        sweepSeries(results, mainSolver, n -> n.depth() == cfg.sweep().baseDepth(), Network::width),
                        PlotOptions.titled("Mean |Spearman| (top-" + cfg.validation().topK() + ", " + main.label()
                                + ") vs width, depth " + cfg.sweep().baseDepth()).withAxisTitles("hidden units",
                                "mean |Spearman| (predicted vs actual Δ test loss)")));
            }
        }
        // one spectrum per protocol: the deepest regularised network of the first seed
        for (TrainingProtocol p : cfg.model().protocols()) {
            results.networks().stream()
                    .filter(n -> n.protocol().equals(p) && n.eigenvalues().length > 0 && n.seed() == cfg.sweep().seeds().get(0))
                    .max((a, b) -> a.depth() != b.depth() ? Integer.compare(a.depth(), b.depth())
                            : Double.compare(a.weightDecay(), b.weightDecay()))
                    .ifPresent(n -> {
                        try {
                            out.add(Plots.eigenvalueSpectrum(dir.resolve("spectrum_" + n.label() + ".png"),
                                    n.eigenvalues(), Plots.SpectrumScale.SYMLOG,
                                    PlotOptions.titled("Hessian spectrum, " + describe(n))));
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
        }
        Path scatter = dir.resolve("scatter");
        for (Comparison c : results.comparisons()) {
            if (c.testPoint() != firstPoint(results, c.network()) || c.report().points().isEmpty()) {
                continue;
            }
            ValidationReport r = c.report();
            out.add(Plots.predictedVsActual(scatter.resolve(c.network().label() + "_" + c.solver().label() + ".png"),
                    r.predicted(), r.actual(), PlotOptions.titled(Plots.correlationTitle(describe(c.network())
                            + ", " + c.solver().label() + ", test " + c.testPoint().index(), r.topK().pearson(),
                            r.topK().spearman()))));
        }
        return out;
    }

    private static TestPoints.Choice firstPoint(Results results, Network n) {
        return results.comparisons().stream().filter(c -> c.network() == n).findFirst().orElseThrow().testPoint();
    }

    private static List<Series> sweepSeries(Results results, List<Comparison> comparisons, Predicate<Network> onSweep,
                                            Function<Network, Integer> x) {
        List<Series> out = new ArrayList<>();
        for (TrainingProtocol p : results.config().model().protocols()) {
            for (double wd : results.config().sweep().weightDecays()) {
                Map<Integer, List<Double>> byX = new java.util.TreeMap<>();
                for (Comparison c : comparisons) {
                    Network n = c.network();
                    if (n.protocol().equals(p) && n.weightDecay() == wd && onSweep.test(n)) {
                        byX.computeIfAbsent(x.apply(n), k -> new ArrayList<>()).add(Math.abs(c.report().topK().spearman()));
                    }
                }
                // settings whose correlation is undefined (every actual change 0) in more than half of the runs are
                // left out: a mean over one or two defined runs would stand for a setting it does not describe
                byX.values().removeIf(l -> 2 * l.stream().filter(Double::isFinite).count() < l.size());
                double[] xs = byX.keySet().stream().mapToDouble(Integer::doubleValue).toArray();
                double[] ys = byX.values().stream().mapToDouble(FragilityReport::meanOrZero).toArray();
                if (xs.length > 0) {
                    out.add(new Series(protocolName(p) + ", wd " + FragilityStudy.fmt(wd), xs, ys));
                }
            }
        }
        return out;
    }

    private static List<Series> ldsSeries(Results results, FragilityStudy.SolverKind solver, Predicate<Network> onSweep,
                                          Function<Network, Integer> x) {
        List<Series> out = new ArrayList<>();
        for (TrainingProtocol p : results.config().model().protocols()) {
            for (double wd : results.config().sweep().weightDecays()) {
                Map<Integer, List<Double>> byX = new java.util.TreeMap<>();
                for (FragilityStudy.Datamodel d : results.datamodels()) {
                    Network n = d.network();
                    if (d.solver() == solver && n.protocol().equals(p) && n.weightDecay() == wd && onSweep.test(n)
                            && Double.isFinite(d.report().lds())) {
                        byX.computeIfAbsent(x.apply(n), k -> new ArrayList<>()).add(d.report().lds());
                    }
                }
                if (!byX.isEmpty()) {
                    out.add(new Series(protocolName(p) + ", wd " + FragilityStudy.fmt(wd),
                            byX.keySet().stream().mapToDouble(Integer::doubleValue).toArray(),
                            byX.values().stream().mapToDouble(FragilityReport::meanOrZero).toArray()));
                }
            }
        }
        return out;
    }

    private static List<Series> eigenSeries(Results results, Predicate<Network> onSweep, Function<Network, Integer> x) {
        List<Series> out = new ArrayList<>();
        for (TrainingProtocol p : results.config().model().protocols()) {
            for (double wd : results.config().sweep().weightDecays()) {
                Map<Integer, List<Double>> byX = new java.util.TreeMap<>();
                for (Network n : results.networks()) {
                    if (n.protocol().equals(p) && n.weightDecay() == wd && onSweep.test(n) && n.lambdaMax() > 0) {
                        byX.computeIfAbsent(x.apply(n), k -> new ArrayList<>()).add(n.lambdaMax());
                    }
                }
                if (!byX.isEmpty()) {
                    out.add(new Series(protocolName(p) + ", wd " + FragilityStudy.fmt(wd),
                            byX.keySet().stream().mapToDouble(Integer::doubleValue).toArray(),
                            byX.values().stream().mapToDouble(FragilityReport::meanOrZero).toArray()));
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ markdown

    private static String markdown(Results results, String command, Path dir, List<Path> plots) {
        FragilityStudy.Config cfg = results.config();
        StringBuilder md = new StringBuilder();
        md.append("# Fragility study: ").append(cfg.name()).append("\n\n");
        md.append("Command: `").append(command).append("`  \n");
        md.append(String.format(Locale.ROOT, "Wall time: %.1f s (%d networks, %d comparisons, %d threads, %s)%n%n",
                results.seconds(), results.networks().size(), results.comparisons().size(), cfg.run().threads(),
                machine()));
        md.append("## Setup\n\n");
        md.append("* data: `").append(cfg.model().dataset()).append("` (split seed ").append(cfg.run().seed())
                .append(cfg.model().trainExamples() > 0 ? "; a stratified subset of " + cfg.model().trainExamples()
                        + " training examples" : "").append(")\n");
        md.append("* networks: ").append(cfg.model().architecture()).append(cfg.model().architecture() == FragilityStudy.Architecture.MLP
                ? ", " + cfg.model().activation().label() + " hidden layers; depths " + cfg.sweep().depths() + " at width "
                + cfg.sweep().baseWidth() + (cfg.sweep().widths().isEmpty() ? "" : "; widths " + cfg.sweep().widths() + " at depth "
                + cfg.sweep().baseDepth()) : "").append("; softmax + cross-entropy; DOUBLE\n");
        md.append("* weight decay (PyTorch convention, objective gets ½·wd·‖W‖², DL4J `l2`): ")
                .append(cfg.sweep().weightDecays()).append("; seeds ").append(cfg.sweep().seeds()).append("\n");
        for (TrainingProtocol p : cfg.model().protocols()) {
            md.append("* protocol `").append(protocolName(p)).append("`: ").append(p.describe()).append("\n");
        }
        md.append("* influence: ").append(cfg.influence().solvers().stream().map(FragilityStudy.SolverKind::label).toList())
                .append(", damping λ = ").append(cfg.influence().damping()).append(" (operator H + λI), exact-solver policy ")
                .append(cfg.influence().policy()).append(cfg.model().lastLayerOnly() ? ", output-layer parameters only" : "")
                .append("\n");
        md.append("* validation: ").append(cfg.validation().testPoints()).append(" test point(s) per network (highest-loss, "
                + "median-loss, then random); top-").append(cfg.validation().topK()).append(" by |influence| plus ")
                .append(cfg.validation().randomSample()).append(" random points, each removed and retrained warm-started; "
                + "baseline retrained with nothing removed; predicted Δ = −I_up,loss/n\n\n");

        long flagged = results.comparisons().stream().filter(c -> c.report().leftBasinCount() > 0).count();
        long flaggedPoints = results.comparisons().stream().mapToLong(c -> c.report().leftBasinCount()).sum();
        md.append(String.format(Locale.ROOT, "Retrainings that left the warm start's basin (parameter distance above "
                + "%.0f× the median and |actual Δ| above %.0f× the largest |predicted Δ|) are reported per point in "
                + "`points.csv` and left out of every correlation below: %d point(s) in %d of %d comparisons "
                + "(`left_basin` in `results.csv`, which also gives the top-k correlations with them kept).%n%n",
                LeaveOneOutValidation.BASIN_FACTOR, LeaveOneOutValidation.BASIN_FACTOR, flaggedPoints, flagged,
                results.comparisons().size()));
        md.append("## Agreement by setting\n\n");
        md.append("Mean over seeds and test points of the top-k correlations between predicted and actual change of "
                + "the test loss; `n/a` = undefined (every actual change was 0). λmax/λmin: undamped Hessian, mean "
                + "over seeds. `noise / median |Δ|`: median over the runs of the retraining noise floor (test-loss "
                + "change when the baseline retraining starts from θ̂ perturbed by 1e-10, relative) divided by the "
                + "median |actual Δ| of the top-k points; near or above 1 the actual changes are mostly noise.\n\n");
        MarkdownTable t = MarkdownTable.withHeader("protocol", "depth", "width", "wd", "solver", "mean \\|Spearman\\|",
                "Spearman range", "mean Pearson", "mean Kendall", "λmax", "λmin", "max ‖∇R(θ̂)‖",
                "noise / median \\|Δ\\|", "runs");
        Map<String, List<Comparison>> groups = results.comparisons().stream().collect(Collectors.groupingBy(
                c -> protocol(c.network()) + "|" + c.network().depth() + "|" + c.network().width() + "|"
                        + c.network().weightDecay() + "|" + c.solver(), LinkedHashMap::new, Collectors.toList()));
        for (List<Comparison> g : groups.values()) {
            Network n = g.get(0).network();
            double[] sp = g.stream().mapToDouble(c -> c.report().topK().spearman()).toArray();
            double[] finite = Arrays.stream(sp).filter(Double::isFinite).toArray();
            t.row(protocol(n), n.depth(), n.width(), FragilityStudy.fmt(n.weightDecay()), g.get(0).solver().label(),
                    num(meanAbs(sp)), finite.length == 0 ? "n/a" : String.format(Locale.ROOT, "%.2f … %.2f",
                            Arrays.stream(finite).min().orElseThrow(), Arrays.stream(finite).max().orElseThrow()),
                    num(mean(g.stream().mapToDouble(c -> c.report().topK().pearson()).toArray())),
                    num(mean(g.stream().mapToDouble(c -> c.report().topK().kendall()).toArray())),
                    num(mean(g.stream().mapToDouble(c -> c.network().lambdaMax()).distinct().toArray())),
                    num(mean(g.stream().mapToDouble(c -> c.network().lambdaMin()).distinct().toArray())),
                    num(g.stream().mapToDouble(c -> c.network().training().gradientNorm()).max().orElse(Double.NaN)),
                    num(median(g.stream().mapToDouble(Comparison::noiseRatio).toArray())), g.size());
        }
        md.append(t).append("\n");

        if (cfg.model().architecture() == FragilityStudy.Architecture.MLP && cfg.sweep().depths().size() > 1) {
            md.append(depthByTopK(results));
        }

        if (results.comparisons().stream().anyMatch(c -> c.pbrf() != null)) {
            md.append("## Leave-one-out and the proximal Bregman response\n\n");
            md.append("The same removals with the proximal Bregman response (PBRF: the objective influence with "
                    + "Gauss–Newton curvature approximates, solved around θ̂ with the same damping) as ground truth. "
                    + "Where the estimator agrees with PBRF but not with leave-one-out, the gap is the retraining's "
                    + "(non-convexity, a non-stationary θ̂); where it misses both, it is the estimator's. Mean top-k "
                    + "\\|Spearman\\| over seeds and test points.\n\n");
            MarkdownTable pb = MarkdownTable.withHeader("protocol", "depth", "width", "wd", "solver",
                    "LOO \\|Spearman\\|", "PBRF \\|Spearman\\|", "LOO Pearson", "PBRF Pearson", "runs");
            for (List<Comparison> g : groups.values()) {
                Network n = g.get(0).network();
                List<Comparison> withPbrf = g.stream().filter(c -> c.pbrf() != null).toList();
                if (withPbrf.isEmpty()) {
                    continue;
                }
                pb.row(protocol(n), n.depth(), n.width(), FragilityStudy.fmt(n.weightDecay()),
                        g.get(0).solver().label(),
                        num(meanAbs(withPbrf.stream().mapToDouble(c -> c.report().topK().spearman()).toArray())),
                        num(meanAbs(withPbrf.stream().mapToDouble(c -> c.pbrf().topK().spearman()).toArray())),
                        num(mean(withPbrf.stream().mapToDouble(c -> c.report().topK().pearson()).toArray())),
                        num(mean(withPbrf.stream().mapToDouble(c -> c.pbrf().topK().pearson()).toArray())),
                        withPbrf.size());
            }
            md.append(pb).append("\n");
        }
        if (!results.datamodels().isEmpty()) {
            md.append("## Linear datamodeling score\n\n");
            md.append("Per network and solver: Spearman, over ").append(cfg.validation().ldsSubsets())
                    .append(" random halves of the training set (each trained from a fresh initialisation by the "
                            + "network's protocol), between the summed influence of a subset and the test loss of the "
                            + "network trained on it; averaged over every test example, then over seeds. A ground "
                            + "truth that does not depend on one removed point.\n\n");
            MarkdownTable lt = MarkdownTable.withHeader("protocol", "depth", "width", "wd", "solver", "mean LDS",
                    "LDS range over seeds", "runs");
            Map<String, List<FragilityStudy.Datamodel>> byNet = results.datamodels().stream().collect(
                    Collectors.groupingBy(d -> protocol(d.network()) + "|" + d.network().depth() + "|"
                            + d.network().width() + "|" + d.network().weightDecay() + "|" + d.solver(),
                            LinkedHashMap::new, Collectors.toList()));
            for (List<FragilityStudy.Datamodel> g : byNet.values()) {
                Network n = g.get(0).network();
                double[] v = g.stream().mapToDouble(d -> d.report().lds()).filter(Double::isFinite).toArray();
                lt.row(protocol(n), n.depth(), n.width(), FragilityStudy.fmt(n.weightDecay()),
                        g.get(0).solver().label(), num(mean(v)), v.length == 0 ? "n/a"
                                : String.format(Locale.ROOT, "%.2f … %.2f", Arrays.stream(v).min().orElseThrow(),
                                        Arrays.stream(v).max().orElseThrow()), g.size());
            }
            md.append(lt).append("\n");
        }

        md.append("## Agreement by test point\n\n");
        md.append("Per test-point kind (\"accuracy varies by test point\"): mean \\|Spearman\\| and its spread over all "
                + "networks.\n\n");
        MarkdownTable tp = MarkdownTable.withHeader("protocol", "wd", "test point", "mean \\|Spearman\\|", "min", "max",
                "runs");
        Map<String, List<Comparison>> byPoint = results.comparisons().stream().collect(Collectors.groupingBy(
                c -> protocol(c.network()) + "|" + c.network().weightDecay() + "|" + c.testPoint().kind(),
                LinkedHashMap::new, Collectors.toList()));
        for (List<Comparison> g : byPoint.values()) {
            double[] sp = g.stream().mapToDouble(c -> Math.abs(c.report().topK().spearman()))
                    .filter(Double::isFinite).toArray();
            tp.row(protocol(g.get(0).network()), FragilityStudy.fmt(g.get(0).network().weightDecay()),
                    g.get(0).testPoint().kind().label(), num(mean(sp)),
                    num(Arrays.stream(sp).min().orElse(Double.NaN)), num(Arrays.stream(sp).max().orElse(Double.NaN)),
                    g.size());
        }
        md.append(tp).append("\n");

        md.append("## Files\n\n");
        md.append("* `results.csv` — one row per network × test point × solver (").append(results.comparisons().size())
                .append(" rows)\n* `networks.csv` — one row per trained network (‖∇R(θ̂)‖, eigenvalues, retraining "
                + "convergence)\n* `points.csv` — every retrained training point (score, predicted, actual)\n");
        if (!results.datamodels().isEmpty()) {
            md.append("* `lds.csv` — the linear datamodeling score of every network and solver, with its 95% "
                    + "bootstrap interval\n");
        }
        for (Path p : plots) {
            md.append("* `").append(dir.relativize(p).toString().replace('\\', '/')).append("`\n");
        }
        return md.toString();
    }

    /** The top-k sizes of {@link #depthByTopK}: 5, 10 and the study's k (those ≤ k). */
    static List<Integer> topKSizes(int k) {
        return java.util.stream.Stream.of(5, 10, k).filter(x -> x <= k).distinct().sorted().toList();
    }

    /**
     * Mean |Spearman| on the depth sweep recomputed over the {@code k'} largest-|score| points of each top-k set,
     * for several {@code k'}: how much of the depth effect lives in the ranking of the most influential points.
     */
    private static String depthByTopK(Results results) {
        FragilityStudy.Config cfg = results.config();
        FragilityStudy.SolverKind main = cfg.influence().solvers().get(0);
        List<Integer> ks = topKSizes(cfg.validation().topK());
        List<String> header = new ArrayList<>(List.of("protocol", "wd", "k'"));
        for (int d : cfg.sweep().depths()) {
            header.add("depth " + d);
        }
        MarkdownTable t = MarkdownTable.withHeader(header.toArray(String[]::new));
        for (TrainingProtocol p : cfg.model().protocols()) {
            for (double wd : cfg.sweep().weightDecays()) {
                for (int k : ks) {
                    List<Object> row = new ArrayList<>(List.of(protocolName(p), FragilityStudy.fmt(wd), k));
                    for (int d : cfg.sweep().depths()) {
                        double[] sp = results.comparisons().stream()
                                .filter(c -> c.solver() == main && c.network().protocol().equals(p)
                                        && c.network().weightDecay() == wd && c.network().depth() == d
                                        && c.network().width() == cfg.sweep().baseWidth())
                                .mapToDouble(c -> topKSpearman(c.report(), k)).toArray();
                        row.add(num(meanAbs(sp)));
                    }
                    t.row(row.toArray());
                }
            }
        }
        return "## Depth sweep by number of top points\n\nMean \\|Spearman\\| (" + main.label() + ", width "
                + cfg.sweep().baseWidth() + ") over the k' points with the largest |influence| of each retrained top-"
                + cfg.validation().topK() + " set, for several k' (same retrainings, no extra cost).\n\n" + t + "\n";
    }

    /** Spearman correlation of predicted and actual change over the {@code k} top-k points of largest |score|. */
    static double topKSpearman(ValidationReport r, int k) {
        List<ValidationReport.Point> top = r.points().stream()
                .filter(p -> p.reason() == ValidationReport.Reason.TOP_K)
                .sorted((a, b) -> Double.compare(Math.abs(b.score()), Math.abs(a.score()))).limit(k).toList();
        return org.influence4j.validation.Correlations.spearman(
                top.stream().mapToDouble(ValidationReport.Point::predicted).toArray(),
                top.stream().mapToDouble(ValidationReport.Point::actual).toArray());
    }

    // ------------------------------------------------------------------------------------------------ helpers

    static String protocol(Network n) {
        return protocolName(n.protocol());
    }

    static String protocolName(TrainingProtocol p) {
        return p.kind().name().toLowerCase(Locale.ROOT);
    }

    private static String describe(Network n) {
        return protocol(n) + ", depth " + n.depth() + ", width " + n.width() + ", wd "
                + FragilityStudy.fmt(n.weightDecay()) + ", seed " + n.seed();
    }

    private static String machine() {
        return Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.arch") + ", Java "
                + System.getProperty("java.version");
    }

    private static double meanOrZero(List<Double> values) {
        double m = mean(values.stream().mapToDouble(Double::doubleValue).toArray());
        return Double.isFinite(m) ? m : 0.0;
    }

    /** Median of the finite values (NaN if none). */
    static double median(double[] values) {
        double[] f = Arrays.stream(values).filter(Double::isFinite).sorted().toArray();
        if (f.length == 0) {
            return Double.NaN;
        }
        return f.length % 2 == 1 ? f[f.length / 2] : (f[f.length / 2 - 1] + f[f.length / 2]) / 2;
    }

    /** Mean of the finite values (NaN if none). */
    static double mean(double[] values) {
        return Arrays.stream(values).filter(Double::isFinite).average().orElse(Double.NaN);
    }

    /** Mean of the finite absolute values (NaN if none). */
    static double meanAbs(double[] values) {
        return mean(Arrays.stream(values).map(Math::abs).toArray());
    }

    private static String num(double v) {
        return Double.isFinite(v) ? MarkdownTable.format(v) : "n/a";
    }
}
