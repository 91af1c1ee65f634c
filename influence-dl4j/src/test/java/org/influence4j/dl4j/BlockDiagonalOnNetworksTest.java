package org.influence4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.InfluenceEstimator;
import org.influence4j.InfluenceScores;
import org.influence4j.hvp.Hvps;
import org.influence4j.model.DataSets;
import org.influence4j.solver.Curvature;
import org.influence4j.solver.IHVPSolver;
import org.influence4j.solver.LayerBlock;
import org.influence4j.testdata.DenseOracle;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link Curvature#blockDiagonal()} on a DL4J network: its matrix is the network's exact Hessian with the entries
 * between layers zeroed (layers as {@link LayerBlock}s index them), and the estimator's scores through it are
 * {@code −∇L_testᵀ (H_bd + λI)⁻¹ ∇ℓᵢ} against a dense inverse.
 */
class BlockDiagonalOnNetworksTest {

    private static final double LAMBDA = 0.01;

    @Test
    void matrixIsTheHessianWithoutCrossLayerBlocks_andScoresUseItsInverse() {
        MultiLayerNetwork net = TestNets.irisMlp(DataType.DOUBLE, 200);
        DataSet data = TestNets.iris();
        DataSet train = DataSets.subset(data, java.util.stream.IntStream.range(0, 150).filter(i -> i % 3 != 0)
                .toArray());
        DataSet test = DataSets.subset(data, new int[] {0});
        double[] before = TestNets.snapshot(net);
        Dl4jInfluenceModel model = Dl4jInfluenceModel.of(net);

        Curvature curvature = model.curvature(train);
        List<LayerBlock> blocks = curvature.layerStatistics().orElseThrow().blocks();
        assertThat(blocks).hasSize(2);
        int p = (int) curvature.dimension();
        int[] owner = new int[p];
        for (int b = 0; b < blocks.size(); b++) {
            for (int i : blocks.get(b).parameterIndex()) {
                owner[i] = b;
            }
        }
        double[][] full = Hvps.toDense(curvature.hessian()).toDoubleMatrix();
        double[][] masked = new double[p][p];
        double crossMax = 0;
        for (int i = 0; i < p; i++) {
            for (int j = 0; j < p; j++) {
                masked[i][j] = owner[i] == owner[j] ? full[i][j] : 0;
                crossMax = Math.max(crossMax, owner[i] == owner[j] ? 0 : Math.abs(full[i][j]));
            }
        }
        assertThat(crossMax).as("the network has cross-layer curvature to drop").isGreaterThan(1e-3);
        INDArray bd = Hvps.toDense(curvature.blockDiagonal().hessian());
        INDArray expected = Nd4j.createFromArray(masked);
        assertThat(bd.sub(expected).amaxNumber().doubleValue() / expected.amaxNumber().doubleValue())
                .isLessThan(1e-12);

        // scores: −g_testᵀ (H_bd + λI)⁻¹ g_i, with the inverse formed densely
        InfluenceEstimator est = InfluenceEstimator.forModel(model).withTrainingData(train).withDamping(LAMBDA);
        InfluenceEstimator blockEst = est.withCurvature(est.curvature().blockDiagonal());
        INDArray gTest = model.meanLossGradient(test);
        INDArray sTest = Nd4j.createFromArray(solve(masked, LAMBDA, gTest.toDoubleVector()));
        INDArray g = model.perExampleGradients(train);
        INDArray oracle = g.mmul(sTest.reshape(p, 1)).reshape(train.numExamples()).neg();

        for (IHVPSolver solver : List.of(IHVPSolver.exact(), IHVPSolver.conjugateGradient().withTolerance(1e-12))) {
            InfluenceScores s = blockEst.withSolver(solver).influenceOn(test);
            double err = s.values().sub(oracle).norm2Number().doubleValue() / oracle.norm2Number().doubleValue();
            assertThat(err).as(solver.toString()).isLessThan(1e-8);
        }
        // the full curvature's scores differ: dropping the cross-layer blocks changes the answer
        InfluenceScores fullScores = est.withSolver(IHVPSolver.exact()).influenceOn(test);
        assertThat(fullScores.values().sub(oracle).norm2Number().doubleValue() / oracle.norm2Number().doubleValue())
                .isGreaterThan(1e-3);
        assertThat(TestNets.snapshot(net)).isEqualTo(before);
    }

    /** {@code (A + λI)⁻¹ b} by the project's dense oracle (LU with partial pivoting). */
    private static double[] solve(double[][] a, double lambda, double[] b) {
        return DenseOracle.solve(Nd4j.createFromArray(a), lambda, Nd4j.createFromArray(b)).toDoubleVector();
    }
}
