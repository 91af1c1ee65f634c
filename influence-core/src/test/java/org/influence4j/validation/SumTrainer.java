package org.influence4j.validation;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleUnaryOperator;

import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A synthetic {@link SubsetTrainer} with a known answer: the "measurement" of test example {@code t} after training on
 * {@code S} is {@code f(Σ_{i ∈ S} w[t][i]) + σ·ε_t(seed)}, the sum taken in increasing index order (as the datamodeling
 * score sums the scores), {@code ε_t(seed)} the {@code t}-th standard normal of a generator seeded with the training
 * seed. It ignores the measurement kind, so that {@link Measurement#MARGIN} only flips the sign of the agreement.
 * Counts its calls and records the seeds it was given.
 */
final class SumTrainer implements SubsetTrainer {

    final double[][] w;
    final DoubleUnaryOperator f;
    final double sigma;
    final boolean seedDependent;
    final String name;
    final AtomicInteger calls = new AtomicInteger();
    final List<String> seen = new CopyOnWriteArrayList<>(); // "[subset]/seed" of every call

    SumTrainer(double[][] w, DoubleUnaryOperator f, double sigma, boolean seedDependent, String name) {
        this.w = w;
        this.f = f;
        this.sigma = sigma;
        this.seedDependent = seedDependent;
        this.name = name;
    }

    /** Exactly the summed scores: LDS 1. */
    static SumTrainer exact(double[][] w) {
        return new SumTrainer(w, x -> x, 0, false, "exact");
    }

    /** The summed scores plus Gaussian noise of standard deviation {@code sigma} that depends on the seed. */
    static SumTrainer noisy(double[][] w, double sigma) {
        return new SumTrainer(w, x -> x, sigma, true, "noisy(" + sigma + ")");
    }

    @Override
    public double[] measure(int[] subset, long seed, DataSet testPoints, Measurement measurement) {
        calls.incrementAndGet();
        seen.add(Arrays.toString(subset) + "/" + seed);
        int m = testPoints.numExamples();
        SplittableRandom rng = new SplittableRandom(seed);
        double[] v = new double[m];
        for (int t = 0; t < m; t++) {
            double sum = 0;
            for (int i : subset) {
                sum += w[t][i];
            }
            v[t] = f.applyAsDouble(sum) + (sigma == 0 ? 0 : sigma * rng.nextGaussian());
        }
        return v;
    }

    @Override
    public boolean seedDependent() {
        return seedDependent;
    }

    @Override
    public String describe() {
        return "SumTrainer[" + name + "]";
    }

    /** {@code m} test rows of placeholder features and labels (the trainer only reads their number). */
    static DataSet testPoints(int m) {
        double[][] x = new double[m][2];
        double[][] y = new double[m][1];
        for (int t = 0; t < m; t++) {
            x[t][0] = t;
            x[t][1] = 0.5 * t;
            y[t][0] = t % 2;
        }
        return new DataSet(Nd4j.createFromArray(x), Nd4j.createFromArray(y));
    }

    /** {@code w[t][i]} standard normal, seeded. */
    static double[][] gaussian(int m, int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] w = new double[m][n];
        for (double[] row : w) {
            for (int i = 0; i < n; i++) {
                row[i] = rng.nextGaussian();
            }
        }
        return w;
    }
}
