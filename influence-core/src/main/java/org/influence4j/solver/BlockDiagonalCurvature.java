package org.influence4j.solver;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.hvp.MiniBatchHessianVectorProduct;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link Curvature#blockDiagonal()}: the base curvature with every entry {@code H_ij} between parameters of different
 * blocks set to zero. A product {@code H_bd v} takes one product of the base operator per block on which {@code v} is
 * not zero: for block {@code b} with index set {@code I_b}, {@code (H_bd v)_{I_b} = (H (P_b v))_{I_b}}, where
 * {@code P_b v} keeps the entries of {@code v} in {@code I_b} and zeroes the rest.
 */
final class BlockDiagonalCurvature implements Curvature {

    /**
     * Cache keys of this curvature live apart from the base's (the same key means another matrix here) and from
     * those of other partitions of the same base.
     */
    private record BlockKey(Partition partition, Object key) {
    }

    /** A partition as the block of every index, blocks numbered in order of their smallest index (canonical). */
    private static final class Partition {
        private final int[] owner;
        private final int hash;

        Partition(int[][] blocks, int p) {
            int[] raw = new int[p];
            for (int b = 0; b < blocks.length; b++) {
                for (int i : blocks[b]) {
                    raw[i] = b;
                }
            }
            int[] relabel = new int[blocks.length];
            Arrays.fill(relabel, -1);
            owner = new int[p];
            int next = 0;
            for (int i = 0; i < p; i++) {
                if (relabel[raw[i]] < 0) {
                    relabel[raw[i]] = next++;
                }
                owner[i] = relabel[raw[i]];
            }
            hash = Arrays.hashCode(owner);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Partition q && hash == q.hash && Arrays.equals(owner, q.owner);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private final Curvature base;
    private final int[][] blocks;
    private final Partition partition;
    private final boolean layerBlocks;
    /** {@code [lo_0, hi_0, lo_1, hi_1, …]} when every block is a contiguous range {@code lo … hi−1}; else null. */
    private final long[] ranges;

    private BlockDiagonalCurvature(Curvature base, int[][] blocks, boolean layerBlocks) {
        this.base = base;
        this.blocks = blocks;
        this.ranges = ranges(blocks);
        this.partition = new Partition(blocks, (int) base.dimension());
        this.layerBlocks = layerBlocks;
    }

    /**
     * The blocks as {@code [lo, hi)} pairs when each is a contiguous range of indices (in any order; the blocks of a
     * validated partition hold no index twice), as the layer blocks of dense and convolutional chains are; else null.
     */
    private static long[] ranges(int[][] blocks) {
        long[] r = new long[2 * blocks.length];
        for (int b = 0; b < blocks.length; b++) {
            int lo = Integer.MAX_VALUE;
            int hi = Integer.MIN_VALUE;
            for (int i : blocks[b]) {
                lo = Math.min(lo, i);
                hi = Math.max(hi, i);
            }
            if ((long) hi - lo + 1 != blocks[b].length) {
                return null;
            }
            r[2 * b] = lo;
            r[2 * b + 1] = hi + 1L;
        }
        return r;
    }

    /** The block-diagonal part of {@code base} over its layer blocks ({@link Curvature#layerStatistics()}). */
    static BlockDiagonalCurvature ofLayers(Curvature base) {
        LayerStatistics stats = base.layerStatistics().orElseThrow(() -> new IllegalStateException("the curvature "
                + base + " offers no layer structure (layerStatistics() is empty), so it has no layer blocks; use a "
                + "model with layer statistics (DL4J dense and convolutional chains) or pass the blocks as "
                + "blockDiagonal(List<int[]>)"));
        List<int[]> blocks = new ArrayList<>();
        for (LayerBlock b : stats.blocks()) {
            blocks.add(b.parameterIndex());
        }
        return new BlockDiagonalCurvature(base, checkPartition(base, blocks), true);
    }

    /** The block-diagonal part of {@code base} over {@code blocks}, validated as a partition of {@code 0 … p−1}. */
    static BlockDiagonalCurvature of(Curvature base, List<int[]> blocks) {
        return new BlockDiagonalCurvature(base, checkPartition(base, blocks), false);
    }

    private static int[][] checkPartition(Curvature base, List<int[]> blocks) {
        java.util.Objects.requireNonNull(blocks, "blocks");
        long p = base.dimension();
        if (p > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the curvature has dimension " + p + "; a block-diagonal curvature "
                    + "indexes parameters with int and supports at most " + Integer.MAX_VALUE);
        }
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("blocks is empty; pass a partition of the parameter indices 0 … "
                    + (p - 1) + " into non-empty blocks");
        }
        int[] owner = new int[(int) p];
        Arrays.fill(owner, -1);
        int[][] copy = new int[blocks.size()][];
        for (int b = 0; b < copy.length; b++) {
            int[] block = java.util.Objects.requireNonNull(blocks.get(b), "blocks[" + b + "]");
            if (block.length == 0) {
                throw new IllegalArgumentException("blocks[" + b + "] is empty; every block needs at least one "
                        + "parameter index (drop it from the list)");
            }
            for (int i : block) {
                if (i < 0 || i >= p) {
                    throw new IllegalArgumentException("blocks[" + b + "] contains index " + i + ", outside 0 … "
                            + (p - 1) + " (the curvature's dimension is " + p + ")");
                }
                if (owner[i] >= 0) {
                    throw new IllegalArgumentException("parameter index " + i + " is in blocks[" + owner[i]
                            + "] and blocks[" + b + "]; the blocks must not overlap");
                }
                owner[i] = b;
            }
            copy[b] = block.clone();
        }
        for (int i = 0; i < p; i++) {
            if (owner[i] < 0) {
                throw new IllegalArgumentException("parameter index " + i + " is in no block; the blocks must cover "
                        + "every index 0 … " + (p - 1) + " (put the remaining parameters in a block of their own)");
            }
        }
        return copy;
    }

    @Override
    public long dimension() {
        return base.dimension();
    }

    @Override
    public int numExamples() {
        return base.numExamples();
    }

    @Override
    public HessianVectorProduct hessian() {
        return new BlockOperator(base.hessian(), blocks, ranges);
    }

    @Override
    public MiniBatchHessianVectorProduct miniBatches(int batchSize) {
        MiniBatchHessianVectorProduct mb = base.miniBatches(batchSize);
        int[][] bs = blocks;
        long[] rs = ranges;
        return new MiniBatchHessianVectorProduct() {
            @Override
            public HessianVectorProduct sampleBatch(SplittableRandom rng) {
                return new BlockOperator(mb.sampleBatch(rng), bs, rs);
            }

            /** One batch drawn, then one product with it per block (the batch is left to the collector). */
            @Override
            public INDArray applySampled(SplittableRandom rng, INDArray v) {
                return sampleBatch(rng).apply(v);
            }

            @Override
            public int batchSize() {
                return mb.batchSize();
            }

            @Override
            public long dimension() {
                return mb.dimension();
            }

            @Override
            public INDArray apply(INDArray v) {
                return new BlockOperator(mb, bs, rs).apply(v);
            }

            @Override
            public String toString() {
                return "BlockDiagonal[" + mb + ", " + bs.length + " blocks]";
            }
        };
    }

    @Override
    public Optional<LayerStatistics> layerStatistics() {
        return base.layerStatistics();
    }

    @Override
    public String fingerprint() {
        return base.fingerprint();
    }

    @Override
    public <T> T cached(Object key, Supplier<T> compute) {
        return base.cached(new BlockKey(partition, key), compute);
    }

    /** This curvature when its blocks are the layers; otherwise the layer blocks of these blocks. */
    @Override
    public Curvature blockDiagonal() {
        return layerBlocks ? this : ofLayers(this);
    }

    @Override
    public String toString() {
        return "BlockDiagonal[" + base + ", " + blocks.length + " blocks]";
    }

    /**
     * {@code v ↦ H_bd v}, one product of {@code h} per block; {@code ranges} as {@link #ranges(int[][])} (then the
     * restriction and the gathering are views and copies of ND4J arrays, not element loops in Java).
     */
    private record BlockOperator(HessianVectorProduct h, int[][] blocks, long[] ranges)
            implements HessianVectorProduct {
        @Override
        public long dimension() {
            return h.dimension();
        }

        @Override
        public INDArray apply(INDArray v) {
            HessianVectorProduct.checkArgument(this, v); // shape, type and finiteness
            if (ranges != null) {
                return applyRanges(v);
            }
            double[] x = v.castTo(DataType.DOUBLE).toDoubleVector();
            double[] out = new double[x.length];
            double[] part = new double[x.length];
            for (int[] block : blocks) {
                boolean zero = true;
                for (int i : block) {
                    part[i] = x[i];
                    zero &= x[i] == 0;
                }
                if (zero) {
                    continue; // H·0 = 0: no product (forming the dense matrix costs p products, not p per block)
                }
                INDArray in = Nd4j.createFromArray(part);
                INDArray hv = h.apply(in);
                in.close();
                double[] y = hv.toDoubleVector();
                hv.close();
                for (int i : block) {
                    out[i] = y[i];
                    part[i] = 0;
                }
            }
            return Nd4j.createFromArray(out);
        }

        private INDArray applyRanges(INDArray v) {
            long p = h.dimension();
            INDArray x = v.castTo(DataType.DOUBLE);
            if (x.rank() != 1) {
                x = x.reshape(p);
            }
            INDArray out = Nd4j.zeros(DataType.DOUBLE, p);
            INDArray part = null;
            for (int b = 0; b < ranges.length; b += 2) {
                INDArrayIndex range = NDArrayIndex.interval(ranges[b], ranges[b + 1]);
                INDArray xb = x.get(range);
                if (xb.amaxNumber().doubleValue() == 0) {
                    continue; // H·0 = 0: no product
                }
                if (part == null) {
                    part = Nd4j.zeros(DataType.DOUBLE, p);
                }
                INDArray pb = part.get(range);
                pb.assign(xb);
                INDArray hv = h.apply(part);
                out.get(range).assign(hv.reshape(p).get(range));
                hv.close();
                pb.assign(0);
            }
            if (part != null) {
                part.close();
            }
            return out;
        }

        @Override
        public Optional<INDArray> denseMatrix() {
            return h.denseMatrix().map(m -> {
                int p = (int) h.dimension();
                int[] owner = new int[p];
                for (int b = 0; b < blocks.length; b++) {
                    for (int i : blocks[b]) {
                        owner[i] = b;
                    }
                }
                double[][] a = m.castTo(DataType.DOUBLE).toDoubleMatrix();
                for (int i = 0; i < p; i++) {
                    for (int j = 0; j < p; j++) {
                        if (owner[i] != owner[j]) {
                            a[i][j] = 0;
                        }
                    }
                }
                return Nd4j.createFromArray(a);
            });
        }

        @Override
        public String toString() {
            return "BlockDiagonal[" + h + ", " + blocks.length + " blocks]";
        }
    }
}
