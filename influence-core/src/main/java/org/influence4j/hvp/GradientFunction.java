package org.influence4j.hvp;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A gradient {@code θ ↦ ∇R(θ)} of a scalar objective, the input of {@link FiniteDifferenceHvp}.
 * Implementations must not modify {@code theta} and must return a fresh array of the same length.
 */
@FunctionalInterface
public interface GradientFunction {

    /**
     * @param theta parameter vector; not modified
     * @return {@code ∇R(θ)}, a fresh vector of the same length
     */
    INDArray gradient(INDArray theta);
}
