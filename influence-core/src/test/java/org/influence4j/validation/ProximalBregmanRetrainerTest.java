package org.influence4j.validation;

import static org.assertj.core.api.Assertions.assertThat;

import org.influence4j.internal.Lbfgs;
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
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The proximal Bregman response function on the reference models, against oracles that do not share its code:
 * Newton retraining of the downweighted objective (the exact answer for a linear model at its optimum with
 * {@code λ = 0}), the closed-form ridge refit, and the first-order response {@code (1/n)(H + λI)⁻¹Σ∇ℓ_m} from a dense
 * Hipparchus solve, whose gap must shrink as {@code 1/n}.
 */
class ProximalBregmanRetrainerTest {

    /** Newton retraining and training tolerance: far below the O(1/n) ≈ 1e-2 responses compared. */
    static final double NEWTON_TOLERANCE = 1e-12;
    /**
     * PBRF solve tolerance for the exact comparisons: ‖∇P‖ ≤ 1e-10·‖∇P(θ̂)‖ leaves a parameter error of about 1e-10
     * relative times the condition number of ∇²P (≈ 1/l2 · max eigenvalue ≈ 1e2 here).
     */
    static final double TIGHT = 1e-10;
    /** Exact comparisons: the two solutions differ by their solvers' tolerances (relative 1e-10 × κ ≈ 1e-8). */
    static final double EXACT_AGREEMENT = 1e-6;
    static final double L2 = 0.01;
    /**
     * The relative gap between PBRF's response and the first-order response is {@code c/n}; measured
     * {@code c ≈ 1.8..6.0} on Iris (n = 120) for single points and a pair, converged or not; 10 leaves margin. The
     * order itself is checked by replicating the data 4× (same θ̂ and H, removal weight 1/(4n)): the gap must fall
     * about 4× (measured 4.06..4.19).
     */
    static final double FIRST_ORDER_CONSTANT = 10;
    /** An unconverged θ̂: retraining moves ≥ 55× further than the first-order response (measured); 10 is the bound. */
    static final double RETRAINING_OVERSHOOT = 10;
    static final int TEST_ROWS = 30;
    static final long SPLIT_SEED = 20210101L;

    static DataSet train;
    static DataSet test;
    static SoftmaxRegression converged;

    @BeforeAll
    static void fit() {
        DataSet[] parts = Iris.split(Iris.load(), TEST_ROWS, SPLIT_SEED);
        train = parts[0];
        test = parts[1];
        TrainingResult<SoftmaxRegression> fit = SoftmaxRegression.fit(train, L2,
                NewtonOptions.defaults().withTolerance(NEWTON_TOLERANCE));
        assertThat(fit.converged()).isTrue();
        converged = fit.model();
    }

    /** {@code (1/n)(H + λI)⁻¹ Σ_{m∈R} ∇ℓ_m(θ̂)} by a dense Hipparchus solve (H of the model's objective at θ̂). */
    static INDArray firstOrder(InfluenceModel model, DataSet data, int[] removed, double lambda) {
        int n = data.numExamples();
        INDArray h = model.hessian(data).denseMatrix().orElseThrow();
        INDArray sum = model.meanLossGradient(DataSets.subset(data, removed)).muli(removed.length);
        return DenseOracle.solve(h, lambda, sum).divi(n);
    }

    /**
     * θ with the mean of its {@value Iris#CLASSES} biases subtracted from each: softmax regression is invariant to
     * adding a constant to every bias (H is singular there), and with {@code λ = 0} Newton's Levenberg term turns the
     * round-off component of the gradient along that direction into a shift of about 1e-4 that changes no prediction.
     */
    static INDArray withoutBiasShift(INDArray theta) {
        INDArray t = theta.dup();
        long p = t.length();
        INDArray b = t.get(NDArrayIndex.interval(p - Iris.CLASSES, p));
        b.subi(b.meanNumber().doubleValue());
        return t;
    }

    static double rel(INDArray a, INDArray b) {
        return a.sub(b).norm2Number().doubleValue() / b.norm2Number().doubleValue();
    }

    /** The training set with every row repeated {@code copies} times: the same mean objective, θ̂ and H. */
    static DataSet replicated(DataSet d, int copies) {
        int n = d.numExamples();
        int[] idx = new int[n * copies];
        for (int c = 0; c < copies; c++) {
            for (int i = 0; i < n; i++) {
                idx[c * n + i] = i;
            }
        }
        return DataSets.subset(d, idx);
    }

    @Test
    void softmaxRegression_zeroDamping_equalsNewtonRetrainingOfTheDownweightedObjective() {
        ProximalBregmanRetrainer pbrf = ProximalBregmanRetrainer.builder(converged, train).damping(0)
                .relativeTolerance(TIGHT).build();
        int n = train.numExamples();
        double base = pbrf.testLossWithout(new int[0], test);
        for (int[] removed : new int[][] {{0}, {17}, {42}, {99}, {3, 50}}) {
            int r = removed.length;
            // (1/n)Σ_{i∉R}ℓᵢ + ½l2‖W‖² ∝ (1/(n−r))Σ_{i∉R}ℓᵢ + ½·l2·n/(n−r)·‖W‖²: Newton on the latter is the oracle
            SoftmaxRegression oracleModel = SoftmaxRegression.at(converged.parameters(), Iris.CLASSES,
                    L2 * n / (n - r));
            DataSet rest = DataSets.without(train, removed);
            TrainingResult<SoftmaxRegression> oracle = oracleModel.refit(rest,
                    NewtonOptions.defaults().withTolerance(NEWTON_TOLERANCE));
            assertThat(oracle.converged()).isTrue();
            INDArray expected = withoutBiasShift(oracle.model().parameters());
            INDArray actual = withoutBiasShift(pbrf.parametersWithout(removed));
            INDArray theta0 = withoutBiasShift(converged.parameters());
            double paramError = rel(actual.sub(theta0), expected.sub(theta0));
            double expectedDelta = oracle.model().losses(test).meanNumber().doubleValue() - base;
            double actualDelta = pbrf.testLossWithout(removed, test) - base;
            // the plain leave-one-out retraining (mean over n − r with the same l2) weighs Ω by n/(n − r)
            double looDelta = converged.retrainer(train, NewtonOptions.defaults().withTolerance(NEWTON_TOLERANCE))
                    .testLossWithout(removed, test) - base;
            System.out.printf("PBRF λ=0 vs Newton on the downweighted objective, removed %s: parameters %.2e, "
                            + "Δtest %.6e vs %.6e (rel %.2e); plain LOO Δtest %.6e (rel %.2e); %s%n",
                    java.util.Arrays.toString(removed), paramError, actualDelta, expectedDelta,
                    Math.abs(actualDelta - expectedDelta) / Math.abs(expectedDelta), looDelta,
                    Math.abs(looDelta - expectedDelta) / Math.abs(expectedDelta), pbrf.solve(removed));
            assertThat(paramError).isLessThan(EXACT_AGREEMENT);
            assertThat(Math.abs(actualDelta - expectedDelta)).isLessThan(EXACT_AGREEMENT * Math.abs(expectedDelta));
        }
        assertThat(pbrf.unconvergedSolves()).isZero();
    }

    @Test
    void ridgeRegression_zeroDamping_equalsClosedFormRefitOfTheDownweightedObjective() {
        DataSet trainReg = new DataSet(train.getFeatures().get(NDArrayIndex.all(), NDArrayIndex.interval(0, 3)).dup(),
                train.getFeatures().get(NDArrayIndex.all(), NDArrayIndex.interval(3, 4)).dup());
        RidgeRegression model = RidgeRegression.fit(trainReg, L2, true);
        ProximalBregmanRetrainer pbrf = ProximalBregmanRetrainer.builder(model, trainReg).damping(0)
                .relativeTolerance(TIGHT).build();
        int n = trainReg.numExamples();
        for (int[] removed : new int[][] {{5}, {60}, {1, 2, 3}}) {
            RidgeRegression oracle = RidgeRegression.fit(DataSets.without(trainReg, removed),
                    L2 * n / (n - removed.length), true);
            double err = rel(pbrf.parametersWithout(removed).sub(model.parameters()),
                    oracle.parameters().sub(model.parameters()));
            System.out.printf("PBRF λ=0 vs closed-form ridge refit, removed %s: relative error %.2e, %s%n",
                    java.util.Arrays.toString(removed), err, pbrf.solve(removed));
            assertThat(err).isLessThan(EXACT_AGREEMENT);
        }
    }

    @Test
    void softmaxRegression_responseMatchesDenseFirstOrderSolve_toOrderOneOverN() {
        double lambda = 1e-3;
        int[][] removals = {{0}, {17}, {42}, {99}, {3, 50}};
        double[] ratio1 = new double[removals.length];
        double[] ratio4 = new double[removals.length];
        for (int copies : new int[] {1, 4}) {
            DataSet data = replicated(train, copies);
            ProximalBregmanRetrainer pbrf = ProximalBregmanRetrainer.builder(converged, data).damping(lambda)
                    .relativeTolerance(TIGHT).build();
            for (int j = 0; j < removals.length; j++) {
                INDArray lin = firstOrder(converged, data, removals[j], lambda);
                double err = rel(pbrf.parametersWithout(removals[j]).sub(converged.parameters()), lin);
                (copies == 1 ? ratio1 : ratio4)[j] = err;
            }
        }
        for (int j = 0; j < removals.length; j++) {
            System.out.printf("PBRF vs (1/n)(H+λI)⁻¹Σ∇ℓ, removed %s: relative gap %.3e (n=%d), %.3e (n=%d), "
                            + "ratio %.2f%n", java.util.Arrays.toString(removals[j]), ratio1[j], train.numExamples(),
                    ratio4[j], 4 * train.numExamples(), ratio1[j] / ratio4[j]);
            assertThat(ratio1[j]).as("gap at n").isLessThan(FIRST_ORDER_CONSTANT / train.numExamples());
            assertThat(ratio1[j] / ratio4[j]).as("gap(n) / gap(4n)").isBetween(3.0, 5.5);
        }
    }

    @Test
    void unconvergedSoftmaxRegression_emptyRemovalIsTheStart_andResponseIsFirstOrder_whileRetrainingIsNot() {
        TrainingResult<SoftmaxRegression> early = SoftmaxRegression.fit(train, L2,
                NewtonOptions.defaults().withMaxIterations(2));
        assertThat(early.converged()).isFalse();
        SoftmaxRegression model = early.model();
        double lambda = 1e-3;
        ProximalBregmanRetrainer pbrf = ProximalBregmanRetrainer.builder(model, train).damping(lambda)
                .relativeTolerance(TIGHT).build();
        // with nothing removed θ̂ minimises P although ∇R(θ̂) ≠ 0
        ProximalBregmanRetrainer.ProximalObjective empty = pbrf.new ProximalObjective(
                DataSets.subset(train, new int[] {0}), 0.0);
        double[] theta0 = model.parameters().toDoubleVector();
        double[] g = new double[theta0.length];
        empty.evaluate(theta0, g);
        double gradientAtStart = Nd4j.createFromArray(g).norm2Number().doubleValue();
        double[] start = theta0.clone();
        for (int i = 0; i < start.length; i++) {
            start[i] += 0.05 * ((i % 3) - 1);
        }
        Lbfgs.Result back = Lbfgs.minimize(empty, start, 1e-12, 500, new Lbfgs.Options(20, 60, true),
                Lbfgs.IterationHook.NONE);
        double returned = rel(Nd4j.createFromArray(back.x()), model.parameters());
        System.out.printf("unconverged θ̂ (‖∇R‖ = %.3e): ‖∇P(θ̂)‖ with R = {} %.2e; L-BFGS from a perturbed start "
                + "returns to θ̂ within %.2e relative (%s)%n", early.gradientNorm(), gradientAtStart, returned,
                back.stop());
        assertThat(gradientAtStart).isLessThan(1e-15);
        assertThat(back.converged()).isTrue();
        assertThat(returned).isLessThan(1e-9);
        assertThat(pbrf.parametersWithout(new int[0]).toDoubleVector()).isEqualTo(theta0);
        assertThat(pbrf.testLossWithout(new int[0], test)).isEqualTo(model.losses(test).meanNumber().doubleValue());

        for (int[] removed : new int[][] {{0}, {42}, {3, 50}}) {
            // logits are linear in θ, so the Hessian at any θ̂ is the Gauss–Newton matrix plus ∇²Ω: the PBRF oracle
            INDArray lin = firstOrder(model, train, removed, lambda);
            INDArray response = pbrf.parametersWithout(removed).sub(model.parameters());
            double gap = rel(response, lin);
            INDArray loo = SoftmaxRegression.at(model.parameters(), Iris.CLASSES, L2).refit(
                    DataSets.without(train, removed), NewtonOptions.defaults()).model().parameters()
                    .sub(model.parameters());
            double overshoot = loo.norm2Number().doubleValue() / lin.norm2Number().doubleValue();
            System.out.printf("unconverged, removed %s: PBRF gap to first order %.3e; retraining's gap %.3e "
                    + "(‖θ_LOO − θ̂‖/‖first order‖ = %.1f)%n", java.util.Arrays.toString(removed), gap,
                    rel(loo, lin), overshoot);
            assertThat(gap).isLessThan(FIRST_ORDER_CONSTANT / train.numExamples());
            assertThat(overshoot).isGreaterThan(RETRAINING_OVERSHOOT);
        }
    }
}
