package org.influence4j.validation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.influence4j.internal.Arguments;
import org.influence4j.internal.Memo;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Leave-one-out retrained <em>from scratch</em>: a {@link Retrainer} that trains a fresh model on the training set
 * without the removed examples through a {@link SubsetTrainer}, with <b>one fixed seed for every retraining</b> —
 * the baseline (nothing removed) and every removal set share the initialisation and the random stream of training
 * (dattri's leave-one-out protocol, which retrains each removal from the same seed with the same recipe).
 *
 * <p>Sharing the seed is what makes a from-scratch retraining usable as a ground truth for a non-convex model:
 * two trainings from different initialisations land in different optima, whose test losses differ by far more than
 * one example moves them, while two trainings from the same seed on data that differ in one example follow nearly
 * the same path. For a trainer that draws mini-batches, "the same path" also needs the same order of examples: an
 * order shuffled for {@code n − 1} examples shares nothing with the one shuffled for {@code n}. Give such a trainer
 * an order that a removal only shifts (dattri feeds the remaining examples in index order; with the DL4J adapter,
 * {@code TrainingProtocol.minibatch(epochs, batchSize).withShuffle(false)}). The difference still contains the
 * path's sensitivity, which a warm-started retraining
 * ({@code Dl4jRetrainer}) or PBRF ({@link ProximalBregmanRetrainer}) do not; this ground truth measures what
 * influence functions are most often asked: what would training without the example have produced.
 *
 * <p><b>Test points.</b> A trainer measures a trained model on test examples inside one call and keeps no model, so
 * each call of {@link SubsetTrainer#measure} is one training. Register the test points that will be asked for with
 * {@link Builder#testPoints}: each removal set is then trained once and measured on all of them, and
 * {@link #testLossWithout} finds a test point's rows among the registered ones by exact equality of features and
 * labels. A test point with a row not registered costs one more training per call (correct, but
 * {@code (removals + 1) × test points} trainings for a validation).
 *
 * <p>Measurements of the registered test points are cached per removal set; {@link #prefetch} trains the missing
 * sets on {@link Builder#threads} threads. Thread-safe if the trainer is (as {@link SubsetTrainer} requires).
 * Nothing passed is modified; the trainer never modifies the user's model or data.
 */
public final class SubsetRetrainer implements Retrainer {

    private final SubsetTrainer trainer;
    private final int n;
    private final long seed;
    private final int threads;
    private final DataSet registered;
    private final Map<RowKey, Integer> rowIndex;
    private final Map<Object, Supplier<?>> cache = new ConcurrentHashMap<>();
    private final AtomicLong trainings = new AtomicLong();

    private SubsetRetrainer(Builder b) {
        this.trainer = b.trainer;
        this.n = b.n;
        this.seed = b.seed;
        this.threads = b.threads;
        this.registered = b.testPoints == null ? null : b.testPoints.copy();
        this.rowIndex = new HashMap<>();
        if (registered != null) {
            double[][] x = registered.getFeatures().reshape(registered.numExamples(), -1).toDoubleMatrix();
            double[][] y = registered.getLabels().reshape(registered.numExamples(), -1).toDoubleMatrix();
            for (int i = 0; i < x.length; i++) {
                rowIndex.putIfAbsent(new RowKey(x[i], y[i]), i);
            }
        }
    }

    /**
     * A builder.
     *
     * @param trainer          trains a fresh model on given training indices and measures it
     * @param trainingExamples {@code n}, the size of the training set the trainer indexes, {@code ≥ 2}
     * @return a builder with seed 0, one thread and no registered test points
     */
    public static Builder builder(SubsetTrainer trainer, int trainingExamples) {
        return new Builder(trainer, trainingExamples);
    }

    /** Settings of a {@link SubsetRetrainer}. */
    public static final class Builder {
        private final SubsetTrainer trainer;
        private final int n;
        private long seed;
        private int threads = 1;
        private DataSet testPoints;

        private Builder(SubsetTrainer trainer, int n) {
            this.trainer = Objects.requireNonNull(trainer, "trainer");
            if (n < 2) {
                throw new IllegalArgumentException("trainingExamples (" + n + ") must be >= 2: leave-one-out keeps "
                        + "at least one example");
            }
            this.n = n;
        }

        /** The seed of every retraining, the baseline's included (default 0). */
        public Builder seed(long value) {
            this.seed = value;
            return this;
        }

        /** Threads for {@link SubsetRetrainer#prefetch}, {@code ≥ 1} (default 1). */
        public Builder threads(int value) {
            Arguments.checkPositive("threads", value);
            this.threads = value;
            return this;
        }

        /**
         * The test examples every retraining is measured on (copied); later test points made of these rows cost no
         * training of their own (see the class comment).
         */
        public Builder testPoints(DataSet value) {
            Arguments.checkDataSet("testPoints", value);
            this.testPoints = value;
            return this;
        }

        /** The retrainer. */
        public SubsetRetrainer build() {
            return new SubsetRetrainer(this);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Trains from scratch, with the builder's seed, on every training example not in {@code removed} (in
     * increasing index order), and returns the mean loss over the rows of {@code testPoint}. Registered rows come
     * from the cached training of this removal set (trained now if missing).
     *
     * @throws IllegalArgumentException if {@code removed} has an index out of range or repeated, removes every
     *                                  example, or the test point is empty
     */
    @Override
    public double testLossWithout(int[] removed, DataSet testPoint) {
        List<Integer> key = Arguments.removalSet(removed, n);
        Arguments.checkDataSet("testPoint", testPoint);
        int m = testPoint.numExamples();
        int[] rowsAt = registeredRows(testPoint);
        if (rowsAt == null) {
            trainings.incrementAndGet();
            double[] v = trainer.measure(kept(key), seed, testPoint, Measurement.LOSS);
            return mean(v, m);
        }
        double[] all = measured(key);
        double s = 0;
        for (int r : rowsAt) {
            s += all[r];
        }
        return s / m;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Trains every removal set not yet cached, measured on the registered test points, on the builder's number
     * of threads. Without registered test points it does nothing (each {@link #testLossWithout} then trains).
     *
     * @throws IllegalArgumentException if a removal set has an index out of range or repeated (checked before any
     *                                  training)
     * @throws CancellationException    if the calling thread is interrupted (the trainings finished so far stay
     *                                  cached)
     */
    @Override
    public void prefetch(Collection<int[]> removals) {
        Objects.requireNonNull(removals, "removals");
        Set<List<Integer>> todo = new LinkedHashSet<>();
        for (int[] r : removals) {
            todo.add(Arguments.removalSet(r, n));
        }
        if (registered == null || todo.isEmpty()) {
            return;
        }
        if (threads <= 1 || todo.size() == 1) {
            for (List<Integer> k : todo) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new CancellationException("interrupted while retraining from scratch; the trainings "
                            + "finished so far stay cached");
                }
                measured(k);
            }
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, todo.size()), r -> {
            Thread t = new Thread(r, "loo-from-scratch");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<double[]>> futures = new ArrayList<>();
            for (List<Integer> k : todo) {
                futures.add(pool.submit(() -> measured(k)));
            }
            for (Future<double[]> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            CancellationException c = new CancellationException("interrupted while retraining from scratch; the "
                    + "trainings finished so far stay cached");
            c.initCause(e);
            throw c;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("retraining from scratch failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** The number of trainings run so far (each removal set once when test points are registered). */
    public long trainings() {
        return trainings.get();
    }

    /** The seed of every retraining. */
    public long seed() {
        return seed;
    }

    /** The trainer's description, with this retrainer's seed. */
    public String describe() {
        return "from scratch with seed " + seed + " for every retraining: " + trainer.describe();
    }

    @Override
    public String toString() {
        return "SubsetRetrainer[n=" + n + ", " + describe() + "]";
    }

    // ----------------------------------------------------------------------------------------------- internals

    /** The registered test points' losses after training without {@code key}, trained once. */
    private double[] measured(List<Integer> key) {
        return Memo.get(cache, key, () -> {
            trainings.incrementAndGet();
            double[] v = trainer.measure(kept(key), seed, registered, Measurement.LOSS);
            check(v, registered.numExamples(), key);
            return v;
        });
    }

    private double mean(double[] v, int m) {
        check(v, m, null);
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / m;
    }

    private void check(double[] v, int m, List<Integer> key) {
        String where = key == null ? "" : " without " + key;
        if (v == null || v.length != m) {
            throw new IllegalStateException("trainer " + trainer.describe() + " returned "
                    + (v == null ? "null" : v.length + " values") + where + "; expected " + m
                    + ", one per test example");
        }
        for (int i = 0; i < m; i++) {
            if (!Double.isFinite(v[i])) {
                throw new IllegalStateException("trainer " + trainer.describe() + " returned " + v[i]
                        + " for test example " + i + where + "; measurements must be finite");
            }
        }
    }

    /** The registered row of every row of {@code testPoint}, or {@code null} if one is not registered. */
    private int[] registeredRows(DataSet testPoint) {
        if (registered == null) {
            return null;
        }
        int m = testPoint.numExamples();
        double[][] x = testPoint.getFeatures().reshape(m, -1).toDoubleMatrix();
        double[][] y = testPoint.getLabels().reshape(m, -1).toDoubleMatrix();
        int[] at = new int[m];
        for (int i = 0; i < m; i++) {
            Integer r = rowIndex.get(new RowKey(x[i], y[i]));
            if (r == null) {
                return null;
            }
            at[i] = r;
        }
        return at;
    }

    /** The training indices not in {@code removed} (sorted), increasing. */
    private int[] kept(List<Integer> removed) {
        int[] out = new int[n - removed.size()];
        int k = 0;
        int next = 0;
        for (int i = 0; i < n; i++) {
            if (next < removed.size() && removed.get(next) == i) {
                next++;
            } else {
                out[k++] = i;
            }
        }
        return out;
    }

    /** A test row, compared by exact feature and label values. */
    private record RowKey(double[] x, double[] y) {
        @Override
        public boolean equals(Object o) {
            return o instanceof RowKey k && Arrays.equals(x, k.x) && Arrays.equals(y, k.y);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(x) + Arrays.hashCode(y);
        }

        @Override
        public String toString() {
            return "row";
        }
    }
}
