package org.influence4j.dl4j;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The affine part of a dense or output layer, {@code z = a W + b} on rows ({@code a}: [B, d_in]). With the error
 * {@code δ = e_z}:
 * <pre>
 *   ∇W = aᵀδ,  ∇b = Σ_rows δ,  e_a = δ Wᵀ
 *   R(z) = R(a) W + a V_W + v_b
 *   R(∇W) = aᵀ R(δ) + R(a)ᵀ δ,   R(e_a) = R(δ) Wᵀ + δ V_Wᵀ      (the second terms are second order)
 * </pre>
 * Parameters in DL4J's layout: {@code W} as an 'f'-order [d_in, d_out] block, then {@code b}.
 */
final class AffineNode extends ChainNode implements KroneckerNode {

    private final String name;
    private final INDArray w;      // [din, dout], 'c'
    private final INDArray b;      // [1, dout] or null
    private final long subW;       // -1: not analysed
    private final long subB;       // -1: no bias or not analysed
    private final long din;
    private final long dout;

    /**
     * @param name for messages ({@link #blockName()})
     * @param w    the weights [d_in, d_out], 'c' order (kept, not copied)
     * @param b    the bias [1, d_out], or null
     * @param subW subset offset of W ('f'-order [d_in, d_out] block), or -1 if not analysed
     * @param subB subset offset of b, or -1
     */
    AffineNode(String name, INDArray w, INDArray b, long subW, long subB) {
        this.name = name;
        this.w = w;
        this.b = b;
        this.subW = subW;
        this.subB = subB;
        this.din = w.rows();
        this.dout = w.columns();
    }

    private static final class S extends State {
        INDArray a;      // input [B, din]
        INDArray delta;  // e_z [B, dout]

        S(long b) {
            super(b);
        }

        @Override
        void detach() {
            a = detached(a);
            delta = detached(delta);
        }
    }

    @Override
    boolean analysed() {
        return subW >= 0;
    }

    @Override
    Forward forward(INDArray a) {
        S s = new S(a.size(0));
        s.a = a;
        INDArray z = a.mmul(w);
        if (b != null) {
            z.addiRowVector(b);
        }
        return new Forward(z, s);
    }

    @Override
    INDArray backward(State state, INDArray eOut, boolean needInput) {
        S s = (S) state;
        s.delta = eOut;
        return needInput ? eOut.mmul(w.transpose()) : null;
    }

    /** The 'c'-order [d_out, d_in] view of the W block of a subset-layout vector ('f'-order [d_in, d_out]). */
    private INDArray wBlockT(INDArray vector) {
        return vector.get(NDArrayIndex.interval(subW, subW + din * dout)).reshape('c', dout, din);
    }

    @Override
    void addGradient(State state, INDArray g, double scale) {
        if (!analysed()) {
            return;
        }
        S s = (S) state;
        Nd4j.gemm(s.delta, s.a, wBlockT(g), true, false, scale, 1.0);
        if (subB >= 0) {
            g.get(NDArrayIndex.interval(subB, subB + dout)).addi(s.delta.sum(0).muli(scale));
        }
    }

    @Override
    INDArray tangentForward(State state, INDArray rIn, INDArray v, Tangent t) {
        S s = (S) state;
        t.rIn = rIn;
        INDArray rz = rIn == null ? null : rIn.mmul(w);
        if (analysed()) {
            t.v = wBlockT(v).transpose(); // [din, dout]
            if (rz == null) {
                rz = s.a.mmul(t.v);
            } else {
                Nd4j.gemm(s.a, t.v, rz, false, false, 1.0, 1.0);
            }
            if (subB >= 0) {
                rz.addiRowVector(v.get(NDArrayIndex.interval(subB, subB + dout)).reshape(1, dout));
            }
        }
        return rz;
    }

    @Override
    INDArray tangentBackward(State state, Tangent t, INDArray rd, boolean gaussNewton, INDArray hv, double scale,
                             boolean needInput) {
        S s = (S) state;
        if (analysed()) {
            INDArray hw = wBlockT(hv);
            Nd4j.gemm(rd, s.a, hw, true, false, scale, 1.0);
            if (!gaussNewton && t.rIn != null) {
                Nd4j.gemm(s.delta, t.rIn, hw, true, false, scale, 1.0);
            }
            if (subB >= 0) {
                hv.get(NDArrayIndex.interval(subB, subB + dout)).addi(rd.sum(0).muli(scale));
            }
        }
        if (!needInput) {
            return null;
        }
        INDArray re = rd.mmul(w.transpose());
        if (!gaussNewton && analysed()) {
            Nd4j.gemm(s.delta, t.v, re, false, true, 1.0, 1.0);
        }
        return re;
    }

    @Override
    void addDots(State state, INDArray v, INDArray dots) {
        if (!analysed()) {
            return;
        }
        S s = (S) state;
        INDArray t = s.a.mmul(wBlockT(v).transpose());
        if (subB >= 0) {
            t.addiRowVector(v.get(NDArrayIndex.interval(subB, subB + dout)).reshape(1, dout));
        }
        dots.addi(t.muli(s.delta).sum(1));
    }

    @Override
    void putPerExampleGradients(State state, INDArray rows) {
        if (!analysed()) {
            return;
        }
        S s = (S) state;
        for (long j = 0; j < dout; j++) {
            long c0 = subW + j * din;  // column j of W, 'f' order
            rows.get(NDArrayIndex.all(), NDArrayIndex.interval(c0, c0 + din))
                    .assign(s.a.mulColumnVector(s.delta.getColumn(j, true)));
        }
        if (subB >= 0) {
            rows.get(NDArrayIndex.all(), NDArrayIndex.interval(subB, subB + dout)).assign(s.delta);
        }
    }

    // ------------------------------------------------------------------ Kronecker block: W [d_out, d_in (+1)]

    @Override
    public String blockName() {
        return name;
    }

    @Override
    public long blockOutputs() {
        return dout;
    }

    @Override
    public long blockInputs() {
        return din + (b != null ? 1 : 0);
    }

    @Override
    public boolean blockBias() {
        return b != null;
    }

    @Override
    public long blockPositions() {
        return 1;
    }

    /** Element (o, j) is DL4J's W[j, o] ('f' order: {@code subW + o·d_in + j}); the bias column is b[o]. */
    @Override
    public int[] blockParameterIndex() {
        int in = (int) blockInputs();
        int[] index = new int[(int) dout * in];
        for (int o = 0; o < dout; o++) {
            for (int j = 0; j < din; j++) {
                index[o * in + j] = Math.toIntExact(subW + o * din + j);
            }
            if (b != null) {
                index[o * in + (int) din] = Math.toIntExact(subB + o);
            }
        }
        return index;
    }

    @Override
    public INDArray blockActivations(State state) {
        S s = (S) state;
        INDArray a = Nd4j.createUninitialized(DataType.DOUBLE, s.b, blockInputs());
        a.get(NDArrayIndex.all(), NDArrayIndex.interval(0, din)).assign(s.a);
        if (b != null) {
            a.get(NDArrayIndex.all(), NDArrayIndex.point(din)).assign(1.0);
        }
        return a;
    }

    @Override
    public INDArray blockErrors(State state) {
        return PoolNode.contiguous(((S) state).delta);
    }

    @Override
    long cachedDoublesPerExample() {
        return din + dout;
    }

    @Override
    long scratchDoublesPerExample() {
        return 2 * din + 3 * dout;
    }

    @Override
    long hvpMultiplyAddsPerExample(boolean first) {
        long m = din * dout;
        return analysed() ? (first ? 2 * m : 6 * m) : (first ? 0 : 2 * m);
    }

    @Override
    long[] outShape() {
        return new long[] {dout};
    }

    /** A weight copy in 'c' order, DOUBLE. */
    static INDArray weights(INDArray flat, long off, long din, long dout) {
        return flat.get(NDArrayIndex.interval(off, off + din * dout)).dup().reshape('f', din, dout).dup('c')
                .castTo(DataType.DOUBLE);
    }

    @Override
    public String toString() {
        return "dense(" + din + "→" + dout + (analysed() ? "" : ", frozen") + ")";
    }
}
