package org.influence4j.dl4j;

import java.util.Arrays;
import java.util.Objects;

import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.influence4j.internal.Arguments;
import org.influence4j.model.DataSets;
import org.influence4j.validation.Retrainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leave-one-out ground truth for DL4J networks: copies the trained network (the original is never touched), removes
 * the given training examples, and continues training <em>warm-started</em> from θ̂ for a fixed number of full-batch
 * iterations (each iteration is one {@code fit} on the whole remaining set as one batch), then returns the mean test
 * loss without regulariser.
 *
 * <p>Defaults: 100 iterations with the network's own updater and its state (Adam moments and iteration counters are
 * copied, so the warm start continues where training stopped); dropout and weight noise disabled (the analysed
 * objective); seed 0 for ND4J's random generator before each retraining. Influence assumes that θ̂ is a stationary
 * point: check {@link #objectiveGradientNorm(Object, DataSet)} of the trained network first, and retrain long enough
 * that the retrained network is stationary too. A converged network's Adam state has near-zero second moments, so
 * warm-started Adam takes large first steps: prefer a fresh updater ({@link Builder#updater(IUpdater)}, e.g. plain
 * SGD) for retraining converged networks. (DL4J's {@code OptimizationAlgorithm.LBFGS} was tried and stalled on
 * softmax regression in 1.0.0-M2.1, so it is not offered.)
 *
 * <p>Deterministic: full-batch training without dropout repeats bit for bit on the same machine. Each call costs
 * {@code iterations} batch gradients. Thread-safe (every call works on its own copy), but ND4J's random seed is
 * per thread.
 */
public final class Dl4jRetrainer implements Retrainer {

    private static final Logger LOG = LoggerFactory.getLogger(Dl4jRetrainer.class);

    private final Object network;
    private final DataSet train;
    private final int iterations;
    private final IUpdater updater;
    private final long seed;

    private Dl4jRetrainer(Builder b) {
        this.network = b.network;
        this.train = b.train;
        this.iterations = b.iterations;
        this.updater = b.updater;
        this.seed = b.seed;
        NetworkCopy.of(network); // validates the network type and data type now rather than at the first call
    }

    /**
     * A retrainer for {@code network} (MultiLayerNetwork or ComputationGraph, trained) and its training set.
     *
     * @param network the trained network; never modified
     * @param train   the training set it was trained on, in the order whose indices {@code removed} refers to;
     *                copied
     */
    public static Builder builder(Object network, DataSet train) {
        return new Builder(network, train);
    }

    /** Options of {@link Dl4jRetrainer}. */
    public static final class Builder {
        private final Object network;
        private final DataSet train;
        private int iterations = 100;
        private IUpdater updater;
        private long seed;

        private Builder(Object network, DataSet train) {
            this.network = Objects.requireNonNull(network, "network");
            Arguments.checkDataSet("train", train);
            this.train = new DataSet(train.getFeatures().castTo(DataType.DOUBLE).dup(),
                    train.getLabels().castTo(DataType.DOUBLE).dup());
        }

        /** Full-batch iterations per retraining (default 100). */
        public Builder iterations(int iterations) {
            this.iterations = Arguments.checkPositive("iterations", iterations);
            return this;
        }

        /**
         * Retrain with this updater (fresh state) instead of the network's own updater and state; default null
         * (the network's own).
         */
        public Builder updater(IUpdater updater) {
            this.updater = updater;
            return this;
        }

        /** Seed of ND4J's random generator set before every retraining (default 0). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Builds the retrainer. */
        public Dl4jRetrainer build() {
            return new Dl4jRetrainer(this);
        }
    }

    /** {@inheritDoc} The original network is not modified; neither are the arguments. */
    @Override
    public double testLossWithout(int[] removed, DataSet testPoint) {
        Objects.requireNonNull(removed, "removed");
        Arguments.checkDataSet("testPoint", testPoint);
        NetworkCopy copy = retrained(removed);
        DataSet t = testPoint;
        return copy.scoreExamples(t.getFeatures().castTo(DataType.DOUBLE), t.getLabels().castTo(DataType.DOUBLE))
                .meanNumber().doubleValue();
    }

    /** Retrains a copy without {@code removed} and returns it (package-private for tests). */
    NetworkCopy retrained(int[] removed) {
        DataSet rest = removed.length == 0 ? train : DataSets.without(train, removed);
        NetworkCopy copy = NetworkCopy.of(network, c -> {
            if (updater != null && c.getLayer() instanceof BaseLayer bl) {
                bl.setIUpdater(updater.clone());
                bl.setBiasUpdater(null);
            }
        }, updater == null);
        Nd4j.getRandom().setSeed(seed);
        long t0 = System.nanoTime();
        for (int i = 0; i < iterations; i++) {
            copy.fit(rest);
        }
        LOG.debug("retrained without {} in {} iterations ({} ms)", Arrays.toString(removed), iterations,
                (System.nanoTime() - t0) / 1_000_000);
        return copy;
    }

    /**
     * {@code ‖∇R(θ̂)‖₂} of a network's training objective (mean loss plus regulariser): how far θ̂ is from a stationary
     * point. Influence functions assume it is (near) zero.
     */
    public static double objectiveGradientNorm(Object network, DataSet train) {
        return Dl4jInfluenceModel.builder(network).build().objectiveGradient(train).norm2Number().doubleValue();
    }

    @Override
    public String toString() {
        return "Dl4jRetrainer[iterations=" + iterations + ", " + ("updater "
                + (updater == null ? "(network's own, warm state)" : updater)) + ", seed=" + seed + ", n="
                + train.numExamples() + "]";
    }
}
