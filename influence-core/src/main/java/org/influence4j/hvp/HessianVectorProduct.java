package org.influence4j.hvp;

import java.util.Optional;

import org.influence4j.internal.Arguments;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A symmetric linear operator {@code v ↦ Hv} of size {@code p × p}, usually the Hessian of a training
 * objective at fixed parameters, never formed explicitly unless asked.
 *
 * <p>Contract for every implementation:
 * <ul>
 *   <li>{@link #apply(INDArray)} takes a vector of length {@link #dimension()} (rank 1, or a
 *       {@code [1,p]}/{@code [p,1]} matrix), does not modify it, and returns a <em>fresh</em> rank-1
 *       DOUBLE array of the same length owned by the caller: the implementation keeps no reference to it and
 *       shares its memory with no other array, so the caller may {@link INDArray#close() close} it as soon as it
 *       is done (the solvers do, to free its off-heap memory at once);</li>
 *   <li>the operator is linear and symmetric up to the implementation's documented error
 *       ({@code uᵀ(Hv) = vᵀ(Hu)});</li>
 *   <li>a non-finite or mis-shaped {@code v} is rejected with an {@link IllegalArgumentException} naming
 *       the argument.</li>
 * </ul>
 * Operators are not required to be positive definite: the Hessian of a neural network is usually
 * indefinite. Solvers state what they need.
 *
 * <p>Factories: {@link #ofMatrix(INDArray)} (explicit matrix), {@link #damped(double)} ({@code H + λI}),
 * {@link FiniteDifferenceHvp} (central differences of a gradient function). {@link HvpSelfCheck} compares
 * any operator with finite differences.
 */
public interface HessianVectorProduct {

    /** Number of rows (= columns) {@code p} of the operator. */
    long dimension();

    /**
     * Computes {@code Hv}.
     *
     * @param v vector of length {@link #dimension()}; not modified
     * @return a fresh rank-1 DOUBLE array {@code Hv}, owned by the caller (who may close it)
     * @throws IllegalArgumentException if {@code v} has the wrong length or contains NaN/Inf
     */
    INDArray apply(INDArray v);

    /**
     * The operator as a dense {@code p × p} DOUBLE matrix, when the implementation has it in closed form
     * (explicit matrices, reference models). The default is empty; callers that need the matrix otherwise
     * build it from {@code p} products (see {@link Hvps#toDense(HessianVectorProduct)}).
     *
     * @return a fresh matrix owned by the caller, or empty
     */
    default Optional<INDArray> denseMatrix() {
        return Optional.empty();
    }

    /**
     * Returns {@code H + λI}. Damping an already damped operator adds the dampings. A mini-batch operator
     * stays a mini-batch operator (each sampled batch is damped too).
     *
     * @param lambda damping λ ≥ 0
     * @throws IllegalArgumentException if λ is negative, NaN or infinite
     */
    default HessianVectorProduct damped(double lambda) {
        return DampedHvp.of(this, lambda);
    }

    /**
     * Wraps an explicit symmetric matrix as an operator. The matrix is copied (to DOUBLE) and checked for
     * squareness, finiteness and symmetry (relative asymmetry {@code ‖A − Aᵀ‖_max / ‖A‖_max ≤ 1e-10});
     * pass it through {@link Hvps#symmetrize(INDArray)} first if it is only nearly symmetric.
     *
     * @param matrix square symmetric matrix; not modified
     */
    static HessianVectorProduct ofMatrix(INDArray matrix) {
        return new ExplicitHvp(matrix);
    }

    /** Checks {@code v} for an operator of this dimension; implementations call it first in {@code apply}. */
    static INDArray checkArgument(HessianVectorProduct h, INDArray v) {
        return Arguments.checkVector("v", v, h.dimension());
    }
}
