package org.influence4j.solver;

import java.util.Arrays;
import java.util.Objects;

/**
 * One layer of a model as Kronecker-factored curvatures see it: an affine map whose parameters form a matrix
 * {@code W [outputs, inputs]} acting on per-position input vectors {@code a} (the bias, if any, is the last column
 * of {@code W} and the last entry of every {@code a} is the constant 1). A dense layer has one position per example;
 * a convolution has one per output pixel ({@code a} is the unfolded input patch there, the "im2col" row), as in
 * Grosse &amp; Martens' KFC (2016).
 *
 * <p>The per-example gradient of the loss with respect to {@code W} is {@code dW = Σₜ sₜ aₜᵀ}, summed over the
 * positions {@code t}, with {@code sₜ = ∂ℓ/∂(W aₜ)} the gradient of the layer's pre-activation output at position
 * {@code t}.
 *
 * @param name             the layer's name for messages (e.g. {@code "conv0"})
 * @param outputs          rows of {@code W} (output channels or units), {@code ≥ 1}
 * @param inputs           columns of {@code W}, the bias column included, {@code ≥ 1}
 * @param bias             whether the last column of {@code W} is a bias (its activation is the constant 1)
 * @param positions        positions per example {@code T ≥ 1} (1 for a dense layer)
 * @param weightCurvature  the curvature the model's regulariser adds on this layer's weights (its Hessian there is
 *                         {@code weightCurvature · I}; biases unregularised), {@code ≥ 0}
 * @param parameterIndex   for every element {@code (o, j)} of {@code W}, at {@code o·inputs + j}, its index in the
 *                         model's flat parameter vector; length {@code outputs·inputs}
 */
public record LayerBlock(String name, int outputs, int inputs, boolean bias, int positions, double weightCurvature,
                         int[] parameterIndex) implements java.io.Serializable {

    /** Validates the components and copies the index. */
    public LayerBlock {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(parameterIndex, "parameterIndex");
        if (outputs < 1 || inputs < 1 || positions < 1) {
            throw new IllegalArgumentException("layer block " + name + " has outputs=" + outputs + ", inputs=" + inputs
                    + ", positions=" + positions + "; each must be >= 1");
        }
        if (!(weightCurvature >= 0) || Double.isInfinite(weightCurvature)) {
            throw new IllegalArgumentException("layer block " + name + " has weightCurvature=" + weightCurvature
                    + "; it must be finite and >= 0");
        }
        if ((long) parameterIndex.length != (long) outputs * inputs) {
            throw new IllegalArgumentException("layer block " + name + " has " + parameterIndex.length
                    + " parameter indices; expected outputs·inputs = " + (long) outputs * inputs);
        }
        parameterIndex = parameterIndex.clone();
    }

    /** A copy of the parameter index. */
    @Override
    public int[] parameterIndex() {
        return parameterIndex.clone();
    }

    /** The number of parameters {@code outputs·inputs}. */
    public int size() {
        return parameterIndex.length;
    }

    int[] index() {
        return parameterIndex;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LayerBlock b && b.name.equals(name) && b.outputs == outputs && b.inputs == inputs
                && b.bias == bias && b.positions == positions
                && Double.compare(b.weightCurvature, weightCurvature) == 0
                && Arrays.equals(b.parameterIndex, parameterIndex);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, outputs, inputs, bias, positions, weightCurvature) * 31 + Arrays.hashCode(parameterIndex);
    }

    @Override
    public String toString() {
        return name + "[" + outputs + "×" + inputs + (bias ? " incl. bias" : "") + (positions > 1 ? ", " + positions
                + " positions" : "") + "]";
    }
}
