package org.influence4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The influence of every training example on each of {@code Q} test points, in memory ({@code 8·Q·n} bytes):
 * {@link InfluenceEstimator#influenceOnEach(DataSet)}. Row {@code q} is what
 * {@link InfluenceEstimator#influenceOn(org.nd4j.linalg.dataset.DataSet)} returns for test point {@code q} alone
 * (same sign convention, {@link InfluenceScores}). Immutable.
 */
public final class InfluenceMatrix {

    private final INDArray values; // [Q, n]
    private final InfluenceQueries queries;
    private final double objectiveGradientNorm;

    InfluenceMatrix(INDArray values, InfluenceQueries queries, double objectiveGradientNorm) {
        this.values = values;
        this.queries = queries;
        this.objectiveGradientNorm = objectiveGradientNorm;
    }

    /** The test points {@code Q}. */
    public int queries() {
        return (int) values.rows();
    }

    /** The training examples {@code n}. */
    public int examples() {
        return (int) values.columns();
    }

    /** All scores {@code [Q, n]}, a fresh copy. */
    public INDArray values() {
        return values.dup();
    }

    /**
     * {@code I_up,loss(zᵢ, z_q)}.
     *
     * @throws IndexOutOfBoundsException if {@code q} or {@code i} is out of range
     */
    public double value(int q, int i) {
        checkQuery(q);
        if (i < 0 || i >= examples()) {
            throw new IndexOutOfBoundsException("example " + i + " is outside 0.." + (examples() - 1));
        }
        return values.getDouble(q, i);
    }

    private void checkQuery(int q) {
        if (q < 0 || q >= queries()) {
            throw new IndexOutOfBoundsException("query " + q + " is outside 0.." + (queries() - 1));
        }
    }

    /** The scores of test point {@code q} as {@link InfluenceScores} (ranking, removal predictions, diagnostics). */
    public InfluenceScores scores(int q) {
        checkQuery(q);
        double[] v = values.get(NDArrayIndex.point(q), NDArrayIndex.all()).toDoubleVector();
        double[] r = new double[v.length];
        java.util.Arrays.fill(r, queries.regularizerTerm(q));
        return new InfluenceScores(v, r, ScoreKind.TEST_INFLUENCE, queries.damping(), queries.solverResult(q),
                objectiveGradientNorm, queries.model());
    }

    /** The solves and timings behind the scores. */
    public InfluenceQueries diagnostics() {
        return queries;
    }

    @Override
    public String toString() {
        return "InfluenceMatrix[" + queries + "]";
    }
}
