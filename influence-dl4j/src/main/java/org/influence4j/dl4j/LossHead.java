package org.influence4j.dl4j;

import java.util.Optional;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossL2;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

/**
 * The output activation and loss of an output layer, in the canonical pairs whose derivative with respect to the
 * pre-activation {@code z} is simple: {@code δ = ∂ℓ/∂z} per example and the tangent {@code Rδ = (∂²ℓ/∂z²)·Rz}.
 * <pre>
 *   softmax + MCXENT / NEGATIVELOGLIKELIHOOD   δ = p − y          Rδ = p ⊙ Rz − p·(pᵀRz)
 *   sigmoid + XENT                              δ = p − y          Rδ = p(1 − p) ⊙ Rz
 *   identity + MSE  (k outputs)                 δ = 2(z − y)/k     Rδ = 2 Rz / k
 *   identity + L2 (SQUARED_LOSS)                δ = 2(z − y)       Rδ = 2 Rz
 * </pre>
 * As in DL4J's own gradient, softmax cross-entropy assumes label rows that sum to 1; the probability clipping
 * that DL4J applies inside the score ({@code 1e-10} for softmax, {@code 1e-5} for XENT) is ignored, which only
 * matters for saturated outputs. Weighted losses are not supported here (they fall back to finite differences).
 */
final class LossHead {

    enum Kind { SOFTMAX_CROSS_ENTROPY, SIGMOID_CROSS_ENTROPY, IDENTITY_MSE, IDENTITY_L2 }

    private final Kind kind;
    private final IActivation activation;

    private LossHead(Kind kind, IActivation activation) {
        this.kind = kind;
        this.activation = activation;
    }

    /** The head for this activation and loss, or empty if the pair has no R-operator here. */
    static Optional<LossHead> of(IActivation act, ILossFunction loss) {
        if (loss instanceof LossMCXENT mc && mc.getWeights() == null && act instanceof ActivationSoftmax) {
            return Optional.of(new LossHead(Kind.SOFTMAX_CROSS_ENTROPY, act));
        }
        if (loss instanceof LossBinaryXENT bx && bx.getWeights() == null && act instanceof ActivationSigmoid) {
            return Optional.of(new LossHead(Kind.SIGMOID_CROSS_ENTROPY, act));
        }
        if (loss instanceof LossL2 l2 && l2.getWeights() == null && act instanceof ActivationIdentity) {
            return Optional.of(new LossHead(loss instanceof LossMSE ? Kind.IDENTITY_MSE : Kind.IDENTITY_L2, act));
        }
        return Optional.empty();
    }

    Kind kind() {
        return kind;
    }

    /** Whether labels must be probability rows (softmax cross-entropy). */
    boolean needsProbabilityLabels() {
        return kind == Kind.SOFTMAX_CROSS_ENTROPY;
    }

    /** Per-example output {@code σ(z)} (kept in the cache for the R-operator). */
    INDArray output(INDArray z) {
        return activation.getActivation(z.dup(), false);
    }

    /** Per-example {@code δ = ∂ℓᵢ/∂z} (not divided by n). */
    INDArray delta(INDArray z, INDArray out, INDArray y) {
        return switch (kind) {
            case SOFTMAX_CROSS_ENTROPY, SIGMOID_CROSS_ENTROPY -> out.sub(y);
            case IDENTITY_MSE -> z.sub(y).muli(2.0 / z.size(1));
            case IDENTITY_L2 -> z.sub(y).muli(2.0);
        };
    }

    /** {@code Rδ = (∂²ℓᵢ/∂z²)·Rz} per example; {@code rz} is not modified. Positive semi-definite for all kinds. */
    INDArray deltaTangent(INDArray out, INDArray rz) {
        return switch (kind) {
            case SOFTMAX_CROSS_ENTROPY -> {
                INDArray prz = out.mul(rz);                         // p ⊙ Rz
                INDArray s = prz.sum(true, 1);                      // pᵀRz per row, [n,1]
                yield prz.subi(out.mulColumnVector(s));
            }
            case SIGMOID_CROSS_ENTROPY -> out.mul(out.rsub(1.0)).muli(rz);
            case IDENTITY_MSE -> rz.mul(2.0 / rz.size(1));
            case IDENTITY_L2 -> rz.mul(2.0);
        };
    }

    // ------------------------------------------------------------------ label draws of the Fisher / Gauss–Newton

    /** Outputs {@code k} of the head. Draws of {@link #expectedDeltas} per example: {@code k}. */
    static int expectedDraws(INDArray out) {
        return (int) out.size(1);
    }

    /**
     * The exact expectation over the model's predictive distribution as {@code k} weighted draws: per example row,
     * {@code Σ_d s_d s_dᵀ = ∂²ℓ/∂z²}, the head's Gauss–Newton curvature.
     * <pre>
     *   softmax + cross-entropy   s_c = √p_c · (p − e_c)        Σ_c = diag(p) − ppᵀ
     *   sigmoid + cross-entropy   s_j = √(p_j(1 − p_j)) · e_j   Σ_j = diag(p ⊙ (1 − p))
     *   identity + MSE            s_j = √(2/k) · e_j            Σ_j = (2/k) I
     *   identity + L2             s_j = √2 · e_j                Σ_j = 2 I
     * </pre>
     *
     * @param out the head output {@link #output} ([B, k]; not modified)
     * @return {@code k} arrays [B, k], fresh
     */
    INDArray[] expectedDeltas(INDArray out) {
        double[][] p = out.toDoubleMatrix();
        int b = p.length;
        int k = (int) out.size(1);
        INDArray[] draws = new INDArray[k];
        for (int d = 0; d < k; d++) {
            double[][] s = new double[b][k];
            for (int i = 0; i < b; i++) {
                switch (kind) {
                    case SOFTMAX_CROSS_ENTROPY -> {
                        double w = Math.sqrt(Math.max(0.0, p[i][d]));
                        for (int j = 0; j < k; j++) {
                            s[i][j] = w * p[i][j];
                        }
                        s[i][d] -= w;
                    }
                    case SIGMOID_CROSS_ENTROPY -> s[i][d] = Math.sqrt(Math.max(0.0, p[i][d] * (1.0 - p[i][d])));
                    case IDENTITY_MSE -> s[i][d] = Math.sqrt(2.0 / k);
                    case IDENTITY_L2 -> s[i][d] = Math.sqrt(2.0);
                }
            }
            draws[d] = Nd4j.createFromArray(s);
        }
        return draws;
    }

    /**
     * One label per example drawn from the model's predictive distribution, as the error {@code s = ∂ℓ/∂z} at that
     * label: softmax {@code ŷ ~ Categorical(p)}, {@code s = p − e_ŷ}; sigmoid {@code ŷ_j ~ Bernoulli(p_j)}
     * independently, {@code s = p − ŷ}; MSE {@code ŷ ~ N(z, (k/2)·I)} (the Gaussian whose negative log-likelihood is
     * ℓ up to a constant), {@code s = (2/k)(z − ŷ)}, drawn as {@code √(2/k)·ε} with {@code ε ~ N(0, I)}; L2
     * {@code ŷ ~ N(z, I/2)}, {@code s = √2·ε}. {@code E[s sᵀ]} is the head's Gauss–Newton curvature. Example
     * {@code i} of the chunk uses {@code random.apply(i)} alone, so its draw does not depend on the chunk.
     *
     * @param out    the head output ([B, k]; not modified)
     * @param random the generator of the chunk's example {@code i}
     * @return [B, k], fresh
     */
    INDArray sampledDelta(INDArray out, java.util.function.IntFunction<java.util.random.RandomGenerator> random) {
        double[][] p = out.toDoubleMatrix();
        int b = p.length;
        int k = (int) out.size(1);
        double[][] s = new double[b][k];
        for (int i = 0; i < b; i++) {
            java.util.random.RandomGenerator r = random.apply(i);
            switch (kind) {
                case SOFTMAX_CROSS_ENTROPY -> {
                    double u = r.nextDouble();
                    int label = -1;
                    double cumulative = 0;
                    for (int j = 0; j < k; j++) {
                        if (p[i][j] > 0) {
                            label = j; // the last class of positive probability catches u ≥ Σp (round-off)
                            cumulative += p[i][j];
                            if (u < cumulative) {
                                break;
                            }
                        }
                    }
                    for (int j = 0; j < k; j++) {
                        s[i][j] = p[i][j];
                    }
                    if (label >= 0) {
                        s[i][label] -= 1.0;
                    }
                }
                case SIGMOID_CROSS_ENTROPY -> {
                    for (int j = 0; j < k; j++) {
                        s[i][j] = p[i][j] - (r.nextDouble() < p[i][j] ? 1.0 : 0.0);
                    }
                }
                case IDENTITY_MSE, IDENTITY_L2 -> {
                    double scale = Math.sqrt(kind == Kind.IDENTITY_MSE ? 2.0 / k : 2.0);
                    for (int j = 0; j < k; j++) {
                        s[i][j] = scale * r.nextGaussian();
                    }
                }
            }
        }
        return Nd4j.createFromArray(s);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case SOFTMAX_CROSS_ENTROPY -> "softmax+cross-entropy";
            case SIGMOID_CROSS_ENTROPY -> "sigmoid+binary-cross-entropy";
            case IDENTITY_MSE -> "identity+MSE";
            case IDENTITY_L2 -> "identity+L2";
        };
    }
}
