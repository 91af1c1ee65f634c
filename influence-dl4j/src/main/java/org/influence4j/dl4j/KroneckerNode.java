package org.influence4j.dl4j;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A {@link ChainNode} whose parameters form one matrix {@code W [outputs, inputs]} acting on per-position input
 * vectors, as Kronecker-factored curvatures see a layer ({@link org.influence4j.solver.LayerBlock}): the dense
 * {@link AffineNode} (one position per example) and the convolution {@link ConvNode} (one position per output
 * pixel, the input vector being the unfolded patch). The bias, if any, is the last column of {@code W}; its input
 * is the constant 1.
 */
interface KroneckerNode {

    /** The block's name for messages ({@code "conv0"}, {@code "dense2"}, {@code "output5"}). */
    String blockName();

    /** Rows of {@code W}: output units or channels. */
    long blockOutputs();

    /** Columns of {@code W}: the fan-in, plus 1 for the bias column. */
    long blockInputs();

    /** Whether the last column of {@code W} is a bias. */
    boolean blockBias();

    /** Positions per example {@code T}: 1 for a dense layer, {@code oH·oW} for a convolution. */
    long blockPositions();

    /**
     * For every element {@code (o, j)} of {@code W}, at {@code o·inputs + j}, its index in the analysed-parameter
     * (subset) layout, with the columns in the order of {@link #blockActivations}; only for an analysed node.
     */
    int[] blockParameterIndex();

    /**
     * The chunk's per-position inputs {@code [B·T, inputs]} ('c' order, rows grouped by example, the bias column of
     * ones last): a fresh array in the current workspace, from the state left by the forward pass.
     */
    INDArray blockActivations(ChainNode.State s);

    /**
     * The chunk's per-position pre-activation errors {@code [B·T, outputs]} ('c' order, rows as
     * {@link #blockActivations}) left by the latest backward pass; the state's own array or a contiguous copy, valid
     * until the next backward pass. Not to be modified.
     */
    INDArray blockErrors(ChainNode.State s);
}
