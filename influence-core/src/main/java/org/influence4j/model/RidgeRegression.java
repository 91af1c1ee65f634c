package org.influence4j.model;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.internal.Arguments;
import org.influence4j.validation.Measurement;
import org.influence4j.validation.Retrainer;
import org.influence4j.validation.SubsetTrainer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Ridge (L2-regularised least-squares) regression with closed-form gradients and Hessian: the simplest
 * reference {@link InfluenceModel} and an oracle for solvers and estimators.
 *
 * <h2>Model</h2>
 * Features {@code X [n, d]}, targets {@code y [n]} or {@code [n, 1]}, parameters {@code θ = (w, b)}: the
 * weights {@code w} (length {@code d}) followed by the intercept {@code b} when the model has one
 * ({@code p = d + 1}), otherwise {@code θ = w} ({@code p = d}). With {@code x̃ = (x, 1)} (or {@code x}):
 * <pre>
 *   ℓᵢ   = ½ (wᵀxᵢ + b − yᵢ)² = ½ rᵢ²           per-example loss (no regulariser)
 *   Ω    = ½ · l2 · ‖w‖²                         the intercept is not regularised
 *   ∇ℓᵢ  = rᵢ · x̃ᵢ
 *   H    = X̃ᵀX̃ / n + l2 · diag(1, …, 1, 0)      constant in θ
 * </pre>
 * {@link #fit} solves the normal equations {@code H θ = X̃ᵀy / n} exactly (dense Cholesky, deterministic),
 * so {@code ∇R(θ̂) = 0} up to round-off; {@code H} is positive definite whenever {@code l2 > 0}. Leave-one-out
 * changes of ridge regression are almost exactly linear in the removed point's influence, which makes it
 * the strongest leave-one-out oracle.
 *
 * <p>Costs: losses, gradients and per-example gradient dots {@code O(nd)} (one matrix–vector product);
 * a Hessian-vector product {@code O(nd)} without forming {@code H}; {@code denseMatrix()} {@code O(nd²)};
 * {@link #fit} {@code O(nd² + d³)}.
 *
 * <p>Arrays are converted to DOUBLE (FLOAT input is accepted) and never modified; returned arrays are
 * fresh. Instances are immutable and thread-safe.
 */
public final class RidgeRegression implements InfluenceModel {

    private final double[] w;
    private final double b;
    private final boolean intercept;
    private final double l2;

    private RidgeRegression(double[] w, double b, boolean intercept, double l2) {
        this.w = w;
        this.b = b;
        this.intercept = intercept;
        this.l2 = l2;
    }

    /**
     * The model at the given parameters.
     *
     * @param theta     {@code (w, b)} (length {@code d + 1}) with an intercept, {@code w} (length {@code d})
     *                  without; not modified
     * @param l2        regularisation strength {@code ≥ 0}
     * @param intercept whether the last parameter is an (unregularised) intercept
     * @throws IllegalArgumentException if theta is not a finite vector with at least one weight, or l2 is
     *                                  negative or non-finite
     */
    public static RidgeRegression at(INDArray theta, double l2, boolean intercept) {
        Objects.requireNonNull(theta, "theta");
        Arguments.checkNonNegative("l2", l2);
        long p = theta.length();
        long d = intercept ? p - 1 : p;
        if (d < 1) {
            throw new IllegalArgumentException("theta has length " + p + "; at least one weight"
                    + (intercept ? " plus the intercept" : "") + " is required");
        }
        double[] t = ModelArrays.vector("theta", theta, p);
        return new RidgeRegression(Arrays.copyOf(t, (int) d), intercept ? t[(int) d] : 0.0, intercept, l2);
    }

    /**
     * Fits ridge regression exactly by solving the normal equations {@code (X̃ᵀX̃/n + l2·D) θ = X̃ᵀy/n}.
     * Unlike the iterative {@link SoftmaxRegression#fit(DataSet, double)}, which returns a {@link TrainingResult}
     * because Newton's method may stop short of the optimum, this direct solve either succeeds (with
     * {@code ∇R(θ̂) = 0} up to round-off) or throws, so it returns the model itself.
     *
     * @param train     features {@code [n, d]} and targets {@code [n]} or {@code [n, 1]}; not modified
     * @param l2        regularisation strength {@code ≥ 0}
     * @param intercept whether to fit an unregularised intercept
     * @throws IllegalArgumentException on bad shapes, non-finite values, negative l2, or when
     *                                  {@code l2 = 0} and the features are collinear (singular normal
     *                                  equations: use {@code l2 > 0})
     */
    public static RidgeRegression fit(DataSet train, double l2, boolean intercept) {
        Arguments.checkNonNegative("l2", l2);
        Arguments.checkDataSet("train", train);
        long d = ModelArrays.numFeatures("train", train);
        INDArray x = ModelArrays.features("train", train, d);
        INDArray y = targets("train", train.getLabels(), x.size(0));
        INDArray xt = intercept ? ModelArrays.withOnes(x) : x;
        double[][] a = hessianMatrix(xt, l2, intercept).toDoubleMatrix();
        double[] rhs = xt.transpose().mmul(y).divi(x.size(0)).reshape(xt.size(1)).toDoubleVector();
        DenseCholesky c = DenseCholesky.factor(a);
        if (c == null) {
            throw new IllegalArgumentException("the normal equations are singular (l2 = " + l2
                    + " and collinear or too few examples: n = " + x.size(0) + ", d = " + d + "); use l2 > 0");
        }
        double[] theta = c.solve(rhs);
        int dd = (int) d;
        return new RidgeRegression(Arrays.copyOf(theta, dd), intercept ? theta[dd] : 0.0, intercept, l2);
    }

    /**
     * Ground truth for leave-one-out validation: refits exactly (closed form) on {@code train} without the
     * removed rows, with this model's {@code l2} and intercept setting, and returns the mean test loss. For
     * ridge regression "warm-started" and "from scratch" coincide: the optimum is unique.
     *
     * @param train the training data the model was fitted on; not modified (it is copied)
     */
    public Retrainer retrainer(DataSet train) {
        Arguments.checkDataSet("train", train);
        DataSet copy = new DataSet(train.getFeatures().dup(), train.getLabels().dup());
        return (removed, testPoint) -> {
            Objects.requireNonNull(removed, "removed");
            RidgeRegression refit = fit(DataSets.without(copy, removed.clone()), l2, intercept);
            return refit.losses(testPoint).meanNumber().doubleValue();
        };
    }

    // ---- linear datamodeling ground truth (subset trainer) ------------------------------------------------------

    /**
     * Ground truth for the {@link org.influence4j.validation.LinearDatamodelingScore linear datamodeling score}: each
     * call fits this model's objective (same {@code l2}, same intercept setting) exactly on the rows {@code subset} of
     * (a copy of) {@code train} ({@link #fit}: the normal equations, i.e. one Newton step from zero to the unique
     * optimum) and returns the per-example loss {@code ½(wᵀx + b − y)²} of every test example
     * ({@link Measurement#LOSS}). {@link Measurement#MARGIN} is rejected: regression has no margin. The result does not
     * depend on the seed ({@link SubsetTrainer#seedDependent()} is {@code false}). The description names {@code d},
     * {@code l2}, the intercept, {@code n} and a fingerprint of the training data. Thread-safe.
     *
     * @param train the training data the scores index (features {@code [n, d]}, targets {@code [n]} or
     *              {@code [n, 1]}); copied, not modified
     * @throws IllegalArgumentException if {@code train} is invalid or does not have this model's feature count
     */
    public SubsetTrainer subsetTrainer(DataSet train) {
        Arguments.checkDataSet("train", train);
        INDArray x = ModelArrays.features("train", train, w.length);
        targets("train", train.getLabels(), x.size(0));
        DataSet copy = new DataSet(train.getFeatures().dup(), train.getLabels().dup());
        RidgeRegression zero = new RidgeRegression(new double[w.length], 0.0, intercept, l2);
        String description = "RidgeRegression.subsetTrainer[d=" + w.length + ", intercept=" + intercept + ", l2=" + l2
                + ", n=" + copy.numExamples() + ", exact fit, data=" + Fingerprint.of(zero, copy).substring(0, 16)
                + "]";
        return new SubsetTrainer() {
            @Override
            public double[] measure(int[] subset, long seed, DataSet testPoints, Measurement measurement) {
                Objects.requireNonNull(subset, "subset");
                Objects.requireNonNull(measurement, "measurement");
                if (measurement != Measurement.LOSS) {
                    throw new IllegalArgumentException("measurement " + measurement + " does not apply to ridge "
                            + "regression (regression has no margin); use Measurement.LOSS");
                }
                zero.losses(testPoints); // validates the test points before the fit
                return fit(DataSets.subset(copy, subset.clone()), l2, intercept).losses(testPoints).toDoubleVector();
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

    // ---- end of the linear datamodeling ground truth ------------------------------------------------------------

    /** Number of features {@code d}. */
    public int numFeatures() {
        return w.length;
    }

    /** Whether the model has an (unregularised) intercept. */
    public boolean hasIntercept() {
        return intercept;
    }

    /** The regularisation strength {@code l2}. */
    public double l2() {
        return l2;
    }

    /** A copy of the weights {@code w}, rank-1 DOUBLE of length {@code d}. */
    public INDArray weights() {
        return Nd4j.createFromArray(w.clone());
    }

    /** The intercept {@code b} (0 for a model without intercept). */
    public double intercept() {
        return b;
    }

    /**
     * Predictions {@code Xw + b}.
     *
     * @param features {@code [n, d]}; not modified
     * @return rank-1 DOUBLE {@code [n]}
     */
    public INDArray predict(INDArray features) {
        INDArray x = ModelArrays.featureMatrix("features", features, w.length);
        return linear(x).reshape(x.size(0));
    }

    @Override
    public long numParameters() {
        return w.length + (intercept ? 1 : 0);
    }

    @Override
    public INDArray parameters() {
        double[] t = Arrays.copyOf(w, (int) numParameters());
        if (intercept) {
            t[w.length] = b;
        }
        return Nd4j.createFromArray(t);
    }

    @Override
    public double objective(DataSet data) {
        return losses(data).meanNumber().doubleValue() + 0.5 * l2 * dot(w, w);
    }

    @Override
    public INDArray objectiveGradient(DataSet data) {
        INDArray g = meanLossGradient(data);
        for (int i = 0; i < w.length; i++) {
            g.putScalar(i, g.getDouble(i) + l2 * w[i]); // ∇Ω = l2·w, 0 for the intercept
        }
        return g;
    }

    @Override
    public INDArray losses(DataSet data) {
        INDArray r = residuals(data);
        return r.muli(r).muli(0.5).reshape(r.length()); // ℓᵢ = ½rᵢ²
    }

    @Override
    public INDArray meanLossGradient(DataSet data) {
        INDArray x = ModelArrays.features("data", data, w.length);
        INDArray r = residuals(x, data);
        long n = x.size(0);
        INDArray gw = x.transpose().mmul(r).divi(n).reshape(w.length); // X̃ᵀr / n
        return intercept ? Nd4j.concat(0, gw, Nd4j.createFromArray(r.meanNumber().doubleValue())) : gw;
    }

    /** Batched: row {@code i} is {@code rᵢ·x̃ᵢ}, one broadcast multiply, {@code [n, p]}. */
    @Override
    public INDArray perExampleGradients(DataSet data) {
        INDArray x = ModelArrays.features("data", data, w.length);
        INDArray r = residuals(x, data);
        INDArray xt = intercept ? ModelArrays.withOnes(x) : x;
        return xt.mulColumnVector(r);
    }

    /** {@code gᵢᵀv = rᵢ·(x̃ᵢᵀv)}: one matrix–vector product. */
    @Override
    public INDArray perExampleGradientDots(DataSet data, INDArray v) {
        double[] vv = ModelArrays.vector("v", v, numParameters());
        INDArray x = ModelArrays.features("data", data, w.length);
        INDArray r = residuals(x, data);
        INDArray xv = x.mmul(ModelArrays.column(Arrays.copyOf(vv, w.length)));
        if (intercept) {
            xv.addi(vv[w.length]);
        }
        return xv.muli(r).reshape(x.size(0));
    }

    /**
     * The constant Hessian {@code X̃ᵀX̃/n + l2·diag(1, …, 1, 0)}: {@code apply} costs {@code O(nd)} without
     * forming it, {@code denseMatrix()} returns the closed form. The operator keeps a copy of the features.
     */
    @Override
    public HessianVectorProduct hessian(DataSet data) {
        INDArray x = ModelArrays.features("data", data, w.length);
        targets("data", data.getLabels(), x.size(0)); // same validation as the other methods
        return new Hessian(intercept ? ModelArrays.withOnes(x) : x, l2, intercept);
    }

    // ------------------------------------------------------------ the proximal Bregman response function's needs

    /**
     * {@inheritDoc}
     *
     * <p>The ridge regression with the same {@code l2} and intercept setting at {@code theta}
     * ({@link #at(INDArray, double, boolean)}).
     */
    @Override
    public Optional<InfluenceModel> withParameters(INDArray theta) {
        Arguments.checkVector("theta", theta, numParameters());
        return Optional.of(at(theta, l2, intercept));
    }

    /**
     * {@inheritDoc}
     *
     * <p>The squared error {@code ℓ = ½(z − y)²} with the identity output is a canonical-link pair
     * ({@code ∇_z ℓ = z − y}): the targets are the predictions {@code ẑᵢ = wᵀxᵢ + b} at θ̂, and
     * {@code ℓ(z; ẑ) − ℓ(ẑ; ẑ) = ½(z − ẑ)²}. The labels keep the shape of {@code data}'s targets ({@code [n]} or
     * {@code [n, 1]}). Always present.
     */
    @Override
    public Optional<DataSet> bregmanTargets(DataSet data) {
        INDArray x = ModelArrays.features("data", data, w.length);
        targets("data", data.getLabels(), x.size(0)); // same validation as the other methods
        INDArray z = linear(x);
        return Optional.of(new DataSet(x, z.reshape(data.getLabels().shape())));
    }

    @Override
    public String describe() {
        return "RidgeRegression[d=" + w.length + ", intercept=" + intercept + ", l2=" + l2 + ", p="
                + numParameters() + "]";
    }

    @Override
    public String toString() {
        return describe();
    }

    private INDArray residuals(DataSet data) {
        return residuals(ModelArrays.features("data", data, w.length), data);
    }

    /** {@code r = Xw + b − y} as a fresh {@code [n, 1]} column. */
    private INDArray residuals(INDArray x, DataSet data) {
        INDArray y = targets("data", data.getLabels(), x.size(0));
        return linear(x).subi(y);
    }

    private INDArray linear(INDArray x) {
        return x.mmul(ModelArrays.column(w)).addi(b);
    }

    /** Targets {@code [n]} or {@code [n, 1]} as a DOUBLE {@code [n, 1]} copy. */
    private static INDArray targets(String name, INDArray y, long n) {
        boolean ok = (y.rank() == 1 || (y.rank() == 2 && y.size(1) == 1)) && y.size(0) == n;
        if (!ok) {
            throw new IllegalArgumentException(name + " labels have shape " + Arrays.toString(y.shape())
                    + "; ridge regression expects targets of shape [" + n + "] or [" + n + ", 1]");
        }
        return ModelArrays.doubleCopy(y).reshape(n, 1);
    }

    private static INDArray hessianMatrix(INDArray xt, double l2, boolean intercept) {
        long p = xt.size(1);
        INDArray h = xt.transpose().mmul(xt).divi(xt.size(0));
        long regularised = intercept ? p - 1 : p;
        for (long i = 0; i < regularised; i++) {
            h.putScalar(i, i, h.getDouble(i, i) + l2);
        }
        return h;
    }

    private static double dot(double[] a, double[] c) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * c[i];
        }
        return s;
    }

    /** The ridge Hessian over fixed data (features with the ones column if the model has an intercept). */
    private static final class Hessian implements HessianVectorProduct {
        private final INDArray xt;
        private final double l2;
        private final boolean intercept;

        Hessian(INDArray xt, double l2, boolean intercept) {
            this.xt = xt;
            this.l2 = l2;
            this.intercept = intercept;
        }

        @Override
        public long dimension() {
            return xt.size(1);
        }

        @Override
        public INDArray apply(INDArray v) {
            HessianVectorProduct.checkArgument(this, v);
            long p = dimension();
            INDArray vc = Arguments.toDoubleVector(v).reshape(p, 1);
            // X̃ᵀ(X̃v)/n: two matrix-vector products, H never formed
            INDArray hv = xt.transpose().mmul(xt.mmul(vc)).divi(xt.size(0)).reshape(p);
            INDArray reg = vc.reshape(p).muli(l2);
            if (intercept) {
                reg.putScalar(p - 1, 0.0);
            }
            return hv.addi(reg);
        }

        @Override
        public Optional<INDArray> denseMatrix() {
            return Optional.of(hessianMatrix(xt, l2, intercept));
        }

        @Override
        public String toString() {
            return "RidgeRegression.Hessian[p=" + dimension() + ", n=" + xt.size(0) + ", l2=" + l2 + "]";
        }
    }
}
