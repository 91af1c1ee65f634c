package org.influence4j.validation;

import static org.assertj.core.api.Assertions.assertThat;

import org.influence4j.model.DataSets;
import org.influence4j.model.InfluenceModel;
import org.influence4j.model.NewtonOptions;
import org.influence4j.model.RidgeRegression;
import org.influence4j.model.SoftmaxRegression;
import org.influence4j.model.TrainingResult;
import org.influence4j.testdata.DenseOracle;
import org.influence4j.testdata.Iris;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The key oracle: influence scores computed with a dense inverse Hessian predict the change of the test
 * loss under exact leave-one-out retraining (Koh &amp; Liang 2017, Fig. 2; torch-influence's test asks for
 * Pearson and Spearman &gt; 0.9 on L2 logistic regression). Reference models on Iris, retrained to
 * {@code ‖∇R‖ ≤ 1e-12}, so that the comparison measures the influence approximation, not the optimiser.
 */
class LeaveOneOutGroundTruthTest {

    /** Required agreement between predicted and actual LOO changes over the top-k points. */
    static final double MIN_CORRELATION = 0.95;
    /** Retraining tolerance: LOO changes are O(1/n) ≈ 1e-3; the optimisation error must be far below. */
    static final double RETRAIN_TOLERANCE = 1e-12;
    /**
     * Damping of the dense oracle. The softmax Hessian is exactly singular along the all-biases direction;
     * every loss gradient is orthogonal to it, so a tiny λ gives the pseudo-inverse solution to ~1e-8
     * relative (the smallest non-zero eigenvalue is ≈ l2 = 1e-2).
     */
    static final double ORACLE_DAMPING = 1e-10;
    static final int TOP_K = 25;
    static final int RANDOM = 5;
    static final int TEST_ROWS = 30;
    static final long SPLIT_SEED = 20210101L;

    static DataSet train;
    static DataSet test;

    @BeforeAll
    static void split() {
        DataSet[] parts = Iris.split(Iris.load(), TEST_ROWS, SPLIT_SEED);
        train = parts[0];
        test = parts[1];
    }

    @Test
    void softmaxRegression_onIris_predictedMatchesLeaveOneOut() {
        double l2 = 0.01;
        NewtonOptions tight = NewtonOptions.defaults().withTolerance(RETRAIN_TOLERANCE);
        TrainingResult<SoftmaxRegression> fit = SoftmaxRegression.fit(train, l2, tight);
        assertThat(fit.converged()).isTrue();
        SoftmaxRegression model = fit.model();
        DataSet testPoint = highestLossExample(model, test);

        double[] scores = denseOracleScores(model, testPoint);
        ValidationReport report = LeaveOneOutValidation.defaults().withTopK(TOP_K).withRandomSample(RANDOM)
                .withSeed(1).run(scores, model.retrainer(train, tight), testPoint);

        System.out.printf("LOO softmax regression, Iris (n=%d, l2=%s, test loss %.4f, ‖∇R‖=%.1e):%n  %s%n",
                train.numExamples(), l2, report.baselineLoss(), fit.gradientNorm(), report);
        assertThat(report.topK().pearson()).as("Pearson over top-%d", TOP_K).isGreaterThan(MIN_CORRELATION);
        assertThat(report.topK().spearman()).as("Spearman over top-%d", TOP_K).isGreaterThan(MIN_CORRELATION);
        assertThat(report.all().pearson()).as("Pearson over all").isGreaterThan(MIN_CORRELATION);
    }

    @Test
    void ridgeRegression_onIris_predictedMatchesLeaveOneOut() {
        // regress standardised petal width on the other three standardised measurements
        DataSet trainReg = regression(train);
        DataSet testReg = regression(test);
        double l2 = 0.01;
        RidgeRegression model = RidgeRegression.fit(trainReg, l2, true);
        DataSet testPoint = highestLossExample(model, testReg);

        double[] scores = denseOracleScores(model, trainReg, testPoint, 0.0);
        ValidationReport report = LeaveOneOutValidation.defaults().withTopK(TOP_K).withRandomSample(RANDOM)
                .withSeed(1).run(scores, model.retrainer(trainReg), testPoint);

        System.out.printf("LOO ridge regression, Iris petal width (n=%d, l2=%s, test loss %.4f):%n  %s%n",
                trainReg.numExamples(), l2, report.baselineLoss(), report);
        assertThat(report.topK().pearson()).isGreaterThan(MIN_CORRELATION);
        assertThat(report.topK().spearman()).isGreaterThan(MIN_CORRELATION);
        assertThat(report.all().pearson()).isGreaterThan(MIN_CORRELATION);
    }

    private static double[] denseOracleScores(SoftmaxRegression model, DataSet testPoint) {
        return denseOracleScores(model, train, testPoint, ORACLE_DAMPING);
    }

    /** {@code scoreᵢ = −∇ℓ_testᵀ (H + λI)⁻¹ gᵢ} with H dense and the solve by Hipparchus LU. */
    private static double[] denseOracleScores(InfluenceModel model, DataSet trainSet, DataSet testPoint,
                                              double damping) {
        INDArray h = model.hessian(trainSet).denseMatrix().orElseThrow();
        INDArray v = DenseOracle.solve(h, damping, model.meanLossGradient(testPoint));
        return model.perExampleGradientDots(trainSet, v).negi().toDoubleVector();
    }

    private static DataSet highestLossExample(InfluenceModel model, DataSet data) {
        int worst = model.losses(data).argMax().getInt(0);
        return DataSets.subset(data, new int[] {worst});
    }

    private static DataSet regression(DataSet d) {
        INDArray x = d.getFeatures();
        return new DataSet(x.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 3)).dup(),
                x.get(NDArrayIndex.all(), NDArrayIndex.interval(3, 4)).dup());
    }
}
