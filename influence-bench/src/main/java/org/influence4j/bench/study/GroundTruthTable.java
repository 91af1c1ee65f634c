package org.influence4j.bench.study;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.influence4j.InfluenceEstimator;
import org.influence4j.InfluenceMatrix;
import org.influence4j.bench.data.Datasets;
import org.influence4j.bench.data.TrainTestData;
import org.influence4j.bench.progress.Progress;
import org.influence4j.bench.report.CsvTable;
import org.influence4j.bench.report.MarkdownTable;
import org.influence4j.bench.report.PlotOptions;
import org.influence4j.bench.report.Plots;
import org.influence4j.bench.report.Series;
import org.influence4j.dl4j.Dl4jInfluenceModel;
import org.influence4j.dl4j.Dl4jRetrainer;
import org.influence4j.dl4j.Dl4jSubsetTrainer;
import org.influence4j.dl4j.Dl4jTraining;
import org.influence4j.dl4j.TrainingProtocol;
import org.influence4j.model.DataSets;
import org.influence4j.solver.EigenvaluePolicy;
import org.influence4j.solver.IHVPSolver;
import org.influence4j.validation.Correlations;
import org.influence4j.validation.DatamodelReport;
import org.influence4j.validation.LeaveOneOutValidation;
import org.influence4j.validation.LinearDatamodelingScore;
import org.influence4j.validation.SubsetRetrainer;
import org.influence4j.validation.ValidationReport;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;

/**
 * Influence against the field's ground truths, in the setting of dattri's MNIST-10 benchmark: for softmax regression
 * and an MLP, every curvature choice (exact, CG, LiSSA, K-FAC, EK-FAC, identity) is scored on the same test points and
 * compared with two ground truths that the curvatures share —
 * <ul>
 *   <li><b>leave-one-out</b>: a seeded random sample of training examples, each removed in turn and the network
 *       retrained warm-started by its protocol ({@link Dl4jRetrainer}), or, for a model that asks for it
 *       ({@link ModelSpec#looFromScratch()}), from a fresh initialisation with one seed for every retraining
 *       ({@link SubsetRetrainer}, dattri's protocol); per test point, Pearson and Spearman between
 *       the predicted change {@code −score/n} and the actual change over the removed examples (dattri: Pearson over
 *       all of them); averaged over test points;</li>
 *   <li><b>linear datamodeling score</b> ({@link LinearDatamodelingScore}): random halves of the training set, each
 *       trained by a {@link Dl4jSubsetTrainer}; per test point, Spearman between the summed scores of a subset and the
 *       test loss of the model trained on it; averaged over test points.</li>
 * </ul>
 * Each curvature is scored with every damping of {@link Config#dampings()} (dattri tunes λ per metric over a grid;
 * the table reports every λ and, for a grid, each curvature's best). Every number comes with a 95% bootstrap interval (over test points for leave-one-out; over subsets and test points
 * for the LDS). The subsets are trained once per model: the curvatures reuse them through the datamodeling score's
 * checkpoint file. Uses the public API only.
 *
 * <p>Outputs: {@code table.csv} (one row per model, curvature and damping), {@code table.md} (the same with dattri's published
 * values next to ours), {@code lds.png} (LDS per curvature, one bar series per model), {@code loo.png} (leave-one-out
 * Pearson likewise; with a damping grid both at each curvature's best λ, and {@code lds_vs_damping.png} draws the LDS
 * of every curvature against {@code log10 λ}), one {@code lds_scatter_<model>.png} (summed scores vs the measured loss over subsets for the first
 * test point, best curvature), and the checkpoint files {@code lds_trainings_<model>.txt} (a rerun with the same
 * settings resumes from them).
 */
public final class GroundTruthTable {

    /** dattri's published MNIST-10 values (read off its charts, ±0.02) that the table is compared with. */
    static final String DATTRI_NOTE = "dattri (published, MNIST-10, SGD without weight decay, damping tuned on the "
            + "metric, 10-step CG): logistic regression LOO ≈ 0.88 and LDS ≈ 0.80 for explicit/CG; MLP LDS ≈ 0.26 for "
            + "CG, LOO ≈ 0.02";

    /**
     * One model of the table.
     *
     * @param name         label (file names use it)
     * @param hidden       hidden-layer widths (empty: softmax regression)
     * @param activation   hidden activation
     * @param weightDecay  PyTorch-style weight decay ({@code ½·wd·‖W‖²} in the objective)
     * @param protocol     training protocol; its retrain budget is used for leave-one-out and warm-started subsets
     * @param warmSubsets  whether LDS subsets are trained warm-started from θ̂ (exact for a convex, regularised model:
     *                     the optimum is unique) instead of from a fresh initialisation
     * @param subsets      LDS subsets
     * @param curvatures   curvature names from {@link #CURVATURES}, each scored with every damping of the table, or
     *                     {@code name@λ} to score that curvature with this one damping only (e.g.
     *                     {@code ekfac-expected@1e-5}: a curvature's own best λ next to the table's)
     * @param updater      the DL4J updater the network is built with (the mini-batch protocol trains with it), or
     *                     {@code null} for the protocol's own ({@link TrainingProtocol#updater()})
     * @param looFromScratch whether leave-one-out retrains from a fresh initialisation with one seed for every
     *                     retraining and, under the mini-batch protocol, the remaining examples in index order every
     *                     epoch ({@link SubsetRetrainer}; dattri's {@code retrain_loo}) instead of warm-started from θ̂
     * @param weightInit   the weights' initialisation, for training and for every training from scratch
     *                     ({@code WeightInit.UNIFORM} is PyTorch's default for {@code nn.Linear}, dattri's models)
     */
    public record ModelSpec(String name, int[] hidden, Networks.HiddenActivation activation, double weightDecay,
                            TrainingProtocol protocol, boolean warmSubsets, int subsets, List<String> curvatures,
                            IUpdater updater, boolean looFromScratch, WeightInit weightInit) {

        /** A model initialised by Xavier's rule. */
        public ModelSpec(String name, int[] hidden, Networks.HiddenActivation activation, double weightDecay,
                         TrainingProtocol protocol, boolean warmSubsets, int subsets, List<String> curvatures,
                         IUpdater updater, boolean looFromScratch) {
            this(name, hidden, activation, weightDecay, protocol, warmSubsets, subsets, curvatures, updater,
                    looFromScratch, WeightInit.XAVIER);
        }

        /** A model built with its protocol's updater, leave-one-out warm-started. */
        public ModelSpec(String name, int[] hidden, Networks.HiddenActivation activation, double weightDecay,
                         TrainingProtocol protocol, boolean warmSubsets, int subsets, List<String> curvatures) {
            this(name, hidden, activation, weightDecay, protocol, warmSubsets, subsets, curvatures, null, false);
        }

        /** Validates and copies. */
        public ModelSpec {
            Objects.requireNonNull(name, "name");
            hidden = hidden.clone();
            Objects.requireNonNull(activation, "activation");
            Objects.requireNonNull(protocol, "protocol");
            Objects.requireNonNull(weightInit, "weightInit");
            curvatures = List.copyOf(curvatures);
            for (String c : curvatures) {
                checkCurvature(c);
            }
        }

        @Override
        public int[] hidden() {
            return hidden.clone();
        }

        /** The updater to build the network with: {@link #updater} or the protocol's. */
        IUpdater buildUpdater() {
            return updater != null ? updater.clone() : protocol.updater();
        }

        /** A copy with other subsets settings and curvatures. */
        ModelSpec with(boolean newWarmSubsets, int newSubsets, List<String> newCurvatures) {
            return new ModelSpec(name, hidden, activation, weightDecay, protocol, newWarmSubsets, newSubsets,
                    newCurvatures, updater, looFromScratch, weightInit);
        }

        /** "784-128-64-10" style architecture label. */
        String architecture(int inputs, int classes) {
            StringBuilder b = new StringBuilder().append(inputs);
            for (int w : hidden) {
                b.append('-').append(w);
            }
            return b.append('-').append(classes).toString();
        }
    }

    /**
     * The table's settings.
     *
     * @param name          label
     * @param data          the data
     * @param trainExamples the first this many training examples are used ({@code 0}: all)
     * @param testPoints    the first this many test examples are the test points
     * @param dampings      the damping values λ every curvature is scored with (dattri's grid chooses among
     *                      several); the first is the table's headline λ. Identity curvature is scored with the
     *                      first only: λ scales its scores uniformly, which no correlation sees
     * @param looRemovals   training examples removed one at a time (a seeded random sample, shared by all test
     *                      points and curvatures)
     * @param fraction      LDS subset fraction α
     * @param bootstrap     bootstrap resamples of every interval
     * @param lissaDepth    LiSSA's recursion depth
     * @param models        the models
     * @param seed          seed of the samples, the subsets and the bootstrap
     */
    public record Config(String name, Supplier<TrainTestData> data, int trainExamples, int testPoints,
                         List<Double> dampings, int looRemovals, double fraction, int bootstrap, int lissaDepth,
                         List<ModelSpec> models, long seed) {

        /** Validates and copies. */
        public Config {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(data, "data");
            models = List.copyOf(models);
            dampings = List.copyOf(dampings);
            if (testPoints < 3 || looRemovals < 3 || bootstrap < 0 || lissaDepth < 1 || models.isEmpty()) {
                throw new IllegalArgumentException("test points (" + testPoints + ") and leave-one-out removals ("
                        + looRemovals + ") must be >= 3, bootstrap (" + bootstrap + ") >= 0, and at least one model "
                        + "given");
            }
            if (dampings.isEmpty() || dampings.stream().anyMatch(d -> !(d >= 0) || Double.isInfinite(d))
                    || dampings.stream().distinct().count() != dampings.size()) {
                throw new IllegalArgumentException("dampings " + dampings + " must be a non-empty list of distinct "
                        + "finite values >= 0, e.g. [0.01] or dattri's grid [1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1]");
            }
        }

        /** The headline damping λ: the first of {@link #dampings()}. */
        public double damping() {
            return dampings.get(0);
        }

        /**
         * A copy that scores every curvature with each of these dampings (the first becomes the headline λ).
         *
         * @throws IllegalArgumentException if the list is empty or holds a negative, non-finite or repeated value
         */
        public Config withDampings(List<Double> values) {
            return new Config(name, data, trainExamples, testPoints, values, looRemovals, fraction, bootstrap,
                    lissaDepth, models, seed);
        }

        /** A copy with only the models whose name is listed (all if {@code names} is empty). */
        public Config onlyModels(List<String> names) {
            if (names.isEmpty()) {
                return this;
            }
            List<ModelSpec> kept = models.stream().filter(m -> names.contains(m.name())).toList();
            if (kept.size() != names.size()) {
                throw new IllegalArgumentException("unknown model in " + names + "; this table has "
                        + models.stream().map(ModelSpec::name).toList());
            }
            return new Config(name, data, trainExamples, testPoints, dampings, looRemovals, fraction, bootstrap,
                    lissaDepth, kept, seed);
        }

        /**
         * A copy in which every model keeps only the listed curvatures it has (a model left with none is dropped),
         * in table order. A name may carry its own damping, {@code name@λ}, which applies wherever the model has the
         * curvature; {@code ekfac-*} variants are offered to every model with {@code ekfac}.
         *
         * @throws IllegalArgumentException if a name is not in {@link #CURVATURES}, a damping is not a finite value
         *                                  {@code ≥ 0}, or no model is left
         */
        public Config onlyCurvatures(List<String> names) {
            for (String k : names) {
                checkCurvature(k);
            }
            List<String> ordered = names.stream().distinct()
                    .sorted(java.util.Comparator.comparingInt(k -> CURVATURES.indexOf(baseName(k)))).toList();
            List<ModelSpec> ms = models.stream().map(m -> {
                List<String> own = m.curvatures().stream().map(GroundTruthTable::baseName).toList();
                return m.with(m.warmSubsets(), m.subsets(), ordered.stream().filter(k -> own.contains(baseName(k))
                        || baseName(k).startsWith("ekfac-") && own.contains("ekfac")
                        || baseName(k).equals("cg-block") && own.contains("cg")).toList());
            }).filter(m -> !m.curvatures().isEmpty()).toList();
            if (ms.isEmpty()) {
                throw new IllegalArgumentException("no model of this table has any of the curvatures " + names);
            }
            return new Config(name, data, trainExamples, testPoints, dampings, looRemovals, fraction, bootstrap,
                    lissaDepth, ms, seed);
        }

        /** A copy whose models all train their LDS subsets warm-started ({@code true}) or from scratch. */
        public Config withWarmSubsets(boolean warm) {
            List<ModelSpec> ms = models.stream().map(m -> m.with(warm, m.subsets(), m.curvatures())).toList();
            return new Config(name, data, trainExamples, testPoints, dampings, looRemovals, fraction, bootstrap,
                    lissaDepth, ms, seed);
        }

        /** A copy with other sample sizes ({@code ≤ 0} keeps the current value). */
        public Config withSizes(int newTestPoints, int newLooRemovals, int newSubsets) {
            List<ModelSpec> ms = models.stream().map(m -> newSubsets <= 0 ? m
                    : m.with(m.warmSubsets(), newSubsets, m.curvatures())).toList();
            return new Config(name, data, trainExamples, newTestPoints > 0 ? newTestPoints : testPoints, dampings,
                    newLooRemovals > 0 ? newLooRemovals : looRemovals, fraction, bootstrap, lissaDepth, ms, seed);
        }
    }

    /**
     * Every curvature the table knows, in table order; {@code cg-10} is dattri's conjugate gradient (a fixed 10
     * iterations, no tolerance; influence4j's starts from 0 where dattri's starts from the right-hand side);
     * {@code ekfac-expected} is EK-FAC fitted with the exact expectation over labels
     * ({@link org.influence4j.solver.FisherSampling#EXPECTED}, one backward pass per class) instead of one sampled
     * label per example, and {@code ekfac-heuristic} is EK-FAC with Kronfluence's heuristic damping added (0.1 × each
     * layer's mean eigenvalue, on top of λ); both are offered on request to every model that has {@code ekfac}.
     * {@code cg-block} is CG on the layer-block-diagonal Hessian ({@link org.influence4j.solver.Curvature#blockDiagonal()};
     * K-FAC and EK-FAC factorise the same blocks of the Gauss–Newton matrix): what dropping the cross-layer blocks alone
     * costs (one HVP per layer per iteration); offered on request to every model that has {@code cg}.
     */
    public static final List<String> CURVATURES = List.of("exact", "cg", "cg-10", "cg-block", "lissa", "kfac", "ekfac",
            "ekfac-expected", "ekfac-heuristic", "identity");

    /** The curvatures of the default Iris table (the MNIST models list their own). */
    static final List<String> DEFAULT_CURVATURES = List.of("exact", "cg", "lissa", "kfac", "ekfac", "identity");

    /**
     * The CI-sized table (about a minute on 2 cores): Iris (100 training examples, the first 25 of the 50 test
     * examples as test points, standardised), softmax regression and a 4-16-16-3 tanh MLP, weight decay 5e-3, trained
     * to ‖∇R‖ ≤ 1e-8 by L-BFGS; λ = 0.01; every curvature (LiSSA with depth 500); 30 leave-one-out removals; 40 LDS
     * subsets of half the data, warm-started (softmax regression) or from a fresh initialisation (MLP).
     */
    public static Config quick() {
        TrainingProtocol lbfgs = TrainingProtocol.lbfgs().withIterations(3000, 300);
        return new Config("quick", () -> Datasets.iris(Datasets.DEFAULT_SEED).standardized(), 0, 25, List.of(0.01), 30, 0.5,
                1000, 500, List.of(
                        new ModelSpec("softmax", new int[0], Networks.HiddenActivation.TANH, 5e-3, lbfgs, true, 40,
                                DEFAULT_CURVATURES),
                        new ModelSpec("mlp", new int[] {16, 16}, Networks.HiddenActivation.TANH, 5e-3, lbfgs, false,
                                40, DEFAULT_CURVATURES)),
                Datasets.DEFAULT_SEED);
    }

    /**
     * The MNIST table in dattri's setting, as {@code benchmark-table} runs it by default: the bundled small MNIST (the
     * first 5,000 of its 5,500 training images, pixels in [0, 1]; the first 100 of its 1,000 test images as test
     * points), λ = 0.01, leave-one-out on 50 random training examples, LDS on subsets of half the data, three models:
     * <ul>
     *   <li>{@code softmax}: softmax regression (7,850 parameters), weight decay 1e-3, trained full batch by L-BFGS to
     *       ‖∇R‖ ≤ 1e-8; leave-one-out warm-started; 100 subsets, warm-started (the regularised convex optimum is
     *       unique, so a warm start reaches the same model as a fresh one); every curvature (LiSSA with depth
     *       1,000).</li>
     *   <li>{@code softmax-sgd}: softmax regression trained by dattri's recipe (SGD with learning rate 0.01,
     *       mini-batches of 32, 20 epochs, no weight decay — not converged); 100 subsets and the leave-one-out
     *       retrainings trained from scratch by the same recipe with one seed (dattri's protocol); CG to tolerance,
     *       dattri's 10-step CG, EK-FAC and gradient dot products.</li>
     *   <li>{@code mlp}: the 784-128-64-10 ReLU MLP (109,386 parameters), weight decay 1e-3, trained full batch by
     *       L-BFGS capped at 1,000 iterations (200 per retraining); 50 subsets warm-started from θ̂ (from scratch,
     *       the 50 L-BFGS trainings alone would take about an hour on 2 cores; {@code --subset-start scratch} asks
     *       for them); every curvature but the exact one (109,386² doubles do not fit in memory), plus EK-FAC with
     *       the expectation over labels, and both EK-FACs at λ = 1e-5 as well, the damping where expected-label
     *       EK-FAC scored best on this network.</li>
     * </ul>
     * {@link #mnistAllModels()} adds {@code mlp-sgd}, dattri's MLP recipe, on request.
     */
    public static Config mnist() {
        return new Config("mnist", Datasets::smallMnist, 5000, 100, List.of(0.01), 50, 0.5, 1000, 1000, List.of(
                new ModelSpec("softmax", new int[0], Networks.HiddenActivation.RELU, 1e-3,
                        TrainingProtocol.lbfgs().withIterations(3000, 1000), true, 100, DEFAULT_CURVATURES),
                new ModelSpec("softmax-sgd", new int[0], Networks.HiddenActivation.RELU, 0,
                        TrainingProtocol.minibatch(20, 32), false, 100, List.of("cg", "cg-10", "ekfac", "identity"),
                        null, true, WeightInit.UNIFORM),
                new ModelSpec("mlp", new int[] {128, 64}, Networks.HiddenActivation.RELU, 1e-3,
                        TrainingProtocol.lbfgs().withIterations(1000, 200), true, 50, List.of("cg", "lissa", "kfac",
                        "ekfac", "ekfac@1e-5", "ekfac-expected", "ekfac-expected@1e-5", "identity"))),
                Datasets.DEFAULT_SEED);
    }

    /**
     * {@link #mnist()} and a fourth model, {@code mlp-sgd}, selected by name ({@code benchmark-table --model
     * mlp-sgd}): the 784-128-64-10 MLP trained by dattri's MLP recipe as closely as DL4J allows (learning rate 0.01,
     * Nesterov momentum 0.9 — DL4J has no heavy-ball momentum —, mini-batches of 64, 50 epochs, no weight decay, no
     * dropout, PyTorch's initialisation U(±1/√fanIn) as for {@code softmax-sgd}), its 50 LDS subsets and its
     * leave-one-out retrainings from scratch with a fixed seed by the same recipe (dattri's protocol), scored by CG, dattri's 10-step CG, K-FAC, EK-FAC and gradient dot products. Not in the
     * default run: its from-scratch trainings make it the slowest model (about 30 s per training on 2 cores).
     */
    public static Config mnistAllModels() {
        Config c = mnist();
        List<ModelSpec> ms = new ArrayList<>(c.models());
        ms.add(new ModelSpec("mlp-sgd", new int[] {128, 64}, Networks.HiddenActivation.RELU, 0,
                TrainingProtocol.minibatch(50, 64), false, 50, List.of("cg", "cg-10", "kfac", "ekfac", "identity"),
                new Nesterovs(0.01, 0.9), true, WeightInit.UNIFORM));
        return new Config(c.name(), c.data(), c.trainExamples(), c.testPoints(), c.dampings(), c.looRemovals(),
                c.fraction(), c.bootstrap(), c.lissaDepth(), ms, c.seed());
    }

    /**
     * One row of the table.
     *
     * @param model           model name
     * @param architecture    e.g. 784-128-64-10
     * @param parameters      number of parameters
     * @param curvature       curvature name
     * @param damping         the damping λ it was scored with
     * @param scoringSeconds  wall time of the influence of every test point (preparation included)
     * @param solvesConverged test points whose solve met its tolerance (or solved directly; a Kronecker-factored or
     *                        identity "solve" is exact for its own curvature and counts as converged)
     * @param medianResidual  median over test points of the true relative residual {@code ‖(H + λI)x − b‖/‖b‖},
     *                        against the model's Hessian ({@code cg-block}: its layer-block-diagonal Hessian; NaN
     *                        where the solver does not compute it)
     * @param looPearson      mean leave-one-out Pearson over test points, with its interval
     * @param looSpearman     mean leave-one-out Spearman over test points, with its interval
     * @param lds             mean LDS over test points, with its interval
     */
    public record Row(String model, String architecture, long parameters, String curvature, double damping,
                      double scoringSeconds, int solvesConverged, double medianResidual,
                      Interval looPearson, Interval looSpearman, Interval lds) {
    }

    /**
     * A mean with a percentile bootstrap interval.
     *
     * @param mean the estimate
     * @param low  lower bound (NaN without bootstrap)
     * @param high upper bound (NaN without bootstrap)
     */
    public record Interval(double mean, double low, double high) {
        @Override
        public String toString() {
            return Double.isFinite(low) ? String.format(Locale.ROOT, "%.3f [%.3f, %.3f]", mean, low, high)
                    : String.format(Locale.ROOT, "%.3f", mean);
        }
    }

    /**
     * Per-model facts reported next to the rows.
     *
     * @param model              model name
     * @param trainSeconds       training time
     * @param gradientNorm       ‖∇R(θ̂)‖ after training
     * @param testAccuracy       accuracy on the whole test set
     * @param looStart           how leave-one-out retrained: "warm start" or "from scratch, seed s"
     * @param looNoise           median retraining noise floor over test points (|ΔL| of a 1e-10 perturbation; NaN
     *                           from scratch)
     * @param looMedianActual    median |actual change| of the leave-one-out retrainings
     * @param looSeconds         wall time of the leave-one-out retrainings
     * @param ldsSeconds         wall time of the LDS trainings (0 when all were loaded from the checkpoint)
     * @param ldsSubsets         number of subsets
     * @param subsetStart        "warm start" or "fresh initialisation"
     * @param weightInit         the weights' initialisation ({@link ModelSpec#weightInit()})
     */
    public record ModelFacts(String model, double trainSeconds, double gradientNorm, double testAccuracy,
                             String looStart, double looNoise, double looMedianActual, double looSeconds, double ldsSeconds,
                             int ldsSubsets, String subsetStart, String weightInit) {
    }

    /**
     * The table.
     *
     * @param config   the settings
     * @param rows     one per model and curvature
     * @param facts    one per model
     * @param failures curvatures (with their damping) that could not be computed, each with the reason; they have no
     *                 row
     * @param seconds  total wall time
     */
    public record Result(Config config, List<Row> rows, List<ModelFacts> facts, List<String> failures,
                         double seconds) {
    }

    private GroundTruthTable() {
    }

    /**
     * Runs the table and writes its files into {@code out}.
     *
     * @param config  the settings
     * @param out     output directory (created)
     * @param threads threads for retraining
     * @param show    whether to draw progress bars
     * @param log     progress lines
     * @return the result
     * @throws IOException if an output cannot be written
     */
    public static Result run(Config config, Path out, int threads, boolean show, Consumer<String> log)
            throws IOException {
        Files.createDirectories(out);
        long t0 = System.nanoTime();
        TrainTestData all = config.data().get();
        DataSet train = all.train().data();
        if (config.trainExamples() > 0 && config.trainExamples() < train.numExamples()) {
            train = DataSets.subset(train, range(config.trainExamples()));
        }
        DataSet testAll = all.test().data();
        if (config.testPoints() > testAll.numExamples()) {
            throw new IllegalArgumentException("test points (" + config.testPoints() + ") exceed the test set ("
                    + testAll.numExamples() + " examples)");
        }
        DataSet tests = DataSets.subset(testAll, range(config.testPoints()));
        int n = train.numExamples();
        int inputs = (int) train.getFeatures().size(1);
        int classes = (int) train.getLabels().size(1);
        List<Row> rows = new ArrayList<>();
        List<ModelFacts> facts = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (ModelSpec m : config.models()) {
            rows.addAll(runModel(config, m, train, tests, testAll, n, inputs, classes, out, threads, show, log,
                    facts, failures));
        }
        Result result = new Result(config, rows, facts, failures, (System.nanoTime() - t0) / 1e9);
        write(result, out);
        return result;
    }

    private static List<Row> runModel(Config config, ModelSpec m, DataSet train, DataSet tests, DataSet testAll,
                                      int n, int inputs, int classes, Path out, int threads, boolean show,
                                      Consumer<String> log, List<ModelFacts> facts, List<String> failures)
            throws IOException {
        String arch = m.architecture(inputs, classes);
        MultiLayerNetwork net = Networks.mlp(inputs, classes, m.hidden(), m.activation(), m.weightDecay(), 1,
                m.buildUpdater(), m.weightInit()); // the fixed-budget and mini-batch protocols train with this updater
        long t = System.nanoTime();
        TrainingProtocol.Outcome o;
        try (Progress p = Progress.start("train " + m.name(), 1, show)) {
            o = Dl4jTraining.trainInPlace(net, train, m.protocol());
            p.step();
        }
        double trainSeconds = (System.nanoTime() - t) / 1e9;
        double accuracy = accuracy(net, testAll);
        log.accept(String.format(Locale.ROOT, "%s (%s, %,d parameters): trained in %.1f s, %d iterations, ‖∇R‖ = %.2e, "
                + "test accuracy %.3f", m.name(), arch, net.numParams(), trainSeconds, o.iterations(),
                o.gradientNorm(), accuracy));
        Dl4jInfluenceModel im = Dl4jInfluenceModel.of(net);
        InfluenceEstimator est = InfluenceEstimator.forModel(im).withTrainingData(train)
                .withDamping(config.damping());

        // influence of every test point, per curvature and damping
        List<Entry> entries = new ArrayList<>(entries(m.curvatures(), config.dampings()));
        LinkedHashMap<Entry, double[][]> scores = new LinkedHashMap<>();
        LinkedHashMap<Entry, Double> seconds = new LinkedHashMap<>();
        LinkedHashMap<Entry, Solves> solves = new LinkedHashMap<>();
        for (Entry e : List.copyOf(entries)) {
            long tc = System.nanoTime();
            InfluenceMatrix mat;
            try (Progress p = Progress.start(m.name() + ": " + e, 1, show)) {
                mat = curvature(est, e.curvature()).withDamping(e.damping()).withSolver(solver(e.curvature(),
                        config.seed(), config.lissaDepth())).influenceOnEach(tests);
                p.step();
            } catch (org.influence4j.solver.NumericalException ex) {
                // a curvature that cannot be inverted at this damping (e.g. an indefinite Hessian): reported, skipped
                log.accept(String.format(Locale.ROOT, "  %-16s failed: %s", e, ex.getMessage()));
                failures.add(m.name() + ", " + e + ": " + ex.getMessage());
                entries.remove(e);
                continue;
            }
            double s = (System.nanoTime() - tc) / 1e9;
            double[][] sc = new double[mat.queries()][];
            double[] residuals = new double[sc.length];
            int converged = 0;
            for (int q = 0; q < sc.length; q++) {
                sc[q] = mat.scores(q).toDoubleArray();
                org.influence4j.solver.SolverResult sr = mat.diagnostics().solverResult(q);
                residuals[q] = sr.relativeResidual();
                converged += sr.converged() ? 1 : 0;
            }
            double medianResidual = Arrays.stream(residuals).anyMatch(Double::isNaN) ? Double.NaN : median(residuals);
            scores.put(e, sc);
            seconds.put(e, s);
            solves.put(e, new Solves(converged, medianResidual));
            log.accept(String.format(Locale.ROOT, "  %-16s influence of %d test points in %.1f s; %d solves converged, "
                    + "median relative residual %.2e", e, sc.length, s, converged, medianResidual));
        }

        // leave-one-out on one random sample of training examples, shared by every test point and curvature
        int[] removals = sample(n, config.looRemovals(), config.seed());
        LeaveOneOutValidation loo = LeaveOneOutValidation.defaults().withIndices(removals);
        List<DataSet> testList = new ArrayList<>();
        for (int q = 0; q < tests.numExamples(); q++) {
            testList.add(DataSets.subset(tests, new int[] {q}));
        }
        long tl = System.nanoTime();
        LinkedHashMap<Entry, List<ValidationReport>> looReports = new LinkedHashMap<>();
        double[] noise = new double[testList.size()];
        String looStart;
        if (m.looFromScratch()) {
            // dattri's retrain_loo: one seed, and mini-batches over the remaining examples in index order, so that a
            // removal only shifts the batches after it
            boolean inOrder = m.protocol().kind() == TrainingProtocol.Kind.MINIBATCH;
            looStart = "from scratch, seed " + config.seed() + (inOrder ? ", examples in index order" : "");
            try (Progress p = Progress.start(m.name() + ": leave-one-out from scratch", removals.length + 1L, show)) {
                Dl4jSubsetTrainer fresh = Dl4jSubsetTrainer.builder(net, train)
                        .start(Dl4jSubsetTrainer.Start.FROM_SCRATCH)
                        .protocol(inOrder ? m.protocol().withShuffle(false) : m.protocol())
                        .listener(training -> p.step()).build();
                SubsetRetrainer retrainer = SubsetRetrainer.builder(fresh, n).seed(config.seed()).testPoints(tests)
                        .threads(threads).build();
                for (Entry c : entries) {
                    looReports.put(c, loo.runAll(Arrays.asList(scores.get(c)), retrainer, testList));
                }
            }
            Arrays.fill(noise, Double.NaN); // a from-scratch retraining has no warm-start noise floor
        } else {
            looStart = "warm start";
            Dl4jRetrainer retrainer = null;
            for (Entry c : entries) {
                List<double[]> sc = Arrays.asList(scores.get(c));
                if (retrainer == null) {
                    LeaveOneOutRuns.Run run = LeaveOneOutRuns.run(Dl4jRetrainer.builder(net, train)
                            .protocol(m.protocol()).threads(threads), loo, sc, testList,
                            m.name() + ": leave-one-out", show);
                    retrainer = run.retrainer();
                    looReports.put(c, run.reports());
                } else {
                    looReports.put(c, loo.runAll(sc, retrainer, testList));
                }
            }
            for (int q = 0; q < noise.length; q++) {
                noise[q] = retrainer.retrainingNoise(testList.get(q));
            }
        }
        double looSeconds = (System.nanoTime() - tl) / 1e9;
        double[] actualAbs = looReports.values().iterator().next().stream()
                .flatMapToDouble(r -> Arrays.stream(r.actual()).map(Math::abs)).toArray();
        log.accept(String.format(Locale.ROOT, "  leave-one-out (%s): %d retrainings in %.1f s; median |actual "
                + "change| %.2e, median noise floor %.2e", looStart, removals.length + 1, looSeconds, median(actualAbs),
                median(noise)));

        // linear datamodeling score: subsets trained once, reused through the checkpoint file
        Path checkpoint = out.resolve("lds_trainings_" + m.name() + ".txt");
        Dl4jSubsetTrainer trainer = Dl4jSubsetTrainer.builder(net, train)
                .start(m.warmSubsets() ? Dl4jSubsetTrainer.Start.WARM_START : Dl4jSubsetTrainer.Start.FROM_SCRATCH)
                .protocol(m.protocol()).build();
        LinearDatamodelingScore lds = LinearDatamodelingScore.defaults().withSubsets(m.subsets())
                .withFraction(config.fraction()).withSeed(config.seed()).withBootstrap(config.bootstrap())
                .withThreads(threads).withCheckpoint(checkpoint);
        LinkedHashMap<Entry, DatamodelReport> ldsReports = new LinkedHashMap<>();
        long td = System.nanoTime();
        for (Entry c : entries) {
            ldsReports.put(c, DatamodelRuns.run(lds, trainer, scores.get(c), tests, m.name() + ": LDS subsets",
                    show && ldsReports.isEmpty()));
        }
        double ldsSeconds = (System.nanoTime() - td) / 1e9;
        log.accept(String.format(Locale.ROOT, "  LDS: %d subsets (%s) in %.1f s", m.subsets(),
                m.warmSubsets() ? "warm start" : "fresh initialisation", ldsSeconds));

        List<Row> rows = new ArrayList<>();
        Entry best = null;
        double bestLds = Double.NEGATIVE_INFINITY;
        for (Entry c : entries) {
            List<ValidationReport> rs = looReports.get(c);
            double[] pearson = rs.stream().mapToDouble(r -> r.all().pearson()).toArray();
            double[] spearman = rs.stream().mapToDouble(r -> r.all().spearman()).toArray();
            DatamodelReport d = ldsReports.get(c);
            Row row = new Row(m.name(), arch, net.numParams(), c.curvature(), c.damping(), seconds.get(c),
                    solves.get(c).converged(), solves.get(c).medianResidual(),
                    meanWithInterval(pearson, config.bootstrap(), config.seed()),
                    meanWithInterval(spearman, config.bootstrap(), config.seed()),
                    new Interval(d.lds(), d.ldsLow(), d.ldsHigh()));
            rows.add(row);
            log.accept(String.format(Locale.ROOT, "  %-16s LOO Pearson %s, Spearman %s; LDS %s", c, row.looPearson(),
                    row.looSpearman(), row.lds()));
            if (d.lds() > bestLds) {
                bestLds = d.lds();
                best = c;
            }
        }
        if (best != null) {
            DatamodelReport d = ldsReports.get(best);
            double[][] pred = d.predicted();
            double[][] act = d.actual();
            double[] px = new double[pred.length];
            double[] ay = new double[pred.length];
            for (int j = 0; j < pred.length; j++) {
                px[j] = pred[j][0];
                ay[j] = act[j][0];
            }
            Plots.scatter(out.resolve("lds_scatter_" + m.name() + ".png"), px, ay, "subsets",
                    PlotOptions.titled(Plots.correlationTitle(m.name() + " (" + best + "), test point 0: summed "
                            + "scores vs test loss over " + pred.length + " subsets", Correlations.pearson(px, ay),
                            Correlations.spearman(px, ay))).withAxisTitles("summed influence over the subset",
                            "test loss of the model trained on the subset"));
        }
        facts.add(new ModelFacts(m.name(), trainSeconds, o.gradientNorm(), accuracy, looStart, median(noise),
                median(actualAbs), looSeconds, ldsSeconds, m.subsets(),
                m.warmSubsets() ? "warm start" : "fresh initialisation", m.weightInit().name()));
        return rows;
    }

    /** How the solves of one entry ended: converged test points, median true relative residual. */
    private record Solves(int converged, double medianResidual) {
    }

    /** A curvature scored with one damping. */
    record Entry(String curvature, double damping) {
        @Override
        public String toString() {
            return curvature + " λ=" + damping;
        }
    }

    /**
     * Every curvature with every damping, curvature-major; identity only with the first damping (λ scales its scores
     * uniformly, which leaves every correlation unchanged); a curvature given as {@code name@λ} with that damping
     * only. An entry listed twice is scored once.
     */
    static List<Entry> entries(List<String> curvatures, List<Double> dampings) {
        java.util.LinkedHashSet<Entry> out = new java.util.LinkedHashSet<>();
        for (String c : curvatures) {
            String base = baseName(c);
            double pinned = pinnedDamping(c);
            if (!Double.isNaN(pinned)) {
                out.add(new Entry(base, pinned));
                continue;
            }
            for (double d : base.equals("identity") ? dampings.subList(0, 1) : dampings) {
                out.add(new Entry(base, d));
            }
        }
        return List.copyOf(out);
    }

    /** The curvature name of a {@code name} or {@code name@λ} entry. */
    static String baseName(String curvature) {
        int at = curvature.indexOf('@');
        return at < 0 ? curvature : curvature.substring(0, at);
    }

    /** The damping of a {@code name@λ} entry, NaN for a plain name. */
    static double pinnedDamping(String curvature) {
        int at = curvature.indexOf('@');
        return at < 0 ? Double.NaN : Double.parseDouble(curvature.substring(at + 1));
    }

    /** Refuses an unknown curvature name or a {@code name@λ} whose λ is not a finite number {@code ≥ 0}. */
    static void checkCurvature(String curvature) {
        String base = baseName(curvature);
        if (!CURVATURES.contains(base)) {
            throw new IllegalArgumentException("unknown curvature '" + curvature + "'; known: " + CURVATURES
                    + ", each optionally with its own damping as name@λ (e.g. ekfac-expected@1e-5)");
        }
        if (curvature.indexOf('@') >= 0) {
            double d;
            try {
                d = pinnedDamping(curvature);
            } catch (NumberFormatException e) {
                d = Double.NaN;
            }
            if (!(d >= 0) || Double.isInfinite(d)) {
                throw new IllegalArgumentException("curvature '" + curvature + "': the damping after '@' must be a "
                        + "finite number >= 0, e.g. " + base + "@1e-5");
            }
        }
    }

    /** The estimator on the curvature a name stands for: the layer-block-diagonal Hessian for {@code cg-block}. */
    static InfluenceEstimator curvature(InfluenceEstimator est, String curvature) {
        return curvature.equals("cg-block") ? est.withCurvature(est.curvature().blockDiagonal()) : est;
    }

    /** The solver a curvature name stands for (the command line's settings). */
    static IHVPSolver solver(String curvature, long seed, int lissaDepth) {
        return switch (curvature) {
            case "exact" -> IHVPSolver.exact().withPolicy(EigenvaluePolicy.TRUNCATE);
            case "cg" -> IHVPSolver.conjugateGradient().withMaxIterations(2000);
            case "cg-10" -> IHVPSolver.conjugateGradient().withMaxIterations(10);
            case "cg-block" -> IHVPSolver.conjugateGradient().withMaxIterations(2000); // on curvature(e)
            case "lissa" -> IHVPSolver.lissa().withDepth(lissaDepth).withSeed(seed);
            case "kfac" -> IHVPSolver.kfac().withSeed(seed);
            case "ekfac" -> IHVPSolver.ekfac().withSeed(seed);
            case "ekfac-expected" -> IHVPSolver.ekfac().withSampling(org.influence4j.solver.FisherSampling.EXPECTED);
            case "ekfac-heuristic" -> IHVPSolver.ekfac().withSeed(seed).withHeuristicDamping(0.1);
            case "identity" -> IHVPSolver.identity();
            default -> throw new IllegalArgumentException("unknown curvature '" + curvature + "'; known: "
                    + CURVATURES);
        };
    }

    /** The mean and a percentile bootstrap interval (95%) over the values' indices; NaN values are left out. */
    static Interval meanWithInterval(double[] values, int resamples, long seed) {
        double[] v = Arrays.stream(values).filter(Double::isFinite).toArray();
        if (v.length == 0) {
            return new Interval(Double.NaN, Double.NaN, Double.NaN);
        }
        double mean = Arrays.stream(v).average().orElse(Double.NaN);
        if (resamples == 0 || v.length < 2) {
            return new Interval(mean, Double.NaN, Double.NaN);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        double[] means = new double[resamples];
        for (int b = 0; b < resamples; b++) {
            double s = 0;
            for (int i = 0; i < v.length; i++) {
                s += v[rng.nextInt(v.length)];
            }
            means[b] = s / v.length;
        }
        Arrays.sort(means);
        return new Interval(mean, means[(int) Math.floor(0.025 * (resamples - 1))],
                means[(int) Math.ceil(0.975 * (resamples - 1))]);
    }

    private static int[] range(int k) {
        return java.util.stream.IntStream.range(0, k).toArray();
    }

    /** {@code k} distinct indices below {@code n}, sorted, seeded. */
    static int[] sample(int n, int k, long seed) {
        if (k > n) {
            throw new IllegalArgumentException("leave-one-out removals (" + k + ") exceed the training examples ("
                    + n + ")");
        }
        int[] perm = range(n);
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < k; i++) {
            int j = i + rng.nextInt(n - i);
            int tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
        }
        int[] out = Arrays.copyOf(perm, k);
        Arrays.sort(out);
        return out;
    }

    private static double median(double[] v) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
    }

    private static double accuracy(MultiLayerNetwork net, DataSet test) {
        int correct = 0;
        int m = test.numExamples();
        for (int start = 0; start < m; start += 500) {
            int[] idx = java.util.stream.IntStream.range(start, Math.min(m, start + 500)).toArray();
            DataSet part = DataSets.subset(test, idx);
            int[] predicted = net.output(part.getFeatures()).argMax(1).toIntVector();
            int[] actual = part.getLabels().argMax(1).toIntVector();
            for (int i = 0; i < predicted.length; i++) {
                correct += predicted[i] == actual[i] ? 1 : 0;
            }
        }
        return (double) correct / m;
    }

    /** Per model and curvature, the row of the damping with the highest LDS (the first such row on ties). */
    static List<Row> bestPerCurvature(List<Row> rows) {
        LinkedHashMap<String, Row> best = new LinkedHashMap<>();
        for (Row r : rows) {
            best.merge(r.model() + "\u0000" + r.curvature(), r,
                    (a, b) -> b.lds().mean() > a.lds().mean() ? b : a);
        }
        return List.copyOf(best.values());
    }

    private static void write(Result result, Path out) throws IOException {
        CsvTable csv = CsvTable.withHeader("model", "architecture", "parameters", "curvature", "damping",
                "scoring_seconds", "solves_converged", "median_relative_residual",
                "loo_pearson", "loo_pearson_low", "loo_pearson_high", "loo_spearman", "loo_spearman_low",
                "loo_spearman_high", "lds", "lds_low", "lds_high");
        for (Row r : result.rows()) {
            csv.row(r.model(), r.architecture(), r.parameters(), r.curvature(), r.damping(), r.scoringSeconds(),
                    r.solvesConverged(), r.medianResidual(),
                    r.looPearson().mean(), r.looPearson().low(), r.looPearson().high(), r.looSpearman().mean(),
                    r.looSpearman().low(), r.looSpearman().high(), r.lds().mean(), r.lds().low(), r.lds().high());
        }
        csv.write(out.resolve("table.csv"));
        Config c = result.config();
        StringBuilder md = new StringBuilder();
        md.append("# Ground-truth table (").append(c.name()).append(")\n\n");
        // a grid: some curvature of some model scored with more than one damping
        boolean grid = result.rows().stream().collect(java.util.stream.Collectors.groupingBy(
                r -> r.model() + "\u0000" + r.curvature(), java.util.stream.Collectors.counting()))
                .values().stream().anyMatch(k -> k > 1);
        boolean pinned = c.models().stream().flatMap(m -> m.curvatures().stream()).anyMatch(k -> k.contains("@"));
        md.append(String.format(Locale.ROOT, "%d test points, damping λ %s%s, leave-one-out on %d random training "
                + "examples, LDS on subsets of a fraction %s, 95%% bootstrap intervals (%d resamples); %.1f s in all.%n%n",
                c.testPoints(), c.dampings().size() > 1 ? "∈ " + c.dampings() : "= " + c.damping(),
                pinned ? " (rows with another λ: a curvature scored at its own damping too)" : "", c.looRemovals(),
                c.fraction(), c.bootstrap(), result.seconds()));
        md.append("\"solves\" counts the test points whose solve met its tolerance (Kronecker-factored and identity "
                + "inverses are exact for their own curvature); \"residual\" is the median true relative residual "
                + "‖(H + λI)x − b‖/‖b‖ against the model's Hessian"
                + (result.rows().stream().anyMatch(r -> baseName(r.curvature()).equals("cg-block"))
                ? " (cg-block's against the layer-block-diagonal Hessian it solves with)" : "") + ".\n\n");
        MarkdownTable t = MarkdownTable.withHeader("model", "parameters", "curvature", "λ", "LOO Pearson",
                "LOO Spearman", "LDS", "scoring s", "solves", "residual");
        for (Row r : result.rows()) {
            t.row(r.model() + " (" + r.architecture() + ")", r.parameters(), r.curvature(), r.damping(),
                    r.looPearson().toString(), r.looSpearman().toString(), r.lds().toString(),
                    String.format(Locale.ROOT, "%.1f", r.scoringSeconds()),
                    r.solvesConverged() + "/" + c.testPoints(),
                    Double.isNaN(r.medianResidual()) ? "—" : String.format(Locale.ROOT, "%.1e", r.medianResidual()));
        }
        md.append(t).append('\n');
        if (grid) {
            md.append("Each curvature at the λ of its highest LDS (dattri's choice of λ: the best value of the metric "
                    + "itself, an optimistic selection on the test points):\n\n");
            MarkdownTable b = MarkdownTable.withHeader("model", "curvature", "best λ", "LDS", "LOO Pearson at that λ");
            for (Row r : bestPerCurvature(result.rows())) {
                b.row(r.model(), r.curvature(), r.damping(), r.lds().toString(), r.looPearson().toString());
            }
            md.append(b).append('\n');
        }
        MarkdownTable f = MarkdownTable.withHeader("model", "weights initialised", "train s", "‖∇R(θ̂)‖",
                "test accuracy",
                "LOO retrained by", "median \\|LOO change\\|", "median noise floor", "LOO s", "LDS subsets",
                "subsets trained by", "LDS s");
        for (ModelFacts x : result.facts()) {
            f.row(x.model(), x.weightInit(), String.format(Locale.ROOT, "%.1f", x.trainSeconds()),
                    String.format(Locale.ROOT, "%.2e", x.gradientNorm()),
                    String.format(Locale.ROOT, "%.3f", x.testAccuracy()), x.looStart(),
                    String.format(Locale.ROOT, "%.2e", x.looMedianActual()),
                    Double.isNaN(x.looNoise()) ? "—" : String.format(Locale.ROOT, "%.2e", x.looNoise()),
                    String.format(Locale.ROOT, "%.1f", x.looSeconds()), x.ldsSubsets(), x.subsetStart(),
                    String.format(Locale.ROOT, "%.1f", x.ldsSeconds()));
        }
        md.append(f).append('\n');
        if (!result.failures().isEmpty()) {
            md.append("Not computed (no row):\n\n");
            for (String x : result.failures()) {
                md.append("* ").append(x).append('\n');
            }
            md.append('\n');
        }
        md.append(DATTRI_NOTE).append(".\n");
        Files.writeString(out.resolve("table.md"), md.toString());
        // bars: one per curvature (with a grid, at each curvature's best λ by LDS), one series per model
        List<Row> shown = grid ? bestPerCurvature(result.rows()) : result.rows();
        List<String> curvatures = CURVATURES.stream().filter(k -> c.models().stream()
                .anyMatch(m -> m.curvatures().stream().anyMatch(x -> baseName(x).equals(k)))).toList();
        LinkedHashMap<String, double[]> ldsBars = new LinkedHashMap<>();
        LinkedHashMap<String, double[]> looBars = new LinkedHashMap<>();
        for (ModelSpec m : c.models()) {
            double[] l = new double[curvatures.size()];
            double[] p = new double[curvatures.size()];
            for (int i = 0; i < curvatures.size(); i++) {
                String k = curvatures.get(i);
                Row r = shown.stream().filter(x -> x.model().equals(m.name()) && x.curvature().equals(k))
                        .findFirst().orElse(null);
                l[i] = r == null ? Double.NaN : r.lds().mean();
                p[i] = r == null ? Double.NaN : r.looPearson().mean();
            }
            ldsBars.put(m.name(), l);
            looBars.put(m.name(), p);
        }
        String at = grid ? ", each at its best λ by LDS" : "";
        Plots.barChart(out.resolve("lds.png"), curvatures, ldsBars, PlotOptions.titled("Linear datamodeling score "
                + "per curvature (mean over test points" + at + ")").withAxisTitles("curvature", "LDS (Spearman)")
                .withSize(1000, 600));
        Plots.barChart(out.resolve("loo.png"), curvatures, looBars, PlotOptions.titled("Leave-one-out agreement per "
                + "curvature (mean Pearson over test points" + at + ")").withAxisTitles("curvature", "Pearson")
                .withSize(1000, 600));
        if (grid) {
            List<Series> lines = new ArrayList<>();
            for (ModelSpec m : c.models()) {
                for (String k : curvatures) {
                    List<Row> rs = result.rows().stream().filter(x -> x.model().equals(m.name())
                            && x.curvature().equals(k) && x.damping() > 0 && Double.isFinite(x.lds().mean()))
                            .sorted(java.util.Comparator.comparingDouble(Row::damping)).toList();
                    if (rs.size() > 1) {
                        lines.add(new Series(m.name() + " " + k,
                                rs.stream().mapToDouble(x -> Math.log10(x.damping())).toArray(),
                                rs.stream().mapToDouble(x -> x.lds().mean()).toArray()));
                    }
                }
            }
            if (!lines.isEmpty()) {
                Plots.lineChart(out.resolve("lds_vs_damping.png"), lines, PlotOptions.titled("Linear datamodeling "
                        + "score against the damping (mean over test points)").withAxisTitles("log10 λ",
                        "LDS (Spearman)").withSize(1000, 600));
            }
        }
    }
}
