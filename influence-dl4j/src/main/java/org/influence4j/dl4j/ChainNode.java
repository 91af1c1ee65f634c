package org.influence4j.dl4j;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One differentiable step of a {@link LayerChain}: an affine map (dense or convolution, with parameters), an
 * element-wise activation, a pooling or a reshape. Each step knows its forward map {@code out = f(in; θ)} at θ̂, the
 * backward map of the errors {@code e_in = (∂f/∂in)ᵀ e_out}, the gradient of its parameters, and their
 * directional derivatives along a parameter direction {@code v} (Pearlmutter's R-operator, written {@code R(·)}):
 * <pre>
 *   forward tangent:   R(out) = ∂f/∂in · R(in) + ∂f/∂θ · v
 *   backward tangent:  R(e_in) = (∂f/∂in)ᵀ R(e_out) + [second-order terms of f in (in, θ) applied to e_out]
 *   parameter part:    R(∇θ) = (∂f/∂θ)ᵀ R(e_out) + [second-order terms]
 * </pre>
 * The Gauss–Newton product drops every second-order term: its backward tangent is the plain adjoint of the forward
 * tangent, so {@code G = Jᵀ H_head J} (positive semi-definite for every supported head).
 *
 * <p>All arrays hold one chunk of examples along their first axis ({@code B} examples) in DOUBLE and 'c' order;
 * errors are per example (not divided by n). A node never modifies its inputs nor its cached state after
 * {@link #backward}; per-call arrays (tangents) may be modified by the node that receives them, as documented per
 * method. Implementations are immutable (the parameters are copies) and thread-safe.
 */
abstract class ChainNode {

    /** What one chunk's forward and backward pass left for the tangent passes. */
    static class State {
        /** The chunk's examples. */
        final long b;

        State(long b) {
            this.b = b;
        }

        /** Moves the state's arrays out of the current workspace (to keep them after it closes). */
        void detach() {
        }

        static INDArray detached(INDArray a) {
            return a == null ? null : a.detach();
        }
    }

    /** Scratch of one tangent pass through one node (what the backward tangent needs from the forward one). */
    static final class Tangent {
        /** {@code R(in)} as the node received it (null: zero), possibly transformed (e.g. im2col). */
        INDArray rIn;
        /** The node's parameter direction, shaped as its parameters (null: not analysed). */
        INDArray v;
        /** Another per-call quantity of the node. */
        INDArray extra;
    }

    /** The result of a forward step: the output and the state to keep. */
    record Forward(INDArray out, State state) {
    }

    /** Forward at θ̂ on {@code in} (not modified). */
    abstract Forward forward(INDArray in);

    /**
     * Backward at θ̂: records in {@code s} what the gradient and tangents need from the error {@code eOut} (not
     * modified) and returns {@code e_in}, or null when {@code needInput} is false.
     */
    abstract INDArray backward(State s, INDArray eOut, boolean needInput);

    /** Whether the node has parameters among the analysed ones. */
    boolean analysed() {
        return false;
    }

    /** Adds {@code scale · Σ_examples ∇θℓ} of this node's parameters to {@code g} (subset layout). */
    void addGradient(State s, INDArray g, double scale) {
    }

    /**
     * Forward tangent: {@code R(out)} from {@code rIn} (null: zero; the node may keep it in {@code t}) and the
     * direction {@code v} (subset layout; read only). Returns null when {@code R(out)} is zero.
     */
    abstract INDArray tangentForward(State s, INDArray rIn, INDArray v, Tangent t);

    /**
     * Backward tangent: adds {@code scale · R(∇θ)} to {@code hv} and returns {@code R(e_in)} (null when zero or when
     * {@code needInput} is false). {@code rOut} ({@code R(e_out)}, never null) may be modified.
     */
    abstract INDArray tangentBackward(State s, Tangent t, INDArray rOut, boolean gaussNewton, INDArray hv,
                                      double scale, boolean needInput);

    /** Adds {@code gᵢᵀv} of this node's parameters to {@code dots[i]} for each example of the chunk. */
    void addDots(State s, INDArray v, INDArray dots) {
    }

    /** Writes the per-example gradients of this node's parameters into the rows of {@code rows} ([B, p]). */
    void putPerExampleGradients(State s, INDArray rows) {
    }

    /** Doubles of cached state per example (memory planning). */
    abstract long cachedDoublesPerExample();

    /** Doubles of per-call temporaries per example in a product (chunk sizing). */
    abstract long scratchDoublesPerExample();

    /** Multiply-adds per example of one exact product through this node (benchmarks and documentation). */
    long hvpMultiplyAddsPerExample(boolean first) {
        return 0;
    }

    /** Output shape per example. */
    abstract long[] outShape();
}
