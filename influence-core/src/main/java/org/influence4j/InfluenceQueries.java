package org.influence4j;

import java.time.Duration;
import java.util.List;

import org.influence4j.solver.SolverResult;

/**
 * What a many-test-point call ({@link InfluenceEstimator#influenceOnEach}) reports besides the scores: one solve per
 * test point with its diagnostics, the regulariser terms, and where the time went.
 */
public final class InfluenceQueries {

    private final List<SolverResult> results;
    private final double[] regularizer;
    private final int examples;
    private final double damping;
    private final String solver;
    private final String model;
    private final Duration solveTime;
    private final Duration scoringTime;

    /**
     * The report of a many-test-point computation (the estimator's, or a distributed engine's that runs the same
     * solves and scoring elsewhere, e.g. {@code influence-spark}).
     *
     * @param results     one solve per test point, in query order; copied
     * @param regularizer the regulariser term {@code −x_qᵀ∇Ω} per test point (0 without a regulariser); copied
     * @param examples    training examples scored
     * @param damping     λ
     * @param solver      the solver's description
     * @param model       the model's description
     * @param solveTime   time spent in the solves (test gradients included)
     * @param scoringTime time spent scoring the training examples
     */
    public InfluenceQueries(List<SolverResult> results, double[] regularizer, int examples, double damping,
                            String solver, String model, Duration solveTime, Duration scoringTime) {
        if (results.size() != regularizer.length) {
            throw new IllegalArgumentException(results.size() + " solver results but " + regularizer.length
                    + " regulariser terms; expected one of each per test point");
        }
        this.results = List.copyOf(results);
        this.regularizer = regularizer.clone();
        this.examples = examples;
        this.damping = damping;
        this.solver = solver;
        this.model = model;
        this.solveTime = solveTime;
        this.scoringTime = scoringTime;
    }

    /** The test points {@code Q}. */
    public int queries() {
        return results.size();
    }

    /** The training examples scored {@code n}. */
    public int examples() {
        return examples;
    }

    /** The solve of test point {@code q} ({@code s_q = (H+λI)⁻¹∇ℓ(z_q)}), with its diagnostics. */
    public SolverResult solverResult(int q) {
        checkQuery(q);
        return results.get(q);
    }

    private void checkQuery(int q) {
        if (q < 0 || q >= results.size()) {
            throw new IndexOutOfBoundsException("query " + q + " is outside 0.." + (results.size() - 1));
        }
    }

    /** The least accurate solve (an unconverged one first, then the largest relative residual). */
    public SolverResult worstSolverResult() {
        SolverResult worst = null;
        for (SolverResult r : results) {
            worst = SolverResult.lessAccurate(worst, r);
        }
        return worst;
    }

    /**
     * {@code −s_qᵀ∇Ω(θ̂)}, the regulariser's share of the removal prediction for test point {@code q} (see
     * {@link InfluenceScores#regularizerTerm(int)}); 0 for an unregularised model.
     */
    public double regularizerTerm(int q) {
        checkQuery(q);
        return regularizer[q];
    }

    /** The damping λ. */
    public double damping() {
        return damping;
    }

    /** The solver (curvature) used. */
    public String solver() {
        return solver;
    }

    /** The model's description. */
    public String model() {
        return model;
    }

    /** Wall-clock time of the test gradients and all solves (including a first preparation, e.g. a factor fit). */
    public Duration solveTime() {
        return solveTime;
    }

    /** Wall-clock time of the scoring pass over the training data. */
    public Duration scoringTime() {
        return scoringTime;
    }

    @Override
    public String toString() {
        return "InfluenceQueries[Q=" + queries() + ", n=" + examples + ", solver=" + solver + ", λ=" + damping
                + ", solve " + solveTime.toMillis() + " ms, scoring " + scoringTime.toMillis() + " ms]";
    }
}
