package org.influence4j.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.BinaryOperator;
import java.util.function.Supplier;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.influence4j.ProgressListener;
import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.hvp.MiniBatchHessianVectorProduct;
import org.influence4j.model.InfluenceModel;
import org.influence4j.solver.Curvature;
import org.influence4j.solver.FisherSampling;
import org.influence4j.solver.LayerBatch;
import org.influence4j.solver.LayerBlock;
import org.influence4j.solver.LayerStatistics;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The curvature of a model's training objective over {@link TrainingData} held by Spark, as every
 * {@link org.influence4j.solver.IHVPSolver} of the core sees it, so the single-machine solvers run unchanged on the
 * driver:
 * <ul>
 *   <li>{@link #hessian()}: {@code Hv = (1/n) Σ_blocks n_b · H_b v}, where {@code H_b} is the model's own Hessian
 *       over a block of {@code n_b} examples (its regulariser term, weighted by {@code n_b/n}, sums to the
 *       regulariser's once). One Spark job per product: {@code v} is broadcast, each partition sums its blocks
 *       (the block operators, with their cached forward state, stay on the executors between products), and the
 *       per-partition sums are merged in partition order. The driver runs conjugate gradient on it.</li>
 *   <li>{@link #layerStatistics()}: the model's layer statistics of every block, with example indices of the whole
 *       data (so sampled Fisher labels are the single-machine ones), aggregated per partition and merged in a tree
 *       ({@code treeAggregate}'s shape, in a fixed order). K-FAC and EK-FAC factors are fitted from it by the core's
 *       own code; only the eigendecompositions run on the driver.</li>
 *   <li>{@link #miniBatches(int)}: batches drawn on the driver as the single-machine curvature draws them (distinct
 *       examples, uniformly), each product one Spark job in which every partition keeps the drawn examples of its
 *       blocks.</li>
 * </ul>
 * Results equal the single-machine curvature's to rounding (the order of summation differs), whatever the
 * partitioning. Thread-safe; {@link #cached} computes each key once.
 */
public final class SparkCurvature implements Curvature {

    /** Consecutive examples an executor hands to the model in one call (layer statistics, scoring). */
    static final int RUN_ROWS = 8192;

    private final Broadcast<SparkModel> model;
    private final TrainingData data;
    private final ProgressListener progress;
    private final UUID id = UUID.randomUUID();
    private final int n;
    private final long p;
    private final HessianVectorProduct hessian;
    private final ConcurrentHashMap<Object, Supplier<?>> cache = new ConcurrentHashMap<>();
    private final com.google.common.base.Supplier<Optional<LayerStatistics>> statistics;

    /**
     * @param model    the model recipe, broadcast (executors rebuild the model from it once per JVM)
     * @param data     the training data (its fit to the model is checked by the caller)
     * @param progress receives finished Spark tasks per pass
     * @throws IllegalArgumentException if the data has more than {@code Integer.MAX_VALUE} examples
     */
    SparkCurvature(Broadcast<SparkModel> model, TrainingData data, ProgressListener progress) {
        this.model = Objects.requireNonNull(model, "model");
        this.data = Objects.requireNonNull(data, "data");
        this.progress = Objects.requireNonNull(progress, "progress");
        if (data.numExamples() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the training data has " + data.numExamples() + " examples; at most "
                    + Integer.MAX_VALUE + " are supported");
        }
        this.n = (int) data.numExamples();
        InfluenceModel local = model.value().model();
        this.p = local.numParameters();
        this.hessian = new DistributedHessian();
        this.statistics = com.google.common.base.Suppliers.memoize(() -> {
            DataSet one = firstExample();
            Optional<LayerStatistics> s = local.layerStatistics(one, 0);
            if (s.isPresent() && local.layerStatistics(one, 1).isEmpty()) {
                // the executors need statistics of slices that start anywhere (for the sampled labels' seeds)
                throw new IllegalArgumentException("the model " + model.value().describe() + " offers layer "
                        + "statistics only for a whole data set; a distributed fit needs those of slices: override "
                        + "InfluenceModel.layerStatistics(DataSet, long firstExample)");
            }
            return s.map(st -> new DistributedStatistics(st.blocks()));
        });
    }

    /** The data's first example, as a one-row data set (to learn the model's layer structure on the driver). */
    private DataSet firstExample() {
        RowBlock first = data.blocks().filter(b -> b.first() == 0).first();
        DataSet ds = first.toDataSet();
        return new DataSet(ds.getFeatures().getRow(0, true).dup(), ds.getLabels().getRow(0, true).dup());
    }

    @Override
    public long dimension() {
        return p;
    }

    @Override
    public int numExamples() {
        return n;
    }

    @Override
    public HessianVectorProduct hessian() {
        return hessian;
    }

    @Override
    public MiniBatchHessianVectorProduct miniBatches(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize (" + batchSize + ") must be >= 1");
        }
        if (batchSize >= n) {
            return Curvature.fullBatch(hessian, n);
        }
        return new DistributedMiniBatches(batchSize);
    }

    @Override
    public <T> T cached(Object key, Supplier<T> compute) {
        return org.influence4j.internal.Memo.get(cache, key, compute);
    }

    @Override
    public Optional<LayerStatistics> layerStatistics() {
        return statistics.get();
    }

    /**
     * Drops the executor-side block operators of this curvature on every executor that holds blocks of the data (one
     * small Spark job) and in this JVM; later products rebuild them.
     */
    void release() {
        UUID me = id;
        PartitionCache.invalidate(k -> k instanceof BlockKey b && b.curvature().equals(me));
        Jobs.run(data.context(), "releasing cached block operators", ProgressListener.NONE, () -> {
            data.blocks().foreachPartition(it -> PartitionCache.invalidate(k -> k instanceof BlockKey b
                    && b.curvature().equals(me)));
            return null;
        });
    }

    @Override
    public String toString() {
        return "SparkCurvature[" + model.value().describe() + ", n=" + n + ", partitions=" + data.partitions() + "]";
    }

    /** Identifies an executor-side block operator. */
    record BlockKey(UUID curvature, long first) implements Serializable {
    }

    // -------------------------------------------------------------------------------------------- Hessian

    /** Adds {@code w·x} to {@code acc} (allocated on first use). */
    private static double[] axpy(double[] acc, double w, double[] x) {
        double[] a = acc == null ? new double[x.length] : acc;
        for (int i = 0; i < x.length; i++) {
            a[i] += w * x[i];
        }
        return a;
    }

    private static double[] sum(double[] a, double[] b) {
        for (int i = 0; i < a.length; i++) {
            a[i] += b[i];
        }
        return a;
    }

    private double[] checkedVector(INDArray v) {
        Objects.requireNonNull(v, "v");
        if (v.length() != p || (v.rank() > 1 && !v.isVector())) {
            throw new IllegalArgumentException("v has shape " + java.util.Arrays.toString(v.shape())
                    + "; expected a vector of length " + p);
        }
        double[] x = v.castTo(DataType.DOUBLE).toDoubleVector();
        for (int i = 0; i < x.length; i++) {
            if (!Double.isFinite(x[i])) {
                throw new IllegalArgumentException("v has a non-finite value " + x[i] + " at index " + i);
            }
        }
        return x;
    }

    /** {@code Σ_b w_b H_b v} over the blocks that {@code select} keeps, {@code w_b} its selected rows. */
    private double[] distributedProduct(double[] v, String task, long[] selected) {
        JavaSparkContext sc = data.context();
        Broadcast<double[]> bv = sc.broadcast(v);
        Broadcast<long[]> bs = selected == null ? null : sc.broadcast(selected);
        try {
            Broadcast<SparkModel> m = model;
            UUID cid = id;
            JavaRDD<double[]> partials = data.blocks().mapPartitions(it -> {
                double[] acc = null;
                INDArray vec = null;
                while (it.hasNext()) {
                    RowBlock b = it.next();
                    HessianVectorProduct h;
                    int weight;
                    if (bs == null) {
                        InfluenceModel local = m.value().model();
                        h = PartitionCache.get(new BlockKey(cid, b.first()), () -> local.hessian(b.toDataSet()));
                        weight = b.rows();
                    } else {
                        int[] rows = rowsOf(bs.value(), b);
                        if (rows.length == 0) {
                            continue;
                        }
                        h = m.value().model().hessian(org.influence4j.model.DataSets.subset(b.toDataSet(), rows));
                        weight = rows.length;
                    }
                    if (vec == null) {
                        vec = Nd4j.createFromArray(bv.value());
                    }
                    acc = axpy(acc, weight, h.apply(vec).castTo(DataType.DOUBLE).toDoubleVector());
                }
                return acc == null ? java.util.Collections.emptyIterator() : List.of(acc).iterator();
            });
            return Jobs.run(sc, task, progress, () -> Jobs.reduce(partials, (BinaryOperator<double[]>
                    & Serializable) SparkCurvature::sum));
        } finally {
            bv.unpersist(false);   // non-blocking: a blocking destroy would throw if the thread is interrupted
            if (bs != null) {
                bs.unpersist(false);
            }
        }
    }

    /** The positions within block {@code b} of the sorted example indices {@code selected}. */
    private static int[] rowsOf(long[] selected, RowBlock b) {
        int from = java.util.Arrays.binarySearch(selected, b.first());
        from = from < 0 ? -from - 1 : from;
        List<Integer> rows = new ArrayList<>();
        for (int i = from; i < selected.length && selected[i] < b.end(); i++) {
            rows.add((int) (selected[i] - b.first()));
        }
        return rows.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The full Hessian, one Spark job per product. */
    private final class DistributedHessian implements HessianVectorProduct {
        @Override
        public long dimension() {
            return p;
        }

        @Override
        public INDArray apply(INDArray v) {
            double[] s = distributedProduct(checkedVector(v), "Hessian-vector product over " + n + " examples",
                    null);
            for (int i = 0; i < s.length; i++) {
                s[i] /= n;
            }
            return Nd4j.createFromArray(s);
        }

        @Override
        public String toString() {
            return "DistributedHessian[p=" + p + ", n=" + n + ", " + model.value().describe() + "]";
        }
    }

    /**
     * Mini-batch Hessians: batch indices drawn on the driver ({@code batchSize} distinct examples, uniformly, by a
     * partial Fisher–Yates shuffle of {@code 0 … n−1} with the solver's generator), the product one job over their
     * blocks.
     */
    private final class DistributedMiniBatches implements MiniBatchHessianVectorProduct {
        private final int batchSize;

        DistributedMiniBatches(int batchSize) {
            this.batchSize = batchSize;
        }

        @Override
        public HessianVectorProduct sampleBatch(SplittableRandom rng) {
            // the single-machine curvature's draw (the same indices for the same generator), sorted
            long[] selected = java.util.Arrays.stream(org.influence4j.internal.Sampling.sampleWithoutReplacement(n,
                    batchSize, rng)).asLongStream().sorted().toArray();
            return new HessianVectorProduct() {
                @Override
                public long dimension() {
                    return p;
                }

                @Override
                public INDArray apply(INDArray v) {
                    double[] s = distributedProduct(checkedVector(v), "mini-batch Hessian-vector product", selected);
                    for (int i = 0; i < s.length; i++) {
                        s[i] /= selected.length;
                    }
                    return Nd4j.createFromArray(s);
                }
            };
        }

        @Override
        public int batchSize() {
            return batchSize;
        }

        @Override
        public long dimension() {
            return p;
        }

        @Override
        public INDArray apply(INDArray v) {
            return hessian.apply(v);
        }
    }

    // ------------------------------------------------------------------------------------- layer statistics

    /** Layer statistics whose passes are Spark jobs over the blocks. */
    private final class DistributedStatistics implements LayerStatistics {
        private final List<LayerBlock> blocks;

        DistributedStatistics(List<LayerBlock> blocks) {
            this.blocks = List.copyOf(blocks);
        }

        @Override
        public List<LayerBlock> blocks() {
            return blocks;
        }

        @Override
        public int numExamples() {
            return n;
        }

        @Override
        public <A> A aggregate(FisherSampling sampling, long seed, Supplier<A> zero, BiConsumer<A, LayerBatch> add,
                               BinaryOperator<A> combine) {
            Objects.requireNonNull(sampling, "sampling");
            for (Object f : new Object[] {zero, add, combine}) {
                if (!(Objects.requireNonNull(f, "callback") instanceof Serializable)) {
                    throw new IllegalArgumentException("a distributed layer-statistics pass needs Serializable "
                            + "callbacks, but " + f.getClass().getName() + " is not; declare the lambda with an "
                            + "intersection cast, e.g. (Supplier<A> & Serializable) () -> ...");
                }
            }
            Broadcast<SparkModel> m = model;
            JavaRDD<A> partials = data.blocks().mapPartitions(blocks -> {
                A acc = null;
                java.util.Iterator<RowBlock> it = RowBlock.runs(blocks, RUN_ROWS);
                while (it.hasNext()) {
                    RowBlock b = it.next();
                    DataSet ds = b.toDataSet();
                    LayerStatistics s = m.value().model().layerStatistics(ds, b.first()).orElseThrow(() ->
                            new IllegalStateException("the model offers no layer statistics on an executor"));
                    A part = s.aggregate(sampling, seed, zero, add, combine);
                    RowBlock.close(ds);   // off-heap memory back now, not when a collector runs
                    acc = acc == null ? part : combine.apply(acc, part);
                }
                return acc == null ? java.util.Collections.emptyIterator() : List.of(acc).iterator();
            });
            return Jobs.run(data.context(), "layer statistics over " + n + " examples", progress,
                    () -> Jobs.reduce(partials, combine));
        }
    }
}
