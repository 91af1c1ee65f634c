package org.influence4j.bench.study;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.InfluenceEstimator;
import org.influence4j.InfluenceMatrix;
import org.influence4j.bench.data.Datasets;
import org.influence4j.bench.data.TrainTestData;
import org.influence4j.bench.report.CsvTable;
import org.influence4j.bench.report.MarkdownTable;
import org.influence4j.bench.report.PlotOptions;
import org.influence4j.bench.report.Plots;
import org.influence4j.dl4j.Dl4jInfluenceModel;
import org.influence4j.dl4j.Dl4jTraining;
import org.influence4j.dl4j.HvpMode;
import org.influence4j.dl4j.ParameterSubset;
import org.influence4j.dl4j.TrainingProtocol;
import org.influence4j.model.DataSets;
import org.influence4j.solver.FisherSampling;
import org.influence4j.solver.IHVPSolver;
import org.influence4j.validation.Correlations;
import org.nd4j.linalg.dataset.DataSet;

/**
 * How close each curvature's influence is to exact influence: for small networks (where the exact solver is
 * affordable), the scores of every training example on several test points with K-FAC, EK-FAC (with each kind of
 * labels), conjugate gradient and the identity (gradient dot products), each correlated (Pearson and Spearman
 * over all training examples, and the overlap of the top-k by |influence| with the exact top-k, k = 10% of the
 * training examples up to 50) with the exact solver's scores at the same damping, per test point and averaged. Uses
 * the public API only ({@link InfluenceEstimator#influenceOnEach}). Besides the Hessian, two exact references: the
 * Gauss–Newton matrix (what K-FAC approximates) and its layer-block-diagonal part
 * ({@link org.influence4j.solver.Curvature#blockDiagonal()}, the blocks K-FAC and EK-FAC factorise: the gap
 * from it to EK-FAC is the Kronecker factorisation's, the gap from the Gauss–Newton matrix to it the cross-layer
 * blocks'). Writes {@code curvatures.csv} (one line per
 * network, curvature and test point), {@code curvatures.md} (means) and {@code curvatures-spearman.png}.
 */
public final class CurvatureStudy {

    /** The name of the block-diagonal reference in the outputs. */
    static final String BLOCK_DIAGONAL = "exact block-diagonal Gauss–Newton";

    /**
     * One network to compare on.
     *
     * @param name     label
     * @param network  builds the untrained network
     * @param data     train and test data
     * @param subset   the analysed parameters
     * @param protocol how it is trained
     * @param damping  λ for every curvature
     * @param queries  test points (highest-loss, median-loss, then random)
     */
    public record Case(String name, Supplier<MultiLayerNetwork> network, TrainTestData data, ParameterSubset subset,
                       TrainingProtocol protocol, double damping, int queries) {
    }

    /** A curvature under comparison. */
    record Curvature(String name, IHVPSolver solver) {
    }

    static List<Curvature> curvatures() {
        return List.of(
                new Curvature("ekfac (expected)", IHVPSolver.ekfac().withSampling(FisherSampling.EXPECTED)),
                new Curvature("ekfac (sampled)", IHVPSolver.ekfac()),
                new Curvature("ekfac (empirical)", IHVPSolver.ekfac().withSampling(FisherSampling.EMPIRICAL)),
                new Curvature("kfac (expected)", IHVPSolver.kfac().withSampling(FisherSampling.EXPECTED)),
                new Curvature("kfac (sampled)", IHVPSolver.kfac()),
                new Curvature("cg", IHVPSolver.conjugateGradient()),
                new Curvature("identity", IHVPSolver.identity()));
    }

    /**
     * Iris (standardised, 100 training examples): softmax regression (one layer: K-FAC's only error is replacing a
     * sum of Kronecker products by one) and tanh MLPs with one and two hidden layers of 16, weight decay 5e-3,
     * trained to ‖∇R‖ ≈ 1e-8 with L-BFGS; λ = 0.01 and 0.1; ten test points each. Seconds.
     */
    public static List<Case> quick() {
        TrainTestData iris = Datasets.iris(Datasets.DEFAULT_SEED).standardized();
        List<Case> cases = new ArrayList<>();
        for (double damping : new double[] {0.01, 0.1}) {
            for (int depth : new int[] {0, 1, 2}) {
                String name = depth == 0 ? "iris-softmax" : "iris-mlp-" + depth + "x16";
                cases.add(new Case(name + ", λ=" + damping, () -> Networks.mlp(4, 3, depth, 16,
                        Networks.HiddenActivation.TANH, 5e-3, 1), iris, ParameterSubset.all(),
                        TrainingProtocol.lbfgs().withIterations(3000, 300), damping, 10));
            }
        }
        return cases;
    }

    /**
     * {@link #quick()} plus small MNIST (5,500 images): a 784-32-32-10 tanh MLP analysed over its last two layers
     * (1,386 parameters; the first layer is a fixed feature extractor), trained with L-BFGS (1,000 iterations).
     */
    public static List<Case> full() {
        List<Case> cases = new ArrayList<>(quick());
        TrainTestData mnist = Datasets.smallMnist();
        cases.add(new Case("small-mnist-mlp-32-32 (last 2 layers)", () -> {
            MultiLayerNetwork net = Networks.mlp(784, 10, 2, 32, Networks.HiddenActivation.TANH, 5e-3, 1);
            return net;
        }, mnist, ParameterSubset.layers("1", "2"), TrainingProtocol.lbfgs().withIterations(1000, 200), 0.01, 10));
        return cases;
    }

    /** One network's results: per curvature, per query, Pearson and Spearman against exact, and the seconds. */
    record Result(String network, long parameters, String curvature, int query, int testIndex, double pearson,
                  double spearman, double pearsonGgn, double spearmanGgn, double topOverlap, double seconds) {
    }

    /** Top-k size of the overlap measure: 10% of the training examples, at most 50. */
    static int topK(int n) {
        return Math.max(1, Math.min(50, n / 10));
    }

    /** The fraction of the exact top-k by |score| that the other scores' top-k by |score| contains. */
    static double topOverlap(double[] scores, double[] exact, int k) {
        java.util.Set<Integer> a = new java.util.HashSet<>();
        for (int i : top(scores, k)) {
            a.add(i);
        }
        int hit = 0;
        for (int i : top(exact, k)) {
            hit += a.contains(i) ? 1 : 0;
        }
        return (double) hit / k;
    }

    private static int[] top(double[] v, int k) {
        return java.util.stream.IntStream.range(0, v.length).boxed()
                .sorted((x, y) -> Double.compare(Math.abs(v[y]), Math.abs(v[x]))).limit(k)
                .mapToInt(Integer::intValue).toArray();
    }

    /**
     * Runs the comparison and writes the outputs into {@code out}.
     *
     * @param cases networks
     * @param out   output directory (created)
     * @param log   progress lines
     * @return the results
     * @throws IOException if an output cannot be written
     */
    public static List<Result> run(List<Case> cases, Path out, Consumer<String> log) throws IOException {
        Files.createDirectories(out);
        List<Result> results = new ArrayList<>();
        for (Case c : cases) {
            MultiLayerNetwork net = c.network().get();
            DataSet train = c.data().train().data();
            DataSet test = c.data().test().data();
            long t0 = System.nanoTime();
            TrainingProtocol.Outcome o = Dl4jTraining.trainInPlace(net, train, c.protocol());
            log.accept(String.format(Locale.ROOT, "%s: trained in %.1f s (%d iterations, ‖∇R‖ = %.2e)", c.name(),
                    (System.nanoTime() - t0) / 1e9, o.iterations(), o.gradientNorm()));
            Dl4jInfluenceModel model = Dl4jInfluenceModel.builder(net).parameters(c.subset()).build();
            double[] losses = model.losses(test).toDoubleVector();
            int[] idx = TestPoints.several(losses, c.queries(), 7).stream().mapToInt(TestPoints.Choice::index)
                    .toArray();
            DataSet queries = DataSets.subset(test, idx);
            InfluenceEstimator est = InfluenceEstimator.forModel(model).withTrainingData(train)
                    .withDamping(c.damping());
            InfluenceMatrix exact = est.withSolver(IHVPSolver.exact()).influenceOnEach(queries);
            // the curvature K-FAC approximates: the exact damped Gauss–Newton matrix (positive semi-definite)
            Dl4jInfluenceModel ggnModel = Dl4jInfluenceModel.builder(net).parameters(c.subset())
                    .hvpMode(HvpMode.GAUSS_NEWTON).build();
            InfluenceEstimator ggnEst = InfluenceEstimator.forModel(ggnModel).withTrainingData(train)
                    .withDamping(c.damping()).withSolver(IHVPSolver.exact());
            long tg = System.nanoTime();
            InfluenceMatrix ggn = ggnEst.influenceOnEach(queries);
            results.addAll(compare(c.name(), model.numParameters(), "exact Gauss–Newton", idx, ggn, exact, ggn,
                    (System.nanoTime() - tg) / 1e9, log));
            // the blocks K-FAC and EK-FAC factorise, solved exactly: the Gauss–Newton matrix without its cross-layer blocks
            long tb = System.nanoTime();
            InfluenceMatrix block = ggnEst.withCurvature(ggnEst.curvature().blockDiagonal()).influenceOnEach(queries);
            results.addAll(compare(c.name(), model.numParameters(), BLOCK_DIAGONAL, idx, block, exact, ggn,
                    (System.nanoTime() - tb) / 1e9, log));
            for (Curvature k : curvatures()) {
                long t = System.nanoTime();
                InfluenceMatrix m = est.withSolver(k.solver()).influenceOnEach(queries);
                results.addAll(compare(c.name(), model.numParameters(), k.name(), idx, m, exact, ggn,
                        (System.nanoTime() - t) / 1e9, log));
            }
        }
        write(results, cases, out);
        return results;
    }

    private static List<Result> compare(String network, long p, String curvature, int[] idx, InfluenceMatrix m,
                                        InfluenceMatrix exact, InfluenceMatrix ggn, double seconds,
                                        Consumer<String> log) {
        List<Result> rs = new ArrayList<>();
        double sp = 0;
        double spg = 0;
        for (int q = 0; q < idx.length; q++) {
            double[] a = m.scores(q).toDoubleArray();
            double[] e = exact.scores(q).toDoubleArray();
            double[] g = ggn.scores(q).toDoubleArray();
            Result r = new Result(network, p, curvature, q, idx[q], Correlations.pearson(a, e),
                    Correlations.spearman(a, e), Correlations.pearson(a, g), Correlations.spearman(a, g),
                    topOverlap(a, e, topK(a.length)), seconds);
            rs.add(r);
            sp += r.spearman();
            spg += r.spearmanGgn();
        }
        log.accept(String.format(Locale.ROOT, "  %-20s mean Spearman vs exact Hessian %.3f, vs exact Gauss–Newton %.3f "
                + "(%.2f s)", curvature, sp / idx.length, spg / idx.length, seconds));
        return rs;
    }

    private static void write(List<Result> results, List<Case> cases, Path out) throws IOException {
        CsvTable csv = CsvTable.withHeader("network", "parameters", "curvature", "query", "test_index",
                "pearson_vs_exact_hessian", "spearman_vs_exact_hessian", "pearson_vs_exact_gauss_newton",
                "spearman_vs_exact_gauss_newton", "top_k_overlap_with_exact_hessian", "seconds_all_queries");
        for (Result r : results) {
            csv.row(r.network(), r.parameters(), r.curvature(), r.query(), r.testIndex(), r.pearson(), r.spearman(),
                    r.pearsonGgn(), r.spearmanGgn(), r.topOverlap(), r.seconds());
        }
        csv.write(out.resolve("curvatures.csv"));
        List<String> names = new ArrayList<>(List.of("exact Gauss–Newton", BLOCK_DIAGONAL));
        curvatures().forEach(k -> names.add(k.name()));
        MarkdownTable md = MarkdownTable.withHeader("network", "p", "curvature", "Pearson vs H", "Spearman vs H",
                "min Spearman vs H", "top-k overlap vs H", "Pearson vs GN", "Spearman vs GN", "seconds (all queries)");
        LinkedHashMap<String, double[]> bars = new LinkedHashMap<>();
        for (Case c : cases) {
            double[] means = new double[names.size()];
            for (int i = 0; i < names.size(); i++) {
                String k = names.get(i);
                List<Result> rs = results.stream().filter(r -> r.network().equals(c.name()) && r.curvature().equals(k))
                        .toList();
                double mp = rs.stream().mapToDouble(Result::pearson).average().orElse(Double.NaN);
                double ms = rs.stream().mapToDouble(Result::spearman).average().orElse(Double.NaN);
                double ls = rs.stream().mapToDouble(Result::spearman).min().orElse(Double.NaN);
                double gp = rs.stream().mapToDouble(Result::pearsonGgn).average().orElse(Double.NaN);
                double gs = rs.stream().mapToDouble(Result::spearmanGgn).average().orElse(Double.NaN);
                double ov = rs.stream().mapToDouble(Result::topOverlap).average().orElse(Double.NaN);
                means[i] = gs;
                md.row(c.name(), rs.isEmpty() ? "" : rs.get(0).parameters(), k, f3(mp), f3(ms), f3(ls), f3(ov),
                        f3(gp), f3(gs), rs.isEmpty() ? "" : String.format(Locale.ROOT, "%.2f", rs.get(0).seconds()));
            }
            bars.put(c.name(), means);
        }
        Files.writeString(out.resolve("curvatures.md"), md.toString());
        Plots.barChart(out.resolve("curvatures-spearman.png"), names, bars,
                PlotOptions.titled("Influence vs the exact Gauss–Newton solve: mean Spearman over all training "
                        + "examples").withAxisTitles("curvature", "Spearman correlation with exact Gauss–Newton scores")
                        .withSize(1100, 600));
    }

    private static String f3(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : "n/a";
    }

    private CurvatureStudy() {
    }
}
