package org.influence4j.dl4j;

import java.nio.DoubleBuffer;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A 2-D convolution (DL4J's {@code ConvolutionLayer} on NCHW data) as one matrix product per chunk. Inside the
 * chain images are kept channels-last ([B, H, W, C], 'c' order), so that the rows of a convolution's output are
 * already the next layer's layout: the input patches are unfolded ({@code im2col}: {@code A} is [B·P, K] with
 * P = outH·outW output positions and K = kH·kW·C, columns in (i, j, c) order) and the layer is the affine map
 * {@code Z = A W₂ + b} on the rows of {@code A}, with {@code W₂[(i·kW + j)·C + c, o] = W[o, c, i, j]}. With
 * {@code δ = e_Z} (rows as Z):
 * <pre>
 *   ∇W₂ = Aᵀδ,  ∇b = Σ_rows δ,  e_in = col2im(δ W₂ᵀ)
 *   R(Z) = im2col(R(in)) W₂ + A V₂ + v_b
 *   R(∇W₂) = Aᵀ R(δ) + im2col(R(in))ᵀ δ,   R(e_in) = col2im(R(δ) W₂ᵀ + δ V₂ᵀ)   (second terms: second order)
 * </pre>
 * and {@code gᵢᵀv = Σ_{rows of example i} ((A V₂ + v_b) ⊙ δ)}. A pass caches the input and {@code δ}; each use
 * unfolds the input again (a copy of {@code B·P·K} values, far cheaper than the products, and {@code K} times less
 * memory than caching {@code A}). Parameters in DL4J's layout: bias first, then {@code W}
 * as a 'c'-order [O, C, kH, kW] block.
 */
final class ConvNode extends ChainNode implements KroneckerNode {

    /** Geometry of a 2-D window operation in DL4J's conventions (shared with pooling). */
    record Geometry(long c, long h, long w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw,
                    boolean same, long oh, long ow) {
        long positions() {
            return oh * ow;
        }
    }

    private final String name;
    private final Geometry g;
    private final long outC;
    private final long k;
    private final INDArray w2;     // [K, O] 'c'
    private final INDArray b;      // [1, O] or null
    private final long subW;       // -1: not analysed
    private final long subB;

    /**
     * @param name for messages ({@link #blockName()})
     * @param g    the window geometry
     * @param w2   the weights as this node's [K, O] matrix, 'c' order (kept, not copied)
     * @param b    the bias [1, O], or null
     * @param subW subset offset of DL4J's W block ([O, C, kH, kW], 'c' order), or -1 if not analysed
     * @param subB subset offset of b, or -1
     */
    ConvNode(String name, Geometry g, INDArray w2, INDArray b, long subW, long subB) {
        this.name = name;
        this.g = g;
        this.w2 = w2;
        this.b = b;
        this.k = w2.rows();
        this.outC = w2.columns();
        this.subW = subW;
        this.subB = subB;
    }

    private static final class S extends State {
        INDArray x;      // the input [B, H, W, C]; its unfolding A is recomputed by each use (cheaper than caching it)
        INDArray a;      // A during the forward and backward pass at θ̂ only
        INDArray delta;  // [B·P, O]

        S(long b) {
            super(b);
        }

        @Override
        void detach() {
            x = detached(x);
            delta = detached(delta);
            a = null;
        }
    }

    @Override
    boolean analysed() {
        return subW >= 0;
    }

    /** {@code im2col(x)} of a channels-last chunk [B, H, W, C] as a 'c'-order [B·P, K] matrix. */
    INDArray unfold(INDArray x) {
        return unfold(x, false);
    }

    /**
     * {@code im2col(x)} as a 'c'-order [B·P, K] matrix, or [B·P, K + 1] with a last column of ones when
     * {@code onesColumn} is set.
     */
    private INDArray unfold(INDArray x, boolean onesColumn) {
        x = PoolNode.contiguous(x);
        long n = x.size(0);
        INDArray cols = Nd4j.createUninitialized(DataType.DOUBLE, n * g.positions(), k + (onesColumn ? 1 : 0));
        DoubleBuffer in = PoolNode.buffer(x);
        DoubleBuffer out = PoolNode.buffer(cols);
        int h = (int) g.h();
        int w = (int) g.w();
        int c = (int) g.c();
        int oh = (int) g.oh();
        int ow = (int) g.ow();
        int kk = (int) k;
        int width = kk + (onesColumn ? 1 : 0);
        PoolNode.forEachExample(n, i -> {
            int inBase = i * h * w * c;
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    int row = ((i * oh + oy) * ow + ox) * width;
                    if (onesColumn) {
                        out.put(row + kk, 1.0);
                    }
                    int col = 0;
                    for (int ky = 0; ky < g.kh(); ky++) {
                        int y = oy * g.sh() - g.ph() + ky * g.dh();
                        for (int kx = 0; kx < g.kw(); kx++, col += c) {
                            int xx = ox * g.sw() - g.pw() + kx * g.dw();
                            if (y < 0 || y >= h || xx < 0 || xx >= w) {
                                for (int q = 0; q < c; q++) {
                                    out.put(row + col + q, 0.0);
                                }
                            } else {
                                int src = inBase + (y * w + xx) * c;
                                for (int q = 0; q < c; q++) {
                                    out.put(row + col + q, in.get(src + q));
                                }
                            }
                        }
                    }
                }
            }
        });
        return cols;
    }

    /** The adjoint of {@link #unfold}: sums the rows of {@code cols} ([B·P, K]) back into [B, H, W, C]. */
    private INDArray fold(INDArray cols, long n) {
        cols = PoolNode.contiguous(cols);
        INDArray img = Nd4j.zeros(DataType.DOUBLE, n, g.h(), g.w(), g.c());
        DoubleBuffer in = PoolNode.buffer(cols);
        DoubleBuffer out = PoolNode.buffer(img);
        int h = (int) g.h();
        int w = (int) g.w();
        int c = (int) g.c();
        int oh = (int) g.oh();
        int ow = (int) g.ow();
        int kk = (int) k;
        PoolNode.forEachExample(n, i -> {
            int outBase = i * h * w * c;
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    int row = ((i * oh + oy) * ow + ox) * kk;
                    int col = 0;
                    for (int ky = 0; ky < g.kh(); ky++) {
                        int y = oy * g.sh() - g.ph() + ky * g.dh();
                        for (int kx = 0; kx < g.kw(); kx++, col += c) {
                            int xx = ox * g.sw() - g.pw() + kx * g.dw();
                            if (y >= 0 && y < h && xx >= 0 && xx < w) {
                                int dst = outBase + (y * w + xx) * c;
                                for (int q = 0; q < c; q++) {
                                    out.put(dst + q, out.get(dst + q) + in.get(row + col + q));
                                }
                            }
                        }
                    }
                }
            }
        });
        return img;
    }

    /** Rows [B·P, O] as channels-last images [B, oH, oW, O] (a view). */
    private INDArray toImages(INDArray rows, long n) {
        return rows.reshape('c', n, g.oh(), g.ow(), outC);
    }

    /** Channels-last images [B, oH, oW, O] as rows [B·P, O]. */
    private INDArray toRows(INDArray images) {
        return PoolNode.contiguous(images).reshape('c', images.size(0) * g.positions(), outC);
    }

    /** The 'c'-order [O, K] view of the W block of a subset-layout vector, in DL4J's (c, i, j) column order. */
    private INDArray wBlockDl4j(INDArray vector) {
        return vector.get(NDArrayIndex.interval(subW, subW + k * outC)).reshape('c', outC, g.c(), g.kh(), g.kw());
    }

    /** The direction's [K, O] weight block in this node's (i, j, c) row order (a copy). */
    private INDArray direction(INDArray v) {
        // [O, C, kH, kW] -> [kH, kW, C, O] -> [K, O]
        return wBlockDl4j(v).permute(2, 3, 1, 0).dup('c').reshape('c', k, outC);
    }

    /** Adds {@code gT} ([O, K], (i, j, c) column order) into the W block of {@code target} (DL4J's order). */
    private void addWeights(INDArray target, INDArray gT) {
        wBlockDl4j(target).addi(gT.reshape('c', outC, g.kh(), g.kw(), g.c()).permute(0, 3, 1, 2));
    }

    /** Reorders DL4J's W [O, C, kH, kW] (flat, 'c') into this node's [K, O] matrix. */
    static INDArray weightMatrix(INDArray w, long outC, long inC, int kh, int kw) {
        return w.reshape('c', outC, inC, kh, kw).permute(2, 3, 1, 0).dup('c').reshape('c', kh * kw * inC, outC);
    }

    private INDArray biasBlock(INDArray vector) {
        return vector.get(NDArrayIndex.interval(subB, subB + outC)).reshape(1, outC);
    }

    @Override
    Forward forward(INDArray x) {
        S s = new S(x.size(0));
        s.x = PoolNode.contiguous(x);
        s.a = unfold(s.x);
        INDArray z = s.a.mmul(w2);
        if (b != null) {
            z.addiRowVector(b);
        }
        return new Forward(toImages(z, s.b), s);
    }

    @Override
    INDArray backward(State state, INDArray eOut, boolean needInput) {
        S s = (S) state;
        s.delta = toRows(eOut);
        s.a = null;
        return needInput ? fold(s.delta.mmul(w2.transpose()), s.b) : null;
    }

    @Override
    void addGradient(State state, INDArray gv, double scale) {
        if (!analysed()) {
            return;
        }
        S s = (S) state;
        addWeights(gv, s.delta.transpose().mmul(unfold(s.x)).muli(scale));   // ∇W₂ᵀ = δᵀA
        if (subB >= 0) {
            biasBlock(gv).addi(s.delta.sum(true, 0).muli(scale));
        }
    }

    @Override
    INDArray tangentForward(State state, INDArray rIn, INDArray v, Tangent t) {
        S s = (S) state;
        INDArray a = analysed() ? unfold(s.x) : null;
        t.extra = a;
        INDArray rz = null;
        if (rIn != null) {
            t.rIn = unfold(rIn);
            rz = t.rIn.mmul(w2);
        }
        if (analysed()) {
            t.v = direction(v);
            if (rz == null) {
                rz = a.mmul(t.v);
            } else {
                Nd4j.gemm(a, t.v, rz, false, false, 1.0, 1.0);
            }
            if (subB >= 0) {
                rz.addiRowVector(biasBlock(v));
            }
        }
        return rz == null ? null : toImages(rz, s.b);
    }

    @Override
    INDArray tangentBackward(State state, Tangent t, INDArray rOut, boolean gaussNewton, INDArray hv, double scale,
                             boolean needInput) {
        S s = (S) state;
        INDArray rd = toRows(rOut);
        if (analysed()) {
            INDArray hw = rd.transpose().mmul(t.extra);
            if (!gaussNewton && t.rIn != null) {
                Nd4j.gemm(s.delta, t.rIn, hw, true, false, 1.0, 1.0);
            }
            addWeights(hv, hw.muli(scale));
            if (subB >= 0) {
                biasBlock(hv).addi(rd.sum(true, 0).muli(scale));
            }
        }
        if (!needInput) {
            return null;
        }
        INDArray cols = rd.mmul(w2.transpose());
        if (!gaussNewton && analysed()) {
            Nd4j.gemm(s.delta, t.v, cols, false, true, 1.0, 1.0);
        }
        return fold(cols, s.b);
    }

    @Override
    void addDots(State state, INDArray v, INDArray dots) {
        if (!analysed()) {
            return;
        }
        S s = (S) state;
        INDArray t = unfold(s.x).mmul(direction(v));
        if (subB >= 0) {
            t.addiRowVector(biasBlock(v));
        }
        dots.addi(t.muli(s.delta).reshape('c', s.b, g.positions() * outC).sum(1));
    }

    @Override
    void putPerExampleGradients(State state, INDArray rows) {
        if (!analysed()) {
            return;
        }
        S s = (S) state;
        long p = g.positions();
        INDArray a = unfold(s.x);
        INDArray wRows = rows.get(NDArrayIndex.all(), NDArrayIndex.interval(subW, subW + k * outC));
        for (long i = 0; i < s.b; i++) {
            INDArray ai = a.get(NDArrayIndex.interval(i * p, (i + 1) * p), NDArrayIndex.all());
            INDArray di = s.delta.get(NDArrayIndex.interval(i * p, (i + 1) * p), NDArrayIndex.all());
            INDArray gi = di.transpose().mmul(ai);  // δᵢᵀAᵢ, [O, K] in (i, j, c) order
            wRows.getRow(i).assign(gi.reshape('c', outC, g.kh(), g.kw(), g.c()).permute(0, 3, 1, 2).dup('c')
                    .reshape(k * outC));
            if (subB >= 0) {
                rows.get(NDArrayIndex.point(i), NDArrayIndex.interval(subB, subB + outC)).assign(di.sum(0));
            }
        }
    }

    // ------------------------------------------------------------------ Kronecker block: W₂ᵀ [O, K (+1)]

    @Override
    public String blockName() {
        return name;
    }

    @Override
    public long blockOutputs() {
        return outC;
    }

    @Override
    public long blockInputs() {
        return k + (b != null ? 1 : 0);
    }

    @Override
    public boolean blockBias() {
        return b != null;
    }

    @Override
    public long blockPositions() {
        return g.positions();
    }

    /**
     * Column {@code j = (i·kW + jj)·C + c} of the unfolded patch (this node's (i, j, c) order) is DL4J's
     * {@code W[o, c, i, jj]}, at {@code subW + o·K + (c·kH + i)·kW + jj} ('c'-order [O, C, kH, kW]); the bias column is
     * {@code b[o]}.
     */
    @Override
    public int[] blockParameterIndex() {
        int in = (int) blockInputs();
        int c = (int) g.c();
        int[] index = new int[(int) outC * in];
        for (int o = 0; o < outC; o++) {
            for (int i = 0; i < g.kh(); i++) {
                for (int jj = 0; jj < g.kw(); jj++) {
                    for (int q = 0; q < c; q++) {
                        int col = (i * g.kw() + jj) * c + q;
                        index[o * in + col] = Math.toIntExact(subW + o * k + ((long) q * g.kh() + i) * g.kw() + jj);
                    }
                }
            }
            if (b != null) {
                index[o * in + (int) k] = Math.toIntExact(subB + o);
            }
        }
        return index;
    }

    @Override
    public INDArray blockActivations(State state) {
        return unfold(((S) state).x, b != null);
    }

    @Override
    public INDArray blockErrors(State state) {
        return PoolNode.contiguous(((S) state).delta);
    }

    @Override
    long cachedDoublesPerExample() {
        return g.c() * g.h() * g.w() + g.positions() * outC;
    }

    @Override
    long scratchDoublesPerExample() {
        return g.positions() * (3 * k + 4 * outC) + g.c() * g.h() * g.w();
    }

    @Override
    long hvpMultiplyAddsPerExample(boolean first) {
        long m = g.positions() * k * outC;
        return analysed() ? (first ? 2 * m : 6 * m) : (first ? 0 : 2 * m);
    }

    @Override
    long[] outShape() {
        return new long[] {g.oh(), g.ow(), outC};
    }

    @Override
    public String toString() {
        return "conv" + g.kh() + "x" + g.kw() + "(" + g.c() + "→" + outC + ", " + g.oh() + "x" + g.ow()
                + (analysed() ? "" : ", frozen") + ")";
    }
}
