package org.influence4j.bench.study;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.InfluenceEstimator;
import org.influence4j.InfluenceMatrix;
import org.influence4j.InfluenceScores;
import org.influence4j.bench.data.ClassificationData;
import org.influence4j.bench.data.Datasets;
import org.influence4j.bench.data.Splits;
import org.influence4j.bench.data.TrainTestData;
import org.influence4j.bench.progress.Progress;
import org.influence4j.dl4j.Dl4jInfluenceModel;
import org.influence4j.dl4j.Dl4jRetrainer;
import org.influence4j.dl4j.Dl4jSubsetTrainer;
import org.influence4j.dl4j.Dl4jTraining;
import org.influence4j.dl4j.ParameterSubset;
import org.influence4j.dl4j.TrainingProtocol;
import org.influence4j.model.DataSets;
import org.influence4j.solver.EigenvaluePolicy;
import org.influence4j.solver.IHVPSolver;
import org.influence4j.solver.SolverResult;
import org.influence4j.validation.Correlations;
import org.influence4j.validation.DatamodelReport;
import org.influence4j.validation.LeaveOneOutValidation;
import org.influence4j.validation.LinearDatamodelingScore;
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
        LISSA,
        /** K-FAC with sampled labels ({@link IHVPSolver#kfac()}). */
        KFAC,
        /** EK-FAC with sampled labels ({@link IHVPSolver#ekfac()}). */
        EKFAC,
        /** Identity curvature: gradient dot products ({@link IHVPSolver#identity()}). */
        IDENTITY;

        /** Lower-case name. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Network family. */
    public enum Architecture {
        /** Dense tanh/ReLU layers ({@link Networks#mlp}). */
        MLP,
        /** {@link Networks#smallCnn} (square single-channel images only). */
        CNN,
        /** {@link Networks#lenet} (square single-channel images of at least 16×16 only). */
        LENET;

        /** Whether this is a convolutional network (one architecture per study, no depth or width sweep). */
        public boolean convolutional() {
            return this != MLP;
        }
    }

    /**
     * The study's configuration (immutable, validated), grouped into five specs: what is trained ({@link Model}),
     * which networks ({@link Sweep}), how it is validated ({@link Validation}), how influence is computed
     * ({@link Influence}) and how it runs ({@link Run}). Change one spec with {@code withModel}, {@code withSweep},
     * ..., one field of a spec with the spec's own {@code withX}: {@code c.withValidation(c.validation().withTopK(8))}.
     *
     * @param name       a label for reports (e.g. "quick")
     * @param model      data set, network family, activation, training protocols, parameter subset
     * @param sweep      depths, widths, weight decays and seeds
     * @param validation test points, top-k and random sample per network
     * @param influence  solvers, damping, eigenvalue policy, LiSSA depth, eigenvalue limit
     * @param run        seed of the split, test points and samples; retraining threads
     */
    public record Config(String name, Model model, Sweep sweep, Validation validation, Influence influence, Run run) {

        /** Validates the specs together. */
        public Config {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(sweep, "sweep");
            Objects.requireNonNull(validation, "validation");
            Objects.requireNonNull(influence, "influence");
            Objects.requireNonNull(run, "run");
            if (!model.architecture().convolutional() && sweep.depths().isEmpty() && sweep.widths().isEmpty()) {
                throw new IllegalArgumentException("give at least one depth or width");
            }
        }

        /**
         * What is trained.
         *
         * @param dataset       a bundled data set name
         * @param architecture  network family
         * @param activation    hidden activation of the MLPs
         * @param protocols     training and retraining protocols compared (e.g. converged L-BFGS and fixed-budget Adam)
         * @param lastLayerOnly influence over the output layer's parameters only (Koh &amp; Liang's choice for big nets)
         * @param trainExamples train on a stratified subset of this many training examples (drawn with the run's
         *                      seed), or on all of them if {@code 0}; the test set is kept whole
         */
        public record Model(String dataset, Architecture architecture, Networks.HiddenActivation activation,
                            List<TrainingProtocol> protocols, boolean lastLayerOnly, int trainExamples) {

            /** All training examples ({@code trainExamples = 0}). */
            public Model(String dataset, Architecture architecture, Networks.HiddenActivation activation,
                         List<TrainingProtocol> protocols, boolean lastLayerOnly) {
                this(dataset, architecture, activation, protocols, lastLayerOnly, 0);
            }

            /** Validates and copies. */
            public Model {
                require(trainExamples >= 0, "train examples (" + trainExamples + ") must be >= 0 (0: all)");
                Objects.requireNonNull(dataset, "dataset");
                Objects.requireNonNull(architecture, "architecture");
                Objects.requireNonNull(activation, "activation");
                protocols = List.copyOf(protocols);
                if (!Datasets.isBundled(dataset)) {
                    throw new IllegalArgumentException("unknown dataset '" + dataset + "'; bundled: "
                            + Datasets.bundledNames());
                }
                require(!protocols.isEmpty(), "give at least one training protocol");
            }

            /** A copy with other training protocols. */
            public Model withProtocols(List<TrainingProtocol> newProtocols) {
                return new Model(dataset, architecture, activation, newProtocols, lastLayerOnly, trainExamples);
            }

            /** A copy with another data set. */
            public Model withDataset(String newDataset) {
                return new Model(newDataset, architecture, activation, protocols, lastLayerOnly, trainExamples);
            }

            /** A copy that trains on a stratified subset of {@code n} training examples ({@code 0}: all). */
            public Model withTrainExamples(int n) {
                return new Model(dataset, architecture, activation, protocols, lastLayerOnly, n);
            }
        }

        /**
         * Which networks: a depth sweep at a fixed width and a width sweep at a fixed depth, for every weight decay and
         * seed.
         *
         * @param depths       hidden-layer counts of the depth sweep (at {@code baseWidth})
         * @param baseWidth    width of the depth sweep
         * @param widths       widths of the width sweep (at {@code baseDepth}); may be empty
         * @param baseDepth    depth of the width sweep
         * @param weightDecays PyTorch-style weight decays ({@code ½·wd·‖W‖²} in the objective)
         * @param seeds        network initialisation seeds
         */
        public record Sweep(List<Integer> depths, int baseWidth, List<Integer> widths, int baseDepth,
                            List<Double> weightDecays, List<Long> seeds) {
            /** Validates and copies. */
            public Sweep {
                depths = List.copyOf(depths);
                widths = List.copyOf(widths);
                weightDecays = List.copyOf(weightDecays);
                seeds = List.copyOf(seeds);
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
            }

            /** A copy with other depths, widths, weight decays and seeds (bases unchanged). */
            public Sweep with(List<Integer> newDepths, List<Integer> newWidths, List<Double> newDecays,
                              List<Long> newSeeds) {
                return new Sweep(newDepths, baseWidth, newWidths, baseDepth, newDecays, newSeeds);
            }
        }

        /**
         * How each network is validated.
         *
         * @param testPoints   test points per trained network (highest-loss, median-loss, then random)
         * @param topK         points retrained by largest |influence|
         * @param randomSample additional random points retrained
         * @param pbrf         whether the proximal Bregman response is solved for the same removals (reported next to
         *                     leave-one-out: how much of the gap is the estimator, how much the retraining)
         * @param ldsSubsets   subsets of half the training set for the linear datamodeling score of every solver over
         *                     all test examples, each trained from a fresh initialisation by the network's protocol
         *                     (0: no LDS)
         */
        public record Validation(int testPoints, int topK, int randomSample, boolean pbrf, int ldsSubsets) {
            /** Validates. */
            public Validation {
                require(testPoints >= 1, "test points (" + testPoints + ") must be >= 1");
                require(topK >= 1, "top-k (" + topK + ") must be >= 1");
                require(randomSample >= 0, "random sample (" + randomSample + ") must be >= 0");
                require(ldsSubsets == 0 || ldsSubsets >= 3, "LDS subsets (" + ldsSubsets + ") must be 0 (off) or "
                        + ">= 3");
            }

            /** Leave-one-out only: no PBRF, no LDS. */
            public Validation(int testPoints, int topK, int randomSample) {
                this(testPoints, topK, randomSample, false, 0);
            }
        }

        /**
         * How influence is computed.
         *
         * @param solvers        influence solvers compared (they share the retrainings)
         * @param damping        λ of {@code H + λI}
         * @param policy         exact solver's treatment of eigenvalues ≤ 0 after damping
         * @param lissaDepth     LiSSA recursion depth
         * @param maxEigenParams eigenvalues (and the dense curvature) only up to this many parameters (else NaN)
         */
        public record Influence(List<SolverKind> solvers, double damping, EigenvaluePolicy policy, int lissaDepth,
                                int maxEigenParams) {
            /** Validates and copies. */
            public Influence {
                solvers = List.copyOf(solvers);
                Objects.requireNonNull(policy, "policy");
                require(!solvers.isEmpty(), "give at least one solver");
                require(damping >= 0, "damping (" + damping + ") must be >= 0");
                require(lissaDepth >= 1, "LiSSA depth (" + lissaDepth + ") must be >= 1");
            }

            /** A copy with other solvers, damping and policy. */
            public Influence with(List<SolverKind> newSolvers, double newDamping, EigenvaluePolicy newPolicy) {
                return new Influence(newSolvers, newDamping, newPolicy, lissaDepth, maxEigenParams);
            }
        }

        /**
         * How the study runs.
         *
         * @param seed    seed of the data split, test points and random samples
         * @param threads retraining threads
         */
        public record Run(long seed, int threads) {
            /** Validates. */
            public Run {
                require(threads >= 1, "threads (" + threads + ") must be >= 1");
            }
        }

        /**
         * The {@code --quick} preset: {@link #full()} restricted to depths 1, 2, 4 and 8 (width 5), seeds 1–3 and the
         * exact solver — Iris, weight decay 0 and 5e-3, three test points (highest-loss, median-loss, random), top-20
         * plus 10 random points, damping 0.01, converged L-BFGS and fixed-budget Adam (3000 iterations, 300 per
         * retraining). 48 networks (seed 5 is left out on purpose: its depth-8 network without weight decay never
         * converges and costs three minutes of capped retrainings alone).
         */
        public static Config quick() {
            Config full = full();
            return new Config("quick", full.model(), full.sweep().with(List.of(1, 2, 4, 8), List.of(),
                    full.sweep().weightDecays(), List.of(1L, 2L, 3L)),
                    new Validation(full.validation().testPoints(), full.validation().topK(),
                            full.validation().randomSample()),
                    full.influence().with(List.of(SolverKind.EXACT), 0.01, EigenvaluePolicy.TRUNCATE), full.run());
        }

        /**
         * The full Iris preset: width 5 and depths 1–8, depth 1 and widths 5–50, weight decay 0 and 5e-3, five
         * seeds, three test points, top-20 plus 10 random points with leave-one-out ({@code --pbrf} adds the proximal
         * Bregman response, {@code --lds N} the linear datamodeling score over all 50 test examples), exact, CG and
         * LiSSA solvers (they share the retrainings), converged L-BFGS and fixed-budget Adam (3000 iterations, 300 per retraining). 220 networks:
         * {@code fragility --preset full} (see docs/reproduction.md).
         */
        public static Config full() {
            return new Config("full",
                    new Model(Datasets.IRIS, Architecture.MLP, Networks.HiddenActivation.TANH,
                            List.of(TrainingProtocol.lbfgs(), TrainingProtocol.adam()), false),
                    new Sweep(List.of(1, 2, 3, 4, 5, 6, 7, 8), 5, List.of(5, 10, 20, 50), 1, List.of(0.0, 5e-3),
                            List.of(1L, 2L, 3L, 4L, 5L)),
                    new Validation(3, 20, 10),
                    new Influence(List.of(SolverKind.EXACT, SolverKind.CG, SolverKind.LISSA), 0.01,
                            EigenvaluePolicy.TRUNCATE, 2000, 2000),
                    new Run(Datasets.DEFAULT_SEED, 2));
        }

        /**
         * Small MNIST, one hidden layer of 16 tanh units (12,730 parameters), weight decay 5e-3 and 0, one seed, one
         * (highest-loss) test point, top-20 plus 5 random points, CG (and LiSSA), L-BFGS training capped at 1000
         * iterations and 200 per retraining. Tens of minutes on 2 cores.
         */
        public static Config mnistMlp() {
            return new Config("mnist-mlp",
                    new Model(Datasets.SMALL_MNIST, Architecture.MLP, Networks.HiddenActivation.TANH,
                            List.of(TrainingProtocol.lbfgs().withIterations(1000, 200)), false),
                    new Sweep(List.of(1), 16, List.of(), 1, List.of(5e-3, 0.0), List.of(1L)),
                    new Validation(1, 20, 5),
                    new Influence(List.of(SolverKind.CG, SolverKind.LISSA), 0.01, EigenvaluePolicy.TRUNCATE, 1000,
                            2000),
                    new Run(Datasets.DEFAULT_SEED, 2));
        }

        /**
         * Koh &amp; Liang's CNN comparison on small MNIST with {@link Networks#lenet} (25,010 parameters): all 5,500
         * training images, weight decay 5e-3, one seed, the highest-loss test point, CG (λ = 0.01) over all
         * parameters, the top-10 training images by |influence| removed one at a time (no random sample), trained
         * and retrained warm-started with {@link Networks#lenetProtocol()} (full-batch L-BFGS, 120 iterations, 15
         * per retraining). Cost: about 120 + 12 × 15 full-batch iterations of DL4J's LeNet (the 10 retrainings, the
         * baseline and the noise-floor retraining) plus the CG solve; see {@code docs/reproduction.md} for the
         * measured pieces. {@code --weight-decays 0,0.005} adds the network without weight decay (twice the time),
         * {@code -k} more points (15 iterations each).
         */
        public static Config mnistCnn() {
            Config mlp = mnistMlp();
            return new Config("mnist-cnn", new Model(Datasets.SMALL_MNIST, Architecture.LENET,
                    mlp.model().activation(), List.of(Networks.lenetProtocol()), false),
                    mlp.sweep().with(mlp.sweep().depths(), List.of(), List.of(5e-3), List.of(1L)),
                    new Validation(1, 10, 0),
                    mlp.influence().with(List.of(SolverKind.CG), 0.01, EigenvaluePolicy.TRUNCATE), mlp.run());
        }

        /**
         * The earlier small-MNIST CNN preset: {@link Networks#smallCnn} (3,226 parameters), weight decay 5e-3 and 0,
         * otherwise as {@link #mnistMlp()} with CG only (L-BFGS capped at 1000 iterations and 200 per retraining).
         */
        public static Config mnistSmallCnn() {
            Config mlp = mnistMlp();
            return new Config("mnist-small-cnn", new Model(Datasets.SMALL_MNIST, Architecture.CNN,
                    mlp.model().activation(), mlp.model().protocols(), false), mlp.sweep(), mlp.validation(),
                    mlp.influence().with(List.of(SolverKind.CG), 0.01, EigenvaluePolicy.TRUNCATE), mlp.run());
        }

        /** A copy with another name. */
        public Config withName(String n) {
            return new Config(n, model, sweep, validation, influence, run);
        }

        /** A copy with another model spec. */
        public Config withModel(Model m) {
            return new Config(name, m, sweep, validation, influence, run);
        }

        /** A copy with another sweep. */
        public Config withSweep(Sweep s) {
            return new Config(name, model, s, validation, influence, run);
        }

        /** A copy with another validation size. */
        public Config withValidation(Validation v) {
            return new Config(name, model, sweep, v, influence, run);
        }

        /** A copy with another influence spec. */
        public Config withInfluence(Influence i) {
            return new Config(name, model, sweep, validation, i, run);
        }

        /** A copy with another seed and thread count. */
        public Config withRun(Run r) {
            return new Config(name, model, sweep, validation, influence, r);
        }

        /**
         * (depth, width) of every architecture in the sweep, deduplicated, depth sweep first; a convolutional network:
         * one, its layers with parameters before the output layer and width 0 (CNN: 2; LENET: 3).
         */
        public List<int[]> shapes() {
            if (model.architecture() == Architecture.CNN) {
                return List.<int[]>of(new int[] {2, 0});
            }
            if (model.architecture() == Architecture.LENET) {
                return List.<int[]>of(new int[] {3, 0});
            }
            Set<List<Integer>> seen = new LinkedHashSet<>();
            for (int d : sweep.depths()) {
                seen.add(List.of(d, sweep.baseWidth()));
            }
            for (int w : sweep.widths()) {
                seen.add(List.of(sweep.baseDepth(), w));
            }
            return seen.stream().map(l -> new int[] {l.get(0), l.get(1)}).toList();
        }

        /** Number of trained networks. */
        public int networks() {
            return model.protocols().size() * shapes().size() * sweep.weightDecays().size() * sweep.seeds().size();
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
     * @param depth            hidden layers (CNN: its two convolutions; LENET: two convolutions and a dense layer)
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
     * @param pbrf              the same comparison with the proximal Bregman response instead of retraining (null
     *                          when not computed)
     * @param retrainingNoise   the protocol's noise floor at this test point,
     *                          {@link Dl4jRetrainer#retrainingNoise}: how much the test loss moves when the
     *                          baseline retraining starts from a θ̂ perturbed by 1e-10 (relative)
     */
    public record Comparison(Network network, TestPoints.Choice testPoint, SolverKind solver, SolverResult solve,
                             ValidationReport report, double solveSeconds, double agreementPearson,
                             double agreementSpearman, double retrainingNoise, ValidationReport pbrf) {

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
     * @param datamodels  the linear datamodeling score of every (network, solver), when configured
     * @param seconds     wall time
     */
    public record Results(Config config, List<Network> networks, List<Comparison> comparisons,
                          List<Datamodel> datamodels, double seconds) {
    }

    /**
     * The linear datamodeling score of one solver on one network, over every test example.
     *
     * @param network the network
     * @param solver  the solver
     * @param report  the datamodeling score's report (per test point, mean, interval)
     */
    public record Datamodel(Network network, SolverKind solver, DatamodelReport report) {
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
        TrainTestData data = data(config);
        DataSet train = data.train().data();
        DataSet test = data.test().data();
        List<Network> networks = new ArrayList<>();
        List<Comparison> comparisons = new ArrayList<>();
        List<Datamodel> datamodels = new ArrayList<>();
        try (Progress sweep = Progress.start("fragility " + config.name(), config.networks(), showProgress)) {
            for (TrainingProtocol protocol : config.model().protocols()) {
                for (int[] shape : config.shapes()) {
                    for (double wd : config.sweep().weightDecays()) {
                        for (long s : config.sweep().seeds()) {
                            runOne(protocol, shape[0], shape[1], wd, s, data, train, test, networks, comparisons,
                                    datamodels, showProgress);
                            Network n = networks.get(networks.size() - 1);
                            sweep.step();
                            sweep.message(n.label());
                            log.accept(summary(n, comparisons));
                        }
                    }
                }
            }
        }
        return new Results(config, List.copyOf(networks), List.copyOf(comparisons), List.copyOf(datamodels),
                (System.nanoTime() - t0) / 1e9);
    }

    /**
     * The bundled data set of the configuration; with {@code trainExamples > 0}, its training set reduced to a
     * stratified subset of that size drawn with the run's seed.
     */
    static TrainTestData data(Config config) {
        TrainTestData data = Datasets.bundled(config.model().dataset(), config.run().seed());
        int n = config.model().trainExamples();
        ClassificationData train = data.train();
        if (n == 0 || n >= train.numExamples()) {
            return data;
        }
        int[] keep = Splits.stratifiedIndices(train.labelIndices(), train.numClasses(), train.numExamples() - n,
                config.run().seed()).train();
        Arrays.sort(keep);
        return new TrainTestData(new ClassificationData(train.name() + " (" + n + " of " + train.numExamples() + ")",
                DataSets.subset(train.data(), keep), train.classNames()), data.test());
    }

    /** Phase 1's output: a trained network and its analysed model. */
    private record Trained(MultiLayerNetwork net, TrainingProtocol.Outcome outcome, double seconds, double accuracy,
                           Dl4jInfluenceModel model) {
    }

    /** Influence scores of one solver for one test point. */
    private record Scored(TestPoints.Choice point, SolverKind solver, DataSet testPoint, double[] scores,
                          SolverResult solve, double seconds) {
    }

    /** Phase 2's output: the Hessian's eigenvalues and the scores of every (test point, solver). */
    private record Influenced(double[] eigenvalues, List<Scored> scored) {
    }

    /** Trains, computes influence, validates by retraining, and records one network's results. */
    private void runOne(TrainingProtocol protocol, int depth, int width, double wd, long netSeed, TrainTestData data,
                        DataSet train, DataSet test, List<Network> networks, List<Comparison> comparisons,
                        List<Datamodel> datamodels, boolean showProgress) {
        long t0 = System.nanoTime();
        Trained trained = train(protocol, depth, width, wd, netSeed, data, train, test);
        Influenced influenced = influence(trained.model(), netSeed, train, test);
        String label = label(depth, width, wd, netSeed);
        LeaveOneOutRuns.Run loo = validate(trained.net(), protocol, netSeed, train, influenced.scored(),
                "retrain " + protocol.kind() + " " + label, showProgress);
        List<ValidationReport> pbrf = config.validation().pbrf()
                ? pbrf(trained.model(), netSeed, train, influenced.scored(), "PBRF " + label, showProgress) : null;
        record(protocol, depth, width, wd, netSeed, trained, influenced, loo, pbrf, t0, networks, comparisons);
        if (config.validation().ldsSubsets() > 0) {
            datamodels.addAll(datamodels(networks.get(networks.size() - 1), trained, protocol, netSeed, train, test,
                    "LDS " + label, showProgress));
        }
    }

    /** Phase 1: build the network, train it with the protocol, measure its accuracy and wrap it for influence. */
    private Trained train(TrainingProtocol protocol, int depth, int width, double wd, long netSeed, TrainTestData data,
                          DataSet train, DataSet test) {
        long t0 = System.nanoTime();
        MultiLayerNetwork net = build(protocol, depth, width, wd, netSeed, data);
        TrainingProtocol.Outcome outcome = Dl4jTraining.trainInPlace(net, train, protocol);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Dl4jInfluenceModel model = Dl4jInfluenceModel.builder(net)
                .parameters(config.model().lastLayerOnly() ? ParameterSubset.lastLayer() : ParameterSubset.all())
                .build();
        return new Trained(net, outcome, seconds, accuracy(net, test), model);
    }

    /**
     * Phase 2: influence of every training example for every (test point, solver), through the public estimator;
     * each solver is prepared once per network. Up to {@code maxEigenParams} parameters, one dense Hessian (p HVPs)
     * is cached in the curvature: its eigendecomposition serves the reported eigenvalues and the exact solver, and CG
     * and LiSSA multiply by the matrix instead of running the network's R-operator pass.
     */
    private Influenced influence(Dl4jInfluenceModel model, long netSeed, DataSet train, DataSet test) {
        InfluenceEstimator estimator = InfluenceEstimator.forModel(model).withTrainingData(train)
                .withDamping(config.influence().damping());
        double[] eigenvalues = new double[0];
        if (model.numParameters() <= config.influence().maxEigenParams()) {
            estimator = estimator.withCurvature(estimator.curvature().dense());
            eigenvalues = exactSolver().factorize(estimator.curvature()).eigenvalues().toDoubleVector();
        }
        List<TestPoints.Choice> points = TestPoints.several(model.losses(test).toDoubleVector(),
                config.validation().testPoints(), config.run().seed() + netSeed);
        List<InfluenceEstimator> bySolver = new ArrayList<>();
        for (SolverKind k : config.influence().solvers()) {
            bySolver.add(estimator.withSolver(solver(k, netSeed)));
        }
        List<Scored> scored = new ArrayList<>();
        for (TestPoints.Choice c : points) {
            DataSet tp = DataSets.subset(test, new int[] {c.index()});
            for (int k = 0; k < bySolver.size(); k++) {
                long s0 = System.nanoTime();
                InfluenceScores s = bySolver.get(k).influenceOn(tp);
                scored.add(new Scored(c, config.influence().solvers().get(k), tp, s.toDoubleArray(), s.solverResult(),
                        (System.nanoTime() - s0) / 1e9));
            }
        }
        return new Influenced(eigenvalues, scored);
    }

    /** Phase 3: leave-one-out retraining, one per removed example shared by test points and solvers, in parallel. */
    private LeaveOneOutRuns.Run validate(MultiLayerNetwork net, TrainingProtocol protocol, long netSeed, DataSet train,
                                         List<Scored> scored, String task, boolean showProgress) {
        LeaveOneOutValidation loo = LeaveOneOutValidation.defaults().withTopK(config.validation().topK())
                .withRandomSample(config.validation().randomSample()).withSeed(config.run().seed() + netSeed);
        return LeaveOneOutRuns.run(Dl4jRetrainer.builder(net, train).protocol(protocol)
                        .threads(config.run().threads()), loo, scored.stream().map(Scored::scores).toList(),
                scored.stream().map(Scored::testPoint).toList(), task, showProgress);
    }

    /** Phase 3b: the proximal Bregman response for the same removals as leave-one-out. */
    private List<ValidationReport> pbrf(Dl4jInfluenceModel model, long netSeed, DataSet train, List<Scored> scored,
                                        String task, boolean showProgress) {
        LeaveOneOutValidation loo = LeaveOneOutValidation.defaults().withTopK(config.validation().topK())
                .withRandomSample(config.validation().randomSample()).withSeed(config.run().seed() + netSeed);
        return LeaveOneOutRuns.runPbrf(model, train, config.influence().damping(), config.run().threads(), loo,
                scored.stream().map(Scored::scores).toList(), scored.stream().map(Scored::testPoint).toList(), task,
                showProgress).reports();
    }

    /**
     * Phase 5: the linear datamodeling score of every solver over all test examples; the subsets are trained once
     * (from a fresh initialisation with the network's protocol) and shared by the solvers through a temporary
     * checkpoint file.
     */
    private List<Datamodel> datamodels(Network network, Trained trained, TrainingProtocol protocol, long netSeed,
                                       DataSet train, DataSet test, String task, boolean showProgress) {
        Dl4jSubsetTrainer trainer = Dl4jSubsetTrainer.builder(trained.net(), train)
                .start(Dl4jSubsetTrainer.Start.FROM_SCRATCH).protocol(protocol).build();
        InfluenceEstimator estimator = InfluenceEstimator.forModel(trained.model()).withTrainingData(train)
                .withDamping(config.influence().damping());
        java.nio.file.Path checkpoint = null;
        try {
            checkpoint = java.nio.file.Files.createTempFile("influence4j-lds-", ".txt");
            java.nio.file.Files.delete(checkpoint); // the datamodeling score creates it
            LinearDatamodelingScore lds = LinearDatamodelingScore.defaults()
                    .withSubsets(config.validation().ldsSubsets()).withSeed(config.run().seed() + netSeed)
                    .withThreads(config.run().threads()).withCheckpoint(checkpoint);
            List<Datamodel> out = new ArrayList<>();
            for (SolverKind k : config.influence().solvers()) {
                InfluenceMatrix m = estimator.withSolver(solver(k, netSeed)).influenceOnEach(test);
                double[][] scores = new double[m.queries()][];
                for (int q = 0; q < scores.length; q++) {
                    scores[q] = m.scores(q).toDoubleArray();
                }
                out.add(new Datamodel(network, k, DatamodelRuns.run(lds, trainer, scores, test, task,
                        showProgress && out.isEmpty())));
            }
            return out;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot use a temporary file for the LDS trainings", e);
        } finally {
            if (checkpoint != null) {
                try {
                    java.nio.file.Files.deleteIfExists(checkpoint);
                } catch (java.io.IOException ignored) {
                    // a temporary file; the system cleans it
                }
            }
        }
    }

    /** Phase 4: the network's record and one comparison per (test point, solver). */
    private void record(TrainingProtocol protocol, int depth, int width, double wd, long netSeed, Trained trained,
                        Influenced influenced, LeaveOneOutRuns.Run loo, List<ValidationReport> pbrf, long t0,
                        List<Network> networks, List<Comparison> comparisons) {
        Dl4jRetrainer retrainer = loo.retrainer();
        List<Scored> scored = influenced.scored();
        double[] noise = new double[scored.size()]; // retrains once (cached): part of the network's time
        for (int i = 0; i < noise.length; i++) {
            noise[i] = retrainer.retrainingNoise(scored.get(i).testPoint());
        }
        Network n = new Network(protocol, depth, width, wd, netSeed, trained.model().numParameters(),
                trained.outcome(), trained.seconds(), trained.accuracy(), influenced.eigenvalues(),
                retrainer.retrainings().size(), retrainer.maxRetrainGradientNorm(),
                retrainer.unconvergedRetrainings(), (System.nanoTime() - t0) / 1e9);
        int solvers = config.influence().solvers().size();
        for (int i = 0; i < scored.size(); i++) {
            Scored sc = scored.get(i);
            // the first solver of the same test point is the reference for solver agreement
            Scored ref = scored.get(i - i % solvers);
            comparisons.add(new Comparison(n, sc.point(), sc.solver(), sc.solve(), loo.reports().get(i), sc.seconds(),
                    Correlations.pearson(sc.scores(), ref.scores()), Correlations.spearman(sc.scores(), ref.scores()),
                    noise[i], pbrf == null ? null : pbrf.get(i)));
        }
        networks.add(n);
    }

    private MultiLayerNetwork build(TrainingProtocol protocol, int depth, int width, double wd, long netSeed, TrainTestData data) {
        int classes = data.train().numClasses();
        int features = data.train().numFeatures();
        if (config.model().architecture().convolutional()) {
            int side = (int) Math.round(Math.sqrt(features));
            if (side * side != features) {
                throw new IllegalArgumentException("the CNN needs square images; " + config.model().dataset() + " has "
                        + features + " features");
            }
            return config.model().architecture() == Architecture.LENET
                    ? Networks.lenet(side, side, classes, wd, netSeed, protocol.updater())
                    : Networks.smallCnn(side, side, classes, wd, netSeed, protocol.updater());
        }
        return Networks.mlp(features, classes, depth, width, config.model().activation(), wd, netSeed,
                protocol.updater());
    }

    private IHVPSolver solver(SolverKind k, long netSeed) {
        return switch (k) {
            case EXACT -> exactSolver();
            case CG -> IHVPSolver.conjugateGradient().withMaxIterations(2000);
            case LISSA -> IHVPSolver.lissa().withDepth(config.influence().lissaDepth()).withSeed(config.run().seed() + netSeed);
            case KFAC -> IHVPSolver.kfac().withSeed(config.run().seed() + netSeed);
            case EKFAC -> IHVPSolver.ekfac().withSeed(config.run().seed() + netSeed);
            case IDENTITY -> IHVPSolver.identity();
        };
    }

    private org.influence4j.solver.ExactSolver exactSolver() {
        return IHVPSolver.exact().withPolicy(config.influence().policy());
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
