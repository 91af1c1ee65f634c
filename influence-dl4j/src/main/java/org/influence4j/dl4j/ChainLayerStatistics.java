package org.influence4j.dl4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;
import java.util.function.BinaryOperator;
import java.util.function.Supplier;

import org.influence4j.solver.FisherSampling;
import org.influence4j.solver.LayerBatch;
import org.influence4j.solver.LayerBlock;
import org.influence4j.solver.LayerStatistics;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.MirroringPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The layer statistics of a {@link LayerChain} over one data set: what Kronecker-factored curvatures (K-FAC,
 * EK-FAC) are fitted from.
 *
 * <h2>Blocks</h2>
 * One {@link LayerBlock} per analysed dense, output or convolution layer, in network order (layers outside the
 * analysed parameters are constants: no block, but errors flow back through them). A block's matrix is
 * {@code W [outputs, inputs]}: for a dense layer {@code outputs} units and {@code inputs = d_in (+1)}; for a
 * convolution {@code outputs} channels and {@code inputs = C·kH·kW (+1)} with the columns in the unfolded patch's
 * (kernel row, kernel column, channel) order, which {@link LayerBlock#parameterIndex()} maps to DL4J's
 * {@code [O, C, kH, kW]} layout. The bias is the last column. {@code weightCurvature} is the coefficient of the
 * network's {@code l2}/{@code weightDecay} on the layer's weights (uniform there; regularised biases are not
 * representable and rejected).
 *
 * <h2>One batch</h2>
 * For a chunk of {@code B} examples and a block with {@code T} positions per example (1 for a dense layer,
 * {@code oH·oW} for a convolution), the batch holds the inputs {@code a} as rows {@code [B·T, inputs]} (rows
 * {@code i·T … i·T + T − 1} are example {@code i}'s, in output-pixel order; the bias column is 1) and, per label
 * draw {@code d}, the pre-activation gradients {@code s = ∂ℓᵢ/∂(W a)} of each example's loss at the same rows
 * ({@code [B·T, outputs]}, not divided by n). An example's gradient is {@code dWᵢ = Σₜ sᵢₜ aᵢₜᵀ}.
 *
 * <h2>Labels</h2>
 * One forward pass per chunk, then one backward pass per draw with the head error {@code δ = ∂ℓ/∂z} of that draw:
 * <ul>
 *   <li>{@link FisherSampling#EMPIRICAL}: one draw, the observed labels;</li>
 *   <li>{@link FisherSampling#SAMPLED}: one draw, a label from the model's predictive distribution (softmax
 *       {@code ŷ ~ Categorical(p)}, {@code δ = p − e_ŷ}; sigmoid {@code ŷⱼ ~ Bernoulli(pⱼ)}, {@code δ = p − ŷ};
 *       squared error {@code δ = √(2/k)·ε} (MSE over k outputs) or {@code √2·ε} (L2), {@code ε ~ N(0, I)}),
 *       drawn from a generator seeded by {@code (seed, i)} alone for the example in row {@code i} of the data, so
 *       that the draws do not depend on chunking or threads;</li>
 *   <li>{@link FisherSampling#EXPECTED}: the exact expectation, k weighted draws per example whose outer products
 *       sum to the head's Gauss–Newton curvature {@code Σ_d δ_d δ_dᵀ = ∂²ℓ/∂z²}: softmax
 *       {@code δ_c = √p_c (p − e_c)} ({@code Σ_c = diag(p) − ppᵀ}); sigmoid {@code δ_j = √(p_j(1 − p_j)) e_j};
 *       MSE {@code √(2/k) e_j}; L2 {@code √2 e_j}. Since backward passes are linear in δ, the per-draw gradients
 *       {@code g_d = Jᵀδ_d} satisfy {@code Σ_d g_d g_dᵀ = Jᵀ (∂²ℓ/∂z²) J}: the mean over the examples is exactly the
 *       Gauss–Newton matrix of the mean loss ({@link HvpMode#GAUSS_NEWTON} without the regulariser).</li>
 * </ul>
 *
 * <h2>Cost, memory and threads</h2>
 * A pass costs one forward pass and one backward pass per draw (k for {@code EXPECTED}) over the data, plus the
 * unfolding of each convolution's input (with a column of ones). Chunks are sized so that the forward state, the
 * inputs of every block and the errors of every draw take about {@link LayerChain#CHUNK_SCRATCH_BYTES}; each draw's
 * backward temporaries live in a second workspace that the next draw reuses. Chunk {@code c} runs on worker
 * {@code c mod w} (as many workers as {@link LayerChain#workers} allows) with that worker's accumulator, and the
 * accumulators are combined in worker order, so a pass is reproducible for a given number of workers.
 * {@code add} runs outside any workspace (what it allocates is its own), on the worker's thread.
 *
 * <p>Immutable and thread-safe. Holds the model's DOUBLE working copy of the data's features (after the fixed
 * layers before the first analysed one) and labels.
 */
final class ChainLayerStatistics implements LayerStatistics {

    /** Each draw's backward temporaries, reused by the next draw. */
    private static final String DRAW_WORKSPACE = "influence4j-kfac-draw";

    private static final WorkspaceConfiguration DRAW_CONFIG = WorkspaceConfiguration.builder()
            .initialSize(LayerChain.CHUNK_SCRATCH_BYTES).overallocationLimit(0.1)
            .policyAllocation(AllocationPolicy.OVERALLOCATE).policyLearning(LearningPolicy.OVER_TIME)
            .cyclesBeforeInitialization(1).policyReset(ResetPolicy.BLOCK_LEFT).policyMirroring(MirroringPolicy.FULL)
            .policySpill(SpillPolicy.REALLOCATE).build();

    private final LayerChain chain;
    private final INDArray x;
    private final INDArray y;
    private final int n;
    private final List<ChainNode> nodes;
    private final double[] kappa;
    private final int[] blockNodes;       // node index of each block
    private final List<LayerBlock> blocks;
    private final int outputs;            // k, the head's width
    private final long chunkOverride;     // examples per chunk; <= 0: sized from memory
    private final int workersOverride;    // <= 0: LayerChain.workers
    private final long firstExample;      // index of row 0 in the whole training set (SAMPLED seeds)

    /**
     * @param chain the chain
     * @param x     the chain's input for every example (the model's DOUBLE working copy; kept, never modified)
     * @param y     the labels (kept, never modified)
     * @param kappa the regulariser's curvature per analysed parameter (subset layout)
     * @throws IllegalArgumentException if the regulariser is not {@code c·I} on a layer's weights and 0 on its biases
     */
    ChainLayerStatistics(LayerChain chain, INDArray x, INDArray y, double[] kappa) {
        this(chain, x, y, kappa, 0);
    }

    /**
     * Statistics of a slice of a larger training set: row {@code i} of {@code x} is example {@code firstExample + i}
     * of the whole (its {@link FisherSampling#SAMPLED} draw is seeded by that index).
     */
    ChainLayerStatistics(LayerChain chain, INDArray x, INDArray y, double[] kappa, long firstExample) {
        this(chain, x, y, chain.nodesFor(x), kappa, 0, 0, firstExample);
    }

    private ChainLayerStatistics(LayerChain chain, INDArray x, INDArray y, List<ChainNode> nodes, double[] kappa,
                                 long chunkOverride, int workersOverride, long firstExample) {
        if (firstExample < 0) {
            throw new IllegalArgumentException("firstExample (" + firstExample + ") must be >= 0");
        }
        this.firstExample = firstExample;
        this.chain = chain;
        this.x = x;
        this.y = y;
        this.n = Math.toIntExact(x.size(0));
        this.nodes = nodes;
        this.kappa = kappa;
        this.chunkOverride = chunkOverride;
        this.workersOverride = workersOverride;
        this.outputs = (int) LayerChain.prod(nodes.get(nodes.size() - 1).outShape());
        List<Integer> idx = new ArrayList<>();
        List<LayerBlock> bl = new ArrayList<>();
        int[] covered = new int[kappa.length];
        for (int k = 0; k < nodes.size(); k++) {
            if (nodes.get(k) instanceof KroneckerNode kn && nodes.get(k).analysed()) {
                idx.add(k);
                bl.add(block(kn, kappa, covered));
            }
        }
        for (int i = 0; i < covered.length; i++) {
            if (covered[i] != 1) {
                throw new IllegalStateException("analysed parameter " + i + " is in " + covered[i] + " layer blocks of "
                        + chain + "; expected exactly one");
            }
        }
        this.blockNodes = idx.stream().mapToInt(Integer::intValue).toArray();
        this.blocks = List.copyOf(bl);
    }

    private static LayerBlock block(KroneckerNode kn, double[] kappa, int[] covered) {
        int out = Math.toIntExact(kn.blockOutputs());
        int in = Math.toIntExact(kn.blockInputs());
        int[] index = kn.blockParameterIndex();
        int fanIn = kn.blockBias() ? in - 1 : in;
        double weight = kappa[index[0]];
        for (int o = 0; o < out; o++) {
            for (int j = 0; j < in; j++) {
                int p = index[o * in + j];
                covered[p]++;
                if (j < fanIn && kappa[p] != weight) {
                    throw new IllegalArgumentException(kn.blockName() + " has regulariser curvatures " + weight + " and "
                            + kappa[p] + " on its weights; Kronecker-factored curvature needs one coefficient per "
                            + "layer's weights (configure l2/weightDecay per layer, not per parameter)");
                }
                if (j >= fanIn && kappa[p] != 0) {
                    throw new IllegalArgumentException(kn.blockName() + " regularises its bias (curvature " + kappa[p]
                            + "), which Kronecker-factored curvature does not represent (it adds c·I on the weights "
                            + "only); remove l2Bias/weightDecayBias or use another solver");
                }
            }
        }
        return new LayerBlock(kn.blockName(), out, in, kn.blockBias(), Math.toIntExact(kn.blockPositions()), weight,
                index);
    }

    /** A copy that uses {@code chunk} examples per chunk and {@code workers} threads (≤ 0: automatic); for tests. */
    ChainLayerStatistics withChunking(long chunk, int workers) {
        return new ChainLayerStatistics(chain, x, y, nodes, kappa, chunk, workers, firstExample);
    }

    @Override
    public List<LayerBlock> blocks() {
        return blocks;
    }

    @Override
    public int numExamples() {
        return n;
    }

    /** Label draws per example. */
    int draws(FisherSampling sampling) {
        return sampling == FisherSampling.EXPECTED ? outputs : 1;
    }

    /**
     * Examples per chunk: the forward state and temporaries of every node, the block inputs and the errors of every
     * draw within {@link LayerChain#CHUNK_SCRATCH_BYTES}.
     */
    long chunkSize(int draws) {
        if (chunkOverride > 0) {
            return chunkOverride;
        }
        long d = 0;
        for (ChainNode node : nodes) {
            d += node.scratchDoublesPerExample() + node.cachedDoublesPerExample();
        }
        long errors = outputs;
        for (LayerBlock b : blocks) {
            d += (long) b.positions() * b.inputs();
            errors += (long) b.positions() * b.outputs();
        }
        d += draws * errors;
        return Math.max(1, Math.min(4096, LayerChain.CHUNK_SCRATCH_BYTES / Math.max(1, 8 * d)));
    }

    @Override
    public <A> A aggregate(FisherSampling sampling, long seed, Supplier<A> zero, BiConsumer<A, LayerBatch> add,
                           BinaryOperator<A> combine) {
        Objects.requireNonNull(sampling, "sampling");
        Objects.requireNonNull(zero, "zero");
        Objects.requireNonNull(add, "add");
        Objects.requireNonNull(combine, "combine");
        long chunk = chunkSize(draws(sampling));
        int chunks = (int) ((n + chunk - 1) / chunk);
        int workers = workersOverride > 0 ? Math.min(workersOverride, chunks) : LayerChain.workers(chunks);
        List<A> acc = new ArrayList<>(workers);
        try (MemoryWorkspace none = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            for (int w = 0; w < workers; w++) {
                acc.add(zero.get());
            }
        }
        LayerChain.inRoundRobin(chunks, workers, (c, w) -> {
            long start = c * chunk;
            LayerBatch batch = batch(sampling, seed, start, Math.min(chunk, n - start));
            try (MemoryWorkspace none = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                add.accept(acc.get(w), batch);
            }
        }, "layer statistics over " + n + " examples");
        try (MemoryWorkspace none = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            A result = acc.get(0);
            for (int w = 1; w < workers; w++) {
                result = combine.apply(result, acc.get(w));
            }
            return result;
        }
    }

    /** The batch of examples {@code [start, start + b)}, in the current workspace. */
    private LayerBatch batch(FisherSampling sampling, long seed, long start, long b) {
        int m = nodes.size();
        ChainNode.State[] states = new ChainNode.State[m];
        INDArray a = chain.chunkInput(x, start, b);
        for (int k = 0; k < m; k++) {
            ChainNode.Forward f = nodes.get(k).forward(a);
            states[k] = f.state();
            a = f.out();
        }
        LossHead head = chain.head();
        INDArray out = head.output(a);
        INDArray[] deltas = switch (sampling) {
            case EMPIRICAL -> new INDArray[] {head.delta(a, out, y.get(NDArrayIndex.interval(start, start + b)))};
            case SAMPLED -> new INDArray[] {head.sampledDelta(out,
                    i -> new SplittableRandom(exampleSeed(seed, firstExample + start + i)))};
            case EXPECTED -> head.expectedDeltas(out);
        };
        int kb = blockNodes.length;
        INDArray[] activations = new INDArray[kb];
        for (int j = 0; j < kb; j++) {
            activations[j] = kronecker(j).blockActivations(states[blockNodes[j]]);
        }
        INDArray[][] errors = new INDArray[kb][deltas.length];
        if (deltas.length == 1) {
            backward(states, deltas[0]);
            for (int j = 0; j < kb; j++) {
                errors[j][0] = kronecker(j).blockErrors(states[blockNodes[j]]);
            }
        } else {
            for (int d = 0; d < deltas.length; d++) {
                for (int j = 0; j < kb; j++) {
                    LayerBlock bl = blocks.get(j);
                    errors[j][d] = Nd4j.createUninitialized(DataType.DOUBLE, b * bl.positions(), bl.outputs());
                }
                // the backward temporaries of this draw are dropped (reused by the next draw); its errors are copied
                try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(DRAW_CONFIG,
                        DRAW_WORKSPACE)) {
                    backward(states, deltas[d]);
                    for (int j = 0; j < kb; j++) {
                        errors[j][d].assign(kronecker(j).blockErrors(states[blockNodes[j]]));
                    }
                }
            }
        }
        return new LayerBatch(Math.toIntExact(b), activations, errors);
    }

    private KroneckerNode kronecker(int block) {
        return (KroneckerNode) nodes.get(blockNodes[block]);
    }

    /** The backward pass of one head error through every node (each records its error in its state). */
    private void backward(ChainNode.State[] states, INDArray delta) {
        INDArray e = delta;
        for (int k = nodes.size() - 1; k >= 0 && e != null; k--) {
            e = nodes.get(k).backward(states[k], e, k > 0 && LayerChain.needsInputError(nodes, k));
        }
    }

    /**
     * The seed of example {@code i}'s generator: a hash of {@code (seed, i)} (SplitMix64's finaliser, a bijection,
     * applied twice), so that examples get unrelated streams.
     */
    static long exampleSeed(long seed, long i) {
        return mix64(seed ^ mix64(i + 0x9E3779B97F4A7C15L));
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public String toString() {
        return "LayerStatistics[n=" + n + ", blocks=" + blocks + ", " + chain + "]";
    }
}
