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
}
