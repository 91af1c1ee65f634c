package org.influence4j.solver;

import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.BinaryOperator;
import java.util.function.Supplier;

/**
 * What Kronecker-factored curvatures ({@link KroneckerSolver}) need from a model over its training data: its layer
 * structure ({@link #blocks()}) and streamed per-layer statistics ({@link #aggregate}) — the inputs and
 * pre-activation gradients of every layer, batch by batch. A model adapter implements it (the core owns the algebra
 * and never sees a framework type) and offers it through {@link Curvature#layerStatistics()}.
 *
 * <p>The blocks cover the analysed parameters: every parameter index {@code 0 … p−1} belongs to exactly one block.
 * Implementations are thread-safe and never modify the model or the data.
 */
public interface LayerStatistics {

    /** The layers, in a fixed order; the same list on every call. */
    List<LayerBlock> blocks();

    /** The training examples {@code n} every {@link #aggregate} pass visits. */
    int numExamples();

    /**
     * One pass over the training data at θ̂, reduced: every batch of examples is handed to {@code add} with an
     * accumulator created by {@code zero}, and the accumulators are merged with {@code combine} (as Spark's
     * {@code treeAggregate} does). Batches may be processed on several threads, each with its own accumulator; the
     * assignment of batches to accumulators and the order of merging are fixed for a given number of threads, so the
     * result is reproducible. The library's own callbacks and accumulators are {@link java.io.Serializable} (plain arrays
     * and ND4J arrays), so that a distributed implementation may run {@code add} and {@code combine} on other machines
     * and merge their accumulators there (as {@code influence-spark} does with Spark's tree reduce). An interrupt of the calling thread, or an exception thrown by {@code add}, ends the pass
     * with that exception ({@link java.util.concurrent.CancellationException} for an interrupt).
     *
     * @param sampling which labels the gradients are taken for
     * @param seed     the seed of {@link FisherSampling#SAMPLED} draws (ignored otherwise)
     * @param zero     a fresh, empty accumulator
     * @param add      adds one batch's contribution to an accumulator (the batch's arrays are valid only during the
     *                 call)
     * @param combine  merges two accumulators (may return either, modified)
     * @param <A>      accumulator type
     * @return the merged accumulator
     */
    <A> A aggregate(FisherSampling sampling, long seed, Supplier<A> zero, BiConsumer<A, LayerBatch> add,
                    BinaryOperator<A> combine);
}
