package org.influence4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.hvp.FiniteDifferenceHvp;
import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.hvp.HvpSelfCheck;
import org.influence4j.hvp.Hvps;
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
 * The adapter's objective, gradient and exact Hessian against DL4J and finite differences, across every supported
 * activation and output/loss pair, with and without l2/weight decay.
 */
class ObjectiveAndHvpTest {

    private static final Activation[] HIDDEN = {Activation.IDENTITY, Activation.RELU, Activation.LEAKYRELU,
            Activation.ELU, Activation.SELU, Activation.TANH, Activation.SIGMOID, Activation.SOFTPLUS};

    private record Head(Activation act, LossFunction loss) {
    }

    private static final Head[] HEADS = {new Head(Activation.SOFTMAX, LossFunction.MCXENT),
            new Head(Activation.SOFTMAX, LossFunction.NEGATIVELOGLIKELIHOOD),
            new Head(Activation.IDENTITY, LossFunction.MSE), new Head(Activation.SIGMOID, LossFunction.XENT),
            new Head(Activation.IDENTITY, LossFunction.SQUARED_LOSS)};

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        int i = 0;
        for (Activation a : HIDDEN) {
            for (Head h : HEADS) {
                TestNets.Reg reg = TestNets.Reg.values()[i++ % 3];
                out.add(Arguments.of(a, h.act(), h.loss(), reg));
            }
        }
        return out.stream();
    }

    private static MultiLayerNetwork net(Activation hidden, Activation outAct, LossFunction loss, TestNets.Reg reg) {
        return TestNets.mlp(7, DataType.DOUBLE, 3, new int[] {4, 3}, 3, hidden, outAct, loss, reg, 0.05);
    }

    @ParameterizedTest(name = "{0} hidden, {1}+{2}, {3}")
    @MethodSource("cases")
    void exactModel_matchesDl4jAndFiniteDifferences(Activation hidden, Activation outAct, LossFunction loss,
                                                    TestNets.Reg reg) {
        MultiLayerNetwork net = net(hidden, outAct, loss, reg);
        DataSet data = TestNets.random(11, 20, 3, 3, loss);
        double[] before = TestNets.snapshot(net);

        Dl4jInfluenceModel model = Dl4jInfluenceModel.of(net);
        assertThat(model.hvpMode()).isEqualTo(HvpMode.EXACT);

        // objective == DL4J's score (mean loss + regulariser)
        double score = net.score(data);
        assertThat(model.objective(data)).isCloseTo(score, org.assertj.core.api.Assertions.within(
                Tolerances.OBJECTIVE * Math.max(1, Math.abs(score))));

        // mean loss gradient == DL4J's summed gradient / n
        MultiLayerNetwork probe = net.clone();
        probe.setInput(data.getFeatures());
        probe.setLabels(data.getLabels());
        probe.computeGradientAndScore();
        INDArray dl4j = probe.gradient().gradient().dup().reshape(net.numParams()).divi(data.numExamples());
        // DL4J's leaky-ReLU backprop uses alpha rounded to float (0.009999999776) while its forward pass uses the
        // double alpha; the adapter differentiates the forward pass exactly, so the two differ by ~1e-10 relative
        double tol = hidden == Activation.LEAKYRELU ? Tolerances.LEAKY_RELU_VS_DL4J : Tolerances.GRADIENT_VS_DL4J;
        assertThat(TestNets.rel(model.meanLossGradient(data), dl4j)).isLessThan(tol);

        // objective gradient == central differences of score() (on a copy)
        INDArray g = model.objectiveGradient(data);
        INDArray fd = scoreGradient(net, data, 1e-6);
        assertThat(TestNets.rel(g, fd)).isLessThan(Tolerances.GRADIENT_VS_SCORE_FD);

        // exact HVP vs FD HVP of the adapter's own gradient, and symmetry
        HessianVectorProduct exact = model.hessian(data);
        HessianVectorProduct fdH = model.hessian(data, HvpMode.FINITE_DIFFERENCE);
        assertThat(fdH).isInstanceOf(FiniteDifferenceHvp.class);
        HvpSelfCheck.Report r = HvpSelfCheck.check(exact, fdH, 3, 5);
        assertThat(r.relativeError()).as("exact vs FD: %s", r).isLessThan(Tolerances.HVP_VS_FD);
        assertThat(r.relativeSymmetryError()).as("symmetry: %s", r).isLessThan(Tolerances.SYMMETRY);

        assertThat(TestNets.snapshot(net)).isEqualTo(before);
    }

    @Test
    void denseHessian_fromExactHvps_matchesFiniteDifferenceHessian() {
        MultiLayerNetwork net = TestNets.mlp(3, DataType.DOUBLE, 2, new int[] {3}, 2, Activation.TANH,
                Activation.SOFTMAX, LossFunction.MCXENT, TestNets.Reg.L2, 0.01);
        DataSet data = TestNets.random(4, 15, 2, 2, LossFunction.MCXENT);
        Dl4jInfluenceModel model = Dl4jInfluenceModel.of(net);
        INDArray exact = Hvps.toDense(model.hessian(data));
        INDArray fd = Hvps.toDense(model.hessian(data, HvpMode.FINITE_DIFFERENCE));
        double rel = exact.sub(fd).norm2Number().doubleValue() / fd.norm2Number().doubleValue();
        System.out.printf("dense Hessian (p=%d): exact vs FD relative Frobenius error %.2e%n", model.numParameters(),
                rel);
        assertThat(rel).isLessThan(Tolerances.DENSE_HESSIAN_VS_FD);
        INDArray raw = Nd4j.create(DataType.DOUBLE, model.numParameters(), model.numParameters());
        HessianVectorProduct h = model.hessian(data);
        for (int j = 0; j < model.numParameters(); j++) {
            INDArray e = Nd4j.zeros(DataType.DOUBLE, model.numParameters());
            e.putScalar(j, 1);
            raw.getColumn(j).assign(h.apply(e));
        }
        double asym = raw.sub(raw.transpose()).norm2Number().doubleValue() / raw.norm2Number().doubleValue();
        assertThat(asym).isLessThan(Tolerances.SYMMETRY);
    }

    /** Central differences of {@code net.score(data)} with parameters set on a clone. */
    static INDArray scoreGradient(MultiLayerNetwork net, DataSet data, double h) {
        MultiLayerNetwork c = net.clone();
        INDArray theta = c.params().dup();
        INDArray g = Nd4j.create(DataType.DOUBLE, theta.length());
        for (long j = 0; j < theta.length(); j++) {
            INDArray p = theta.dup();
            p.putScalar(j, theta.getDouble(j) + h);
            c.setParams(p);
            double up = c.score(data);
            p.putScalar(j, theta.getDouble(j) - h);
            c.setParams(p);
            double down = c.score(data);
            g.putScalar(j, (up - down) / (2 * h));
        }
        return g;
    }
}
