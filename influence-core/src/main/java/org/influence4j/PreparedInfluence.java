package org.influence4j;

import java.util.Objects;

import org.influence4j.internal.Arguments;
import org.influence4j.model.InfluenceModel;
import org.influence4j.solver.SolverResult;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * A test point whose inverse-HVP {@code s_test = (H + λI)⁻¹∇L_test} has been solved once, ready to score
 * any number of examples without solving again: {@code I_up,loss(z, z_test) = −s_testᵀ∇ℓ(z)}, one batched
 * pass of gradient dot products over the examples.
 *
 * <p>Obtained from {@link InfluenceEstimator#prepare(DataSet)}. Immutable and thread-safe if the model is.
 */
public final class PreparedInfluence {

    private final InfluenceEstimator estimator;
    private final INDArray inverseHvp;
    private final SolverResult solverResult;
    private final INDArray testGradient;

    PreparedInfluence(InfluenceEstimator estimator, INDArray inverseHvp, SolverResult solverResult,
                      INDArray testGradient) {
        this.estimator = Objects.requireNonNull(estimator, "estimator");
        this.inverseHvp = inverseHvp;
        this.solverResult = solverResult;
        this.testGradient = testGradient;
    }

    /** {@code s_test = (H+λI)⁻¹∇L_test}, a fresh copy (rank-1 DOUBLE, the model's parameter layout). */
    public INDArray inverseHvp() {
        return inverseHvp.dup();
    }

    /** {@code ∇L_test}, the gradient of the mean test loss (without regulariser), a fresh copy. */
    public INDArray testGradient() {
        return testGradient.dup();
    }

    /** Diagnostics of the solve. */
    public SolverResult solverResult() {
        return solverResult;
    }

    /**
     * Influence of every training example of the estimator on this test point (one batched pass).
     * Values follow {@link InfluenceScores}' sign convention.
     */
    public InfluenceScores scores() {
        return scoresFor("training data", estimator.trainingData());
    }

    /**
     * Influence on this test point of the examples in {@code examples} (for instance candidate training
     * points not in the training set, or a slice of it), as if each were a training point. The
     * normalisation {@code n} of {@link InfluenceScores#predictedLossChangeOnRemoval(int)} is the size of
     * {@code examples}; for a slice of the training set use the training-set size yourself.
     *
     * @param examples data set to score; not modified
     */
    public InfluenceScores scoresFor(DataSet examples) {
        return scoresFor("examples", examples);
    }

    private InfluenceScores scoresFor(String name, DataSet examples) {
        Arguments.checkDataSet(name, examples);
        InfluenceModel model = estimator.model();
        double[] values = InfluenceEstimator.fits(name, () -> estimator.batchedDots(examples, inverseHvp));
        for (int i = 0; i < values.length; i++) {
            values[i] = -values[i]; // I_up,loss = −s_testᵀ gᵢ
        }
        double[] regularizer = new double[values.length];
        java.util.Arrays.fill(regularizer, -org.influence4j.internal.Vectors.dot(inverseHvp, estimator.regularizerGradient()));
        return new InfluenceScores(values, regularizer, ScoreKind.TEST_INFLUENCE, estimator.damping(), solverResult,
                estimator.objectiveGradientNorm(), model.describe());
    }

    @Override
    public String toString() {
        return "PreparedInfluence[" + solverResult + "]";
    }
}
