package org.influence4j.dl4j;

import java.util.Arrays;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A parameter-free change of shape in 'c' order (DL4J's {@code CnnToFeedForwardPreProcessor} and
 * {@code FeedForwardToCnnPreProcessor} for NCHW data): linear and its own tangent; errors are reshaped back.
 */
final class ReshapeNode extends ChainNode {

    private final long[] in;
    private final long[] out;

    ReshapeNode(long[] in, long[] out) {
        if (LayerChain.prod(in) != LayerChain.prod(out)) {
            throw new IllegalArgumentException(Arrays.toString(in) + " -> " + Arrays.toString(out));
        }
        this.in = in.clone();
        this.out = out.clone();
    }

    private static INDArray reshape(INDArray x, long[] shape) {
        long[] s = new long[shape.length + 1];
        s[0] = x.size(0);
        System.arraycopy(shape, 0, s, 1, shape.length);
        return (x.ordering() == 'c' && x.isView() == false ? x : x.dup('c')).reshape('c', s);
    }

    @Override
    Forward forward(INDArray x) {
        return new Forward(reshape(x, out), new State(x.size(0)));
    }

    @Override
    INDArray backward(State s, INDArray eOut, boolean needInput) {
        return needInput ? reshape(eOut, in) : null;
    }

    @Override
    INDArray tangentForward(State s, INDArray rIn, INDArray v, Tangent t) {
        return rIn == null ? null : reshape(rIn, out);
    }

    @Override
    INDArray tangentBackward(State s, Tangent t, INDArray rOut, boolean gaussNewton, INDArray hv, double scale,
                             boolean needInput) {
        return needInput ? reshape(rOut, in) : null;
    }

    @Override
    long cachedDoublesPerExample() {
        return 0;
    }

    @Override
    long scratchDoublesPerExample() {
        return LayerChain.prod(in);
    }

    @Override
    long[] outShape() {
        return out.clone();
    }

    @Override
    public String toString() {
        return "reshape" + Arrays.toString(in) + "→" + Arrays.toString(out);
    }
}
