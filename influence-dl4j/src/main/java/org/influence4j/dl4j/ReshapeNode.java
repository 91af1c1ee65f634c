package org.influence4j.dl4j;

import java.util.Arrays;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's {@code CnnToFeedForwardPreProcessor} and {@code FeedForwardToCnnPreProcessor} for NCHW data, between the
 * chain's channels-last images ([B, H, W, C]) and DL4J's flat rows in NCHW order ({@code c·H·W + y·W + x}): a
 * parameter-free permutation, linear and its own tangent; errors are permuted back.
 */
final class ReshapeNode extends ChainNode {

    private final long h;
    private final long w;
    private final long c;
    private final boolean flatten;

    /**
     * @param image   the per-example image shape [H, W, C]
     * @param flatten true: images to rows; false: rows to images
     */
    ReshapeNode(long[] image, boolean flatten) {
        this.h = image[0];
        this.w = image[1];
        this.c = image[2];
        this.flatten = flatten;
    }

    /** Channels-last images [B, H, W, C] to NCHW-ordered rows [B, C·H·W]. */
    static INDArray toRows(INDArray images, long h, long w, long c) {
        return images.reshape('c', images.size(0), h, w, c).permute(0, 3, 1, 2).dup('c')
                .reshape('c', images.size(0), c * h * w);
    }

    /** NCHW-ordered rows [B, C·H·W] (or NCHW images) to channels-last images [B, H, W, C]. */
    static INDArray toImages(INDArray rows, long h, long w, long c) {
        INDArray x = rows.ordering() == 'c' ? rows : rows.dup('c');
        return x.reshape('c', rows.size(0), c, h, w).permute(0, 2, 3, 1).dup('c');
    }

    private INDArray map(INDArray x, boolean forward) {
        return forward == flatten ? toRows(x, h, w, c) : toImages(x, h, w, c);
    }

    @Override
    Forward forward(INDArray x) {
        return new Forward(map(x, true), new State(x.size(0)));
    }

    @Override
    INDArray backward(State s, INDArray eOut, boolean needInput) {
        return needInput ? map(eOut, false) : null;
    }

    @Override
    INDArray tangentForward(State s, INDArray rIn, INDArray v, Tangent t) {
        return rIn == null ? null : map(rIn, true);
    }

    @Override
    INDArray tangentBackward(State s, Tangent t, INDArray rOut, boolean gaussNewton, INDArray hv, double scale,
                             boolean needInput) {
        return needInput ? map(rOut, false) : null;
    }

    @Override
    long cachedDoublesPerExample() {
        return 0;
    }

    @Override
    long scratchDoublesPerExample() {
        return 2 * h * w * c;
    }

    @Override
    long[] outShape() {
        return flatten ? new long[] {c * h * w} : new long[] {h, w, c};
    }

    @Override
    public String toString() {
        long[] img = {c, h, w};
        return flatten ? "flatten" + Arrays.toString(img) : "unflatten" + Arrays.toString(img);
    }
}
