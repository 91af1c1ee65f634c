package org.influence4j.solver;

/**
 * Which output gradients a Kronecker-factored curvature ({@link KroneckerSolver}) averages: the curvature it
 * approximates is {@code E[ĝ ĝᵀ]} over per-example pseudo-gradients {@code ĝ = ∇θℓ(x, ŷ)} whose labels {@code ŷ}
 * are chosen as follows.
 *
 * <p>For the supported heads (softmax + cross-entropy, sigmoid + binary cross-entropy, identity + squared error) the
 * Gauss–Newton matrix of the loss equals the Fisher information {@code E_{ŷ∼p(y|x)}[ĝ ĝᵀ]} under the model's own
 * predictive distribution ("true Fisher"); it is positive semi-definite and is the curvature K-FAC and EK-FAC were
 * designed to approximate.
 */
public enum FisherSampling {
    /**
     * The exact expectation over the model's predictive distribution: one backward pass per output (C passes for C
     * classes), each weighted by its probability, so that the statistics equal those of the Gauss–Newton matrix
     * exactly. The most accurate, and C times the backward work of {@link #SAMPLED}.
     */
    EXPECTED,
    /**
     * One label per example drawn from the model's predictive distribution (a Gaussian of the head's curvature for
     * squared-error heads), seeded and reproducible: the draw for example {@code i} depends only on the seed, on
     * {@code i} and on the model's output for it, not on batching or threads. An unbiased estimate of the true
     * Fisher at the cost of one backward pass, as Kronfluence and the K-FAC papers use. The default.
     */
    SAMPLED,
    /**
     * The observed training labels (the "empirical Fisher", {@code (1/n)Σ gᵢgᵢᵀ}): cheap and common, but not the
     * curvature of the objective; it loses much accuracy on networks that fit their training data well.
     */
    EMPIRICAL
}
