package org.influence4j.dl4j;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An element-wise activation {@code a = σ(z)} of any shape: {@code e_z = e_a ⊙ σ'(z)},
 * {@code R(a) = σ'(z) ⊙ R(z)}, {@code R(e_z) = R(e_a) ⊙ σ'(z) + e_a ⊙ σ''(z) ⊙ R(z)} (the last term is the only
 * second-order one, dropped by Gauss–Newton). Caches {@code σ'(z)} and {@code e_a ⊙ σ''(z)}.
 */
final class ActivationNode extends ChainNode {

    private final ElementwiseActivation act;
    private final long[] shape;

    ActivationNode(ElementwiseActivation act, long[] shape) {
        this.act = act;
        this.shape = shape.clone();
    }

    private static final class S extends State {
        INDArray d1;   // σ'(z), null: ones
        INDArray d2;   // σ''(z) until backward, then null
        INDArray ed2;  // e ⊙ σ''(z), null: zero

        S(long b) {
            super(b);
        }

        @Override
        void detach() {
            d1 = detached(d1);
            ed2 = detached(ed2);
            d2 = null;
        }
    }

    @Override
    Forward forward(INDArray z) {
        S s = new S(z.size(0));
        INDArray a = act.apply(z);
        s.d1 = act.firstDerivative(z, a);
        s.d2 = act.secondDerivative(z, a);
        return new Forward(a, s);
    }

    @Override
    INDArray backward(State state, INDArray eOut, boolean needInput) {
        S s = (S) state;
        if (s.d2 != null) {
            s.ed2 = s.d2.muli(eOut);
            s.d2 = null;
        }
        if (!needInput) {
            return null;
        }
        return s.d1 == null ? eOut.dup() : eOut.mul(s.d1);
    }

    @Override
    INDArray tangentForward(State state, INDArray rIn, INDArray v, Tangent t) {
        if (rIn == null) {
            return null;
        }
        S s = (S) state;
        t.rIn = rIn;
        return s.d1 == null ? rIn.dup() : rIn.mul(s.d1);
    }

    @Override
    INDArray tangentBackward(State state, Tangent t, INDArray rOut, boolean gaussNewton, INDArray hv, double scale,
                             boolean needInput) {
        if (!needInput) {
            return null;
        }
        S s = (S) state;
        INDArray r = s.d1 == null ? rOut : rOut.muli(s.d1);
        if (!gaussNewton && s.ed2 != null && t.rIn != null) {
            r.addi(t.rIn.mul(s.ed2));
        }
        return r;
    }

    @Override
    long cachedDoublesPerExample() {
        long m = LayerChain.prod(shape);
        return (act.isIdentity() ? 0 : m) + (act.kind() == ElementwiseActivation.Kind.RELU
                || act.kind() == ElementwiseActivation.Kind.LEAKY_RELU || act.isIdentity() ? 0 : m);
    }

    @Override
    long scratchDoublesPerExample() {
        return 3 * LayerChain.prod(shape);
    }

    @Override
    long[] outShape() {
        return shape.clone();
    }

    @Override
    public String toString() {
        return act.toString();
    }
}
