package org.influence4j.dl4j;

import java.util.Optional;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationELU;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSELU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftPlus;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * An element-wise activation {@code a = σ(z)} with its first and second derivatives, for the R-operator.
 * The forward value always comes from DL4J's own {@link IActivation}, so that activations match the network's
 * bit for bit; the derivatives are written here. {@code σ''} of piecewise-linear activations is zero (a.e.).
 */
final class ElementwiseActivation {

    /** SELU constants, as in ND4J's SELU op. */
    private static final double SELU_ALPHA = 1.6732632423543772848170429916717;
    private static final double SELU_LAMBDA = 1.0507009873554804934193349852946;

    enum Kind { IDENTITY, RELU, LEAKY_RELU, ELU, SELU, TANH, SIGMOID, SOFTPLUS }

    private final Kind kind;
    private final double alpha;
    private final IActivation dl4j;

    private ElementwiseActivation(Kind kind, double alpha, IActivation dl4j) {
        this.kind = kind;
        this.alpha = alpha;
        this.dl4j = dl4j;
    }

    /** The supported element-wise activation, or empty (softmax and others are not element-wise here). */
    static Optional<ElementwiseActivation> of(IActivation a) {
        if (a instanceof ActivationIdentity) {
            return Optional.of(new ElementwiseActivation(Kind.IDENTITY, 0, a));
        }
        if (a instanceof ActivationReLU r) {
            if (r.getMax() != null || (r.getThreshold() != null && r.getThreshold() != 0.0)) {
                return Optional.empty();
            }
            double slope = r.getNegativeSlope() == null ? 0.0 : r.getNegativeSlope();
            return Optional.of(new ElementwiseActivation(slope == 0 ? Kind.RELU : Kind.LEAKY_RELU, slope, a));
        }
        if (a instanceof ActivationLReLU l) {
            return Optional.of(new ElementwiseActivation(Kind.LEAKY_RELU, l.getAlpha(), a));
        }
        if (a instanceof ActivationELU e) {
            return Optional.of(new ElementwiseActivation(Kind.ELU, e.getAlpha(), a));
        }
        if (a instanceof ActivationSELU) {
            return Optional.of(new ElementwiseActivation(Kind.SELU, 0, a));
        }
        if (a instanceof ActivationTanH) {
            return Optional.of(new ElementwiseActivation(Kind.TANH, 0, a));
        }
        if (a instanceof ActivationSigmoid) {
            return Optional.of(new ElementwiseActivation(Kind.SIGMOID, 0, a));
        }
        if (a instanceof ActivationSoftPlus) {
            return Optional.of(new ElementwiseActivation(Kind.SOFTPLUS, 0, a));
        }
        return Optional.empty();
    }

    static ElementwiseActivation identity() {
        return new ElementwiseActivation(Kind.IDENTITY, 0, new ActivationIdentity());
    }

    Kind kind() {
        return kind;
    }

    boolean isIdentity() {
        return kind == Kind.IDENTITY;
    }

    /** {@code σ(z)}, a fresh array ({@code z} is not modified). */
    INDArray apply(INDArray z) {
        return dl4j.getActivation(z.dup(), false);
    }

    /** {@code σ'(z)} given {@code z} and {@code a = σ(z)}; null means "all ones" (identity). */
    INDArray firstDerivative(INDArray z, INDArray a) {
        return switch (kind) {
            case IDENTITY -> null;
            case RELU -> positive(z);
            case LEAKY_RELU -> {
                INDArray m = positive(z);   // m + α(1 − m)
                yield m.mul(1 - alpha).addi(alpha);
            }
            case ELU -> {
                INDArray m = positive(z);   // z > 0: 1, else α·e^z = a + α
                yield m.add(a.add(alpha).muli(m.rsub(1.0)));
            }
            case SELU -> {
                INDArray m = positive(z);   // λ for z > 0, else λα·e^z = a + λα
                yield m.mul(SELU_LAMBDA).addi(a.add(SELU_LAMBDA * SELU_ALPHA).muli(m.rsub(1.0)));
            }
            case TANH -> a.mul(a).rsubi(1.0);                     // 1 − a²
            case SIGMOID -> a.mul(a.rsub(1.0));                    // a(1 − a)
            case SOFTPLUS -> Transforms.sigmoid(z, true);         // s(z)
        };
    }

    /** {@code σ''(z)}; null means identically zero. */
    INDArray secondDerivative(INDArray z, INDArray a) {
        return switch (kind) {
            case IDENTITY, RELU, LEAKY_RELU -> null;
            case ELU -> a.add(alpha).muli(positive(z).rsubi(1.0));                         // α·e^z for z ≤ 0
            case SELU -> a.add(SELU_LAMBDA * SELU_ALPHA).muli(positive(z).rsubi(1.0));    // λα·e^z for z ≤ 0
            case TANH -> {
                INDArray d1 = a.mul(a).rsubi(1.0);
                yield d1.muli(a).muli(-2.0);                                              // −2a(1 − a²)
            }
            case SIGMOID -> a.mul(a.rsub(1.0)).muli(a.mul(-2.0).addi(1.0));                // a(1−a)(1−2a)
            case SOFTPLUS -> {
                INDArray s = Transforms.sigmoid(z, true);
                yield s.mul(s.rsub(1.0));                                                 // s(1 − s)
            }
        };
    }

    private static INDArray positive(INDArray z) {
        return z.gt(0.0).castTo(DataType.DOUBLE);
    }

    @Override
    public String toString() {
        return kind == Kind.LEAKY_RELU || kind == Kind.ELU ? kind.name().toLowerCase() + "(" + alpha + ")"
                : kind.name().toLowerCase();
    }
}
