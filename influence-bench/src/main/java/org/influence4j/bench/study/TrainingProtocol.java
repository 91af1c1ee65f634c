package org.influence4j.bench.study;

import java.util.Locale;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * How networks are trained and retrained (warm-started from θ̂) in the studies.
 *
 * <ul>
 *   <li>{@link Kind#LBFGS} (default): full-batch {@link Lbfgs} until {@code ‖∇R‖ ≤ tolerance} or the iteration cap;
 *       retraining continues from θ̂ on the reduced set with the same rule. Both ends are stationary points, the
 *       setting in which influence functions are a valid first-order approximation.</li>
 *   <li>{@link Kind#ADAM}: a fixed budget of full-batch Adam iterations for training and for retraining (the
 *       network's Adam state is carried over into the warm start) — closer to how Basu et al. and most replications
 *       train; θ̂ is then generally not stationary, which the reported {@code ‖∇R(θ̂)‖} shows.</li>
 * </ul>
 *
 * @param kind              the algorithm
 * @param tolerance         gradient-norm tolerance of L-BFGS (ignored by Adam), {@code > 0}
 * @param trainIterations   iteration cap (L-BFGS) or budget (Adam) for training, {@code ≥ 1}
 * @param retrainIterations iteration cap or budget for each warm-started retraining, {@code ≥ 1}
 * @param learningRate      Adam's learning rate (ignored by L-BFGS), {@code > 0}
 */
public record TrainingProtocol(Kind kind, double tolerance, int trainIterations, int retrainIterations,
                               double learningRate) {

    /** The training algorithm. */
    public enum Kind {
        /** Full-batch L-BFGS to a gradient tolerance. */
        LBFGS,
        /** Full-batch Adam for a fixed number of iterations. */
        ADAM
    }

    /** Validates the arguments. */
    public TrainingProtocol {
        if (kind == null) {
            throw new IllegalArgumentException("kind must not be null");
        }
        if (!(tolerance > 0)) {
            throw new IllegalArgumentException("tolerance (" + tolerance + ") must be > 0");
        }
        if (trainIterations < 1 || retrainIterations < 1) {
            throw new IllegalArgumentException("iterations (" + trainIterations + ", " + retrainIterations
                    + ") must be >= 1");
        }
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learningRate (" + learningRate + ") must be > 0");
        }
    }

    /** L-BFGS to {@code ‖∇R‖ ≤ 1e-8}, at most 3000 iterations for training and 2000 per retraining. */
    public static TrainingProtocol lbfgs() {
        return new TrainingProtocol(Kind.LBFGS, 1e-8, 3000, 2000, 0.01);
    }

    /** Adam with learning rate 0.01: 3000 iterations of training, 300 per retraining. */
    public static TrainingProtocol adam() {
        return new TrainingProtocol(Kind.ADAM, 1e-8, 3000, 300, 0.01);
    }

    /** A copy with other iteration caps/budgets. */
    public TrainingProtocol withIterations(int train, int retrain) {
        return new TrainingProtocol(kind, tolerance, train, retrain, learningRate);
    }

    /** The DL4J updater the networks are built with (Adam for {@link Kind#ADAM}; unused otherwise). */
    public IUpdater updater() {
        return kind == Kind.ADAM ? new Adam(learningRate) : new Sgd(learningRate);
    }

    /**
     * The outcome of training or retraining.
     *
     * @param iterations   iterations done
     * @param objective    {@code R(θ)} at the end
     * @param gradientNorm {@code ‖∇R(θ)‖₂} at the end
     * @param converged    whether the gradient tolerance was met
     */
    public record Outcome(int iterations, double objective, double gradientNorm, boolean converged) {
    }

    /** Trains {@code net} in place on {@code data} (full batch). */
    public Outcome train(MultiLayerNetwork net, DataSet data) {
        return run(net, data, trainIterations);
    }

    /** Retrains {@code net} (already a warm-started copy) in place on {@code data}. */
    public Outcome retrain(MultiLayerNetwork net, DataSet data) {
        return run(net, data, retrainIterations);
    }

    private Outcome run(MultiLayerNetwork net, DataSet data, int iterations) {
        if (kind == Kind.LBFGS) {
            Lbfgs.Result r = new Lbfgs(net, data).minimize(tolerance, iterations);
            return new Outcome(r.iterations(), r.objective(), r.gradientNorm(), r.converged());
        }
        FullBatchAdam.run(net, data, iterations); // = `iterations` calls of net.fit(data), faster for small MLPs
        Objective o = Objective.of(net, data);
        double[] g = new double[o.dimension()];
        double f = o.evaluateCurrent(g);
        double norm = Math.sqrt(java.util.Arrays.stream(g).map(x -> x * x).sum());
        return new Outcome(iterations, f, norm, norm <= tolerance);
    }

    /** Short description for reports, e.g. {@code "L-BFGS to ‖∇R‖ ≤ 1e-08 (≤ 3000 / 2000 it.)"}. */
    public String describe() {
        return kind == Kind.LBFGS
                ? String.format(Locale.ROOT, "full-batch L-BFGS to ‖∇R‖ ≤ %.0e (at most %d iterations; retraining "
                        + "warm-started, at most %d)", tolerance, trainIterations, retrainIterations)
                : String.format(Locale.ROOT, "full-batch Adam (lr %s), %d iterations; retraining warm-started, %d "
                        + "iterations", learningRate, trainIterations, retrainIterations);
    }
}
