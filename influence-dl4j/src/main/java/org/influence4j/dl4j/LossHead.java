package org.influence4j.dl4j;

import java.util.Optional;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
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
