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

    // ---------------------------------------------------------------- subset training (Dl4jSubsetTrainerTest)

    /**
     * Test measurements of L-BFGS to ‖∇R‖ ≤ 1e-9 vs Newton's optimum of the same convex objective: the parameter error
     * is at most ‖∇R‖ over the smallest curvature off the bias null direction (≥ l2 = 0.01), so about 1e-7.
     */
    static final double CONVEX_OPTIMUM = 1e-6;
    /** DL4J's mini-batch fit vs the hand-written loop over the same batches: round-off over a few dozen steps. */
    static final double MINIBATCH_VS_PLAIN_JAVA = 1e-10;

    // ---------------------------------------------------------------- convolutional chains (CnnHvpTest)

    /**
     * CNN exact HVP vs central differences of DL4J's gradient at h = 1e-6 along a unit v. The oracle's own error,
     * measured as the disagreement of steps h and 4h, is 2e-10…2e-9 on the table of {@link CnnNets} and 3e-9 on
     * LeNet (and 3e-10…5e-10 against the exact dense-chain HVP on MLPs), so 1e-7 leaves a factor 30 or more.
     */
    static final double CNN_HVP_VS_FD = 1e-7;
    /**
     * The FD Hessian oracle at steps h and 4h (h = 1e-6) must agree (measured ≤ 3e-9): a kink of ReLU or a max-pool
     * arg-max within the step makes them differ by O(1) (LeNet at h = 1e-5: 67, see CnnHvpTest).
     */
    static final double FD_STEP_AGREEMENT = 1e-7;
    /** The test's FD Hessian oracle vs the adapter's FINITE_DIFFERENCE mode at the same step (measured ≤ 1.2e-10). */
    static final double FD_ORACLE_VS_FD_MODE = 1e-9;
    /**
     * Chain-rule gradient through the FD Jacobian of DL4J's outputs (h = 1e-7 per parameter) vs DL4J's backprop:
     * round-off ε/h ≈ 1e-9 per entry, measured 7e-10…2.2e-8.
     */
    static final double JACOBIAN_VS_DL4J = 1e-6;
    /**
     * Gauss–Newton operator (dense, column by column) vs {@code JᵀMJ/n + diag(κ)} from the FD Jacobian, relative
     * Frobenius: measured 8e-10…1.8e-9 against the dense chain's verified GN.
     */
    static final double GN_VS_JACOBIAN = 1e-6;
    /**
     * Layer statistics under the exact expectation over labels, {@code (1/N) Σ g g ᵀv}, vs the Gauss–Newton product:
     * the same quantity summed in another order, round-off only.
     */
    static final double EXPECTED_VS_GAUSS_NEWTON = 1e-9;
    /** Positive semi-definite: smallest eigenvalue ≥ −PSD · largest (round-off of the dense eigensolver). */
    static final double PSD = 1e-10;
}
