package org.influence4j;

import static org.assertj.core.api.Assertions.assertThat;

import org.influence4j.model.NewtonOptions;
import org.influence4j.model.SoftmaxRegression;
import org.influence4j.testdata.Iris;
import org.influence4j.validation.LeaveOneOutValidation;
import org.influence4j.validation.ValidationReport;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The estimator end to end against leave-one-out retraining on L2 softmax regression (convex, trained by
 * Newton to ‖∇R‖ ≤ 1e-12): correlations above 0.95, and — with the renormalised prediction, which accounts
 * for retraining on the mean of the n − 1 remaining examples — absolute agreement.
 */
class EstimatorLeaveOneOutTest {

    /** Required Pearson and Spearman on the top-k points (torch-influence requires 0.9 on this kind of model). */
    static final double CORRELATION = 0.95;
    /**
     * Absolute agreement of the renormalised prediction (root-mean-square error relative to the root-mean-square
     * actual change): the leave-one-out change is first order in 1/n plus O(1/n²) terms; with n = 120 they
     * are a few percent (measured 4.5 %).
     */
    static final double ABSOLUTE = 0.15;

    @Test
    void influence_predictsLeaveOneOutRetraining_onIrisSoftmaxRegression() {
        DataSet[] split = Iris.split(Iris.load(), 30, 7);
        DataSet train = split[0];
        NewtonOptions tight = NewtonOptions.defaults().withTolerance(1e-12);
        SoftmaxRegression model = SoftmaxRegression.fit(train, 0.1, tight).model();
        DataSet test = highestLoss(model, split[1]);

        InfluenceScores scores = InfluenceEstimator.forModel(model).withTrainingData(train).withDamping(1e-8)
                .influenceOn(test);
        ValidationReport report = LeaveOneOutValidation.defaults().withTopK(25).withRandomSample(5).withSeed(3)
                .run(scores.toDoubleArray(), model.retrainer(train, tight), test);
        System.out.println("estimator vs leave-one-out (softmax regression, Iris): " + report.topK());

        assertThat(report.topK().pearson()).isGreaterThan(CORRELATION);
        assertThat(report.topK().spearman()).isGreaterThan(CORRELATION);
        assertThat(report.all().pearson()).isGreaterThan(CORRELATION);

        // mean signed error (bias) and root-mean-square error over the validated points
        double biasPlain = 0;
        double biasRenormalized = 0;
        double rmsActual = 0;
        double rmsRenormalized = 0;
        int m = report.points().size();
        for (ValidationReport.Point p : report.points()) {
            double plain = scores.predictedLossChangeOnRemoval(p.index()) - p.actual();
            double renormalized = scores.predictedLossChangeOnRenormalizedRemoval(p.index()) - p.actual();
            biasPlain += plain / m;
            biasRenormalized += renormalized / m;
            rmsActual += p.actual() * p.actual() / m;
            rmsRenormalized += renormalized * renormalized / m;
        }
        rmsActual = Math.sqrt(rmsActual);
        rmsRenormalized = Math.sqrt(rmsRenormalized);
        System.out.printf("rms actual %.4g, rms error (renormalised) %.4g, bias plain %.4g, renormalised %.4g, r = %.4g%n",
                rmsActual, rmsRenormalized, biasPlain, biasRenormalized, scores.regularizerTerm(0) / train.numExamples());
        assertThat(rmsRenormalized).isLessThan(ABSOLUTE * rmsActual);
        // the mean signed error mixes the constant regulariser shift with O(1/n²) terms of both signs, so it is
        // printed, not asserted; the parameter-level check in InfluenceEstimatorTest isolates the shift
    }

    static DataSet highestLoss(SoftmaxRegression model, DataSet test) {
        double[] losses = model.losses(test).toDoubleVector();
        int arg = 0;
        for (int i = 1; i < losses.length; i++) {
            if (losses[i] > losses[arg]) {
                arg = i;
            }
        }
        return InfluenceEstimatorTest.testPoint(test, arg);
    }
}
