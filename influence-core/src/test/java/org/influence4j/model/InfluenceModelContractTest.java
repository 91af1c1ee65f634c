package org.influence4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

import org.influence4j.hvp.FiniteDifferenceHvp;
import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.hvp.HvpSelfCheck;
import org.influence4j.internal.Vectors;
import org.influence4j.testdata.Snapshot;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Contract tests every {@link InfluenceModel} with closed-form derivatives must pass: gradients against
 * central finite differences, the Hessian (closed form, operator, finite differences of the gradient) and
 * its symmetry, per-example gradients and dots, and untouched inputs.
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
        assertRelativelyClose(m.objectiveGradient(data), fd, FD_GRADIENT_RELATIVE);
    }

    @Test
    void meanLossGradient_matchesCentralDifferencesOfMeanLoss() {
        InfluenceModel m = model();
        DataSet data = data();
        INDArray fd = centralDifferences(m.parameters(), t -> at(t).losses(data).meanNumber().doubleValue());
        assertRelativelyClose(m.meanLossGradient(data), fd, FD_GRADIENT_RELATIVE);
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
            assertRelativelyClose(g.getRow(i), single, CLOSED_FORM_RELATIVE);
        }
        assertRelativelyClose(g.mean(0), m.meanLossGradient(data), CLOSED_FORM_RELATIVE);
    }

    @Test
    void perExampleGradientDots_matchExplicitPerExampleGradients() {
        InfluenceModel m = model();
        DataSet data = data();
        INDArray v = Vectors.gaussian(new SplittableRandom(11), m.numParameters());
        INDArray expected = m.perExampleGradients(data).mmul(v.reshape(v.length(), 1)).reshape(data.numExamples());
        assertRelativelyClose(m.perExampleGradientDots(data, v), expected, CLOSED_FORM_RELATIVE);
    }

    @Test
    void hessian_closedFormMatchesOperatorAndFiniteDifferencesOfGradient() {
        InfluenceModel m = model();
        DataSet data = data();
        HessianVectorProduct h = m.hessian(data);
        INDArray dense = h.denseMatrix().orElseThrow();
        long p = m.numParameters();
        assertThat(dense.shape()).containsExactly(p, p);
        FiniteDifferenceHvp fd = FiniteDifferenceHvp.of(t -> at(t).objectiveGradient(data), m.parameters());
        for (long j = 0; j < p; j++) {
            INDArray e = Nd4j.zeros(DataType.DOUBLE, p);
            e.putScalar(j, 1.0);
            INDArray column = dense.getColumn(j).dup();
            assertRelativelyClose(h.apply(e), column, CLOSED_FORM_RELATIVE);
            assertRelativelyClose(fd.apply(e), column, FD_HVP_RELATIVE);
        }
        HvpSelfCheck.Report report = HvpSelfCheck.check(h, fd, 5, 2024L);
        assertThat(report.relativeError()).as("operator vs finite differences").isLessThan(FD_HVP_RELATIVE);
        assertThat(report.relativeSymmetryError()).as("uᵀHv − vᵀHu").isLessThan(CLOSED_FORM_RELATIVE);
        assertThat(dense.sub(dense.transpose()).amaxNumber().doubleValue())
                .isLessThanOrEqualTo(CLOSED_FORM_RELATIVE * dense.amaxNumber().doubleValue());
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
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("v has shape");
        INDArray nanV = Nd4j.zeros(DataType.DOUBLE, p);
        nanV.putScalar(0, Double.NaN);
        assertThatThrownBy(() -> m.hessian(data).apply(nanV))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("v contains NaN");
        INDArray badX = data.getFeatures().dup();
        badX.putScalar(1, 0, Double.POSITIVE_INFINITY);
        assertThatThrownBy(() -> m.objective(new DataSet(badX, data.getLabels())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("data features contains Infinity");
        INDArray wideX = Nd4j.zeros(DataType.DOUBLE, data.numExamples(), data.getFeatures().size(1) + 1);
        assertThatThrownBy(() -> m.losses(new DataSet(wideX, data.getLabels())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("data features has shape");
        assertThatThrownBy(() -> m.losses(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("data");
        assertThatThrownBy(() -> at(Nd4j.zeros(DataType.DOUBLE, 1, 1, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("theta");
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
