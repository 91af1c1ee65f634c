package org.influence4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.internal.Vectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * Exact (R-operator) and Gauss–Newton Hessian-vector products, gradients and batched per-example gradient dots of
 * convolutional chains, each against an oracle computed through DL4J alone ({@link Dl4jOracles}), over the table of
 * {@link CnnNets}: objective vs {@code score()}, mean gradient vs DL4J's backprop, the exact HVP vs central
 * differences of DL4J's gradient and dense symmetry, Gauss–Newton vs {@code JᵀMJ/n + diag(κ)} from a
 * finite-difference Jacobian of DL4J's outputs, per-example gradients and dots vs a per-example DL4J loop, and a
 * LeNet-sized check.
 *
 * <h2>Non-smooth networks and the finite-difference oracles</h2>
 * ReLU, leaky ReLU, SELU (its slope jumps from λα to λ at 0), and max pooling are piecewise smooth: on the piece
 * that contains θ̂ the network is a smooth function, and the R-operator differentiates that piece (max pooling
 * follows the arg-max at θ̂, ReLU-like activations the sign of the pre-activation at θ̂). With random N(0,1)
 * images, pre-activations are never exactly 0 and pooling windows have a unique maximum (ties have probability 0),
 * so θ̂ lies in the interior of one piece. Central differences agree with the piece's derivative as long as the
 * step does not cross a kink; the tests therefore (a) use small steps (h = 1e-6 along a unit direction for HVPs,
 * 1e-7 per parameter for Jacobians) and (b) guard each oracle before trusting it: two FD steps must agree, and the
 * Jacobian must reproduce DL4J's gradient by the chain rule. A kink crossed by the oracle fails the guard with a
 * message that says so (change the seed), not the product under test. Within the piece the same tolerances then
 * apply to smooth and non-smooth networks alike.
 */
class CnnHvpTest {

    /** Step of the FD Hessian oracle along a unit vector; the guard uses {@code 4·h}. */
    private static final double HVP_STEP = 1e-6;
    /** Step of the FD Jacobian oracle per parameter. */
    private static final double JACOBIAN_STEP = 1e-7;

    static Stream<Arguments> cases() {
        return CnnNets.table().stream().map(Arguments::of);
    }

    private static boolean hasLeakyRelu(MultiLayerNetwork net) {
        // DL4J's leaky-ReLU backprop rounds alpha to float (see ObjectiveAndHvpTest)
        return net.getLayerWiseConfigurations().toJson().contains("ActivationLReLU");
    }

    private static INDArray unit(SplittableRandom rng, long p) {
        INDArray v = Vectors.gaussian(rng, p);
        return v.divi(v.norm2Number().doubleValue());
    }

    // ------------------------------------------------------------------------------------------ mode and description

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void auto_resolvesToExact_withBatchedPerExampleGradients(CnnNets.Case c) {
        MultiLayerNetwork net = c.network().get();
        Dl4jInfluenceModel model = Dl4jInfluenceModel.of(net);
        assertThat(model.hvpMode()).as(model.describe()).isEqualTo(HvpMode.EXACT);
        assertThat(model.batchedPerExampleGradients()).isTrue();
        assertThat(model.describe()).contains("hvp=EXACT (R-operator: ").contains("per-example gradients batched");
        assertThat(model.numParameters()).isEqualTo(net.numParams());
        assertThat(Dl4jInfluenceModel.builder(net).hvpMode(HvpMode.GAUSS_NEWTON).build().hvpMode())
                .isEqualTo(HvpMode.GAUSS_NEWTON);
    }

    // ------------------------------------------------------------------------------------------ objective, gradient

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void objectiveAndMeanGradient_matchDl4j(CnnNets.Case c) {
        MultiLayerNetwork net = c.network().get();
        DataSet d = c.data(net, 21);
        Dl4jInfluenceModel model = Dl4jInfluenceModel.of(net);

        double score = net.score(d); // mean loss + regulariser, inference mode
        assertThat(model.objective(d)).isCloseTo(score, within(Tolerances.OBJECTIVE * Math.max(1, Math.abs(score))));

        // DL4J's gradient is the SUM over examples without the regulariser; the twin has dropout switched off
        INDArray dl4j = Dl4jOracles.meanLossGradient(Dl4jOracles.inferenceTwin(net), d);
        double tol = hasLeakyRelu(net) ? Tolerances.LEAKY_RELU_VS_DL4J : Tolerances.GRADIENT_VS_DL4J;
        assertThat(TestNets.rel(model.meanLossGradient(d), dl4j)).isLessThan(tol);
        // ... and it came from the R-operator chain's own backward pass, not from DL4J
        assertThat(model.hvpMode()).isEqualTo(HvpMode.EXACT);
    }

    // ------------------------------------------------------------------------------------------ exact HVP

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void exactHvp_matchesCentralDifferencesOfDl4jGradient_andIsSymmetric(CnnNets.Case c) {
        MultiLayerNetwork net = c.network().get();
        DataSet d = c.data(net, 22);
        MultiLayerNetwork twin = Dl4jOracles.inferenceTwin(net);
        INDArray kappa = Dl4jOracles.regulariserCurvature(twin);
        Dl4jInfluenceModel model = Dl4jInfluenceModel.builder(net).hvpMode(HvpMode.EXACT).build();
        HessianVectorProduct exact = model.hessian(d, HvpMode.EXACT);
        assertThat(exact.dimension()).isEqualTo(net.numParams());

        SplittableRandom rng = new SplittableRandom(23);
        for (int t = 0; t < 2; t++) {
            INDArray v = unit(rng, net.numParams());
            INDArray fd = Dl4jOracles.finiteDifferenceHvp(twin, d, kappa, v, HVP_STEP);
            INDArray guard = Dl4jOracles.finiteDifferenceHvp(twin, d, kappa, v, 4 * HVP_STEP);
            assertThat(TestNets.rel(guard, fd)).as("FD oracle steps %s and %s disagree: a kink (ReLU, max-pool "
                    + "arg-max) lies within the step; change the seed", HVP_STEP, 4 * HVP_STEP)
                    .isLessThan(Tolerances.FD_STEP_AGREEMENT);
            assertThat(TestNets.rel(exact.apply(v), fd)).as("exact vs FD, smooth=%s", c.smooth())
                    .isLessThan(Tolerances.CNN_HVP_VS_FD);
        }

        // the dense matrix built column by column from the operator (not symmetrised) is symmetric to round-off
        INDArray dense = Dl4jOracles.columns(exact);
        assertThat(Dl4jOracles.asymmetry(dense)).isLessThan(Tolerances.SYMMETRY);
    }

    // ------------------------------------------------------------------------------------------ Gauss–Newton

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gaussNewton_matchesJacobianOracle_andIsSymmetricPositiveSemiDefinite(CnnNets.Case c) {
        MultiLayerNetwork net = c.network().get();
        DataSet d = c.data(net, 24);
        MultiLayerNetwork twin = Dl4jOracles.inferenceTwin(net);
        INDArray kappa = Dl4jOracles.regulariserCurvature(twin);
        INDArray jac = Dl4jOracles.jacobian(twin, d, JACOBIAN_STEP);
        // guard: the Jacobian and the head's conventions reproduce DL4J's backprop by the chain rule
        assertThat(TestNets.rel(Dl4jOracles.chainRuleGradient(twin, d, jac), Dl4jOracles.meanLossGradient(twin, d)))
                .as("FD Jacobian oracle vs DL4J gradient (a kink within the step, or a wrong head convention)")
                .isLessThan(Tolerances.JACOBIAN_VS_DL4J);
        INDArray oracle = Dl4jOracles.gaussNewton(twin, d, jac, kappa);

        Dl4jInfluenceModel model = Dl4jInfluenceModel.builder(net).hvpMode(HvpMode.GAUSS_NEWTON).build();
        INDArray gn = Dl4jOracles.columns(model.hessian(d, HvpMode.GAUSS_NEWTON));
        assertThat(Dl4jOracles.relFrobenius(gn, oracle)).isLessThan(Tolerances.GN_VS_JACOBIAN);
        assertThat(Dl4jOracles.asymmetry(gn)).isLessThan(Tolerances.SYMMETRY);
        INDArray eig = Dl4jOracles.eigenvalues(gn);
        double max = Math.abs(eig.maxNumber().doubleValue());
        assertThat(eig.minNumber().doubleValue()).isGreaterThanOrEqualTo(-Tolerances.PSD * max);
        // a model built for Gauss–Newton reports it as its mode
        assertThat(model.hvpMode()).isEqualTo(HvpMode.GAUSS_NEWTON);
    }

    // ------------------------------------------------------------------------------------------ per-example

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void perExampleGradientsAndDots_matchAPerExampleDl4jLoop(CnnNets.Case c) {
        MultiLayerNetwork net = c.network().get();
        DataSet d = c.data(net, 25);
        Dl4jInfluenceModel model = Dl4jInfluenceModel.of(net);
        checkPerExample(net, d, model, hasLeakyRelu(net) ? Tolerances.LEAKY_RELU_VS_DL4J : Tolerances.PER_EXAMPLE);
        // ... computed in one batched pass, not by the per-example DL4J loop
        assertThat(model.batchedPerExampleGradients()).isTrue();
    }

    /**
     * Dots and rows against DL4J's gradient of each example alone. A dot's error is measured relative to
     * {@code ‖gᵢ‖·‖v‖} (the Cauchy–Schwarz scale of its round-off), so a dot near 0 does not demand an impossible
     * relative accuracy.
     */
    private static void checkPerExample(MultiLayerNetwork net, DataSet d, Dl4jInfluenceModel model, double tol) {
        MultiLayerNetwork twin = Dl4jOracles.inferenceTwin(net);
        INDArray v = Vectors.gaussian(new SplittableRandom(26), model.numParameters());
        double vNorm = v.norm2Number().doubleValue();
        INDArray dots = model.perExampleGradientDots(d, v);
        INDArray rows = model.perExampleGradients(d);
        assertThat(dots.length()).isEqualTo(d.numExamples());
        assertThat(rows.shape()).containsExactly(d.numExamples(), model.numParameters());
        for (int i = 0; i < d.numExamples(); i++) {
            INDArray gi = Dl4jOracles.exampleGradient(twin, d, i);
            double ref = Vectors.dot(gi, v);
            double scale = gi.norm2Number().doubleValue() * vNorm;
            assertThat(dots.getDouble(i)).as("dot %d", i).isCloseTo(ref, within(tol * scale));
            assertThat(TestNets.rel(rows.getRow(i), gi)).as("row %d", i).isLessThan(tol);
        }
    }

    // ------------------------------------------------------------------------------------------ LeNet

    /**
     * The LeNet-style network (25,010 parameters) on 64 random 28×28 images: exact HVP vs central differences of
     * DL4J's gradient, and batched dots vs the per-example loop. Max pooling over continuous random inputs has
     * unique arg-maxes, so the network is smooth (tanh) on a neighbourhood of θ̂ and the FD guard applies as above.
     */
    @Test
    void lenet_exactHvpMatchesFiniteDifferences_andDotsMatchThePerExampleLoop() {
        MultiLayerNetwork net = CnnNets.lenet(31, 5e-4);
        int n = 64;
        Nd4j.getRandom().setSeed(32);
        INDArray x = Nd4j.rand(DataType.DOUBLE, n, 28 * 28); // pixel-like values in [0, 1)
        DataSet d = new DataSet(x, TestNets.random(33, n, 1, 10, LossFunction.MCXENT).getLabels());
        double[] before = TestNets.snapshot(net);

        Dl4jInfluenceModel model = Dl4jInfluenceModel.of(net);
        assertThat(model.numParameters()).isEqualTo(25_010);
        checkPerExample(net, d, model, Tolerances.PER_EXAMPLE);
        assertThat(model.batchedPerExampleGradients()).isTrue();
        assertThat(model.hvpMode()).as(model.describe()).isEqualTo(HvpMode.EXACT);

        MultiLayerNetwork twin = Dl4jOracles.inferenceTwin(net);
        INDArray kappa = Dl4jOracles.regulariserCurvature(twin);
        HessianVectorProduct exact = model.hessian(d, HvpMode.EXACT);
        SplittableRandom rng = new SplittableRandom(34);
        for (int t = 0; t < 2; t++) {
            INDArray v = unit(rng, model.numParameters());
            INDArray fd = Dl4jOracles.finiteDifferenceHvp(twin, d, kappa, v, HVP_STEP);
            INDArray guard = Dl4jOracles.finiteDifferenceHvp(twin, d, kappa, v, 4 * HVP_STEP);
            assertThat(TestNets.rel(guard, fd)).as("FD oracle guard").isLessThan(Tolerances.FD_STEP_AGREEMENT);
            assertThat(TestNets.rel(exact.apply(v), fd)).isLessThan(Tolerances.CNN_HVP_VS_FD);
        }
        assertThat(TestNets.snapshot(net)).isEqualTo(before);
    }

    // ------------------------------------------------------------------------------------------ the oracles themselves

    /**
     * The oracles on every CNN of the table, where they can be checked without the R-operator: the FD Hessian oracle
     * against the adapter's FINITE_DIFFERENCE mode (the same central differences of DL4J's gradient, written
     * independently) and the regulariser curvature against DL4J's regularisation score. (The Jacobian oracle is
     * checked against DL4J's gradient by the chain rule inside the Gauss–Newton test, before the operator is built.)
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void oracles_agreeWithDl4jAndTheFiniteDifferenceMode(CnnNets.Case c) {
        MultiLayerNetwork net = c.network().get();
        DataSet d = c.data(net, 27);
        MultiLayerNetwork twin = Dl4jOracles.inferenceTwin(net);
        assertThat(twin.params()).isEqualTo(net.params());
        assertThat(twin.score(d)).isEqualTo(net.score(d));
        INDArray kappa = Dl4jOracles.regulariserCurvature(twin);
        INDArray theta = twin.params();
        // Ω(θ̂) = ½ Σ κⱼ θⱼ²
        assertThat(0.5 * kappa.mul(theta).mul(theta).sumNumber().doubleValue())
                .isCloseTo(Dl4jOracles.regulariser(twin, d), within(1e-12));

        Dl4jInfluenceModel fdModel = Dl4jInfluenceModel.builder(net).hvpMode(HvpMode.FINITE_DIFFERENCE)
                .finiteDifferenceStep(HVP_STEP).build();
        HessianVectorProduct fdMode = fdModel.hessian(d);
        INDArray v = unit(new SplittableRandom(28), net.numParams());
        INDArray fd = Dl4jOracles.finiteDifferenceHvp(twin, d, kappa, v, HVP_STEP);
        double vsMode = TestNets.rel(fdMode.apply(v), fd);
        double steps = TestNets.rel(Dl4jOracles.finiteDifferenceHvp(twin, d, kappa, v, 4 * HVP_STEP), fd);
        System.out.printf("oracles (p=%d, %s): FD oracle vs FD mode %.1e, steps h/4h %.1e%n", net.numParams(),
                c.name(), vsMode, steps);
        assertThat(vsMode).isLessThan(Tolerances.FD_ORACLE_VS_FD_MODE);
        assertThat(steps).isLessThan(Tolerances.FD_STEP_AGREEMENT);
        assertThat(TestNets.rel(fdModel.meanLossGradient(d), Dl4jOracles.meanLossGradient(twin, d)))
                .isLessThan(Tolerances.GRADIENT_VS_DL4J);
        assertThat(twin.params()).isEqualTo(net.params());
    }

    /**
     * The oracles on dense networks, where the adapter's exact and Gauss–Newton operators are already verified
     * ({@link ObjectiveAndHvpTest}, {@link Dl4jInfluenceModelTest}): every head, with each regulariser.
     */
    @ParameterizedTest(name = "{0}+{1}, {2}")
    @MethodSource("heads")
    void oracles_matchTheDenseChainsExactAndGaussNewtonOperators(Activation outAct, LossFunction loss,
                                                                TestNets.Reg reg) {
        MultiLayerNetwork net = TestNets.mlp(41, DataType.DOUBLE, 4, new int[] {5, 4}, 3, Activation.TANH, outAct,
                loss, reg, 0.02);
        DataSet d = TestNets.random(42, 15, 4, 3, loss);
        MultiLayerNetwork twin = Dl4jOracles.inferenceTwin(net);
        INDArray kappa = Dl4jOracles.regulariserCurvature(twin);
        Dl4jInfluenceModel model = Dl4jInfluenceModel.of(net);
        assertThat(model.hvpMode()).isEqualTo(HvpMode.EXACT);

        INDArray v = unit(new SplittableRandom(43), net.numParams());
        INDArray fd = Dl4jOracles.finiteDifferenceHvp(twin, d, kappa, v, HVP_STEP);
        assertThat(TestNets.rel(model.hessian(d, HvpMode.EXACT).apply(v), fd)).isLessThan(Tolerances.HVP_VS_FD);

        INDArray jac = Dl4jOracles.jacobian(twin, d, JACOBIAN_STEP);
        assertThat(TestNets.rel(Dl4jOracles.chainRuleGradient(twin, d, jac), Dl4jOracles.meanLossGradient(twin, d)))
                .isLessThan(Tolerances.JACOBIAN_VS_DL4J);
        INDArray oracle = Dl4jOracles.gaussNewton(twin, d, jac, kappa);
        INDArray gn = Dl4jOracles.columns(model.hessian(d, HvpMode.GAUSS_NEWTON));
        System.out.printf("dense oracles %s+%s %s: FD vs exact %.1e, GN vs Jacobian oracle %.1e%n", outAct, loss, reg,
                TestNets.rel(model.hessian(d, HvpMode.EXACT).apply(v), fd), Dl4jOracles.relFrobenius(gn, oracle));
        assertThat(Dl4jOracles.relFrobenius(gn, oracle)).isLessThan(Tolerances.GN_VS_JACOBIAN);
        INDArray eig = Dl4jOracles.eigenvalues(gn);
        assertThat(eig.minNumber().doubleValue())
                .isGreaterThanOrEqualTo(-Tolerances.PSD * Math.abs(eig.maxNumber().doubleValue()));
        // and it is not the exact Hessian (a hidden tanh layer makes them differ)
        INDArray h = Dl4jOracles.columns(model.hessian(d, HvpMode.EXACT));
        assertThat(Dl4jOracles.relFrobenius(h, oracle)).isGreaterThan(1e-3);
    }

    static Stream<Arguments> heads() {
        return Stream.of(Arguments.of(Activation.SOFTMAX, LossFunction.MCXENT, TestNets.Reg.L2),
                Arguments.of(Activation.SOFTMAX, LossFunction.NEGATIVELOGLIKELIHOOD, TestNets.Reg.NONE),
                Arguments.of(Activation.SIGMOID, LossFunction.XENT, TestNets.Reg.WEIGHT_DECAY),
                Arguments.of(Activation.IDENTITY, LossFunction.MSE, TestNets.Reg.L2),
                Arguments.of(Activation.IDENTITY, LossFunction.SQUARED_LOSS, TestNets.Reg.WEIGHT_DECAY));
    }
}
