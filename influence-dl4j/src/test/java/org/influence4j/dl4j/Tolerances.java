package org.influence4j.dl4j;

/** Every tolerance of this module's tests, in one place, each derived from the method it checks. */
final class Tolerances {

    private Tolerances() {
    }

    /** Objective vs {@code net.score()}: same DL4J computation, different summation order. */
    static final double OBJECTIVE = 1e-12;
    /** Hand-written gradient vs DL4J's backprop: round-off only. */
    static final double GRADIENT_VS_DL4J = 1e-10;
    /** Leaky ReLU: DL4J's backprop rounds alpha to float (relative change 2.2e-9), its forward pass does not. */
    static final double LEAKY_RELU_VS_DL4J = 1e-8;
    /** Gradient vs central differences of {@code score()} (step 1e-6 on an O(1) objective: round-off ~1e-10/1e-6). */
    static final double GRADIENT_VS_SCORE_FD = 1e-6;
    /** Exact HVP vs FD HVP of the adapter's own gradient (h = 1e-5, measured 3e-11…6e-10 relative). */
    static final double HVP_VS_FD = 1e-7;
    /** Symmetry |uᵀHv − vᵀHu| relative to ‖Hu‖ + ‖Hv‖ for exact operators: round-off. */
    static final double SYMMETRY = 1e-12;
    /** Exact dense Hessian vs FD dense Hessian (relative Frobenius). */
    static final double DENSE_HESSIAN_VS_FD = 1e-7;
    /** Influence from the exact HVP vs from the FD Hessian, both through a dense solve. */
    static final double INFLUENCE_EXACT_VS_FD = 1e-8;
    /** Batched per-example dots vs DL4J per-example gradients. */
    static final double PER_EXAMPLE = 1e-10;
    /** Two representations of the same network (MLN vs graph): round-off only. */
    static final double SAME_NETWORK = 1e-12;
}
