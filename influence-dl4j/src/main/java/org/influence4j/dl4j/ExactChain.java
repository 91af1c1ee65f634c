package org.influence4j.dl4j;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The analysed part of a network with hand-written derivatives: a forward and backward pass at θ̂ cached for a data
 * set, the exact (R-operator) and Gauss–Newton products of the mean loss, and the batched per-example gradient
 * products. Implemented by {@link DenseChain} (dense layers) and {@link LayerChain} (convolutional chains).
 */
interface ExactChain {

    /** A cached pass over n examples. */
    interface Pass {
        /** Examples in the pass. */
        long n();
    }

    /** Network position of the first analysed layer: the chain's input is that layer's input. */
    int firstPosition();

    /** The output activation and loss. */
    LossHead head();

    /** Forward and backward pass at θ̂ on the chain input {@code x} and labels {@code y} (not modified). */
    Pass pass(INDArray x, INDArray y);

    /**
     * A pass for one use (a gradient, the dots, the per-example gradients): the chain may compute it chunk by chunk
     * when it is used instead of keeping it. Default: {@link #pass}.
     */
    default Pass streamingPass(INDArray x, INDArray y) {
        return pass(x, y);
    }

    /** The mean loss gradient over the analysed parameters (subset layout, length {@code dim}). */
    INDArray gradient(Pass pass, long dim);

    /**
     * {@code H_loss v} (exact) or {@code G_loss v} (Gauss–Newton) of the mean loss, plus {@code diagonal ⊙ v} when
     * {@code diagonal} is not null; {@code v} is not modified; the result is a fresh rank-1 array.
     */
    INDArray hvp(Pass pass, INDArray v, boolean gaussNewton, INDArray diagonal);

    /**
     * As {@link #hvp} over a pass on {@code x} and {@code y} (not modified) that is used for this one product and
     * not kept: its arrays live only as long as the product's temporaries (in the chain's product workspace), so that
     * the call leaves nothing behind but its fresh result. Default: {@link #hvp} over a {@link #streamingPass}.
     */
    default INDArray hvpOnce(INDArray x, INDArray y, INDArray v, boolean gaussNewton, INDArray diagonal) {
        return hvp(streamingPass(x, y), v, gaussNewton, diagonal);
    }

    /** {@code gᵢᵀv} for every example of the pass, shape {@code [n]}. */
    INDArray dots(Pass pass, INDArray v);

    /** The per-example gradients as rows, shape {@code [n, dim]}. */
    INDArray perExampleGradients(Pass pass, long dim);
}
