package org.influence4j.bench.study;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.InfluenceEstimator;
import org.influence4j.InfluenceScores;
import org.influence4j.bench.data.Datasets;
import org.influence4j.bench.data.TrainTestData;
import org.influence4j.bench.progress.Progress;
import org.influence4j.dl4j.Dl4jInfluenceModel;
import org.influence4j.dl4j.Dl4jRetrainer;
import org.influence4j.dl4j.Dl4jTraining;
import org.influence4j.dl4j.ParameterSubset;
import org.influence4j.dl4j.TrainingProtocol;
import org.influence4j.model.DataSets;
import org.influence4j.solver.EigenvaluePolicy;
import org.influence4j.solver.IHVPSolver;
import org.influence4j.solver.SolverResult;
import org.influence4j.validation.Correlations;
import org.influence4j.validation.LeaveOneOutValidation;
import org.influence4j.validation.ValidationReport;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The study of Basu, Pope &amp; Feizi (<i>Influence Functions in Deep Learning Are Fragile</i>, ICLR 2021) as sweeps:
 * for every architecture (a depth sweep at a fixed width and a width sweep at a fixed depth), weight decay and seed,
 * train a network to θ̂ with the {@link TrainingProtocol}, record {@code ‖∇R(θ̂)‖} and the Hessian's extreme
 * eigenvalues, choose test points (highest-loss, median-loss, random), compute influence with every configured
 * solver, and compare the predicted loss changes with warm-started leave-one-out retraining of the top-k points by
 * |influence| plus a seeded random sample (the leave-one-out protocol of {@link LeaveOneOutValidation}).
 *
 * <p>All randomness comes from the seeds of the configuration: the network seed, and {@code seed} for test points
 * and the random sample. Retrainings are shared between test points and solvers (one per removed example and
 * setting, {@link Dl4jRetrainer}) and run on {@code threads} threads.
 */
public final class FragilityStudy {

    /** Influence solver of a setting. */
    public enum SolverKind {
        /** Dense eigendecomposition of the exact Hessian ({@link IHVPSolver#exact()}). */
        EXACT,
        /** Conjugate gradient ({@link IHVPSolver#conjugateGradient()}). */
        CG,
        /** LiSSA ({@link IHVPSolver#lissa()}). */
        LISSA;

        /** Lower-case name. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Network family. */
    public enum Architecture {
        /** Dense tanh/ReLU layers ({@link Networks#mlp}). */
        MLP,
        /** {@link Networks#smallCnn} (images only). */
        CNN
    }

    /**
     * The study's configuration (immutable, validated).
     *
     * @param name            a label for reports (e.g. "quick")
     * @param dataset         a bundled data set name
     * @param architecture    network family
     * @param depths          hidden-layer counts of the depth sweep (at {@code baseWidth})
     * @param baseWidth       width of the depth sweep
     * @param widths          widths of the width sweep (at {@code baseDepth}); may be empty
     * @param baseDepth       depth of the width sweep
     * @param activation      hidden activation of the MLPs
     * @param weightDecays    PyTorch-style weight decays ({@code ½·wd·‖W‖²} in the objective)
     * @param seeds           network initialisation seeds
     * @param testPoints      test points per trained network (highest-loss, median-loss, then random)
     * @param topK            points retrained by largest |influence|
     * @param randomSample    additional random points retrained
     * @param solvers         influence solvers compared
     * @param damping         λ of {@code H + λI}
     * @param policy          exact solver's treatment of eigenvalues ≤ 0 after damping
     * @param lissaDepth      LiSSA recursion depth
     * @param protocols       training and retraining protocols compared (e.g. converged L-BFGS and fixed-budget Adam)
     * @param lastLayerOnly   influence over the output layer's parameters only (Koh &amp; Liang's choice for big nets)
     * @param maxEigenParams  eigenvalues are computed only up to this many parameters (else NaN)
     * @param seed            seed of the data split, test points and random samples
     * @param threads         retraining threads
     */
    public record Config(String name, String dataset, Architecture architecture, List<Integer> depths, int baseWidth,
                         List<Integer> widths, int baseDepth, Networks.HiddenActivation activation,
                         List<Double> weightDecays, List<Long> seeds, int testPoints, int topK, int randomSample,
                         List<SolverKind> solvers, double damping, EigenvaluePolicy policy, int lissaDepth,
                         List<TrainingProtocol> protocols, boolean lastLayerOnly, int maxEigenParams, long seed,
                         int threads) {

        /** Validates and copies the lists. */
        public Config {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(dataset, "dataset");
            Objects.requireNonNull(architecture, "architecture");
            Objects.requireNonNull(activation, "activation");
            Objects.requireNonNull(policy, "policy");
            protocols = List.copyOf(protocols);
            depths = List.copyOf(depths);
            widths = List.copyOf(widths);
            weightDecays = List.copyOf(weightDecays);
            seeds = List.copyOf(seeds);
            solvers = List.copyOf(solvers);
            if (!Datasets.isBundled(dataset)) {
                throw new IllegalArgumentException("unknown dataset '" + dataset + "'; bundled: "
                        + Datasets.bundledNames());
            }
            if (architecture == Architecture.MLP && depths.isEmpty() && widths.isEmpty()) {
                throw new IllegalArgumentException("give at least one depth or width");
            }
            for (int d : depths) {
                require(d >= 0 && d <= 64, "depth (" + d + ") must be between 0 and 64");
            }
            for (int w : widths) {
                require(w >= 1, "width (" + w + ") must be >= 1");
            }
            require(baseWidth >= 1, "base width (" + baseWidth + ") must be >= 1");
            require(baseDepth >= 0, "base depth (" + baseDepth + ") must be >= 0");
            require(!weightDecays.isEmpty(), "give at least one weight decay");
            for (double wd : weightDecays) {
                require(wd >= 0, "weight decay (" + wd + ") must be >= 0");
            }
            require(!seeds.isEmpty(), "give at least one seed");
            require(!solvers.isEmpty(), "give at least one solver");
            require(!protocols.isEmpty(), "give at least one training protocol");
            require(testPoints >= 1, "test points (" + testPoints + ") must be >= 1");
            require(topK >= 1, "top-k (" + topK + ") must be >= 1");
            require(randomSample >= 0, "random sample (" + randomSample + ") must be >= 0");
            require(damping >= 0, "damping (" + damping + ") must be >= 0");
            require(lissaDepth >= 1, "LiSSA depth (" + lissaDepth + ") must be >= 1");
            require(threads >= 1, "threads (" + threads + ") must be >= 1");
        }

        /**
         * The {@code --quick} preset: {@link #full()} restricted to depths 1, 2, 4 and 8 (width 5), seeds 1–3 and the
         * exact solver — Iris, weight decay 0 and 5e-3, three test points (highest-loss, median-loss, random), top-20
         * plus 10 random points, damping 0.01, converged L-BFGS and fixed-budget Adam (3000 iterations, 300 per
         * retraining). 48 networks, about a minute on 2 cores (seed 5 is left out on purpose: its depth-8 network
         * without weight decay never converges and costs three minutes of capped retrainings alone).
         */
        public static Config quick() {
            return new Config("quick", Datasets.IRIS, Architecture.MLP, List.of(1, 2, 4, 8), 5, List.of(), 1,
                    Networks.HiddenActivation.TANH, List.of(0.0, 5e-3), List.of(1L, 2L, 3L), 3, 20, 10,
                    List.of(SolverKind.EXACT), 0.01, EigenvaluePolicy.TRUNCATE, 2000,
                    List.of(TrainingProtocol.lbfgs(), TrainingProtocol.adam()), false, 2000, Datasets.DEFAULT_SEED, 2);
        }

        /**
         * The full Iris preset: width 5 and depths 1–8, depth 1 and widths 5–50, weight decay 0 and 5e-3, five
         * seeds, three test points, top-20 plus 10 random points, exact, CG and LiSSA solvers (they share the
         * retrainings), converged L-BFGS and fixed-budget Adam (3000 iterations, 300 per retraining). 220 networks,
         * about 12 minutes on 2 cores: {@code fragility --preset full} (see docs/reproduction.md).
         */
        public static Config full() {
            return new Config("full", Datasets.IRIS, Architecture.MLP, List.of(1, 2, 3, 4, 5, 6, 7, 8), 5,
                    List.of(5, 10, 20, 50), 1, Networks.HiddenActivation.TANH, List.of(0.0, 5e-3),
                    List.of(1L, 2L, 3L, 4L, 5L), 3, 20, 10, List.of(SolverKind.EXACT, SolverKind.CG,
                    SolverKind.LISSA), 0.01, EigenvaluePolicy.TRUNCATE, 2000,
                    List.of(TrainingProtocol.lbfgs(), TrainingProtocol.adam()), false, 2000, Datasets.DEFAULT_SEED, 2);
        }

        /**
         * Small MNIST, one hidden layer of 16 tanh units (12,730 parameters), weight decay 5e-3 and 0, one seed, one
         * (highest-loss) test point, top-20 plus 5 random points, CG (and LiSSA), L-BFGS training capped at 1000
         * iterations and 200 per retraining. Tens of minutes on 2 cores.
         */
        public static Config mnistMlp() {
            return new Config("mnist-mlp", Datasets.SMALL_MNIST, Architecture.MLP, List.of(1), 16, List.of(), 1,
                    Networks.HiddenActivation.TANH, List.of(5e-3, 0.0), List.of(1L), 1, 20, 5,
                    List.of(SolverKind.CG, SolverKind.LISSA), 0.01, EigenvaluePolicy.TRUNCATE, 1000,
                    List.of(TrainingProtocol.lbfgs().withIterations(1000, 200)), false, 2000, Datasets.DEFAULT_SEED,
                    2);
        }

        /**
         * Small MNIST with {@link Networks#smallCnn} (3,226 parameters, finite-difference HVPs through the
         * convolutions), weight decay 5e-3 and 0, otherwise as {@link #mnistMlp()} with CG only.
         */
        public static Config mnistCnn() {
            return mnistMlp().withName("mnist-cnn").withModel(Datasets.SMALL_MNIST, Architecture.CNN,
                    List.of(TrainingProtocol.lbfgs().withIterations(1000, 200)), false)
                    .withSolvers(List.of(SolverKind.CG), 0.01, EigenvaluePolicy.TRUNCATE);
        }

        /** A copy with another name. */
        public Config withName(String n) {
            return new Config(n, dataset, architecture, depths, baseWidth, widths, baseDepth, activation,
                    weightDecays, seeds, testPoints, topK, randomSample, solvers, damping, policy, lissaDepth,
                    protocols, lastLayerOnly, maxEigenParams, seed, threads);
        }

        /** A copy with other sweeps. */
        public Config withSweeps(List<Integer> newDepths, List<Integer> newWidths, List<Double> newDecays,
                                 List<Long> newSeeds) {
            return new Config(name, dataset, architecture, newDepths, baseWidth, newWidths, baseDepth, activation,
                    newDecays, newSeeds, testPoints, topK, randomSample, solvers, damping, policy, lissaDepth,
                    protocols, lastLayerOnly, maxEigenParams, seed, threads);
        }

        /** A copy with another validation size. */
        public Config withValidation(int newTestPoints, int newTopK, int newRandomSample) {
            return new Config(name, dataset, architecture, depths, baseWidth, widths, baseDepth, activation,
                    weightDecays, seeds, newTestPoints, newTopK, newRandomSample, solvers, damping, policy,
                    lissaDepth, protocols, lastLayerOnly, maxEigenParams, seed, threads);
        }

        /** A copy with other solvers, damping and policy. */
        public Config withSolvers(List<SolverKind> newSolvers, double newDamping, EigenvaluePolicy newPolicy) {
            return new Config(name, dataset, architecture, depths, baseWidth, widths, baseDepth, activation,
                    weightDecays, seeds, testPoints, topK, randomSample, newSolvers, newDamping, newPolicy,
                    lissaDepth, protocols, lastLayerOnly, maxEigenParams, seed, threads);
        }

        /** A copy with another data set, architecture, training protocol and parameter subset. */
        public Config withModel(String newDataset, Architecture newArchitecture, List<TrainingProtocol> newProtocols,
                                boolean newLastLayerOnly) {
            return new Config(name, newDataset, newArchitecture, depths, baseWidth, widths, baseDepth, activation,
                    weightDecays, seeds, testPoints, topK, randomSample, solvers, damping, policy, lissaDepth,
                    newProtocols, newLastLayerOnly, maxEigenParams, seed, threads);
        }

        /** A copy with another seed and thread count. */
        public Config withRun(long newSeed, int newThreads) {
            return new Config(name, dataset, architecture, depths, baseWidth, widths, baseDepth, activation,
                    weightDecays, seeds, testPoints, topK, randomSample, solvers, damping, policy, lissaDepth,
                    protocols, lastLayerOnly, maxEigenParams, newSeed, newThreads);
        }

        /** The (depth, width) pairs: the depth sweep, then the width sweep, without repeats; CNN: one. */
        public List<int[]> shapes() {
            if (architecture == Architecture.CNN) {
                return List.<int[]>of(new int[] {2, 0});
            }
            Set<List<Integer>> seen = new LinkedHashSet<>();
            for (int d : depths) {
                seen.add(List.of(d, baseWidth));
            }
            for (int w : widths) {
                seen.add(List.of(baseDepth, w));
            }
            return seen.stream().map(l -> new int[] {l.get(0), l.get(1)}).toList();
        }

        /** Number of trained networks. */
        public int networks() {
            return protocols.size() * shapes().size() * weightDecays.size() * seeds.size();
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }

    /**
     * One trained network.
     *
     * @param protocol         how it was trained and retrained
     * @param depth            hidden layers (CNN: its two convolutions)
     * @param width            hidden width (CNN: 0)
     * @param weightDecay      weight decay
     * @param seed             initialisation seed
     * @param parameters       parameters analysed
     * @param training         the training outcome ({@code ‖∇R(θ̂)‖} etc.)
     * @param trainSeconds     training wall time
     * @param testAccuracy     accuracy on the test set
     * @param eigenvalues      eigenvalues of the undamped Hessian, ascending (empty if not computed)
     * @param retrainings      retrainings done for this network
     * @param maxRetrainGradNorm largest final {@code ‖∇R‖} of a retraining
     * @param unconverged      retrainings that missed the tolerance
     * @param seconds          wall time of the whole setting
     */
    public record Network(TrainingProtocol protocol, int depth, int width, double weightDecay, long seed, long parameters,
                          TrainingProtocol.Outcome training, double trainSeconds, double testAccuracy,
                          double[] eigenvalues, int retrainings, double maxRetrainGradNorm, long unconverged,
                          double seconds) {

        /** Smallest eigenvalue (NaN if not computed). */
        public double lambdaMin() {
            return eigenvalues.length == 0 ? Double.NaN : eigenvalues[0];
        }

        /** Largest eigenvalue (NaN if not computed). */
        public double lambdaMax() {
            return eigenvalues.length == 0 ? Double.NaN : eigenvalues[eigenvalues.length - 1];
        }

        /** File-name label, e.g. {@code d4_w5_wd0.005_s1}. */
        public String label() {
            return protocol.kind().name().toLowerCase(Locale.ROOT) + "_d" + depth + "_w" + width + "_wd"
                    + fmt(weightDecay) + "_s" + seed;
        }
    }

    /**
     * One (network, test point, solver) comparison.
     *
     * @param network   the network
     * @param testPoint the test point
     * @param solver    the solver
     * @param solve     the solver's result diagnostics (iterations, residual, stop reason)
     * @param report    the leave-one-out comparison
     * @param solveSeconds wall time of this solver's influence computation for this test point (for the exact
     *                     solver with a shared factorisation: the solve and the gradient dots only)
     * @param agreementPearson  Pearson correlation of this solver's influence scores on <em>all</em> training points
     *                          with the first configured solver's scores for the same test point (1 for the first)
     * @param agreementSpearman the same as a Spearman correlation
     * @param retrainingNoise   the protocol's noise floor at this test point,
     *                          {@link Dl4jRetrainer#retrainingNoise}: how much the test loss moves when the
     *                          baseline retraining starts from a θ̂ perturbed by 1e-10 (relative)
     */
    public record Comparison(Network network, TestPoints.Choice testPoint, SolverKind solver, SolverResult solve,
                             ValidationReport report, double solveSeconds, double agreementPearson,
                             double agreementSpearman, double retrainingNoise) {

        /** Median {@code |actual Δ|} over the top-k retrained points (NaN if none). */
        public double medianAbsActualTopK() {
            return FragilityReport.median(report.points().stream()
                    .filter(p -> p.reason() == ValidationReport.Reason.TOP_K)
                    .mapToDouble(p -> Math.abs(p.actual())).toArray());
        }

        /**
         * {@link #retrainingNoise} relative to {@link #medianAbsActualTopK}: near 0 the measured changes are signal;
         * near or above 1 the "actual" changes are mostly retraining noise and no estimator can correlate with them.
         */
        public double noiseRatio() {
            return retrainingNoise / medianAbsActualTopK();
        }
    }

    /**
     * Everything a study produced.
     *
     * @param config      the configuration
     * @param networks    the trained networks, in sweep order
     * @param comparisons all comparisons
     * @param seconds     wall time
     */
    public record Results(Config config, List<Network> networks, List<Comparison> comparisons, double seconds) {
    }

    private final Config config;

    /** A study with this configuration. */
    public FragilityStudy(Config config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * Runs the study.
     *
     * @param showProgress whether to draw progress bars (only on a terminal)
     * @param log          receives one line per finished network
     * @return the results
     */
    public Results run(boolean showProgress, Consumer<String> log) {
        long t0 = System.nanoTime();
        TrainTestData data = Datasets.bundled(config.dataset(), config.seed());
        DataSet train = data.train().data();
        DataSet test = data.test().data();
        List<Network> networks = new ArrayList<>();
        List<Comparison> comparisons = new ArrayList<>();
        try (Progress sweep = Progress.start("fragility " + config.name(), config.networks(), showProgress)) {
            for (TrainingProtocol protocol : config.protocols()) {
                for (int[] shape : config.shapes()) {
                    for (double wd : config.weightDecays()) {
                        for (long s : config.seeds()) {
                            runOne(protocol, shape[0], shape[1], wd, s, data, train, test, networks, comparisons,
                                    showProgress);
                            Network n = networks.get(networks.size() - 1);
                            sweep.step();
                            sweep.message(n.label());
                            log.accept(summary(n, comparisons));
                        }
                    }
                }
            }
        }
        return new Results(config, List.copyOf(networks), List.copyOf(comparisons), (System.nanoTime() - t0) / 1e9);
    }

    private void runOne(TrainingProtocol protocol, int depth, int width, double wd, long netSeed, TrainTestData data, DataSet train,
                        DataSet test, List<Network> networks, List<Comparison> comparisons, boolean showProgress) {
        long t0 = System.nanoTime();
        MultiLayerNetwork net = build(protocol, depth, width, wd, netSeed, data);
        TrainingProtocol.Outcome trained = Dl4jTraining.trainInPlace(net, train, protocol);
        double trainSeconds = (System.nanoTime() - t0) / 1e9;
        double accuracy = accuracy(net, test);

        Dl4jInfluenceModel model = Dl4jInfluenceModel.builder(net)
                .parameters(config.lastLayerOnly() ? ParameterSubset.lastLayer() : ParameterSubset.all()).build();
        long p = model.numParameters();
        InfluenceEstimator estimator = InfluenceEstimator.forModel(model).withTrainingData(train)
                .withDamping(config.damping());
        double[] eigenvalues = new double[0];
        if (p <= config.maxEigenParams()) {
            // one dense Hessian (p HVPs), cached in the curvature: its eigendecomposition serves the eigenvalues and
            // the exact solver of every test point, and CG and LiSSA multiply by the matrix instead of running the
            // network's R-operator pass
            estimator = estimator.withCurvature(estimator.curvature().dense());
            eigenvalues = exactSolver().factorize(estimator.curvature()).eigenvalues()
                    .toDoubleVector();
        }
        double[] losses = model.losses(test).toDoubleVector();
        List<TestPoints.Choice> points = TestPoints.several(losses, config.testPoints(), config.seed() + netSeed);

        // influence for every (test point, solver), each solver prepared once per network
        record Pending(TestPoints.Choice point, SolverKind solver, double[] scores, SolverResult solve,
                       double seconds) {
        }
        List<InfluenceEstimator> bySolver = new ArrayList<>();
        for (SolverKind k : config.solvers()) {
            bySolver.add(estimator.withSolver(solver(k, netSeed)));
        }
        List<Pending> pending = new ArrayList<>();
        for (TestPoints.Choice c : points) {
            DataSet tp = DataSets.subset(test, new int[] {c.index()});
            for (int k = 0; k < bySolver.size(); k++) {
                long s0 = System.nanoTime();
                InfluenceScores s = bySolver.get(k).influenceOn(tp);
                pending.add(new Pending(c, config.solvers().get(k), s.toDoubleArray(), s.solverResult(),
                        (System.nanoTime() - s0) / 1e9));
            }
        }

        // one retraining per removed example, shared by test points and solvers, in parallel
        LeaveOneOutValidation loo = LeaveOneOutValidation.defaults().withTopK(config.topK())
                .withRandomSample(config.randomSample()).withSeed(config.seed() + netSeed);
        List<DataSet> tps = pending.stream()
                .map(pd -> DataSets.subset(test, new int[] {pd.point().index()})).toList();
        LeaveOneOutRuns.Run run = LeaveOneOutRuns.run(Dl4jRetrainer.builder(net, train).protocol(protocol)
                .threads(config.threads()), loo, pending.stream().map(Pending::scores).toList(), tps,
                "retrain " + protocol.kind() + " " + label(depth, width, wd, netSeed), showProgress);
        Dl4jRetrainer retrainer = run.retrainer();
        List<ValidationReport> reports = run.reports();
        double[] noise = new double[pending.size()];
        for (int i = 0; i < pending.size(); i++) {
            noise[i] = retrainer.retrainingNoise(tps.get(i));
        }
        List<Comparison> mine = new ArrayList<>();
        Network n = new Network(protocol, depth, width, wd, netSeed, p, trained, trainSeconds, accuracy, eigenvalues,
                retrainer.retrainings().size(), retrainer.maxRetrainGradientNorm(),
                retrainer.unconvergedRetrainings(), (System.nanoTime() - t0) / 1e9);
        for (int i = 0; i < pending.size(); i++) {
            Pending pd = pending.get(i);
            // the first solver of the same test point is the reference for solver agreement
            Pending ref = pending.get(i - i % config.solvers().size());
            mine.add(new Comparison(n, pd.point(), pd.solver(), pd.solve(), reports.get(i), pd.seconds(),
                    Correlations.pearson(pd.scores(), ref.scores()), Correlations.spearman(pd.scores(),
                    ref.scores()), noise[i]));
        }
        networks.add(n);
        comparisons.addAll(mine);
    }

    private MultiLayerNetwork build(TrainingProtocol protocol, int depth, int width, double wd, long netSeed, TrainTestData data) {
        int classes = data.train().numClasses();
        int features = data.train().numFeatures();
        if (config.architecture() == Architecture.CNN) {
            int side = (int) Math.round(Math.sqrt(features));
            if (side * side != features) {
                throw new IllegalArgumentException("the CNN needs square images; " + config.dataset() + " has "
                        + features + " features");
            }
            return Networks.smallCnn(side, side, classes, wd, netSeed, protocol.updater());
        }
        return Networks.mlp(features, classes, depth, width, config.activation(), wd, netSeed,
                protocol.updater());
    }

    private IHVPSolver solver(SolverKind k, long netSeed) {
        return switch (k) {
            case EXACT -> exactSolver();
            case CG -> IHVPSolver.conjugateGradient().withMaxIterations(2000);
            case LISSA -> IHVPSolver.lissa().withDepth(config.lissaDepth()).withSeed(config.seed() + netSeed);
        };
    }

    private org.influence4j.solver.ExactSolver exactSolver() {
        return IHVPSolver.exact().withPolicy(config.policy());
    }

    /** Fraction of test examples whose arg-max output is the label. */
    static double accuracy(MultiLayerNetwork net, DataSet test) {
        INDArray out = net.output(test.getFeatures());
        INDArray pred = out.argMax(1);
        INDArray truth = test.getLabels().argMax(1);
        long correct = 0;
        for (long i = 0; i < pred.length(); i++) {
            if (pred.getLong(i) == truth.getLong(i)) {
                correct++;
            }
        }
        return (double) correct / pred.length();
    }

    private static String summary(Network n, List<Comparison> comparisons) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "%-20s p=%-5d ‖∇R(θ̂)‖=%.1e λ=[%.3g, %.3g] acc=%.2f", n.label(), n.parameters(),
                n.training().gradientNorm(), n.lambdaMin(), n.lambdaMax(), n.testAccuracy()));
        for (Comparison c : comparisons) {
            if (c.network() == n) {
                sb.append(String.format(Locale.ROOT, " | %s %s ρ=%.2f r=%.2f", c.testPoint().kind().label(),
                        c.solver().label(), c.report().topK().spearman(), c.report().topK().pearson()));
            }
        }
        sb.append(String.format(Locale.ROOT, " (%.1f s)", n.seconds()));
        return sb.toString();
    }

    private static String label(int depth, int width, double wd, long seed) {
        return "d" + depth + " w" + width + " wd" + fmt(wd) + " s" + seed;
    }

    static String fmt(double v) {
        return v == 0 ? "0" : java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}
