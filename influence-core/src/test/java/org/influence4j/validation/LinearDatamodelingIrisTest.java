package org.influence4j.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.stream.IntStream;

import org.hipparchus.stat.correlation.SpearmansCorrelation;
import org.influence4j.InfluenceEstimator;
import org.influence4j.Tolerances;
import org.influence4j.model.DataSets;
import org.influence4j.model.NewtonOptions;
import org.influence4j.model.RidgeRegression;
import org.influence4j.model.SoftmaxRegression;
import org.influence4j.model.TrainingResult;
import org.influence4j.solver.IHVPSolver;
import org.influence4j.testdata.Iris;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The LDS of exact influence scores for the reference models on Iris (120 training, 30 test rows), with the models'
 * own subset trainers. The per-test-point values are checked against an oracle built here without the library's LDS
 * code: each subset refitted with {@code SoftmaxRegression.fit}, Spearman's correlation from Hipparchus.
 */
class LinearDatamodelingIrisTest {

    static final double L2 = 0.01;
    static final NewtonOptions TIGHT = NewtonOptions.defaults().withTolerance(1e-12);
    static final long SPLIT_SEED = 20210101L;
    /** Damping of the exact solve: the softmax Hessian is singular along the all-biases direction only. */
    static final double DAMPING = 1e-8;

    static DataSet train;
    static DataSet test;
    static SoftmaxRegression model;
    static double[][] scores;

    @BeforeAll
    static void fit() {
        DataSet[] parts = Iris.split(Iris.load(), 30, SPLIT_SEED);
        train = parts[0];
        test = parts[1];
        TrainingResult<SoftmaxRegression> fit = SoftmaxRegression.fit(train, L2, TIGHT);
        assertThat(fit.converged()).isTrue();
        model = fit.model();
        scores = InfluenceEstimator.forModel(model).withTrainingData(train).withDamping(DAMPING)
                .withSolver(IHVPSolver.exact()).influenceOnEach(test).values().toDoubleMatrix();
    }

    @Test
    void softmaxRegression_exactScores_haveAHighLds_andPerPointValuesMatchAnIndependentOracle() {
        LinearDatamodelingScore lds = LinearDatamodelingScore.defaults().withThreads(2);
        DatamodelReport r = lds.run(scores, model.subsetTrainer(train, TIGHT), test);
        System.out.printf("LDS softmax regression, Iris (n=%d, m=%d, l2=%s, exact scores): %s%n",
                train.numExamples(), test.numExamples(), L2, r);
        System.out.println("  per point: " + Arrays.toString(Arrays.stream(r.spearman())
                .mapToObj(v -> String.format("%.3f", v)).toArray()));

        // measured: LDS 0.982 [0.974, 0.984], per point 0.973–0.991. Half of the data removed is far beyond first
        // order, yet for a convex, regularised model the summed exact scores rank the subsets almost perfectly. The
        // bounds leave room for other platforms' rounding, not for a worse attribution: gradient-dot scores fail them
        // (gradientDotScores_scoreClearlyLower).
        assertThat(r.lds()).isGreaterThan(0.95);
        assertThat(r.ldsLow()).isGreaterThan(0.9).isLessThanOrEqualTo(r.lds());
        assertThat(Arrays.stream(r.spearman()).min().orElseThrow()).isGreaterThan(0.9);
        assertThat(r.ldsHigh()).isGreaterThanOrEqualTo(r.lds()).isLessThanOrEqualTo(1.0);
        assertThat(r.excludedCount()).isZero();
        assertThat(r.seedsPerSubset()).isEqualTo(1);
        assertThat(r.trainingsRun()).isEqualTo(100);

        // the oracle: own fits on the same subsets, own sums, Hipparchus' Spearman
        int[][] sets = lds.subsets(train.numExamples());
        double[][] losses = new double[sets.length][];
        for (int j = 0; j < sets.length; j++) {
            SoftmaxRegression fitted = SoftmaxRegression.fit(DataSets.subset(train, sets[j]), L2, TIGHT).model();
            losses[j] = fitted.losses(test).toDoubleVector();
        }
        SpearmansCorrelation spearman = new SpearmansCorrelation();
        for (int t = 0; t < test.numExamples(); t++) {
            double[] predicted = new double[sets.length];
            double[] actual = new double[sets.length];
            for (int j = 0; j < sets.length; j++) {
                for (int i : sets[j]) {
                    predicted[j] += scores[t][i];
                }
                actual[j] = losses[j][t];
            }
            assertThat(r.point(t).spearman()).as("test point %d", t)
                    .isCloseTo(spearman.correlation(predicted, actual), within(Tolerances.ROUNDING));
            assertThat(r.point(t).low()).isLessThanOrEqualTo(r.point(t).spearman());
            assertThat(r.point(t).high()).isGreaterThanOrEqualTo(r.point(t).spearman());
        }
        double mean = Arrays.stream(r.spearman()).average().orElseThrow();
        assertThat(r.lds()).isCloseTo(mean, within(Tolerances.ROUNDING));
    }

    @Test
    void gradientDotScores_scoreClearlyLower() {
        // H replaced by the identity: the scores ignore the curvature (measured LDS 0.72 [0.65, 0.77], minimum 0.41)
        double[][] dot = InfluenceEstimator.forModel(model).withTrainingData(train).withDamping(0)
                .withSolver(IHVPSolver.identity()).influenceOnEach(test).values().toDoubleMatrix();
        DatamodelReport r = LinearDatamodelingScore.defaults().withBootstrap(0)
                .run(dot, model.subsetTrainer(train, TIGHT), test);
        assertThat(r.lds()).isBetween(0.5, 0.9);
    }

    @Test
    void lossAndMargin_giveTheSamePerPointSpearman_withOneSeed() {
        LinearDatamodelingScore lds = LinearDatamodelingScore.defaults().withSubsets(40).withBootstrap(0);
        SubsetTrainer trainer = model.subsetTrainer(train, TIGHT);
        DatamodelReport loss = lds.run(scores, trainer, test);
        DatamodelReport margin = lds.withMeasurement(Measurement.MARGIN).run(scores, trainer, test);
        // margin = −loss − log(1 − e^{−loss}) is strictly decreasing in the loss (Measurement's Javadoc): with the sign
        // flip the ranks are the same
        for (int t = 0; t < test.numExamples(); t++) {
            assertThat(margin.point(t).spearman()).as("test point %d", t)
                    .isCloseTo(loss.point(t).spearman(), within(Tolerances.ROUNDING));
        }
        double[][] l = loss.actual();
        double[][] mg = margin.actual();
        for (int j = 0; j < l.length; j++) {
            for (int t = 0; t < l[j].length; t++) {
                double identity = -l[j][t] - Math.log(-Math.expm1(-l[j][t]));
                assertThat(mg[j][t]).isCloseTo(identity, within(1e-9 * Math.max(1, Math.abs(identity))));
            }
        }
    }

    @Test
    void subsetTrainer_measuresTheLossAndTheMarginOfTheModelTrainedFromScratch() {
        SubsetTrainer trainer = model.subsetTrainer(train, TIGHT);
        assertThat(trainer.seedDependent()).isFalse();
        assertThat(trainer.describe()).contains("SoftmaxRegression").contains("l2=0.01").contains("n=120");
        int[] all = IntStream.range(0, train.numExamples()).toArray();
        // on every row, training from zero reaches the model itself (the optimum is unique)
        double[] loss = trainer.measure(all, 1, test, Measurement.LOSS);
        assertThat(loss).containsExactly(model.losses(test).toDoubleVector(), within(1e-9));
        double[] margin = trainer.measure(all, 2, test, Measurement.MARGIN);
        INDArray p = model.probabilities(test.getFeatures());
        for (int t = 0; t < test.numExamples(); t++) {
            int y = test.getLabels().getRow(t).argMax().getInt(0);
            double py = p.getDouble(t, y);
            assertThat(margin[t]).isCloseTo(Math.log(py) - Math.log(1 - py), within(1e-8));
        }
        // the seed is ignored
        assertThat(trainer.measure(all, 99, test, Measurement.LOSS)).containsExactly(loss);
    }

    @Test
    void subsetTrainer_copiesItsData_andRejectsBadInput() {
        DataSet copy = train.copy();
        SubsetTrainer trainer = model.subsetTrainer(copy, TIGHT);
        int[] first = IntStream.range(0, 60).toArray();
        double[] before = trainer.measure(first, 0, test, Measurement.LOSS);
        copy.getFeatures().muli(3); // the caller changes its data afterwards
        assertThat(trainer.measure(first, 0, test, Measurement.LOSS)).containsExactly(before);

        DataSet soft = new DataSet(test.getFeatures().dup(), Nd4j.valueArrayOf(test.getLabels().shape(), 1.0 / 3));
        assertThatThrownBy(() -> trainer.measure(first, 0, soft, Measurement.MARGIN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("testPoints labels row 0")
                .hasMessageContaining("not one-hot");
        DataSet wide = new DataSet(Nd4j.ones(test.numExamples(), 5).castTo(test.getFeatures().dataType()),
                test.getLabels().dup());
        assertThatThrownBy(() -> trainer.measure(first, 0, wide, Measurement.LOSS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("testPoints");
        assertThatThrownBy(() -> trainer.measure(new int[] {0, 500}, 0, test, Measurement.LOSS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("500");
        DataSet threeFeatures = new DataSet(train.getFeatures().get(NDArrayIndex.all(), NDArrayIndex.interval(0, 3))
                .dup(), train.getLabels().dup());
        assertThatThrownBy(() -> model.subsetTrainer(threeFeatures)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("train");
    }

    @Test
    void ridgeRegression_exactScores_haveAHighLds_andMarginIsRejected() {
        DataSet trainReg = regression(train);
        DataSet testReg = regression(test);
        RidgeRegression ridge = RidgeRegression.fit(trainReg, L2, true);
        double[][] ridgeScores = InfluenceEstimator.forModel(ridge).withTrainingData(trainReg).withDamping(0)
                .withSolver(IHVPSolver.exact()).influenceOnEach(testReg).values().toDoubleMatrix();
        SubsetTrainer trainer = ridge.subsetTrainer(trainReg);
        assertThat(trainer.seedDependent()).isFalse();
        DatamodelReport r = LinearDatamodelingScore.defaults().run(ridgeScores, trainer, testReg);
        System.out.printf("LDS ridge regression, Iris petal width (n=%d, l2=%s): %s%n", trainReg.numExamples(), L2, r);
        System.out.println("  per point: " + Arrays.toString(Arrays.stream(r.spearman())
                .mapToObj(v -> String.format("%.3f", v)).toArray()));
        // measured 0.83 [0.71, 0.93]: lower than softmax regression's because the loss ½r² is not monotone in the
        // residual, so a test point whose residual is near zero is badly served by a first-order prediction of its loss
        assertThat(r.lds()).isGreaterThan(0.7);

        // the oracle for one subset: an exact fit on it
        int[] s0 = LinearDatamodelingScore.defaults().subsets(trainReg.numExamples())[0];
        double[] expected = RidgeRegression.fit(DataSets.subset(trainReg, s0), L2, true).losses(testReg)
                .toDoubleVector();
        assertThat(r.actual()[0]).containsExactly(expected, within(Tolerances.ROUNDING));

        assertThatThrownBy(() -> trainer.measure(s0, 0, testReg, Measurement.MARGIN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("MARGIN")
                .hasMessageContaining("no margin").hasMessageContaining("Measurement.LOSS");
        assertThatThrownBy(() -> LinearDatamodelingScore.defaults().withMeasurement(Measurement.MARGIN)
                .run(ridgeScores, trainer, testReg)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no margin");
    }

    /** Petal width regressed on the three other standardised measurements (as in the leave-one-out test). */
    static DataSet regression(DataSet d) {
        INDArray x = d.getFeatures();
        return new DataSet(x.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 3)).dup(),
                x.get(NDArrayIndex.all(), NDArrayIndex.interval(3, 4)).dup());
    }
}
