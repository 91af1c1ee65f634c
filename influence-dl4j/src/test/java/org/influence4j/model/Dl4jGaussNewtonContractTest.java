package org.influence4j.model;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.dl4j.Dl4jInfluenceModel;
import org.influence4j.dl4j.HvpMode;
import org.influence4j.hvp.HessianVectorProduct;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * The contract on a 4-5-2 tanh/identity MLP with MSE and {@code l2(0.01)} (p = 37) in {@link HvpMode#GAUSS_NEWTON}.
 *
 * <p>{@code hessian(data)} is then the Gauss–Newton matrix, not the Hessian, so the contract's curvature oracle
 * (finite differences of the gradient) does not apply; it is replaced by the Gauss–Newton matrix built independently
 * of the adapter: {@code G = (2/(n·k)) JᵀJ + ∇²Ω}, with J the Jacobian of DL4J's outputs (all n·k of them) by
 * central differences (DL4J's MSE is {@code ‖o − y‖²/k} per example, so its curvature in o is {@code (2/k)·I}) and
 * ∇²Ω the diagonal of DL4J's own regularisation score by second differences (the score is quadratic and separable,
 * so a unit step is exact up to round-off). Every other check, and every tolerance, is the contract's.
 */
class Dl4jGaussNewtonContractTest extends Dl4jModelContractFixture {

    private static final double JACOBIAN_STEP = 1e-5;

    @Override
    MultiLayerNetwork network() {
        return mlp(14, new int[] {4, 5, 2}, Activation.TANH, Activation.IDENTITY, LossFunction.MSE,
                b -> b.l2(0.01));
    }

    @Override
    Dl4jInfluenceModel.Builder options(Dl4jInfluenceModel.Builder b) {
        return b.hvpMode(HvpMode.GAUSS_NEWTON);
    }

    @Override
    protected HessianVectorProduct curvatureOracle(InfluenceModel m, DataSet data) {
        INDArray theta = m.parameters();
        int p = (int) theta.length();
        long n = data.numExamples();
        long k = data.getLabels().size(1);
        INDArray jacobian = Nd4j.create(DataType.DOUBLE, n * k, p);
        double[] regulariserCurvature = new double[p];
        for (int j = 0; j < p; j++) {
            INDArray columnJ = outputs(shifted(theta, j, JACOBIAN_STEP), data)
                    .sub(outputs(shifted(theta, j, -JACOBIAN_STEP), data)).divi(2 * JACOBIAN_STEP);
            jacobian.putColumn(j, columnJ.reshape(n * k, 1));
            regulariserCurvature[j] = regularisation(shifted(theta, j, 1.0)) - 2 * regularisation(theta)
                    + regularisation(shifted(theta, j, -1.0));
        }
        INDArray g = jacobian.transpose().mmul(jacobian).muli(2.0 / (n * k));
        for (int j = 0; j < p; j++) {
            g.putScalar(j, j, g.getDouble(j, j) + regulariserCurvature[j]);
        }
        return HessianVectorProduct.ofMatrix(g);
    }

    private static INDArray shifted(INDArray theta, int j, double step) {
        INDArray t = theta.dup();
        t.putScalar(j, t.getDouble(j) + step);
        return t;
    }

    /** DL4J's outputs at θ, [n, k]. */
    private INDArray outputs(INDArray theta, DataSet data) {
        return withAnalysedParameters(theta).output(data.getFeatures(), false).castTo(DataType.DOUBLE);
    }

    /** DL4J's regularisation score Ω(θ) (the term {@code score()} adds to the mean loss). */
    private double regularisation(INDArray theta) {
        return withAnalysedParameters(theta).calcRegularizationScore(true);
    }
}
