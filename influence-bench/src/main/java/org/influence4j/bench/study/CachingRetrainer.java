package org.influence4j.bench.study;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.bench.progress.Progress;
import org.influence4j.model.DataSets;
import org.influence4j.validation.LeaveOneOutValidation;
import org.influence4j.validation.Retrainer;
import org.influence4j.validation.ValidationReport;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Leave-one-out ground truth for the studies: copies the trained network (the original is never touched), removes
 * the examples, retrains warm-started from θ̂ with a {@link TrainingProtocol}, and remembers the retrained
 * parameters per removal set, so that several test points and solvers share one retraining per removed example.
 * {@link #prefetch} runs the retrainings of a known list of removal sets on several threads (each with its own
 * network copy); {@link #testLossWithout} then only evaluates.
 *
 * <p>The baseline (nothing removed) is retrained by the same rule: with L-BFGS at a converged θ̂ it returns θ̂
 * itself; with a fixed Adam budget it cancels the drift of continued training.
 */
public final class CachingRetrainer implements Retrainer {

    /**
     * Statistics of one retraining.
     *
     * @param removed the removed training indices
     * @param outcome the protocol's outcome
     * @param seconds wall time
     */
    public record Retraining(int[] removed, TrainingProtocol.Outcome outcome, double seconds) {
    }

    private final MultiLayerNetwork original;
    private final DataSet train;
    private final TrainingProtocol protocol;
    private final Map<List<Integer>, INDArray> parameters = new ConcurrentHashMap<>();
    private final Map<List<Integer>, Retraining> stats = new ConcurrentHashMap<>();
    private final ThreadLocal<MultiLayerNetwork> evaluator;
    private INDArray perturbed; // guarded by this

    /** Relative size of the parameter perturbation of {@link #retrainingNoise}. */
    public static final double NOISE_PERTURBATION = 1e-10;

    /**
     * A retrainer for a trained network.
     *
     * @param trained  the trained network; copied, never modified
     * @param train    the training set, in the order removal indices refer to; not modified
     * @param protocol how to retrain
     */
    public CachingRetrainer(MultiLayerNetwork trained, DataSet train, TrainingProtocol protocol) {
        this.original = Objects.requireNonNull(trained, "trained").clone();
        this.train = Objects.requireNonNull(train, "train");
        this.protocol = Objects.requireNonNull(protocol, "protocol");
        this.evaluator = ThreadLocal.withInitial(original::clone);
    }

    @Override
    public double testLossWithout(int[] removed, DataSet testPoint) {
        return loss(parameters.computeIfAbsent(key(removed), k -> retrain(removed)), testPoint);
    }

    private double loss(INDArray theta, DataSet testPoint) {
        MultiLayerNetwork net = evaluator.get();
        net.setParams(theta);
        return net.scoreExamples(new DataSet(testPoint.getFeatures().castTo(DataType.DOUBLE),
                testPoint.getLabels().castTo(DataType.DOUBLE)), false).meanNumber().doubleValue();
    }

    /**
     * Retrains every removal set not yet cached, on {@code threads} threads.
     *
     * @param removals removal sets (e.g. the single indices a validation will ask for, and the empty baseline)
     * @param threads  number of worker threads, {@code ≥ 1}
     * @param progress stepped once per finished retraining (from the calling thread)
     */
    public void prefetch(Collection<int[]> removals, int threads, Progress progress) {
        Set<List<Integer>> todo = new LinkedHashSet<>();
        for (int[] r : removals) {
            if (!parameters.containsKey(key(r))) {
                todo.add(key(r));
            }
        }
        if (todo.isEmpty()) {
            return;
        }
        if (threads <= 1 || todo.size() == 1) {
            for (List<Integer> k : todo) {
                parameters.computeIfAbsent(k, x -> retrain(toArray(x)));
                progress.step();
            }
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, todo.size()), r -> {
            Thread t = new Thread(r, "retrain");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (List<Integer> k : todo) {
                futures.add(pool.submit(() -> parameters.computeIfAbsent(k, x -> retrain(toArray(x)))));
            }
            for (Future<?> f : futures) {
                f.get();
                progress.step();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while retraining", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("retraining failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Runs {@code loo} for several (scores, test point) pairs, retraining every removal set they need once, in
     * parallel: a dry run collects the removal sets, {@link #prefetch} retrains them, and the real runs only evaluate.
     *
     * @param loo        the validation protocol
     * @param scores     influence scores per pair; not modified
     * @param testPoints test point per pair; not modified
     * @param threads    retraining threads
     * @param task       progress bar name
     * @param show       whether to draw a progress bar
     * @return one report per pair, in order
     */
    public List<ValidationReport> validateAll(LeaveOneOutValidation loo, List<double[]> scores,
                                              List<DataSet> testPoints, int threads, String task, boolean show) {
        if (scores.size() != testPoints.size()) {
            throw new IllegalArgumentException(scores.size() + " score vectors for " + testPoints.size()
                    + " test points");
        }
        List<int[]> removals = new ArrayList<>();
        for (int i = 0; i < scores.size(); i++) {
            loo.run(scores.get(i), (removed, t) -> {
                removals.add(removed.clone());
                return 0.0;
            }, testPoints.get(i));
        }
        long distinct = removals.stream().map(CachingRetrainer::key).filter(k -> !parameters.containsKey(k))
                .distinct().count();
        try (Progress p = Progress.start(task, distinct, show)) {
            prefetch(removals, threads, p);
        }
        List<ValidationReport> reports = new ArrayList<>();
        for (int i = 0; i < scores.size(); i++) {
            reports.add(loo.run(scores.get(i), this, testPoints.get(i)));
        }
        return reports;
    }

    /**
     * The retraining noise floor at {@code testPoint}: {@code |L_test(θ') − L_test(θ₀)|}, where {@code θ₀} is the
     * baseline retraining (nothing removed) and {@code θ'} the same retraining started from θ̂ with every parameter
     * multiplied by {@code 1 + ε·sᵢ} (relative size {@code ε =} {@value #NOISE_PERTURBATION}, fixed signs
     * {@code sᵢ = ±1}). A removal whose actual change is not well above this number is not measurable with this
     * protocol: converged L-BFGS returns to the same minimum (noise ≈ 0), while a fixed Adam budget on a deep network
     * can amplify a 1e-15 difference to 1e-2 in the parameters within a few hundred steps (measured, see
     * docs/reproduction.md). Retrained once per retrainer and cached.
     *
     * @param testPoint the test point; not modified
     * @return the absolute test-loss difference
     */
    public double retrainingNoise(DataSet testPoint) {
        INDArray baseline = parameters.computeIfAbsent(key(new int[0]), k -> retrain(new int[0]));
        INDArray perturbed;
        synchronized (this) {
            if (this.perturbed == null) {
                MultiLayerNetwork copy = original.clone();
                double[] theta = copy.params().toDoubleVector();
                for (int i = 0; i < theta.length; i++) {
                    theta[i] *= 1 + (i % 2 == 0 ? NOISE_PERTURBATION : -NOISE_PERTURBATION);
                }
                copy.setParams(Nd4j.createFromArray(theta));
                retrainCopy(copy, train);
                this.perturbed = copy.params().dup();
            }
            perturbed = this.perturbed;
        }
        return Math.abs(loss(perturbed, testPoint) - loss(baseline, testPoint));
    }

    /** Statistics of every retraining done so far. */
    public List<Retraining> retrainings() {
        return List.copyOf(stats.values());
    }

    /** The largest final {@code ‖∇R‖} over the retrainings so far (NaN if none). */
    public double maxRetrainGradientNorm() {
        return stats.values().stream().mapToDouble(r -> r.outcome().gradientNorm()).max().orElse(Double.NaN);
    }

    /** How many retrainings did not meet the protocol's tolerance. */
    public long unconvergedRetrainings() {
        return stats.values().stream().filter(r -> !r.outcome().converged()).count();
    }

    /** The protocol. */
    public TrainingProtocol protocol() {
        return protocol;
    }

    private INDArray retrain(int[] removed) {
        long t0 = System.nanoTime();
        MultiLayerNetwork copy = original.clone();
        TrainingProtocol.Outcome o = retrainCopy(copy, removed.length == 0 ? train : DataSets.without(train, removed));
        stats.put(key(removed), new Retraining(removed.clone(), o, (System.nanoTime() - t0) / 1e9));
        return copy.params().dup();
    }

    /** Retrains {@code copy} (a clone of the trained network) in place on {@code data}, with a fixed ND4J seed. */
    private TrainingProtocol.Outcome retrainCopy(MultiLayerNetwork copy, DataSet data) {
        Nd4j.getRandom().setSeed(0);
        return protocol.retrain(copy, data);
    }

    private static List<Integer> key(int[] removed) {
        int[] sorted = removed.clone();
        Arrays.sort(sorted);
        return Arrays.stream(sorted).boxed().toList();
    }

    private static int[] toArray(List<Integer> k) {
        return k.stream().mapToInt(Integer::intValue).toArray();
    }
}
