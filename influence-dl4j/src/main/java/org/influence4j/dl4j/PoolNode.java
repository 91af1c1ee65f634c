package org.influence4j.dl4j;

import java.nio.DoubleBuffer;
import java.util.stream.IntStream;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * 2-D max or average pooling (NCHW, DL4J's {@code SubsamplingLayer}); also global pooling (one window over the whole
 * plane, DL4J's {@code GlobalPoolingLayer} with MAX, AVG or SUM). Windows skip padded positions, as in DL4J.
 *
 * <p>Average (and sum) pooling is linear: its tangent is itself and its backward map spreads each error over the
 * window ({@code ÷ divisor}: the window size {@code kH·kW} when DL4J's {@code avgPoolIncludePadInDivisor} is set,
 * else the number of positions inside the input). Max pooling is piecewise linear: at θ̂ each output copies the
 * arg-max of its window (the first maximum in row-major window order), so its tangent copies {@code R(in)} at the
 * arg-max and its backward map sends each error to the arg-max. This is the derivative wherever the maximum is
 * unique, which is where the objective is twice differentiable; the R-operator follows the arg-max at θ̂ and so
 * computes the Hessian of the piece of the objective that holds at θ̂.
 */
final class PoolNode extends ChainNode {

    enum Kind { MAX, AVG, SUM }

    private final Kind kind;
    private final ConvNode.Geometry g;
    private final boolean includePadInDivisor;
    private final boolean global;

    PoolNode(Kind kind, ConvNode.Geometry g, boolean includePadInDivisor, boolean global) {
        this.kind = kind;
        this.g = g;
        this.includePadInDivisor = includePadInDivisor;
        this.global = global;
    }

    private static final class S extends State {
        int[] argmax;  // per output element: index into the example's input plane block, max only

        S(long b) {
            super(b);
        }
    }

    private long inSize() {
        return g.c() * g.h() * g.w();
    }

    private long outSize() {
        return g.c() * g.positions();
    }

    private long[] outShapeOf(long n) {
        return global ? new long[] {n, g.c()} : new long[] {n, g.c(), g.oh(), g.ow()};
    }

    /** The buffer of a contiguous 'c'-order array with no offset (see {@link #contiguous}). */
    static DoubleBuffer buffer(INDArray x) {
        return x.data().asNioDouble();
    }

    private static INDArray contiguous(INDArray x) {
        return x.ordering() == 'c' && x.offset() == 0 && x.data().length() == x.length() ? x : x.dup('c');
    }

    /** Runs {@code body} for each example, on two threads for larger chunks. */
    private static void forEachExample(long n, java.util.function.IntConsumer body) {
        if (n >= 16) {
            IntStream.range(0, (int) n).parallel().forEach(body);
        } else {
            for (int i = 0; i < n; i++) {
                body.accept(i);
            }
        }
    }

    @Override
    Forward forward(INDArray x) {
        x = contiguous(x);
        long n = x.size(0);
        S s = new S(n);
        INDArray out = Nd4j.createUninitialized(DataType.DOUBLE, outShapeOf(n));
        DoubleBuffer in = buffer(x);
        DoubleBuffer o = buffer(out);
        if (kind == Kind.MAX) {
            s.argmax = new int[(int) (n * outSize())];
        }
        int[] arg = s.argmax;
        forEachExample(n, i -> window(in, o, arg, i, false));
        return new Forward(out, s);
    }

    /**
     * One example's windows: {@code out = pool(in)} (tangent {@code false}; max pooling records the arg-max) or, for
     * max pooling with {@code useArg}, {@code out = in[argmax]}.
     */
    private void window(DoubleBuffer in, DoubleBuffer out, int[] arg, int i, boolean useArg) {
        long inBase = i * inSize();
        long outBase = i * outSize();
        int h = (int) g.h();
        int w = (int) g.w();
        for (int c = 0; c < g.c(); c++) {
            int plane = c * h * w;
            for (int oy = 0; oy < g.oh(); oy++) {
                for (int ox = 0; ox < g.ow(); ox++) {
                    int oi = (int) (outBase + (c * g.oh() + oy) * g.ow() + ox);
                    if (useArg) {
                        out.put(oi, in.get((int) (inBase + arg[oi])));
                        continue;
                    }
                    double acc = kind == Kind.MAX ? Double.NEGATIVE_INFINITY : 0.0;
                    int best = -1;
                    int count = 0;
                    int y0 = oy * g.sh() - g.ph();
                    int x0 = ox * g.sw() - g.pw();
                    for (int ky = 0; ky < g.kh(); ky++) {
                        int y = y0 + ky * g.dh();
                        if (y < 0 || y >= h) {
                            continue;
                        }
                        for (int kx = 0; kx < g.kw(); kx++) {
                            int xx = x0 + kx * g.dw();
                            if (xx < 0 || xx >= w) {
                                continue;
                            }
                            int idx = plane + y * w + xx;
                            double val = in.get((int) (inBase + idx));
                            if (kind == Kind.MAX) {
                                if (val > acc || best < 0) {
                                    acc = val;
                                    best = idx;
                                }
                            } else {
                                acc += val;
                                count++;
                            }
                        }
                    }
                    if (kind == Kind.MAX) {
                        arg[oi] = best;
                        out.put(oi, acc);
                    } else {
                        out.put(oi, kind == Kind.SUM ? acc : acc / divisor(count));
                    }
                }
            }
        }
    }

    private double divisor(int count) {
        return includePadInDivisor ? (double) g.kh() * g.kw() : count;
    }

    /** The adjoint: spreads {@code e} (output shape) back over the input windows. */
    private INDArray adjoint(State state, INDArray e) {
        S s = (S) state;
        e = contiguous(e);
        long n = s.b;
        INDArray gIn = Nd4j.zeros(DataType.DOUBLE, n, g.c(), g.h(), g.w());
        DoubleBuffer eb = buffer(e);
        DoubleBuffer gb = buffer(gIn);
        int h = (int) g.h();
        int w = (int) g.w();
        forEachExample(n, i -> {
            long inBase = i * inSize();
            long outBase = i * outSize();
            for (int c = 0; c < g.c(); c++) {
                int plane = c * h * w;
                for (int oy = 0; oy < g.oh(); oy++) {
                    for (int ox = 0; ox < g.ow(); ox++) {
                        int oi = (int) (outBase + (c * g.oh() + oy) * g.ow() + ox);
                        double ev = eb.get(oi);
                        if (kind == Kind.MAX) {
                            int gi = (int) (inBase + s.argmax[oi]);
                            gb.put(gi, gb.get(gi) + ev);
                            continue;
                        }
                        int y0 = oy * g.sh() - g.ph();
                        int x0 = ox * g.sw() - g.pw();
                        if (kind == Kind.AVG) {
                            int count = 0;
                            for (int ky = 0; ky < g.kh(); ky++) {
                                int y = y0 + ky * g.dh();
                                for (int kx = 0; kx < g.kw(); kx++) {
                                    int xx = x0 + kx * g.dw();
                                    if (y >= 0 && y < h && xx >= 0 && xx < w) {
                                        count++;
                                    }
                                }
                            }
                            ev /= divisor(count);
                        }
                        for (int ky = 0; ky < g.kh(); ky++) {
                            int y = y0 + ky * g.dh();
                            if (y < 0 || y >= h) {
                                continue;
                            }
                            for (int kx = 0; kx < g.kw(); kx++) {
                                int xx = x0 + kx * g.dw();
                                if (xx >= 0 && xx < w) {
                                    int gi = (int) (inBase + plane + y * w + xx);
                                    gb.put(gi, gb.get(gi) + ev);
                                }
                            }
                        }
                    }
                }
            }
        });
        return gIn;
    }

    @Override
    INDArray backward(State s, INDArray eOut, boolean needInput) {
        return needInput ? adjoint(s, eOut) : null;
    }

    @Override
    INDArray tangentForward(State state, INDArray rIn, INDArray v, Tangent t) {
        if (rIn == null) {
            return null;
        }
        S s = (S) state;
        INDArray x = contiguous(rIn);
        INDArray out = Nd4j.createUninitialized(DataType.DOUBLE, outShapeOf(s.b));
        DoubleBuffer in = buffer(x);
        DoubleBuffer o = buffer(out);
        forEachExample(s.b, i -> window(in, o, s.argmax, i, kind == Kind.MAX));
        return out;
    }

    @Override
    INDArray tangentBackward(State s, Tangent t, INDArray rOut, boolean gaussNewton, INDArray hv, double scale,
                             boolean needInput) {
        return needInput ? adjoint(s, rOut) : null;
    }

    @Override
    long cachedDoublesPerExample() {
        return kind == Kind.MAX ? (outSize() + 1) / 2 : 0;
    }

    @Override
    long scratchDoublesPerExample() {
        return inSize() + outSize();
    }

    @Override
    long[] outShape() {
        return global ? new long[] {g.c()} : new long[] {g.c(), g.oh(), g.ow()};
    }

    @Override
    public String toString() {
        return (global ? "global-" : "") + kind.name().toLowerCase() + "-pool"
                + (global ? "" : g.kh() + "x" + g.kw());
    }
}
