package org.influence4j.dl4j;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.convolution.Convolution;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A 2-D convolution (NCHW, DL4J's {@code ConvolutionLayer}) as one matrix product per chunk: the input patches are
 * unfolded once ({@code im2col}: {@code A} is [B·P, K] with P = outH·outW output positions and K = C·kH·kW) and the
 * layer is the affine map {@code Z = A W₂ + b} on the rows of {@code A}, with {@code W₂[c·kH·kW + i·kW + j, o] =
 * W[o, c, i, j]}. With {@code δ = e_Z} (rows as Z):
 * <pre>
 *   ∇W₂ = Aᵀδ,  ∇b = Σ_rows δ,  e_in = col2im(δ W₂ᵀ)
 *   R(Z) = im2col(R(in)) W₂ + A V₂ + v_b
 *   R(∇W₂) = Aᵀ R(δ) + im2col(R(in))ᵀ δ,   R(e_in) = col2im(R(δ) W₂ᵀ + δ V₂ᵀ)   (second terms: second order)
 * </pre>
 * and {@code gᵢᵀv = Σ_{rows of example i} ((A V₂ + v_b) ⊙ δ)}. The unfolded input {@code A} is cached for the
 * whole solve (the largest part of a CNN's cached state). Parameters in DL4J's layout: bias first, then {@code W}
 * as a 'c'-order [O, C, kH, kW] block.
 */
final class ConvNode extends ChainNode {

    /** Geometry of a 2-D window operation in DL4J's conventions (shared with pooling). */
    record Geometry(long c, long h, long w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw,
                    boolean same, long oh, long ow) {
        long positions() {
            return oh * ow;
        }
    }

    private final Geometry g;
    private final long outC;
    private final long k;
    private final INDArray w2;     // [K, O] 'c'
    private final INDArray b;      // [1, O] or null
    private final long subW;       // -1: not analysed
    private final long subB;

    ConvNode(Geometry g, INDArray w2, INDArray b, long subW, long subB) {
        this.g = g;
        this.w2 = w2;
        this.b = b;
        this.k = w2.rows();
        this.outC = w2.columns();
        this.subW = subW;
        this.subB = subB;
    }

    private static final class S extends State {
        INDArray a;      // im2col of the input, [B·P, K]
        INDArray delta;  // [B·P, O]

        S(long b) {
            super(b);
        }
    }

    @Override
    boolean analysed() {
        return subW >= 0;
    }

    /** {@code im2col(x)} as a 'c'-order [B·P, K] matrix. */
    INDArray unfold(INDArray x) {
        long n = x.size(0);
        INDArray col = Nd4j.createUninitialized(DataType.DOUBLE, n, g.oh(), g.ow(), g.c(), g.kh(), g.kw());
        Convolution.im2col(x, g.kh(), g.kw(), g.sh(), g.sw(), g.ph(), g.pw(), g.dh(), g.dw(), g.same(),
                col.permute(0, 3, 4, 5, 1, 2));
        return col.reshape('c', n * g.positions(), k);
    }

    /** The adjoint of {@link #unfold}: sums the rows of {@code cols} ([B·P, K]) back into [B, C, H, W]. */
    private INDArray fold(INDArray cols, long n) {
        INDArray out = Nd4j.zeros(DataType.DOUBLE, n, g.c(), g.h(), g.w());
        INDArray six = cols.reshape('c', n, g.oh(), g.ow(), g.c(), g.kh(), g.kw()).permute(0, 3, 4, 5, 1, 2);
        Convolution.col2im(six, out, g.sh(), g.sw(), g.ph(), g.pw(), (int) g.h(), (int) g.w(), g.dh(), g.dw());
        return out;
    }

    /** Rows [B·P, O] to NCHW [B, O, oH, oW]. */
    private INDArray toNchw(INDArray rows, long n) {
        return rows.reshape('c', n, g.oh(), g.ow(), outC).permute(0, 3, 1, 2).dup('c');
    }

    /** NCHW [B, O, oH, oW] to rows [B·P, O]. */
    private INDArray toRows(INDArray nchw) {
        long n = nchw.size(0);
        return nchw.permute(0, 2, 3, 1).dup('c').reshape('c', n * g.positions(), outC);
    }

    /** The 'c'-order [O, K] view of the W block of a subset-layout vector (so {@code W₂ᵀ}'s layout). */
    private INDArray wBlockT(INDArray vector) {
        return vector.get(NDArrayIndex.interval(subW, subW + k * outC)).reshape('c', outC, k);
    }

    private INDArray biasBlock(INDArray vector) {
        return vector.get(NDArrayIndex.interval(subB, subB + outC)).reshape(1, outC);
    }

    @Override
    Forward forward(INDArray x) {
        S s = new S(x.size(0));
        s.a = unfold(x);
        INDArray z = s.a.mmul(w2);
        if (b != null) {
            z.addiRowVector(b);
        }
        return new Forward(toNchw(z, s.b), s);
    }

    @Override
    INDArray backward(State state, INDArray eOut, boolean needInput) {
        S s = (S) state;
        s.delta = toRows(eOut);
        return needInput ? fold(s.delta.mmul(w2.transpose()), s.b) : null;
    }

    @Override
    void addGradient(State state, INDArray gv, double scale) {
        if (!analysed()) {
            return;
        }
        S s = (S) state;
        // ∇W₂ᵀ = δᵀA is the 'c'-order [O, K] block
        Nd4j.gemm(s.delta, s.a, wBlockT(gv), true, false, scale, 1.0);
        if (subB >= 0) {
            biasBlock(gv).addi(s.delta.sum(true, 0).muli(scale));
        }
    }

    @Override
    INDArray tangentForward(State state, INDArray rIn, INDArray v, Tangent t) {
        S s = (S) state;
        INDArray rz = null;
        if (rIn != null) {
            t.rIn = unfold(rIn);
            rz = t.rIn.mmul(w2);
        }
        if (analysed()) {
            t.v = wBlockT(v).transpose();
            if (rz == null) {
                rz = s.a.mmul(t.v);
            } else {
                Nd4j.gemm(s.a, t.v, rz, false, false, 1.0, 1.0);
            }
            if (subB >= 0) {
                rz.addiRowVector(biasBlock(v));
            }
        }
        return rz == null ? null : toNchw(rz, s.b);
    }

    @Override
    INDArray tangentBackward(State state, Tangent t, INDArray rOut, boolean gaussNewton, INDArray hv, double scale,
                             boolean needInput) {
        S s = (S) state;
        INDArray rd = toRows(rOut);
        if (analysed()) {
            INDArray hw = wBlockT(hv);
            Nd4j.gemm(rd, s.a, hw, true, false, scale, 1.0);
            if (!gaussNewton && t.rIn != null) {
                Nd4j.gemm(s.delta, t.rIn, hw, true, false, scale, 1.0);
            }
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
        INDArray t = s.a.mmul(wBlockT(v).transpose());
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
        INDArray wRows = rows.get(NDArrayIndex.all(), NDArrayIndex.interval(subW, subW + k * outC));
        for (long i = 0; i < s.b; i++) {
            INDArray ai = s.a.get(NDArrayIndex.interval(i * p, (i + 1) * p), NDArrayIndex.all());
            INDArray di = s.delta.get(NDArrayIndex.interval(i * p, (i + 1) * p), NDArrayIndex.all());
            wRows.getRow(i).assign(di.transpose().mmul(ai).reshape(k * outC)); // δᵢᵀAᵢ, 'c' [O, K]
            if (subB >= 0) {
                rows.get(NDArrayIndex.point(i), NDArrayIndex.interval(subB, subB + outC)).assign(di.sum(0));
            }
        }
    }

    @Override
    long cachedDoublesPerExample() {
        return g.positions() * (k + outC);
    }

    @Override
    long scratchDoublesPerExample() {
        return g.positions() * (2 * k + 4 * outC) + g.c() * g.h() * g.w();
    }

    @Override
    long hvpMultiplyAddsPerExample(boolean first) {
        long m = g.positions() * k * outC;
        return analysed() ? (first ? 2 * m : 6 * m) : (first ? 0 : 2 * m);
    }

    @Override
    long[] outShape() {
        return new long[] {outC, g.oh(), g.ow()};
    }

    @Override
    public String toString() {
        return "conv" + g.kh() + "x" + g.kw() + "(" + g.c() + "→" + outC + ", " + g.oh() + "x" + g.ow()
                + (analysed() ? "" : ", frozen") + ")";
    }
}
