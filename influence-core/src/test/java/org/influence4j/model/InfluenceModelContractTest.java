package org.influence4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

import org.influence4j.hvp.FiniteDifferenceHvp;
import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.hvp.HvpSelfCheck;
import org.influence4j.hvp.Hvps;
import org.influence4j.internal.Vectors;
import org.influence4j.testdata.Snapshot;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Contract tests every {@link InfluenceModel} must pass: gradients against central finite differences, the
 * Hessian (its closed form where the model has one, else the matrix formed from products; the operator; finite
 * differences of the gradient) and its symmetry, per-example gradients and dots, untouched inputs, FLOAT data and
 * bad arguments. Run on the reference models here and on the DL4J adapter in influence-dl4j (this class reaches it
 * through core's test-jar).
 *
 * <p>Tolerances are the constants below, derived from the method; a model whose derivatives are computed differently
 * may override the protected tolerance methods, each override commented with why.
 */
abstract class InfluenceModelContractTest {

    // --- tolerances, derived from the method ---------------------------------------------------------
    /** Central differences of an O(1) objective with step 1e-5: truncation ~h² ≈ 1e-10, round-off ~ε/h ≈ 2e-11. */
    static final double FD_GRADIENT_RELATIVE = 1e-7;
    static final double FD_STEP = 1e-5;
    /** FiniteDifferenceHvp (h = 1e-5, DOUBLE): measured ~1e-9 relative; 1e-7 leaves margin. */
    static final double FD_HVP_RELATIVE = 1e-7;
    /** Two closed forms of the same quantity differ only by round-off of a few matrix products. */
    static final double CLOSED_FORM_RELATIVE = 1e-12;

    /** Gradients vs central differences of the objective / mean loss; default {@link #FD_GRADIENT_RELATIVE}. */
    protected double finiteDifferenceGradientTolerance() {
        return FD_GRADIENT_RELATIVE;
    }

    /** The Hessian vs its oracle ({@link #curvatureOracle}); default {@link #FD_HVP_RELATIVE}. */
    protected double curvatureOracleTolerance() {
        return FD_HVP_RELATIVE;
    }

    /**
     * Two exact computations of the same quantity (batched vs one-example gradients, dots vs explicit gradients,
     * uᵀHv vs vᵀHu, H vs Hᵀ, operator vs closed form); default {@link #CLOSED_FORM_RELATIVE}.
     */
    protected double roundOffTolerance() {
        return CLOSED_FORM_RELATIVE;
    }

    /**
     * What {@code m.hessian(data)} must equal: by default central differences of {@code at(θ).objectiveGradient(data)}
     * (the gradient itself is checked against differences of the objective). A model whose operator is another
     * curvature (Gauss–Newton) overrides this with that curvature's own oracle.
     */
    protected HessianVectorProduct curvatureOracle(InfluenceModel m, DataSet data) {
        return FiniteDifferenceHvp.of(t -> at(t).objectiveGradient(data), m.parameters());
    }

    /**
     * Whether {@link #at} is a library factory that validates {@code theta} (the reference models' {@code at}); a
     * fixture that builds the model through test code has nothing of the library's to check there.
     */
    protected boolean atValidatesTheta() {
        return true;
    }

    /** The model under test at generic (non-optimal) parameters. */
    abstract InfluenceModel model();

    /** The same kind of model (same hyper-parameters) at {@code theta}. */
    abstract InfluenceModel at(INDArray theta);

    /** Data the model accepts. */
    abstract DataSet data();

    @Test
    void objectiveGradient_matchesCentralDifferencesOfObjective() {
        InfluenceModel m = model();
        DataSet data = data();
        INDArray fd = centralDifferences(m.parameters(), t -> at(t).objective(data));
        assertRelativelyClose(m.objectiveGradient(data), fd, finiteDifferenceGradientTolerance());
    }

    @Test
    void meanLossGradient_matchesCentralDifferencesOfMeanLoss() {
        InfluenceModel m = model();
        DataSet data = data();
        INDArray fd = centralDifferences(m.parameters(), t -> at(t).losses(data).meanNumber().doubleValue());
        assertRelativelyClose(m.meanLossGradient(data), fd, finiteDifferenceGradientTolerance());
    }

    /** {@code (f(θ + h·eⱼ) − f(θ − h·eⱼ)) / 2h} for every coordinate j. */
    static INDArray centralDifferences(INDArray theta, ToDoubleFunction<INDArray> f) {
        INDArray fd = Nd4j.zeros(DataType.DOUBLE, theta.length());
        for (long j = 0; j < theta.length(); j++) {
            INDArray plus = theta.dup();
            plus.putScalar(j, plus.getDouble(j) + FD_STEP);
            INDArray minus = theta.dup();
            minus.putScalar(j, minus.getDouble(j) - FD_STEP);
            fd.putScalar(j, (f.applyAsDouble(plus) - f.applyAsDouble(minus)) / (2 * FD_STEP));
        }
        return fd;
    }

    @Test
    void perExampleGradients_matchOneExampleGradients_andAverageToMeanGradient() {
        InfluenceModel m = model();
        DataSet data = data();
        INDArray g = m.perExampleGradients(data);
        int n = data.numExamples();
        assertThat(g.shape()).containsExactly(n, m.numParameters());
        for (int i = 0; i < n; i++) {
            INDArray single = m.meanLossGradient(DataSets.subset(data, new int[] {i}));
            assertRelativelyClose(g.getRow(i), single, roundOffTolerance());
        }
        assertRelativelyClose(g.mean(0), m.meanLossGradient(data), roundOffTolerance());
    }

    @Test
    void perExampleGradientDots_matchExplicitPerExampleGradients() {
        InfluenceModel m = model();
        DataSet data = data();
        INDArray v = Vectors.gaussian(new SplittableRandom(11), m.numParameters());
        INDArray expected = m.perExampleGradients(data).mmul(v.reshape(v.length(), 1)).reshape(data.numExamples());
        assertRelativelyClose(m.perExampleGradientDots(data, v), expected, roundOffTolerance());
    }

    /**
     * The matrix is the model's closed form where it has one, else its columns {@code H·eⱼ} from products (not
     * symmetrised, so that the symmetry check below means something; {@link Hvps#toDense} must then equal its
     * symmetric part). Every column must match the operator and the oracle (by default finite differences of the
     * gradient), and the matrix must be symmetric.
     */
    @Test
    void hessian_matrixMatchesOperatorAndFiniteDifferencesOfGradient() {
        InfluenceModel m = model();
        DataSet data = data();
        HessianVectorProduct h = m.hessian(data);
        long p = m.numParameters();
        assertThat(h.dimension()).isEqualTo(p);
        INDArray dense = h.denseMatrix().orElse(null);
        if (dense == null) {
            dense = Nd4j.create(DataType.DOUBLE, p, p);
            for (long j = 0; j < p; j++) {
                INDArray e = Nd4j.zeros(DataType.DOUBLE, p);
                e.putScalar(j, 1.0);
                dense.putColumn((int) j, h.apply(e).reshape(p, 1));
            }
            INDArray symmetricPart = dense.add(dense.transpose()).muli(0.5);
            assertRelativelyClose(Hvps.toDense(h), symmetricPart, roundOffTolerance());
        }
        assertThat(dense.shape()).containsExactly(p, p);
        HessianVectorProduct oracle = curvatureOracle(m, data);
        for (long j = 0; j < p; j++) {
            INDArray e = Nd4j.zeros(DataType.DOUBLE, p);
            e.putScalar(j, 1.0);
            INDArray column = dense.getColumn(j).dup();
            assertRelativelyClose(h.apply(e), column, roundOffTolerance());
            assertRelativelyClose(oracle.apply(e), column, curvatureOracleTolerance());
        }
        HvpSelfCheck.Report report = HvpSelfCheck.check(h, oracle, 5, 2024L);
        assertThat(report.relativeError()).as("operator vs oracle").isLessThan(curvatureOracleTolerance());
        assertThat(report.relativeSymmetryError()).as("uᵀHv − vᵀHu").isLessThan(roundOffTolerance());
        assertThat(dense.sub(dense.transpose()).amaxNumber().doubleValue())
                .isLessThanOrEqualTo(roundOffTolerance() * dense.amaxNumber().doubleValue());
    }

    /** The fixture itself: {@code at(θ)} at the model's own parameters is the same model. */
    @Test
    void at_modelsParameters_givesTheSameModel() {
        InfluenceModel m = model();
        DataSet data = data();
        InfluenceModel same = at(m.parameters());
        assertThat(same.parameters().equals(m.parameters())).isTrue();
        assertThat(same.objective(data)).isEqualTo(m.objective(data));
    }

    @Test
    void objective_isMeanLossPlusRegulariser_andParametersAreCopies() {
        InfluenceModel m = model();
        DataSet data = data();
        double meanLoss = m.losses(data).meanNumber().doubleValue();
        assertThat(m.losses(data).shape()).containsExactly(data.numExamples());
        assertThat(m.objective(data)).isGreaterThanOrEqualTo(meanLoss);
        INDArray theta = m.parameters();
        theta.addi(1.0);
        assertThat(m.parameters().equalsWithEps(theta, 0.5)).isFalse();
    }

    @Test
    void everyMethod_leavesItsArgumentsBitwiseUnchanged() {
        InfluenceModel m = model();
        DataSet data = data();
        INDArray v = Vectors.gaussian(new SplittableRandom(5), m.numParameters());
        INDArray theta = m.parameters();
        Snapshot snap = Snapshot.of(data, v, theta);
        at(theta);
        m.objective(data);
        m.objectiveGradient(data);
        m.losses(data);
        m.meanLossGradient(data);
        m.perExampleGradients(data);
        m.perExampleGradientDots(data, v);
        HessianVectorProduct h = m.hessian(data);
        h.apply(v);
        h.denseMatrix();
        snap.assertUnchanged();
    }

    @Test
    void floatData_givesTheSameResultsAsDouble() {
        InfluenceModel m = model();
        DataSet data = data();
        DataSet asFloat = new DataSet(data.getFeatures().castTo(DataType.FLOAT), data.getLabels().castTo(DataType.FLOAT));
        DataSet rounded = new DataSet(asFloat.getFeatures().castTo(DataType.DOUBLE),
                asFloat.getLabels().castTo(DataType.DOUBLE));
        // FLOAT input is widened exactly, so results equal those on the rounded DOUBLE data
        assertThat(m.objective(asFloat)).isEqualTo(m.objective(rounded));
        assertRelativelyClose(m.objectiveGradient(asFloat), m.objectiveGradient(rounded), 0);
        assertThat(m.objectiveGradient(asFloat).dataType()).isEqualTo(DataType.DOUBLE);
    }

    @Test
    void badArguments_areRejectedWithMessagesNamingThem() {
        InfluenceModel m = model();
        DataSet data = data();
        long p = m.numParameters();
        assertThatThrownBy(() -> m.perExampleGradientDots(data, Nd4j.zeros(DataType.DOUBLE, p + 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("v has shape")
                .hasMessageContaining(String.valueOf(p + 1));
        INDArray nanV = Nd4j.zeros(DataType.DOUBLE, p);
        nanV.putScalar(0, Double.NaN);
        assertThatThrownBy(() -> m.hessian(data).apply(nanV))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("v contains NaN");
        INDArray badX = data.getFeatures().dup();
        badX.putScalar(1, 0, Double.POSITIVE_INFINITY);
        assertThatThrownBy(() -> m.objective(new DataSet(badX, data.getLabels())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("data features contains Infinity");
        // "data features has shape [25, 5] …" (reference models) and "data features have shape [30, 5] but … expects
        // [n, 4]" (DL4J) both name the argument and the shape found: accept either wording
        long wide = data.getFeatures().size(1) + 1;
        INDArray wideX = Nd4j.zeros(DataType.DOUBLE, data.numExamples(), wide);
        assertThatThrownBy(() -> m.losses(new DataSet(wideX, data.getLabels())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("data features ha")
                .hasMessageContaining("shape [" + data.numExamples() + ", " + wide + "]")
                .hasMessageContaining("[n, " + (wide - 1) + "]");
        assertThatThrownBy(() -> m.losses(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("data");
    }

    @Test
    void at_rejectsParametersOfTheWrongShape() {
        assumeTrue(atValidatesTheta(), "at(θ) is test scaffolding here, not a library factory");
        assertThatThrownBy(() -> at(Nd4j.zeros(DataType.DOUBLE, 1, 1, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("theta");
    }

    // --- the capabilities of the proximal Bregman response function -------------------------------------

    /**
     * The Bregman identity against its definition: divergences are differences of O(1) losses (absolute round-off
     * ~1e-15) and have norm ≥ 1e-3 at the perturbation used, so the two computations agree to ~1e-12 relative.
     */
    static final double BREGMAN_RELATIVE = 1e-10;
    /** Norm of the parameter perturbation of the capability tests: outputs move by O(0.1..1). */
    static final double PERTURBATION = 0.5;

    /**
     * The model's outputs and loss, computed by the test independently of the model's code: {@link #outputs} the
     * pre-activations of the output layer {@code z(θ)} ({@code [n, k]}), {@link #losses} the per-example loss
     * {@code ℓ(zᵢ; yᵢ)} and {@link #lossGradient} its gradient in {@code z}. Fixtures of models whose loss is a
     * canonical-link pair provide one ({@link #outputOracle}); the Bregman-target contract is checked against it.
     */
    interface OutputOracle {
        INDArray outputs(InfluenceModel m, DataSet data);

        INDArray losses(INDArray z, INDArray labels);

        INDArray lossGradient(INDArray z, INDArray labels);
    }

    /** The fixture's {@link OutputOracle}; empty (the default) skips the Bregman-target contract. */
    protected Optional<OutputOracle> outputOracle() {
        return Optional.empty();
    }

    /** θ̂ plus a seeded Gaussian direction of norm {@link #PERTURBATION}. */
    static INDArray perturbed(INDArray theta) {
        INDArray d = Vectors.gaussian(new SplittableRandom(11), theta.length());
        return theta.add(d.muli(PERTURBATION / d.norm2Number().doubleValue()));
    }

    @Test
    void withParameters_isTheModelAtThoseParameters_andItsGradientMatchesCentralDifferences() {
        InfluenceModel m = model();
        DataSet data = data();
        INDArray theta0 = m.parameters();
        INDArray theta = perturbed(theta0);
        Snapshot snap = Snapshot.of(theta, data);
        Optional<InfluenceModel> moved = m.withParameters(theta);
        if (moved.isEmpty()) { // unsupported: empty for every θ, never an exception
            assertThat(m.withParameters(theta0)).isEmpty();
            return;
        }
        InfluenceModel mt = moved.get();
        assertThat(mt.parameters().toDoubleVector()).isEqualTo(theta.toDoubleVector());
        assertThat(m.parameters().toDoubleVector()).as("this model unchanged").isEqualTo(theta0.toDoubleVector());
        InfluenceModel reference = at(theta);
        assertThat(mt.objective(data)).isCloseTo(reference.objective(data),
                org.assertj.core.data.Offset.offset(roundOffTolerance() * Math.abs(reference.objective(data))));
        assertRelativelyClose(mt.objectiveGradient(data), reference.objectiveGradient(data), roundOffTolerance());
        assertRelativelyClose(mt.losses(data), reference.losses(data), roundOffTolerance());
        INDArray fd = centralDifferences(theta, t -> m.withParameters(t).orElseThrow().objective(data));
        assertRelativelyClose(mt.objectiveGradient(data), fd, finiteDifferenceGradientTolerance());
        // at θ̂ itself the moved model is this model, its curvature (mode) included
        InfluenceModel same = m.withParameters(theta0).orElseThrow();
        INDArray v = Vectors.gaussian(new SplittableRandom(12), m.numParameters());
        assertThat(same.objective(data)).isEqualTo(m.objective(data));
        assertRelativelyClose(same.hessian(data).apply(v), m.hessian(data).apply(v), roundOffTolerance());
        snap.assertUnchanged();
        long p = m.numParameters();
        assertThatThrownBy(() -> m.withParameters(Nd4j.zeros(DataType.DOUBLE, p + 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("theta has shape")
                .hasMessageContaining(String.valueOf(p + 1));
        INDArray nan = theta0.dup();
        nan.putScalar(0, Double.NaN);
        assertThatThrownBy(() -> m.withParameters(nan))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("theta contains NaN");
    }

    /**
     * {@code D_ℓ(z, ẑ; y) = ℓ(z; t̂) − ℓ(ẑ; t̂)} with the model's targets {@code t̂}, against the definition
     * {@code L(z) − L(ẑ) − ∇L(ẑ)ᵀ(z − ẑ)} for the true labels, computed from the oracle's outputs, loss and gradient.
     */
    @Test
    void bregmanTargets_turnTheLossIntoItsBregmanDivergence_forTheTrueLabels() {
        Optional<OutputOracle> oracle = outputOracle();
        assumeTrue(oracle.isPresent(), "no output oracle for this fixture");
        InfluenceModel m = model();
        DataSet data = data();
        Snapshot snap = Snapshot.of(data);
        DataSet targets = m.bregmanTargets(data).orElseThrow(() -> new AssertionError("a canonical-link model "
                + "must offer Bregman targets"));
        assertThat(targets.getLabels().shape()).isEqualTo(data.getLabels().shape());
        assertRelativelyClose(targets.getFeatures(), data.getFeatures(), 0);
        assertThat(targets.getLabels().castTo(DataType.DOUBLE).distance2(data.getLabels().castTo(DataType.DOUBLE)))
                .as("the targets differ from the labels (or the identity would be trivial)").isGreaterThan(0.1);
        InfluenceModel mt = m.withParameters(perturbed(m.parameters())).orElseThrow();

        OutputOracle o = oracle.get();
        INDArray y = data.getLabels().castTo(DataType.DOUBLE);
        y = y.rank() == 1 ? y.reshape(y.length(), 1) : y;
        INDArray zHat = o.outputs(m, data);
        INDArray z = o.outputs(mt, data);
        INDArray definition = o.losses(z, y).sub(o.losses(zHat, y))
                .subi(o.lossGradient(zHat, y).mul(z.sub(zHat)).sum(1));
        INDArray viaTargets = mt.losses(targets).sub(m.losses(targets));
        assertThat(definition.minNumber().doubleValue()).as("a Bregman divergence of a convex loss is >= 0")
                .isGreaterThanOrEqualTo(-1e-14);
        assertThat(definition.norm2Number().doubleValue()).isGreaterThan(1e-3);
        assertRelativelyClose(viaTargets, definition, BREGMAN_RELATIVE);
        snap.assertUnchanged();
    }

    static void assertRelativelyClose(INDArray actual, INDArray expected, double relative) {
        INDArray a = actual.castTo(DataType.DOUBLE).reshape(actual.length());
        INDArray e = expected.castTo(DataType.DOUBLE).reshape(expected.length());
        assertThat(a.length()).isEqualTo(e.length());
        double err = a.sub(e).norm2Number().doubleValue();
        double scale = Math.max(e.norm2Number().doubleValue(), 1e-300);
        assertThat(err / scale).as("relative error ‖actual − expected‖/‖expected‖ (‖expected‖ = %s)", scale)
                .isLessThanOrEqualTo(relative);
    }
}
