package org.influence4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.stream.IntStream;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.influence4j.InfluenceEstimator;
import org.influence4j.InfluenceScores;
import org.influence4j.hvp.Hvps;
import org.influence4j.model.DataSets;
import org.influence4j.solver.IHVPSolver;
import org.influence4j.validation.LeaveOneOutValidation;
import org.influence4j.validation.ValidationReport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * Influence on Iris: exact-HVP influence against the explicit finite-difference Hessian, and against leave-one-out
 * retraining (the ground truth) for softmax regression (convex) and a small MLP with weight decay.
 */
class InfluenceValidationTest {

    private static final double DAMPING = 0.01;

    /** {@code (H + λI)⁻¹ b} by a dense inverse (the oracle; solvers are tested in influence-core). */
    static INDArray denseSolve(INDArray h, double lambda, INDArray b) {
        INDArray a = h.add(Nd4j.eye(h.rows()).castTo(DataType.DOUBLE).muli(lambda));
        var lu = new org.hipparchus.linear.LUDecomposition(
                new org.hipparchus.linear.Array2DRowRealMatrix(a.toDoubleMatrix()), 0.0);
        double[] x = lu.getSolver().solve(new org.hipparchus.linear.ArrayRealVector(b.toDoubleVector())).toArray();
        return Nd4j.createFromArray(x);
    }

    @Test
    void irisMlp_influenceFromExactHvp_equalsInfluenceFromFiniteDifferenceHessian() {
        MultiLayerNetwork net = TestNets.irisMlp(DataType.DOUBLE, 300);
        DataSet train = TestNets.iris();
        DataSet test = DataSets.subset(train, new int[] {70});
        Dl4jInfluenceModel model = Dl4jInfluenceModel.of(net);
        INDArray hExact = Hvps.toDense(model.hessian(train));
        INDArray hFd = Hvps.toDense(model.hessian(train, HvpMode.FINITE_DIFFERENCE));
        INDArray gTest = model.meanLossGradient(test);
        // I_up,loss(z_i) = −∇L_testᵀ (H + λI)⁻¹ ∇ℓ(z_i)
        INDArray exact = model.perExampleGradientDots(train, denseSolve(hExact, DAMPING, gTest)).negi();
        INDArray fd = model.perExampleGradientDots(train, denseSolve(hFd, DAMPING, gTest)).negi();
        double rel = TestNets.rel(exact, fd);
        System.out.printf("Iris 4-5-3: influence exact-HVP vs FD-Hessian relative error %.2e (Hessian %.2e)%n", rel,
                TestNets.rel(hExact, hFd));
        assertThat(rel).isLessThan(Tolerances.INFLUENCE_EXACT_VS_FD);
    }

    /**
     * Influence through the estimator (the design card's chain), then leave-one-out retraining of the top-k points
     * by |score| with core's validation runner; returns the top-k agreement.
     */
    static ValidationReport.Agreement leaveOneOut(MultiLayerNetwork net, DataSet train, DataSet test, double damping,
                                                  int k, Dl4jRetrainer retrainer, String label) {
        InfluenceScores scores = InfluenceEstimator.forModel(net).withTrainingData(train).withDamping(damping)
                .influenceOn(test);
        ValidationReport report = LeaveOneOutValidation.defaults().withTopK(k).withRandomSample(0)
                .run(scores.values(), retrainer, test);
        System.out.printf("%s: ||grad R|| = %.2e, %s%n  predicted %s%n  actual    %s%n", label,
                scores.objectiveGradientNorm(), report.topK(),
                Arrays.toString(Arrays.copyOf(report.predicted(), Math.min(5, k))),
                Arrays.toString(Arrays.copyOf(report.actual(), Math.min(5, k))));
        return report.topK();
    }

    private static DataSet[] irisSplit() {
        DataSet all = TestNets.iris();
        int[] testIdx = IntStream.range(0, 150).filter(i -> i % 10 == 3).toArray();
        DataSet test = DataSets.subset(all, testIdx);
        return new DataSet[] {DataSets.without(all, testIdx), test};
    }

    private static DataSet highestLoss(Dl4jInfluenceModel model, DataSet test) {
        INDArray l = model.losses(test);
        return DataSets.subset(test, new int[] {l.argMax().getInt(0)});
    }

    @Test
    void designCardChain_runsVerbatim_andConjugateGradientAgreesWithExact() {
        MultiLayerNetwork net = TestNets.irisMlp(DataType.FLOAT, 300);
        DataSet trainSet = TestNets.iris();
        DataSet testPoint = DataSets.subset(trainSet, new int[] {70});
        double[] before = TestNets.snapshot(net);

        InfluenceScores scores = InfluenceEstimator.forModel(net).withTrainingData(trainSet).withDamping(0.01)
                .influenceOn(testPoint);

        assertThat(scores.size()).isEqualTo(150);
        assertThat(scores.model()).contains("Dl4jInfluenceModel").contains("EXACT");
        InfluenceScores exact = InfluenceEstimator.forModel(net).withTrainingData(trainSet).withDamping(0.01)
                .withSolver(IHVPSolver.exact()).influenceOn(testPoint);
        InfluenceScores cg = InfluenceEstimator.forModel(net).withTrainingData(trainSet).withDamping(0.01)
                .withSolver(IHVPSolver.conjugateGradient().withTolerance(1e-10)).influenceOn(testPoint);
        double rel = TestNets.rel(cg.values(), exact.values());
        // and both against this module's own dense oracle
        Dl4jInfluenceModel model = Dl4jInfluenceModel.of(net);
        INDArray v = denseSolve(Hvps.toDense(model.hessian(trainSet)), 0.01, model.meanLossGradient(testPoint));
        INDArray oracle = model.perExampleGradientDots(trainSet, v).negi();
        System.out.printf("design-card chain on Iris 4-5-3 (FLOAT net): CG vs exact %.2e, exact vs dense oracle %.2e,"
                + " CG iterations %d%n", rel, TestNets.rel(exact.values(), oracle), cg.solverResult().iterations());
        assertThat(rel).isLessThan(1e-7);
        assertThat(TestNets.rel(exact.values(), oracle)).isLessThan(1e-10);
        assertThat(TestNets.rel(scores.values(), oracle)).isLessThan(1e-7);
        assertThat(TestNets.snapshot(net)).isEqualTo(before);
    }

    @Test
    void softmaxRegression_influenceAgreesWithLeaveOneOutRetraining() {
        DataSet[] split = irisSplit();
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1)
                .dataType(DataType.DOUBLE).l2(0.05).updater(new Adam(0.05)).weightInit(WeightInit.XAVIER).list()
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(4).nOut(3).activation(Activation.SOFTMAX)
                        .build()).build());
        net.init();
        for (int i = 0; i < 1500; i++) {
            net.fit(split[0]);
        }
        assertThat(Dl4jRetrainer.objectiveGradientNorm(net, split[0])).isLessThan(1e-8);
        DataSet test = highestLoss(Dl4jInfluenceModel.of(net), split[1]);
        Dl4jRetrainer retrainer = Dl4jRetrainer.builder(net, split[0]).updater(new Sgd(1.0)).iterations(400).build();
        // tiny damping: the only (near-)singular direction, a constant added to all output biases, is orthogonal to
        // every gradient
        ValidationReport.Agreement c = leaveOneOut(net, split[0], test, 1e-8, 10, retrainer,
                "softmax regression (l2 0.05)");
        assertThat(c.pearson()).isGreaterThan(0.95);
        assertThat(c.spearman()).isGreaterThan(0.95);
    }

    @Test
    @Tag("slow")
    void mlpWithWeightDecay_leaveOneOutCorrelationsArePrinted() {
        DataSet[] split = irisSplit();
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(2)
                .dataType(DataType.DOUBLE).weightDecay(5e-3).updater(new Sgd(0.5)).weightInit(WeightInit.XAVIER)
                .list().layer(new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(5).nOut(3).activation(Activation.SOFTMAX)
                        .build()).build());
        net.init();
        // plain SGD: DL4J applies weight decay after the updater, so only with SGD is the fixed point ∇R = 0
        for (int i = 0; i < 6000; i++) {
            net.fit(split[0]);
        }
        DataSet test = highestLoss(Dl4jInfluenceModel.of(net), split[1]);
        Dl4jRetrainer retrainer = Dl4jRetrainer.builder(net, split[0]).updater(new Sgd(0.5)).iterations(1000).build();
        ValidationReport.Agreement c = leaveOneOut(net, split[0], test, 1e-3, 20, retrainer,
                "4-5-3 tanh MLP (weightDecay 5e-3)");
        assertThat(c.pearson()).isBetween(-1.0, 1.0);
        assertThat(c.spearman()).isBetween(-1.0, 1.0);
    }
}
