package org.influence4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.InfluenceDiagnostics;
import org.influence4j.InfluenceEstimator;
import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.solver.IHVPSolver;
import org.influence4j.solver.NotConvergedException;
import org.influence4j.solver.SolverResult;
import org.influence4j.solver.StopReason;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Conjugate gradient with an unattainable tolerance (1e-300) on a 4-32-32-3 tanh MLP's damped exact and Gauss–Newton
 * Hessians, positive definite by construction: it ends flagged (stagnated at the attainable accuracy, or at the
 * iteration limit), never as negative curvature, never with a non-finite product, and its returned iterate is as
 * accurate as the dense eigendecomposition's solve to a small factor.
 */
class ConjugateGradientOnNetworksTest {

    @ParameterizedTest
    @EnumSource(value = HvpMode.class, names = {"EXACT", "GAUSS_NEWTON"})
    void unattainableTolerance_onAPositiveDefiniteNetworkHessian_endsHonestly(HvpMode mode) {
        MultiLayerNetwork net = TestNets.mlp(42, DataType.DOUBLE, 4, new int[] {32, 32}, 3, Activation.TANH,
                Activation.SOFTMAX, LossFunctions.LossFunction.MCXENT, TestNets.Reg.L2, 1e-3);
        DataSet train = TestNets.iris();
        for (int i = 0; i < 40; i++) {
            net.fit(train);
        }
        double[] before = TestNets.snapshot(net);
        Dl4jInfluenceModel model = Dl4jInfluenceModel.builder(net).hvpMode(mode).build();
        InfluenceEstimator probe = InfluenceEstimator.forModel(model).withTrainingData(train).withDamping(0.0);
        InfluenceDiagnostics d = probe.diagnose();
        // a damping above the smallest eigenvalue's magnitude: H + λI is positive definite
        double lambda = Math.abs(Math.min(d.minEigenvalue(), 0)) + 0.01;
        HessianVectorProduct op = model.hessian(train).damped(lambda);
        INDArray b = model.meanLossGradient(train.get(5));

        SolverResult dense = IHVPSolver.exact().withClipThreshold(1e-15).solve(op, b);
        SolverResult cg = IHVPSolver.conjugateGradient().withTolerance(1e-300).withMaxIterations(3000).solve(op, b);

        assertThat(dense.converged()).isTrue();
        assertThat(cg.stopReason()).isIn(StopReason.STAGNATED, StopReason.MAX_ITERATIONS);
        assertThat(cg.relativeResidual()).isFinite().isLessThanOrEqualTo(100 * Math.max(dense.relativeResidual(), 1e-13));
        assertThat(cg.failure(lambda).orElseThrow()).isInstanceOf(NotConvergedException.class);
        assertThat(TestNets.snapshot(net)).containsExactly(before);
    }

    /** The second case: Gauss–Newton curvature over 3,000 examples, λ = 0.1, an unattainable tolerance. */
    @org.junit.jupiter.api.Test
    void gaussNewton_over3000Examples_returnsTheBestIterate() {
        MultiLayerNetwork net = TestNets.mlp(42, DataType.DOUBLE, 4, new int[] {32, 32}, 3, Activation.TANH,
                Activation.SOFTMAX, LossFunctions.LossFunction.MCXENT, TestNets.Reg.L2, 1e-3);
        DataSet train = TestNets.random(3, 3000, 4, 3, LossFunctions.LossFunction.MCXENT);
        Dl4jInfluenceModel model = Dl4jInfluenceModel.builder(net).hvpMode(HvpMode.GAUSS_NEWTON).build();
        HessianVectorProduct op = model.hessian(train).damped(0.1);
        INDArray b = model.meanLossGradient(train.get(11));
        SolverResult cg = IHVPSolver.conjugateGradient().withTolerance(1e-300).withMaxIterations(2000).solve(op, b);
        assertThat(cg.stopReason()).isIn(StopReason.STAGNATED, StopReason.MAX_ITERATIONS);
        assertThat(cg.relativeResidual()).isFinite().isLessThan(1e-10); // not 1e9: the best iterate is returned
    }

    /**
     * LiSSA on the same network: positive definite (damped) it ends at its depth with a finite, accurate estimate;
     * undamped and indefinite it stops with DIVERGED and the negative curvature of the growing direction, before any
     * non-finite value reaches the operator.
     */
    @org.junit.jupiter.api.Test
    void lissa_onTheNetwork_convergesWhenDamped_andReportsDivergenceWhenIndefinite() {
        MultiLayerNetwork net = TestNets.mlp(42, DataType.DOUBLE, 4, new int[] {32, 32}, 3, Activation.TANH,
                Activation.SOFTMAX, LossFunctions.LossFunction.MCXENT, TestNets.Reg.L2, 1e-3);
        DataSet train = TestNets.iris();
        for (int i = 0; i < 40; i++) {
            net.fit(train);
        }
        Dl4jInfluenceModel model = Dl4jInfluenceModel.of(net);
        InfluenceDiagnostics d = InfluenceEstimator.forModel(model).withTrainingData(train).withDamping(0.0).diagnose();
        assertThat(d.minEigenvalue()).as("precondition: H is indefinite").isNegative();
        INDArray b = model.meanLossGradient(train.get(5));
        HessianVectorProduct damped = model.hessian(train).damped(Math.abs(d.minEigenvalue()) + 0.05);
        SolverResult ok = IHVPSolver.lissa().withTolerance(1e-12).withDepth(5000).solve(damped, b);
        assertThat(ok.relativeResidual()).isFinite().isLessThan(1e-3);
        assertThat(ok.stopReason()).isIn(StopReason.CONVERGED, StopReason.MAX_ITERATIONS);

        SolverResult bad = IHVPSolver.lissa().withTolerance(0).withDepth(20000).solve(model.hessian(train), b);
        assertThat(bad.stopReason()).isEqualTo(StopReason.DIVERGED); // measured: after 4,882 steps
        assertThat(bad.converged()).isFalse();
        assertThat(bad.solution().norm2Number().doubleValue()).isFinite();
        assertThat(bad.failure(0).orElseThrow()).isInstanceOf(org.influence4j.solver.DivergenceException.class)
                .hasMessageContaining("negative eigenvalue");
    }
}
