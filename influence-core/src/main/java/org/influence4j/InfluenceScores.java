package org.influence4j;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Objects;
import java.util.stream.IntStream;

import org.influence4j.solver.SolverResult;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One influence value per training example, in training-data order, with the diagnostics of the
 * computation behind them.
 *
 * <h2>Sign convention (one definition, used everywhere)</h2>
 * For {@link ScoreKind#TEST_INFLUENCE} the value of training example {@code zᵢ} is
 * <pre>
 *   I_up,loss(zᵢ, z_test) = −∇L_test(θ̂)ᵀ (H + λI)⁻¹ ∇ℓ(zᵢ, θ̂)
 * </pre>
 * where {@code H} is the Hessian of the training objective {@code R(θ) = (1/n)Σℓ(zⱼ,θ) + Ω(θ)},
 * {@code λ} the damping, {@code ℓ} the per-example loss without regulariser and {@code L_test} the mean loss
 * on the test point. It is the derivative of the test loss with respect to upweighting {@code zᵢ} by ε in
 * the objective.
 * <ul>
 *   <li><b>negative</b> ⇒ upweighting {@code zᵢ} lowers the test loss: the example is <em>helpful</em>;</li>
 *   <li><b>positive</b> ⇒ upweighting raises the test loss: the example is <em>harmful</em>.</li>
 * </ul>
 * Removing {@code zᵢ} is upweighting by {@code ε = −1/n}, so the predicted change of the test loss after
 * removal and retraining is {@code Δᵢ ≈ −value/n} ({@link #predictedLossChangeOnRemoval(int)}): removing a
 * helpful example is predicted to raise the test loss.
 * For {@link ScoreKind#SELF_INFLUENCE} the test point is the example itself:
 * {@code I_up,loss(zᵢ, zᵢ) = −∇ℓ(zᵢ)ᵀ(H+λI)⁻¹∇ℓ(zᵢ)}, non-positive for a positive-definite {@code H+λI}.
 * Rank them with {@link #mostSelfInfluential(int)}, which returns the largest {@code ∇ℓᵀ(H+λI)⁻¹∇ℓ} first: the
 * examples the model can fit only by bending itself towards them — mislabelled and atypical examples come first,
 * which makes self-influence the cheapest way to find label errors. See {@code docs/conventions.md} for the mapping to other libraries.
 *
 * <p>Immutable; {@link #values()} returns a copy.
 */
public final class InfluenceScores {

    private final double[] values;
    private final double[] regularizerTerms;
    private final ScoreKind kind;
    private final double damping;
    private final SolverResult solverResult;
    private final double objectiveGradientNorm;
    private final String model;

    InfluenceScores(double[] values, double[] regularizerTerms, ScoreKind kind, double damping,
                    SolverResult solverResult, double objectiveGradientNorm, String model) {
        if (regularizerTerms.length != values.length) {
            throw new IllegalArgumentException("regularizerTerms has length " + regularizerTerms.length + " but there are "
                    + values.length + " values");
        }
        this.values = values;
        this.regularizerTerms = regularizerTerms;
        this.kind = Objects.requireNonNull(kind, "kind");
        this.damping = damping;
        this.solverResult = Objects.requireNonNull(solverResult, "solverResult");
        this.objectiveGradientNorm = objectiveGradientNorm;
        this.model = model;
    }

    /** Number of training examples {@code n}. */
    public int size() {
        return values.length;
    }

    /** What the values measure. */
    public ScoreKind kind() {
        return kind;
    }

    /** The value {@code I_up,loss} of training example {@code i} (see the class comment for the sign). */
    public double value(int i) {
        checkIndex(i);
        return values[i];
    }

    /** All values as a fresh rank-1 DOUBLE array of length {@code n}, in training-data order. */
    public INDArray values() {
        return Nd4j.createFromArray(values.clone());
    }

    /** All values as a fresh {@code double[]} in training-data order. */
    public double[] toDoubleArray() {
        return values.clone();
    }

    /**
     * Predicted change of the test loss when example {@code i} is removed and the model retrained:
     * {@code Δᵢ ≈ −value(i)/n}. Positive means the test loss is predicted to rise (a helpful example).
     */
    public double predictedLossChangeOnRemoval(int i) {
        return -value(i) / values.length;
    }

    /**
     * Predicted change of the test loss when example {@code i} is removed and the model is retrained on the
     * <em>mean</em> loss of the {@code n − 1} remaining examples plus the regulariser — what most training
     * loops (and this library's retrainers) do:
     * <pre>
     *   R₋ᵢ(θ) = (1/(n−1)) Σ_{j≠i} ℓ(zⱼ, θ) + Ω(θ)  ∝  R(θ) − (1/n)(ℓ(zᵢ, θ) + Ω(θ))
     *   Δᵢ ≈ −(value(i) + rᵢ)/n,     rᵢ = −∇L_testᵀ(H+λI)⁻¹∇Ω(θ̂)   (the regulariser's own "score")
     * </pre>
     * Renormalising the mean also reweights {@code Ω} by the same {@code 1/n}; for a test point {@code rᵢ} is
     * one constant (so rankings and correlations are those of {@link #predictedLossChangeOnRemoval(int)}), for
     * self-influence it differs per example. Without a regulariser the two predictions are equal.
     */
    public double predictedLossChangeOnRenormalizedRemoval(int i) {
        return -(value(i) + regularizerTerms[i]) / values.length;
    }

    /**
     * The regulariser term {@code rᵢ} of {@link #predictedLossChangeOnRenormalizedRemoval(int)}:
     * {@code −∇L_testᵀ(H+λI)⁻¹∇Ω} (for self-influence with {@code ∇ℓ(zᵢ)} as the test gradient); 0 without a
     * regulariser.
     */
    public double regularizerTerm(int i) {
        checkIndex(i);
        return regularizerTerms[i];
    }

    /**
     * All predicted loss changes at once: {@link #predictedLossChangeOnRemoval(int)} for every example, or
     * {@link #predictedLossChangeOnRenormalizedRemoval(int)} if {@code renormalized}.
     */
    public double[] predictedLossChanges(boolean renormalized) {
        double[] out = new double[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = -(values[i] + (renormalized ? regularizerTerms[i] : 0)) / values.length;
        }
        return out;
    }

    /**
     * First-order influence of removing a whole group: the predicted change of the test loss when every
     * example in {@code group} is removed and the model retrained, {@code Δ ≈ −(1/n) Σ_{i∈group} value(i)}.
     * First order means the interactions between the removed examples are ignored; it is accurate for groups
     * that are small compared with {@code n} (Koh, Ang, Teo &amp; Liang, 2019, discuss when it is not).
     *
     * @param group distinct indices in {@code [0, n)}; not modified
     */
    public double predictedLossChangeOnRemoval(int[] group) {
        java.util.Objects.requireNonNull(group, "group");
        boolean[] seen = new boolean[values.length];
        double sum = 0;
        for (int i : group) {
            checkIndex(i);
            if (seen[i]) {
                throw new IllegalArgumentException("group contains index " + i + " twice; indices must be distinct");
            }
            seen[i] = true;
            sum += values[i];
        }
        return -sum / values.length;
    }

    /**
     * The {@code k} most helpful examples: indices of the most negative values, most helpful first.
     * Ties are broken by index. {@code k} larger than {@code n} is an error.
     */
    public int[] mostHelpful(int k) {
        return ranked(k, Comparator.comparingDouble((Integer i) -> values[i]));
    }

    /** The {@code k} most harmful examples: indices of the most positive values, most harmful first. */
    public int[] mostHarmful(int k) {
        return ranked(k, Comparator.comparingDouble((Integer i) -> -values[i]));
    }

    /** The {@code k} examples with the largest {@code |value|}, largest first (the validation protocol's top-k). */
    public int[] mostInfluential(int k) {
        return ranked(k, Comparator.comparingDouble((Integer i) -> -Math.abs(values[i])));
    }

    /**
     * The {@code k} most self-influential examples of {@link ScoreKind#SELF_INFLUENCE self-influence} scores: the
     * largest {@code ∇ℓ(zᵢ)ᵀ(H+λI)⁻¹∇ℓ(zᵢ) = −I_up,loss(zᵢ, zᵢ)} first (ties by index). These are the examples the
     * model fits only by moving its parameters towards them: inspect them first when looking for mislabelled or
     * atypical training data. (For self-influence this is {@link #mostHelpful(int)}: the sign convention makes the
     * most self-influential values the most negative.)
     *
     * @param k how many, in {@code [0, n]}
     * @throws IllegalStateException if these are test-influence scores (the ranking would mean nothing)
     */
    public int[] mostSelfInfluential(int k) {
        if (kind != ScoreKind.SELF_INFLUENCE) {
            throw new IllegalStateException("mostSelfInfluential needs self-influence scores, but these are " + kind
                    + "; compute them with InfluenceEstimator.selfInfluence(), or rank test influence with "
                    + "mostHelpful/mostHarmful/mostInfluential");
        }
        return mostHelpful(k);
    }

    /**
     * The solve behind the scores: for test influence the solve of {@code (H+λI)s = ∇L_test}; for
     * self-influence the solve with the largest relative residual (or the exact factorisation's result).
     */
    public SolverResult solverResult() {
        return solverResult;
    }

    /** The damping λ used. */
    public double damping() {
        return damping;
    }

    /**
     * {@code ‖∇R(θ̂)‖₂} of the training objective at the model's parameters. Influence functions assume θ̂ is
     * a stationary point; a norm that is not small compared with typical per-example gradients means the
     * model is not trained to convergence and the scores are less trustworthy.
     */
    public double objectiveGradientNorm() {
        return objectiveGradientNorm;
    }

    /** Description of the model the scores were computed for. */
    public String model() {
        return model;
    }

    private int[] ranked(int k, Comparator<Integer> order) {
        if (k < 0 || k > values.length) {
            throw new IllegalArgumentException("k (" + k + ") must be in [0, " + values.length
                    + "], the number of training examples");
        }
        return IntStream.range(0, values.length).boxed()
                .sorted(order.thenComparingInt(i -> i))
                .limit(k).mapToInt(Integer::intValue).toArray();
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= values.length) {
            throw new IndexOutOfBoundsException("index " + i + " out of range [0, " + values.length + ")");
        }
    }

    @Override
    public String toString() {
        double min = Arrays.stream(values).min().orElse(Double.NaN);
        double max = Arrays.stream(values).max().orElse(Double.NaN);
        return String.format("InfluenceScores[%s, n=%d, range=[%.4g, %.4g], damping=%g, ‖∇R(θ̂)‖=%.3e, model=%s, %s]",
                kind, values.length, min, max, damping, objectiveGradientNorm, model, solverResult);
    }
}
