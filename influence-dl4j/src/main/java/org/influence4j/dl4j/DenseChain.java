package org.influence4j.dl4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.influence4j.internal.Scratch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The analysed part of a network when it is a chain of dense layers ending in an output head: the hand-written
 * forward and backward pass, its R-operator (Pearlmutter 1994, forward-over-reverse), the Gauss–Newton product and
 * the batched per-example gradient products. Layers before the first analysed layer are a frozen feature extractor
 * whose output DL4J computes (inference mode); they may be of any type.
 *
 * <p>Notation, per block {@code k} (a DenseLayer, or the affine part of an OutputLayer): input {@code a_k}
 * ({@code n × d_in}), {@code z_k = a_k W_k + b_k}, output {@code a_{k+1} = σ_k(z_k)}; the head applies the output
 * activation and loss to the last output. {@code δ_k = ∂ℓ/∂z_k} per example (not divided by n),
 * {@code e_k = ∂ℓ/∂a_{k+1}}. Tangents along a direction {@code V} are written {@code R(·)}.
 *
 * <p>Immutable: the weights are copies taken at construction. Thread-safe.
 */
final class DenseChain implements ExactChain {

    /** A dense block with its parameters and where they sit in the subset vector ({@code -1}: frozen). */
    record Block(int position, INDArray w, INDArray b, ElementwiseActivation act, long subW, long subB) {
        long din() {
            return w.rows();
        }

        long dout() {
            return w.columns();
        }

        boolean analysed() {
            return subW >= 0;
        }
    }

    /**
     * Cached forward/backward quantities for one data set at θ̂: everything an HVP needs except the tangents.
     *
     * @param n     examples
     * @param a     {@code a[k]} input of block k, {@code a[m]} the head input
     * @param d1    {@code σ'(z_k)} or null (identity)
     * @param ed2   {@code e_k ⊙ σ''(z_k)} or null (zero)
     * @param delta {@code δ_k}
     * @param out   head output (probabilities)
     */
    record Pass(long n, INDArray[] a, INDArray[] d1, INDArray[] ed2, INDArray[] delta, INDArray out)
            implements ExactChain.Pass {
    }

    private final List<Block> blocks;
    private final LossHead head;
    private final int firstPosition;

    private DenseChain(List<Block> blocks, LossHead head, int firstPosition) {
        this.blocks = blocks;
        this.head = head;
        this.firstPosition = firstPosition;
    }

    /**
     * Builds the chain from the layer at {@code first} (the first analysed layer) to the output, or returns why
     * it cannot (naming the layer).
     */
    static Result build(NetworkCopy net, ParameterLayout layout, int first) {
        if (!net.isChain()) {
            return Result.no("the ComputationGraph is not a simple chain of layers");
        }
        List<NetworkCopy.LayerSpec> layers = net.layers();
        List<Block> blocks = new ArrayList<>();
        LossHead head = null;
        INDArray params = net.params();
        for (int i = first; i < layers.size(); i++) {
            NetworkCopy.LayerSpec l = layers.get(i);
            boolean last = i == layers.size() - 1;
            if (i > first && l.preProcessor() != null) {
                return Result.no(l.label() + " has an input preprocessor ("
                        + l.preProcessor().getClass().getSimpleName() + ")");
            }
            var conf = l.conf();
            if (conf.getClass() == DenseLayer.class) {
                DenseLayer d = (DenseLayer) conf;
                if (d.hasLayerNorm()) {
                    return Result.no(l.label() + " uses layer normalisation");
                }
                Optional<ElementwiseActivation> act = ElementwiseActivation.of(d.getActivationFn());
                if (act.isEmpty()) {
                    return Result.no(l.label() + " has activation " + d.getActivationFn()
                            + " (supported: identity, relu, leakyrelu, elu, selu, tanh, sigmoid, softplus)");
                }
                if (last) {
                    return Result.no(l.label() + " is the last layer; an OutputLayer or LossLayer is required");
                }
                blocks.add(block(l, layout, params, d.hasBias(), act.get()));
            } else if (conf.getClass() == OutputLayer.class) {
                OutputLayer o = (OutputLayer) conf;
                if (!last) {
                    return Result.no(l.label() + " is an OutputLayer that is not the last layer");
                }
                Optional<LossHead> h = LossHead.of(o.getActivationFn(), o.getLossFn());
                if (h.isEmpty()) {
                    return Result.no(l.label() + " combines activation " + o.getActivationFn() + " with loss "
                            + o.getLossFn() + " (supported: softmax+MCXENT/NEGATIVELOGLIKELIHOOD, sigmoid+XENT, "
                            + "identity+MSE/SQUARED_LOSS, unweighted)");
                }
                blocks.add(block(l, layout, params, o.hasBias(), ElementwiseActivation.identity()));
                head = h.get();
            } else if (conf.getClass() == LossLayer.class) {
                LossLayer o = (LossLayer) conf;
                Optional<LossHead> h = LossHead.of(o.getActivationFn(), o.getLossFn());
                if (h.isEmpty() || !last || blocks.isEmpty()) {
                    return Result.no(l.label() + " (activation " + o.getActivationFn() + ", loss " + o.getLossFn()
                            + ") is not a supported final loss layer after dense layers");
                }
                head = h.get();
            } else {
                return Result.no(l.label() + " has no R-operator (exact HVPs support DenseLayer, OutputLayer and "
                        + "LossLayer)");
            }
        }
        if (head == null || blocks.isEmpty()) {
            return Result.no("the network does not end in an OutputLayer or LossLayer");
        }
        return new Result(new DenseChain(List.copyOf(blocks), head, first), null);
    }

    private static Block block(NetworkCopy.LayerSpec l, ParameterLayout layout, INDArray params, boolean hasBias,
                               ElementwiseActivation act) {
        INDArray wParam = l.layer().getParam("W");
        long din = wParam.size(0);
        long dout = wParam.size(1);
        long off = l.offset();
        // DL4J's flat layout for dense layers: W in 'f' order, then b
        INDArray w = params.get(NDArrayIndex.interval(off, off + din * dout)).dup().reshape('f', din, dout).dup('c');
        INDArray b = hasBias ? params.get(NDArrayIndex.interval(off + din * dout, off + din * dout + dout)).dup()
                .reshape(1, dout) : null;
        long subW = layout.subOffsetOf(l.position());
        long subB = subW >= 0 && hasBias ? subW + din * dout : -1;
        return new Block(l.position(), w.castTo(DataType.DOUBLE), b == null ? null : b.castTo(DataType.DOUBLE),
                act, subW, subB);
    }

    /** Either a chain or the reason there is none. */
    record Result(DenseChain chain, String reason) {
        static Result no(String reason) {
            return new Result(null, reason);
        }
    }

    /** Network position of the first analysed layer: the chain's input is that layer's input. */
    @Override
    public int firstPosition() {
        return firstPosition;
    }

    @Override
    public LossHead head() {
        return head;
    }

    List<Block> blocks() {
        return blocks;
    }

    /** Forward and backward pass at θ̂ on the chain input {@code x} (n × d) and labels {@code y}; inputs not modified. */
    @Override
    public Pass pass(INDArray x, INDArray y) {
        int m = blocks.size();
        INDArray[] a = new INDArray[m + 1];
        INDArray[] d1 = new INDArray[m];
        INDArray[] d2 = new INDArray[m];
        INDArray[] ed2 = new INDArray[m];
        INDArray[] delta = new INDArray[m];
        a[0] = x;
        for (int k = 0; k < m; k++) {
            Block bl = blocks.get(k);
            INDArray z = a[k].mmul(bl.w());
            if (bl.b() != null) {
                z.addiRowVector(bl.b());
            }
            a[k + 1] = bl.act().isIdentity() ? z : bl.act().apply(z);
            d1[k] = bl.act().firstDerivative(z, a[k + 1]);
            d2[k] = bl.act().secondDerivative(z, a[k + 1]);
        }
        INDArray out = head.output(a[m]);
        INDArray e = head.delta(a[m], out, y);                  // e_{m-1} = ∂ℓ/∂a_m
        for (int k = m - 1; k >= 0; k--) {
            delta[k] = d1[k] == null ? e : e.mul(d1[k]);         // δ_k = e_k ⊙ σ'(z_k)
            ed2[k] = d2[k] == null ? null : e.mul(d2[k]);
            if (k > 0) {
                e = delta[k].mmul(blocks.get(k).w().transpose()); // e_{k-1} = δ_k W_kᵀ
            }
        }
        return new Pass(x.size(0), a, d1, ed2, delta, out);
    }

    /** The mean loss gradient {@code (1/n) Σ ∇ℓᵢ} over the analysed parameters (subset layout, length p). */
    @Override
    public INDArray gradient(ExactChain.Pass generic, long p) {
        Pass pass = (Pass) generic;
        INDArray g = Nd4j.zeros(DataType.DOUBLE, p);
        for (int k = 0; k < blocks.size(); k++) {
            Block bl = blocks.get(k);
            if (bl.analysed()) {
                put(g, bl, pass.a()[k].transpose().mmul(pass.delta()[k]), pass.delta()[k].sum(0));
            }
        }
        return g.divi(pass.n());
    }

    /**
     * {@code H_loss v} (exact, Pearlmutter's R-operator) or {@code G_loss v} (Gauss–Newton) of the mean loss,
     * without the regulariser. {@code v} (subset layout) is not modified; the result is a fresh rank-1 array
     * outside any workspace.
     *
     * <p>The temporaries (a few {@code n × width} tangents per layer) live in a thread-local ND4J workspace
     * ({@link #HVP_WORKSPACE}) that is sized on the first call and reused afterwards, so repeated products (one per
     * CG or LiSSA step) do not allocate, zero and free off-heap buffers each time: profiling showed that
     * allocation, not the matrix products, dominated an uncached-memory HVP. The weight blocks of the result are
     * written by {@code gemm} straight into the output ({@code Rδᵀa} is the 'f'-order flattening of {@code aᵀRδ}),
     * with the {@code 1/n} folded into the product.
     */
    INDArray hvp(Pass pass, INDArray v, boolean gaussNewton) {
        return hvp(pass, v, gaussNewton, null);
    }

    /** As {@link #hvp(Pass, INDArray, boolean)}, plus {@code diagonal ⊙ v} when {@code diagonal} is not null. */
    @Override
    public INDArray hvp(ExactChain.Pass generic, INDArray v, boolean gaussNewton, INDArray diagonal) {
        return product((Pass) generic, null, null, v, gaussNewton, diagonal);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The pass is computed inside the product workspace, next to the tangents, so that its arrays are recycled with
     * them: a mini-batch product (one per LiSSA step) allocates nothing after the first but its result.
     */
    @Override
    public INDArray hvpOnce(INDArray x, INDArray y, INDArray v, boolean gaussNewton, INDArray diagonal) {
        return product(null, x, y, v, gaussNewton, diagonal);
    }

    /** The product over {@code cached}, or over a pass on {@code x}, {@code y} computed in the workspace. */
    private INDArray product(Pass cached, INDArray x, INDArray y, INDArray v, boolean gaussNewton,
                             INDArray diagonal) {
        INDArray hv = Nd4j.zeros(DataType.DOUBLE, v.length());
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(HVP_WORKSPACE_CONFIG,
                HVP_WORKSPACE)) {
            hvpInto(cached != null ? cached : pass(x, y), v, gaussNewton, hv);
            if (diagonal != null) {
                hv.addi(diagonal.mul(v));
            }
        }
        return hv;
    }

    /** Name of the thread-local workspace that holds an HVP's temporaries between calls. */
    static final String HVP_WORKSPACE = "influence4j-hvp";

    /** DL4J's own layer-workspace settings: learn the size on the first loop, then reuse; grow if needed. */
    static final WorkspaceConfiguration HVP_WORKSPACE_CONFIG = Scratch.CONFIG;

    private void hvpInto(Pass pass, INDArray v, boolean gaussNewton, INDArray hv) {
        int m = blocks.size();
        double scale = 1.0 / pass.n();
        INDArray[] vw = new INDArray[m];
        INDArray[] vb = new INDArray[m];
        for (int k = 0; k < m; k++) {
            Block bl = blocks.get(k);
            if (bl.analysed()) {
                vw[k] = v.get(NDArrayIndex.interval(bl.subW(), bl.subW() + bl.din() * bl.dout())).dup()
                        .reshape('f', bl.din(), bl.dout());
                if (bl.subB() >= 0) {
                    vb[k] = v.get(NDArrayIndex.interval(bl.subB(), bl.subB() + bl.dout())).dup().reshape(1, bl.dout());
                }
            }
        }
        // tangent forward: Rz_k = R(a_k) W_k + a_k V_W + v_b,  R(a_{k+1}) = σ'(z_k) ⊙ Rz_k
        INDArray[] raIn = new INDArray[m];
        INDArray[] rz = new INDArray[m];
        INDArray ra = null; // R(a_0) = 0: the input has no tangent
        for (int k = 0; k < m; k++) {
            Block bl = blocks.get(k);
            raIn[k] = ra;
            INDArray t = ra == null ? null : ra.mmul(bl.w());
            if (bl.analysed()) {
                if (t == null) {
                    t = pass.a()[k].mmul(vw[k]);
                } else {
                    Nd4j.gemm(pass.a()[k], vw[k], t, false, false, 1.0, 1.0);
                }
                if (vb[k] != null) {
                    t.addiRowVector(vb[k]);
                }
            }
            rz[k] = t;
            ra = t == null ? null : (pass.d1()[k] == null ? t : t.mul(pass.d1()[k]));
        }
        if (ra == null) {
            return;
        }
        // tangent backward
        INDArray re = head.deltaTangent(pass.out(), ra);        // R(e_{m-1}) = H_out R(a_m), fresh
        for (int k = m - 1; k >= 0; k--) {
            Block bl = blocks.get(k);
            // Rδ_k = R(e_k) ⊙ σ'(z_k) + e_k ⊙ σ''(z_k) ⊙ Rz_k   (re and rz[k] are this call's own arrays)
            INDArray rd = pass.d1()[k] == null ? re : re.muli(pass.d1()[k]);
            if (!gaussNewton && pass.ed2()[k] != null && rz[k] != null) {
                rd.addi(rz[k] == ra ? rz[k].mul(pass.ed2()[k]) : rz[k].muli(pass.ed2()[k]));
            }
            if (bl.analysed()) {
                // R(∇W)ᵀ = Rδ_kᵀ a_k + δ_kᵀ R(a_k), written (scaled by 1/n) into the 'f'-order W block
                long len = bl.din() * bl.dout();
                INDArray hwT = hv.get(NDArrayIndex.interval(bl.subW(), bl.subW() + len)).reshape('c', bl.dout(),
                        bl.din());
                Nd4j.gemm(rd, pass.a()[k], hwT, true, false, scale, 0.0);
                if (!gaussNewton && raIn[k] != null) {
                    Nd4j.gemm(pass.delta()[k], raIn[k], hwT, true, false, scale, 1.0);
                }
                if (bl.subB() >= 0) {
                    hv.get(NDArrayIndex.interval(bl.subB(), bl.subB() + bl.dout()))
                            .assign(rd.sum(0).reshape(bl.dout())).muli(scale);
                }
            }
            if (k > 0) {
                // R(e_{k-1}) = Rδ_k W_kᵀ + δ_k V_Wᵀ
                INDArray next = rd.mmul(bl.w().transpose());
                if (!gaussNewton && bl.analysed()) {
                    Nd4j.gemm(pass.delta()[k], vw[k], next, false, true, 1.0, 1.0);
                }
                re = next;
            }
        }
    }

    /** {@code gᵢᵀv} for every example: {@code Σ_k rowsum((a_k V_W) ⊙ δ_k) + δ_k v_b}; shape {@code [n]}. */
    @Override
    public INDArray dots(ExactChain.Pass generic, INDArray v) {
        Pass pass = (Pass) generic;
        INDArray dots = Nd4j.zeros(DataType.DOUBLE, pass.n(), 1);
        for (int k = 0; k < blocks.size(); k++) {
            Block bl = blocks.get(k);
            if (!bl.analysed()) {
                continue;
            }
            INDArray vw = v.get(NDArrayIndex.interval(bl.subW(), bl.subW() + bl.din() * bl.dout())).dup()
                    .reshape('f', bl.din(), bl.dout());
            dots.addi(pass.a()[k].mmul(vw).muli(pass.delta()[k]).sum(true, 1));
            if (bl.subB() >= 0) {
                INDArray vb = v.get(NDArrayIndex.interval(bl.subB(), bl.subB() + bl.dout())).dup()
                        .reshape(bl.dout(), 1);
                dots.addi(pass.delta()[k].mmul(vb));
            }
        }
        return dots.reshape(pass.n());
    }

    /** The per-example gradients as rows {@code aᵢ ⊗ δᵢ} (subset layout), shape {@code [n, p]}. */
    @Override
    public INDArray perExampleGradients(ExactChain.Pass generic, long p) {
        Pass pass = (Pass) generic;
        INDArray g = Nd4j.zeros(DataType.DOUBLE, pass.n(), p);
        for (int k = 0; k < blocks.size(); k++) {
            Block bl = blocks.get(k);
            if (!bl.analysed()) {
                continue;
            }
            INDArray a = pass.a()[k];
            INDArray d = pass.delta()[k];
            for (long j = 0; j < bl.dout(); j++) {
                long c0 = bl.subW() + j * bl.din();  // column j of W, 'f' order
                // aᵢ·δᵢⱼ written in place: no n × d_in temporary per output unit (d_out of them per layer and block)
                g.get(NDArrayIndex.all(), NDArrayIndex.interval(c0, c0 + bl.din())).assign(a)
                        .muliColumnVector(d.getColumn(j, true));
            }
            if (bl.subB() >= 0) {
                g.get(NDArrayIndex.all(), NDArrayIndex.interval(bl.subB(), bl.subB() + bl.dout())).assign(d);
            }
        }
        return g;
    }

    private static void put(INDArray target, Block bl, INDArray w, INDArray b) {
        long len = bl.din() * bl.dout();
        target.get(NDArrayIndex.interval(bl.subW(), bl.subW() + len)).addi(Nd4j.toFlattened('f', w).reshape(len));
        if (bl.subB() >= 0) {
            target.get(NDArrayIndex.interval(bl.subB(), bl.subB() + bl.dout())).addi(b.reshape(bl.dout()));
        }
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        for (Block b : blocks) {
            s.append("dense").append(b.position()).append('(').append(b.act()).append(b.analysed() ? "" : ", frozen")
                    .append(") ");
        }
        return s.append("→ ").append(head).toString();
    }
}
