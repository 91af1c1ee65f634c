package org.influence4j.model;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.hvp.MiniBatchHessianVectorProduct;
import org.influence4j.internal.Arguments;
import org.influence4j.internal.RowSampledHessian;
import org.influence4j.internal.Scratch;
import org.influence4j.validation.Measurement;
import org.influence4j.validation.Retrainer;
import org.influence4j.validation.SubsetTrainer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Multinomial logistic (softmax) regression with L2 on the weights only, with closed-form gradients,
 * Hessian-vector products and Hessian: the reference {@link InfluenceModel} for classification. It is
 * exactly a single DL4J {@code OutputLayer} with softmax activation, {@code MCXENT} loss and {@code l2}.
 *
 * <h2>Model</h2>
 * Features {@code X [n, d]}, labels {@code Y [n, k]} (one-hot, or soft: non-negative rows), weights
 * {@code W [d, k]}, biases {@code b [k]}. The flat parameter vector is DL4J's layout: {@code W} flattened
 * in column-major ('f') order ({@code W[i, j]} at index {@code j·d + i}), then {@code b}; {@code p = dk + k}.
 * <pre>
 *   zᵢ   = Wᵀxᵢ + b,   pᵢ = softmax(zᵢ),   sᵢ = Σ_c y_ic (= 1 for one-hot labels)
 *   ℓᵢ   = −Σ_c y_ic log p_ic                        per-example loss (no regulariser)
 *   Ω    = ½ · l2 · ‖W‖²                              biases are not regularised
 *   ∇ℓᵢ  = (sᵢpᵢ − yᵢ) ⊗ x̃ᵢ,   x̃ᵢ = (xᵢ, 1)          i.e. ∂ℓ/∂W = xᵢ(sᵢpᵢ − yᵢ)ᵀ, ∂ℓ/∂b = sᵢpᵢ − yᵢ
 *   Hv   = (1/n) Σᵢ x̃ᵢ ⊗ [sᵢ(diag(pᵢ) − pᵢpᵢᵀ)(Vᵀx̃ᵢ)] + l2 · V_W
 * </pre>
 * where {@code V} stacks {@code V_W [d, k]} over {@code v_b}.
 *
 * <h2>The Hessian is singular</h2>
 * Adding the same constant to every bias leaves every {@code pᵢ} unchanged, so
 * {@code H·(0, …, 0, 1, …, 1) = 0} exactly (ones on the {@code k} biases) whatever {@code l2}: {@code H}
 * is positive semi-definite with a zero eigenvalue in that direction. Influence therefore needs damping
 * {@code λ > 0} (or a pseudo-inverse). Every loss gradient is orthogonal to the null direction
 * ({@code Σ_c (sᵢp_ic − y_ic) = 0}), so a small λ barely perturbs the scores. The trainer handles the
 * singular direction with a tiny Levenberg term (see {@link #fit(DataSet, double, NewtonOptions)}).
 *
 * <h2>Costs</h2>
 * Losses, gradients, per-example gradient dots and Hessian-vector products cost {@code O(ndk)} (one or two
 * matrix products over the batch, no per-example loop); per-example gradients {@code O(ndk)} memory and
 * time; {@code denseMatrix()} {@code O(nd²k²)}; the Newton trainer forms the dense {@code p × p} Hessian
 * and factorises it ({@code O(p³)}), which suits {@code p} up to a few thousand.
 *
 * <p>Arrays are converted to DOUBLE (FLOAT input is accepted) and never modified; returned arrays are
 * fresh. Instances are immutable and thread-safe.
 */
public final class SoftmaxRegression implements InfluenceModel {

    private static final Logger LOG = LoggerFactory.getLogger(SoftmaxRegression.class);

    private final int d;
    private final int k;
    private final double[] theta;
    private final double l2;

    private SoftmaxRegression(int d, int k, double[] theta, double l2) {
        this.d = d;
        this.k = k;
        this.theta = theta;
        this.l2 = l2;
    }

    /**
     * The model at the given parameters.
     *
     * @param theta      flat parameters in DL4J's layout ({@code W} in 'f' order, then {@code b}), length
     *                   {@code (d + 1)·numClasses}; not modified
     * @param numClasses number of classes {@code k ≥ 2}
     * @param l2         L2 strength on the weights, {@code ≥ 0}
     * @throws IllegalArgumentException if the length is not a multiple {@code (d + 1)·k} with {@code d ≥ 1},
     *                                  theta is not finite, or l2 is negative
     */
    public static SoftmaxRegression at(INDArray theta, int numClasses, double l2) {
        Objects.requireNonNull(theta, "theta");
        checkNumClasses(numClasses);
        Arguments.checkNonNegative("l2", l2);
        long p = theta.length();
        if (p % numClasses != 0 || p / numClasses < 2) {
            throw new IllegalArgumentException("theta has length " + p + " but numClasses is " + numClasses
                    + "; expected a length (d + 1)·numClasses with d >= 1");
        }
        double[] t = ModelArrays.vector("theta", theta, p);
        return new SoftmaxRegression((int) (p / numClasses - 1), numClasses, t, l2);
    }

    /** Fits with {@link NewtonOptions#defaults()} starting from zero parameters. */
    public static TrainingResult<SoftmaxRegression> fit(DataSet train, double l2) {
        return fit(train, l2, NewtonOptions.defaults());
    }

    /**
     * Fits by Newton's method from {@code θ = 0} to {@code ‖∇R‖ ≤ options.tolerance()}: each step solves
     * {@code (H + μI)Δ = −∇R} with the dense Hessian and a tiny Levenberg term
     * {@code μ = 1e-12 · mean(diag H)} (which makes the singular bias direction factorisable and does not
     * change the step, the gradient being orthogonal to it), then backtracks until the Armijo condition
     * holds. Deterministic. If the tolerance is not reached (for example {@code l2 = 0} on separable data,
     * where no optimum exists) the flagged result is returned and a warning logged.
     *
     * @param train   features {@code [n, d]} and labels {@code [n, k]} (one-hot or soft); not modified
     * @param l2      L2 strength on the weights, {@code ≥ 0}
     * @param options tolerance and iteration bound
     */
    public static TrainingResult<SoftmaxRegression> fit(DataSet train, double l2, NewtonOptions options) {
        Arguments.checkNonNegative("l2", l2);
        long d = ModelArrays.numFeatures("train", train);
        int k = Math.toIntExact(train.getLabels().rank() == 2 ? train.getLabels().size(1) : 0);
        checkNumClasses(k);
        SoftmaxRegression zero = new SoftmaxRegression((int) d, k, new double[(int) ((d + 1) * k)], l2);
        return zero.refit(train, options);
    }

    /**
     * Newton's method warm-started from this model's parameters (same algorithm as
     * {@link #fit(DataSet, double, NewtonOptions)}), with this model's {@code l2}.
     *
     * @param train   training data with this model's feature and class counts; not modified
     * @param options tolerance and iteration bound
     */
    public TrainingResult<SoftmaxRegression> refit(DataSet train, NewtonOptions options) {
        Objects.requireNonNull(options, "options");
        INDArray x = ModelArrays.features("train", train, d);
        INDArray y = labels("train", train.getLabels(), x.size(0));
        long start = System.nanoTime();
        SoftmaxObjective objective = new SoftmaxObjective(x.toDoubleMatrix(), y.toDoubleMatrix(), l2);
        Newton.Outcome out = Newton.minimise(theta, objective::at, options);
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        SoftmaxRegression fitted = new SoftmaxRegression(d, k, out.theta(), l2);
        TrainingResult<SoftmaxRegression> result = new TrainingResult<>(fitted, out.objective(),
                out.gradientNorm(), out.iterations(), out.converged(), elapsed);
        if (!out.converged()) {
            LOG.warn("Newton stopped at ‖∇R‖ = {} > tolerance {} after {} iterations (n = {}, l2 = {}); "
                            + "influence assumes a stationary point: increase l2 or maxIterations",
                    out.gradientNorm(), options.tolerance(), out.iterations(), x.size(0), l2);
        } else {
            LOG.debug("{}", result);
        }
        return result;
    }

    /** {@link #retrainer(DataSet, NewtonOptions)} with {@link NewtonOptions#defaults()}. */
    public Retrainer retrainer(DataSet train) {
        return retrainer(train, NewtonOptions.defaults());
    }

    /**
     * Ground truth for leave-one-out validation: each call removes the given rows from (a copy of)
     * {@code train}, runs Newton <em>warm-started from this model's parameters</em> to
     * {@code options.tolerance()}, and returns the mean test loss of the retrained model. Thread-safe.
     *
     * @param train   the data this model was trained on; copied, not modified
     * @param options tolerance and iteration bound of each retraining
     */
    public Retrainer retrainer(DataSet train, NewtonOptions options) {
        Objects.requireNonNull(options, "options");
        ModelArrays.features("train", train, d);
        labels("train", train.getLabels(), train.getFeatures().size(0));
        DataSet copy = new DataSet(train.getFeatures().dup(), train.getLabels().dup());
        return (removed, testPoint) -> {
            Objects.requireNonNull(removed, "removed");
            SoftmaxRegression retrained = refit(DataSets.without(copy, removed.clone()), options).model();
            return retrained.losses(testPoint).meanNumber().doubleValue();
        };
    }

    // ---- linear datamodeling ground truth (subset trainer) ------------------------------------------------------

    /** {@link #subsetTrainer(DataSet, NewtonOptions)} with {@link NewtonOptions#defaults()}. */
    public SubsetTrainer subsetTrainer(DataSet train) {
        return subsetTrainer(train, NewtonOptions.defaults());
    }

    /**
     * Ground truth for the {@link org.influence4j.validation.LinearDatamodelingScore linear datamodeling score}: each
     * call trains this model's objective (same {@code l2}, same class count) on the rows {@code subset} of (a copy of)
     * {@code train}, <em>from scratch</em> ({@code θ = 0}) by Newton's method to {@code options.tolerance()} (see
     * {@link #fit(DataSet, double, NewtonOptions)}), and measures every test example:
     * <ul>
     *   <li>{@link Measurement#LOSS}: {@code ℓ = −Σ_c y_c log p_c}, the per-example loss without regulariser
     *       ({@link #losses});</li>
     *   <li>{@link Measurement#MARGIN}: {@code z_y − log Σ_{c≠y} exp z_c} from the logits {@code z} with a stable
     *       log-sum-exp, which equals {@code log p_y − log(1 − p_y)}; needs one-hot test labels.</li>
     * </ul>
     * With {@code l2 > 0} the objective is strictly convex in the weights and its optimum unique (up to the bias shift
     * that changes no prediction), so the result does not depend on the seed: {@link SubsetTrainer#seedDependent()} is
     * {@code false}. The description names {@code d}, {@code k}, {@code l2}, {@code n}, the Newton settings and a
     * fingerprint of the training data, so that a checkpoint is not reused for other data. Thread-safe.
     *
     * @param train   the training data the scores index (features {@code [n, d]}, labels {@code [n, k]}); copied,
     *                not modified
     * @param options tolerance and iteration bound of each training
     * @throws IllegalArgumentException if {@code train} does not fit this model (as {@link #retrainer})
     */
    public SubsetTrainer subsetTrainer(DataSet train, NewtonOptions options) {
        Objects.requireNonNull(options, "options");
        ModelArrays.features("train", train, d);
        labels("train", train.getLabels(), train.getFeatures().size(0));
        DataSet copy = new DataSet(train.getFeatures().dup(), train.getLabels().dup());
        SoftmaxRegression zero = new SoftmaxRegression(d, k, new double[(d + 1) * k], l2);
        String description = "SoftmaxRegression.subsetTrainer[d=" + d + ", k=" + k + ", l2=" + l2 + ", n="
                + copy.numExamples() + ", Newton from 0, tolerance=" + options.tolerance() + ", maxIterations="
                + options.maxIterations() + ", data=" + Fingerprint.of(zero, copy).substring(0, 16) + "]";
        return new SubsetTrainer() {
            @Override
            public double[] measure(int[] subset, long seed, DataSet testPoints, Measurement measurement) {
                Objects.requireNonNull(subset, "subset");
                Objects.requireNonNull(measurement, "measurement");
                zero.measured(testPoints, measurement); // validates the test points before the training
                SoftmaxRegression trained = zero.refit(DataSets.subset(copy, subset.clone()), options).model();
                return trained.measured(testPoints, measurement);
            }

            @Override
            public boolean seedDependent() {
                return false;
            }

            @Override
            public String describe() {
                return description;
            }

            @Override
            public String toString() {
                return description;
            }
        };
    }

    /** The measurement of every test example under this model, {@code [m]}. */
    private double[] measured(DataSet testPoints, Measurement measurement) {
        Forward f = forward("testPoints", testPoints);
        if (measurement == Measurement.LOSS) {
            return f.losses().toDoubleVector();
        }
        double[][] z = f.z.toDoubleMatrix();
        double[][] y = f.y.toDoubleMatrix();
        double[] margin = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            int c = oneHotClass(y[i], i);
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                if (j != c) {
                    max = Math.max(max, z[i][j]);
                }
            }
            double sum = 0;
            for (int j = 0; j < k; j++) {
                if (j != c) {
                    sum += Math.exp(z[i][j] - max); // ∈ (0, 1], the largest term is 1
                }
            }
            margin[i] = z[i][c] - (max + Math.log(sum)); // z_y − logsumexp_{j≠y} z_j = log p_y − log(1 − p_y)
        }
        return margin;
    }

    /** The class of a one-hot label row (entries 0 or 1 within the label tolerance, exactly one 1). */
    private static int oneHotClass(double[] row, int i) {
        int c = -1;
        for (int j = 0; j < row.length; j++) {
            boolean one = Math.abs(row[j] - 1) <= Arguments.LABEL_TOLERANCE;
            boolean zeroEntry = Math.abs(row[j]) <= Arguments.LABEL_TOLERANCE;
            if (one && c < 0) {
                c = j;
            } else if (!zeroEntry) {
                c = -2;
                break;
            }
        }
        if (c < 0) {
            throw new IllegalArgumentException("testPoints labels row " + i + " " + Arrays.toString(row)
                    + " is not one-hot; the margin needs the true class: pass one-hot labels or measure the loss");
        }
        return c;
    }

    // ---- end of the linear datamodeling ground truth ------------------------------------------------------------

    /** Number of features {@code d}. */
    public int numFeatures() {
        return d;
    }

    /** Number of classes {@code k}. */
    public int numClasses() {
        return k;
    }

    /** L2 strength on the weights. */
    public double l2() {
        return l2;
    }

    /** A copy of the weights {@code W}, DOUBLE {@code [d, k]}. */
    public INDArray weights() {
        return weightBlock(theta, d, k);
    }

    /** A copy of the biases {@code b}, rank-1 DOUBLE of length {@code k}. */
    public INDArray biases() {
        return Nd4j.createFromArray(Arrays.copyOfRange(theta, d * k, d * k + k));
    }

    /**
     * Class probabilities {@code softmax(XW + b)}.
     *
     * @param features {@code [n, d]}; not modified
     * @return DOUBLE {@code [n, k]}
     */
    public INDArray probabilities(INDArray features) {
        INDArray x = ModelArrays.featureMatrix("features", features, d);
        return softmax(logits(x)).p;
    }

    @Override
    public long numParameters() {
        return theta.length;
    }

    @Override
    public INDArray parameters() {
        return Nd4j.createFromArray(theta.clone());
    }

    @Override
    public double objective(DataSet data) {
        return forward("data", data).objective();
    }

    @Override
    public INDArray objectiveGradient(DataSet data) {
        return Nd4j.createFromArray(forward("data", data).objectiveGradient());
    }

    @Override
    public INDArray losses(DataSet data) {
        return forward("data", data).losses();
    }

    @Override
    public INDArray meanLossGradient(DataSet data) {
        return Nd4j.createFromArray(forward("data", data).meanLossGradient());
    }

    /** Batched: row {@code i} is {@code ((sᵢpᵢ − yᵢ) ⊗ xᵢ, sᵢpᵢ − yᵢ)}, {@code k + 1} broadcasts, {@code [n, p]}. */
    @Override
    public INDArray perExampleGradients(DataSet data) {
        Forward f = forward("data", data);
        INDArray g = f.lossGradientWrtLogits();
        INDArray[] blocks = new INDArray[k + 1];
        for (int j = 0; j < k; j++) {
            // class j's weight column: ∂ℓᵢ/∂W[:, j] = g_ij · xᵢ
            blocks[j] = f.x.mulColumnVector(g.getColumn(j, true));
        }
        blocks[k] = g;
        return Nd4j.hstack(blocks);
    }

    /** {@code gᵢᵀv = (sᵢpᵢ − yᵢ)ᵀ(V_Wᵀxᵢ + v_b)}: one matrix product for the whole batch. */
    @Override
    public INDArray perExampleGradientDots(DataSet data, INDArray v) {
        double[] vv = ModelArrays.vector("v", v, theta.length);
        Forward f = forward("data", data);
        INDArray a = tangentLogits(f.x, vv);
        return a.muli(f.lossGradientWrtLogits()).sum(1);
    }

    /**
     * The Hessian of the objective over {@code data} at θ̂: {@code apply} in closed form, {@code O(ndk)},
     * {@code denseMatrix()} the full closed-form matrix. Exactly singular in the all-biases direction (see
     * the class comment): use damping {@code λ > 0}. The operator keeps copies of the features and the
     * probabilities.
     */
    @Override
    public HessianVectorProduct hessian(DataSet data) {
        Forward f = forward("data", data);
        return new Hessian(f.x, f.p, f.s, l2, d, k);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The batches are rows of one checked DOUBLE copy of {@code data}, made here. A batch's Hessian is the same
     * operator as {@link #hessian(DataSet)} on those rows; {@link MiniBatchHessianVectorProduct#applySampled} computes
     * the batch's forward pass and product in a per-thread ND4J workspace that the next batch reuses, so that a LiSSA
     * step allocates nothing but its result.
     */
    @Override
    public MiniBatchHessianVectorProduct miniBatchHessian(DataSet data, int batchSize) {
        Arguments.checkDataSet("data", data);
        Arguments.checkPositive("batchSize", batchSize);
        return new MiniBatch(forward("data", data), batchSize);
    }

    /** Mini-batches of the rows of one forward pass over the training data. */
    private final class MiniBatch extends RowSampledHessian {
        private final Forward all;

        MiniBatch(Forward all, int batchSize) {
            super(new Hessian(all.x, all.p, all.s, l2, d, k), (int) all.x.size(0), batchSize);
            this.all = all;
        }

        @Override
        protected HessianVectorProduct batch(int[] rows) {
            Forward f = new Forward(DataSets.rows(all.x, rows), DataSets.rows(all.y, rows));
            return new Hessian(f.x, f.p, f.s, l2, d, k);
        }

        @Override
        protected INDArray batchProduct(int[] rows, INDArray v) {
            return Scratch.detached(() -> batch(rows).apply(v)); // the batch's rows and pass are never kept
        }

        @Override
        public String toString() {
            return "SoftmaxRegression.MiniBatch[batchSize=" + batchSize() + ", " + full() + "]";
        }
    }

    /**
     * One layer block: {@code W} as the matrix {@code [k, d + 1]} (class {@code o}, feature {@code j}; the bias last),
     * inputs {@code x̃ᵢ = (xᵢ, 1)}, pre-activation gradients {@code ∂ℓᵢ/∂zᵢ}; weight curvature {@code l2}. The labels of
     * {@link org.influence4j.solver.FisherSampling}: EMPIRICAL {@code sᵢpᵢ − yᵢ}; SAMPLED {@code √sᵢ(pᵢ − e_ŷ)} with
     * {@code ŷ ∼ pᵢ} drawn from a generator seeded by {@code (seed, i)}; EXPECTED {@code k} draws
     * {@code √(sᵢp_ic)(pᵢ − e_c)}, whose sum of outer products is {@code sᵢ(diag pᵢ − pᵢpᵢᵀ)}, so that the expected
     * statistics are exactly those of this model's Hessian ({@code sᵢ} is the label mass, 1 for one-hot labels).
     * Batches of {@value #STATISTICS_BATCH} examples, on the calling thread.
     */
    @Override
    public java.util.Optional<org.influence4j.solver.LayerStatistics> layerStatistics(DataSet data) {
        return layerStatistics(data, 0);
    }

    /** {@inheritDoc} Row {@code i} of {@code data} draws its sampled label with the seed of example {@code firstExample + i}. */
    @Override
    public java.util.Optional<org.influence4j.solver.LayerStatistics> layerStatistics(DataSet data, long firstExample) {
        if (firstExample < 0) {
            throw new IllegalArgumentException("firstExample (" + firstExample + ") must be >= 0");
        }
        Forward f = forward("data", data);
        int[] index = new int[k * (d + 1)];
        for (int o = 0; o < k; o++) {
            for (int j = 0; j < d; j++) {
                index[o * (d + 1) + j] = o * d + j;
            }
            index[o * (d + 1) + d] = d * k + o;
        }
        var block = new org.influence4j.solver.LayerBlock("softmax", k, d + 1, true, 1, l2, index);
        int n = (int) f.x.size(0);
        return java.util.Optional.of(new org.influence4j.solver.LayerStatistics() {
            @Override
            public java.util.List<org.influence4j.solver.LayerBlock> blocks() {
                return java.util.List.of(block);
            }

            @Override
            public int numExamples() {
                return n;
            }

            @Override
            public <A> A aggregate(org.influence4j.solver.FisherSampling sampling, long seed,
                                   java.util.function.Supplier<A> zero,
                                   java.util.function.BiConsumer<A, org.influence4j.solver.LayerBatch> add,
                                   java.util.function.BinaryOperator<A> combine) {
                A acc = zero.get();
                for (int start = 0; start < n; start += STATISTICS_BATCH) {
                    if (Thread.currentThread().isInterrupted()) {
                        throw new java.util.concurrent.CancellationException("interrupted during a layer-statistics "
                                + "pass");
                    }
                    int end = Math.min(n, start + STATISTICS_BATCH);
                    var rows = org.nd4j.linalg.indexing.NDArrayIndex.interval(start, end);
                    INDArray x = f.x.get(rows, org.nd4j.linalg.indexing.NDArrayIndex.all());
                    INDArray xt = Nd4j.hstack(x, Nd4j.ones(org.nd4j.linalg.api.buffer.DataType.DOUBLE, end - start, 1));
                    INDArray p = f.p.get(rows, org.nd4j.linalg.indexing.NDArrayIndex.all()).dup();
                    INDArray mass = f.s.get(rows, org.nd4j.linalg.indexing.NDArrayIndex.all()).dup();
                    INDArray[] errors = switch (sampling) {
                        case EMPIRICAL -> new INDArray[] {p.mulColumnVector(mass)
                                .subi(f.y.get(rows, org.nd4j.linalg.indexing.NDArrayIndex.all()))};
                        case SAMPLED -> {
                            double[][] pv = p.toDoubleMatrix();
                            double[][] e = new double[end - start][k];
                            for (int i = 0; i < pv.length; i++) {
                                int c = drawClass(pv[i], new java.util.SplittableRandom(
                                        seed ^ 0x9E3779B97F4A7C15L * (firstExample + start + i + 1L)).nextDouble());
                                double w = Math.sqrt(mass.getDouble(i, 0));
                                for (int j = 0; j < k; j++) {
                                    e[i][j] = w * (pv[i][j] - (j == c ? 1 : 0));
                                }
                            }
                            yield new INDArray[] {Nd4j.createFromArray(e)};
                        }
                        case EXPECTED -> {
                            INDArray[] draws = new INDArray[k];
                            for (int c = 0; c < k; c++) {
                                INDArray w = Transforms.sqrt(p.getColumn(c, true).mul(mass), true);
                                INDArray e = p.dup();
                                e.getColumn(c).subi(1.0);
                                draws[c] = e.muliColumnVector(w);
                            }
                            yield draws;
                        }
                    };
                    add.accept(acc, new org.influence4j.solver.LayerBatch(end - start, new INDArray[] {xt},
                            new INDArray[][] {errors}));
                }
                return acc;
            }
        });
    }

    /** Examples per batch of {@link #layerStatistics}. */
    static final int STATISTICS_BATCH = 1024;

    /** The class {@code c} with {@code Σ_{j<c} p_j ≤ u < Σ_{j≤c} p_j} (the last class for rounding). */
    private static int drawClass(double[] p, double u) {
        double c = 0;
        for (int j = 0; j < p.length; j++) {
            c += p[j];
            if (u < c) {
                return j;
            }
        }
        return p.length - 1;
    }

    // ------------------------------------------------------------ the proximal Bregman response function's needs

    /**
     * {@inheritDoc}
     *
     * <p>The softmax regression with the same features, classes and {@code l2} at {@code theta}
     * ({@link #at(INDArray, int, double)}).
     */
    @Override
    public Optional<InfluenceModel> withParameters(INDArray theta) {
        Arguments.checkVector("theta", theta, this.theta.length);
        return Optional.of(at(theta, k, l2));
    }

    /**
     * {@inheritDoc}
     *
     * <p>Softmax with cross-entropy is a canonical-link pair: the targets are {@code sᵢ·pᵢ}, the class probabilities
     * at θ̂ times the label mass {@code sᵢ = Σ_c y_ic} of the row (1 for one-hot labels), because
     * {@code ℓ(z; y) = sᵢ·lse(z) − yᵀz} has {@code ∇_z ℓ = sᵢp − y}: then
     * {@code ℓ(z; sᵢpᵢ) − ℓ(ẑ; sᵢpᵢ) = sᵢ(lse(z) − lse(ẑ) − pᵢᵀ(z − ẑ))}, the Bregman divergence of the loss for the
     * row's labels. Always present.
     */
    @Override
    public Optional<DataSet> bregmanTargets(DataSet data) {
        Forward f = forward("data", data);
        return Optional.of(new DataSet(f.x.dup(), f.p.mulColumnVector(f.s)));
    }

    @Override
    public String describe() {
        return "SoftmaxRegression[d=" + d + ", k=" + k + ", l2=" + l2 + ", p=" + theta.length + "]";
    }

    @Override
    public String toString() {
        return describe();
    }

    // ---------------------------------------------------------------------------------------------------

    private static void checkNumClasses(int numClasses) {
        if (numClasses < 2) {
            throw new IllegalArgumentException("numClasses (" + numClasses + ") must be >= 2; labels must be a "
                    + "one-hot or soft-label matrix [n, k] with k >= 2");
        }
    }

    /** Labels {@code [n, k]}, non-negative, as a DOUBLE copy. */
    private INDArray labels(String name, INDArray y, long n) {
        if (y.rank() != 2 || y.size(0) != n || y.size(1) != k) {
            throw new IllegalArgumentException(name + " labels have shape " + Arrays.toString(y.shape())
                    + "; expected [" + n + ", " + k + "] (one-hot or soft labels)");
        }
        INDArray yd = ModelArrays.doubleCopy(y);
        Arguments.checkSoftLabels(name + " labels", yd);
        return yd;
    }

    private Forward forward(String name, DataSet data) {
        INDArray x = ModelArrays.features(name, data, d);
        return new Forward(x, labels(name, data.getLabels(), x.size(0)));
    }

    private INDArray logits(INDArray x) {
        return x.mmul(weights()).addiRowVector(biases());
    }

    /** {@code XV_W + 1v_bᵀ}, the directional derivative of the logits along {@code v}, {@code [n, k]}. */
    private static INDArray tangentLogits(INDArray x, double[] v, int d, int k) {
        return x.mmul(weightBlock(v, d, k)).addiRowVector(
                Nd4j.createFromArray(Arrays.copyOfRange(v, d * k, d * k + k)));
    }

    private INDArray tangentLogits(INDArray x, double[] v) {
        return tangentLogits(x, v, d, k);
    }

    /** The weight block {@code [d, k]} of a flat vector in the DL4J layout ({@code v[j·d + i]} at {@code (i, j)}). */
    private static INDArray weightBlock(double[] v, int d, int k) {
        double[][] w = new double[d][k];
        for (int j = 0; j < k; j++) {
            for (int i = 0; i < d; i++) {
                w[i][j] = v[j * d + i];
            }
        }
        return Nd4j.createFromArray(w);
    }

    /**
     * Flat vector in the DL4J layout from a weight-shaped {@code [d, k]} and a bias-shaped {@code [k]} part: {@code W}
     * is its 'f'-order flattening ({@code W[i, j]} at {@code j·d + i}), one copy in ND4J rather than a Java array per
     * row (which costs an ND4J view per row).
     */
    private static double[] pack(INDArray gw, INDArray gb, int d, int k) {
        double[] out = Arrays.copyOf(Nd4j.toFlattened('f', gw).toDoubleVector(), d * k + k);
        System.arraycopy(gb.toDoubleVector(), 0, out, d * k, k);
        return out;
    }

    /** Row-wise stable softmax with log-sum-exp. */
    private record Softmax(INDArray p, INDArray lse) {
    }

    private static Softmax softmax(INDArray z) {
        long n = z.size(0);
        INDArray max = z.max(1).reshape(n, 1);
        INDArray e = Transforms.exp(z.subColumnVector(max), false); // exp(z − max) ∈ (0, 1]
        INDArray sum = e.sum(1).reshape(n, 1);
        INDArray lse = Transforms.log(sum, true).addi(max); // log Σ exp(z)
        return new Softmax(e.diviColumnVector(sum), lse);
    }

    /** One forward pass over fixed DOUBLE data at this model's parameters. */
    private final class Forward {
        final INDArray x;
        final INDArray y;
        final INDArray z;
        final INDArray p;
        final INDArray lse;
        final INDArray s;

        Forward(INDArray x, INDArray y) {
            this.x = x;
            this.y = y;
            this.z = logits(x);
            Softmax sm = softmax(z);
            this.p = sm.p;
            this.lse = sm.lse;
            this.s = y.sum(1).reshape(x.size(0), 1); // label mass sᵢ (1 for one-hot)
        }

        /** ℓᵢ = sᵢ·lseᵢ − Σ_c y_ic z_ic, {@code [n]}. */
        INDArray losses() {
            return lse.mul(s).subi(y.mul(z).sum(true, 1)).reshape(x.size(0));
        }

        /** ∂ℓᵢ/∂zᵢ = sᵢpᵢ − yᵢ, {@code [n, k]}. */
        INDArray lossGradientWrtLogits() {
            return p.mulColumnVector(s).subi(y);
        }

        double objective() {
            double w2 = 0;
            for (int i = 0; i < d * k; i++) {
                w2 += theta[i] * theta[i];
            }
            return losses().meanNumber().doubleValue() + 0.5 * l2 * w2;
        }

        double[] meanLossGradient() {
            INDArray g = lossGradientWrtLogits();
            long n = x.size(0);
            INDArray gw = x.transpose().mmul(g).divi(n); // Xᵀ(SP − Y)/n
            INDArray gb = g.sum(0).divi(n);
            return pack(gw, gb, d, k);
        }

        double[] objectiveGradient() {
            double[] g = meanLossGradient();
            for (int i = 0; i < d * k; i++) {
                g[i] += l2 * theta[i]; // ∇Ω = l2·W (flat 'f' order matches θ)
            }
            return g;
        }
    }

    /** The closed-form Hessian over fixed data; see the class comment. */
    private static final class Hessian implements HessianVectorProduct {
        private final INDArray x;
        private final INDArray p;
        private final INDArray s;
        private final double l2;
        private final int d;
        private final int k;

        Hessian(INDArray x, INDArray p, INDArray s, double l2, int d, int k) {
            this.x = x;
            this.p = p;
            this.s = s;
            this.l2 = l2;
            this.d = d;
            this.k = k;
        }

        @Override
        public long dimension() {
            return (long) d * k + k;
        }

        @Override
        public INDArray apply(INDArray v) {
            HessianVectorProduct.checkArgument(this, v);
            double[] vv = Arguments.toDoubleVector(v).toDoubleVector();
            long n = x.size(0);
            INDArray a = tangentLogits(x, vv, d, k); // aᵢ = Vᵀx̃ᵢ
            INDArray pa = p.mul(a);
            // bᵢ = sᵢ (diag(pᵢ) − pᵢpᵢᵀ) aᵢ = sᵢ (pᵢ∘aᵢ − pᵢ (pᵢᵀaᵢ))
            INDArray bm = pa.sub(p.mulColumnVector(pa.sum(true, 1))).muliColumnVector(s);
            double[] hv = pack(x.transpose().mmul(bm).divi(n), bm.sum(0).divi(n), d, k);
            for (int i = 0; i < d * k; i++) {
                hv[i] += l2 * vv[i];
            }
            return Nd4j.createFromArray(hv);
        }

        /** The closed form {@link SoftmaxObjective#denseHessian}, plus {@code l2} on the weight diagonal. */
        INDArray dense() {
            return Nd4j.createFromArray(SoftmaxObjective.denseHessian(x.toDoubleMatrix(), p.toDoubleMatrix(),
                    s.reshape(s.length()).toDoubleVector(), l2, k));
        }

        @Override
        public Optional<INDArray> denseMatrix() {
            return Optional.of(dense());
        }

        @Override
        public String toString() {
            return "SoftmaxRegression.Hessian[p=" + dimension() + ", n=" + x.size(0) + ", l2=" + l2 + "]";
        }
    }
}
