package org.influence4j.dl4j;

import java.util.Locale;

import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * How a DL4J network is trained ({@link Dl4jTraining#trainInPlace}) and retrained warm-started from θ̂
 * ({@link Dl4jRetrainer}). Every protocol works on the full training set as one batch, deterministically.
 *
 * <ul>
 *   <li>{@link Kind#LBFGS}: full-batch L-BFGS on the exact objective {@code R(θ)} until {@code ‖∇R‖ ≤ tolerance} or
 *       the iteration cap. Both ends are then stationary points, the setting in which influence functions are a
 *       valid first-order approximation. Needs a {@code MultiLayerNetwork}. From a θ̂ that is far from stationary
 *       (a network trained by SGD) it may converge to a different optimum; {@code LeaveOneOutValidation} flags
 *       such retrainings.</li>
 *   <li>{@link Kind#ADAM}: a fixed budget of full-batch steps of the network's own Adam updater, its state (moments,
 *       iteration count) carried into the warm start — how Basu et al. (2021) and most replications train. θ̂ is
 *       then generally not stationary, which {@link Outcome#gradientNorm()} shows. Needs a
 *       {@code MultiLayerNetwork} configured with Adam.</li>
 *   <li>{@link Kind#UPDATER}: a fixed budget of full-batch {@code fit} steps with the network's own updater and
 *       state, whatever it is (any network the adapter accepts, {@code ComputationGraph} included).</li>
 * </ul>
 * Fixed budgets have no tolerance: their outcome never "misses" one. For a constant-rate Adam on a small dense
 * network, {@code ADAM} and {@code UPDATER} run the same steps in plain Java (equal to {@code fit} to 1e-9, tested);
 * otherwise they call {@code fit}.
 *
 * <p>Defaults ({@link #defaults()}): {@code UPDATER}, 100 steps — the protocol of Koh &amp; Liang (2017): warm
 * start, fixed budget, the baseline retrained the same way so that the drift of continued training cancels. It
 * applies to every network the adapter accepts and, taking small steps with the user's own learning rate, stays in
 * the warm start's basin; L-BFGS is the better choice when θ̂ is already a tight optimum of {@code R} (check
 * {@link Dl4jRetrainer#objectiveGradientNorm}). {@link #lbfgs()}: tolerance 1e-8 (close to round-off for
 * {@code R ≈ 0.1..1} in DOUBLE), at most 3000 iterations for training and 2000 per retraining (warm-started
 * retrainings of a converged network take tens). {@link #adam()}: learning rate 0.01, 3000 steps of training and
 * 300 per retraining.
 *
 * @param kind              the algorithm
 * @param tolerance         gradient-norm tolerance of L-BFGS (unused by fixed budgets), {@code > 0}
 * @param trainIterations   iteration cap (L-BFGS) or budget for training, {@code ≥ 1}
 * @param retrainIterations iteration cap or budget for each warm-started retraining, {@code ≥ 1}
 * @param learningRate      learning rate of the updater {@link #updater()} builds networks with (the protocol
 *                          itself always uses the network's own updater), {@code > 0}
 */
public record TrainingProtocol(Kind kind, double tolerance, int trainIterations, int retrainIterations,
                               double learningRate) {

    /** The training algorithm. */
    public enum Kind {
        /** Full-batch L-BFGS to a gradient tolerance. */
        LBFGS,
        /** The network's own Adam updater for a fixed number of full-batch steps. */
        ADAM,
        /** The network's own updater for a fixed number of full-batch {@code fit} steps. */
        UPDATER;

        /** Whether this algorithm stops at a gradient tolerance (only L-BFGS; the others have a fixed budget). */
        public boolean hasTolerance() {
            return this == LBFGS;
        }
    }

    /**
     * The outcome of one training or retraining.
     *
     * @param kind         the algorithm that ran
     * @param iterations   iterations done
     * @param objective    {@code R(θ)} at the end
     * @param gradientNorm {@code ‖∇R(θ)‖₂} at the end
     * @param converged    whether the stopping rule was met: for {@link Kind#LBFGS} {@code ‖∇R‖ ≤ tolerance}; a
     *                     fixed budget has no tolerance and is met by spending it ({@code true})
     */
    public record Outcome(Kind kind, int iterations, double objective, double gradientNorm, boolean converged) {

        /** Validates the arguments. */
        public Outcome {
            if (kind == null) {
                throw new IllegalArgumentException("kind must not be null");
            }
        }

        /** Whether a gradient tolerance applied and was not met ({@code false} for fixed budgets). */
        public boolean missedTolerance() {
            return kind.hasTolerance() && !converged;
        }
    }

    /** Validates the arguments. */
    public TrainingProtocol {
        if (kind == null) {
            throw new IllegalArgumentException("kind must not be null; use TrainingProtocol.defaults(), lbfgs() or "
                    + "adam()");
        }
        if (!(tolerance > 0)) {
            throw new IllegalArgumentException("tolerance (" + tolerance + ") must be > 0, e.g. 1e-8");
        }
        if (trainIterations < 1) {
            throw new IllegalArgumentException("trainIterations (" + trainIterations + ") must be >= 1");
        }
        if (retrainIterations < 1) {
            throw new IllegalArgumentException("retrainIterations (" + retrainIterations + ") must be >= 1");
        }
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learningRate (" + learningRate + ") must be > 0, e.g. 0.01");
        }
    }

    /** The default (see the class comment): the network's own updater, 100 full-batch steps. */
    public static TrainingProtocol defaults() {
        return ownUpdater(100);
    }

    /** The network's own updater for {@code iterations ≥ 1} full-batch steps (training and each retraining). */
    public static TrainingProtocol ownUpdater(int iterations) {
        return new TrainingProtocol(Kind.UPDATER, 1e-8, iterations, iterations, 0.01);
    }

    /** L-BFGS to {@code ‖∇R‖ ≤ 1e-8}, at most 3000 iterations for training and 2000 per retraining. */
    public static TrainingProtocol lbfgs() {
        return new TrainingProtocol(Kind.LBFGS, 1e-8, 3000, 2000, 0.01);
    }

    /** Adam with learning rate 0.01: 3000 steps of training, 300 per retraining. */
    public static TrainingProtocol adam() {
        return new TrainingProtocol(Kind.ADAM, 1e-8, 3000, 300, 0.01);
    }

    /** A copy with other iteration caps/budgets for training and for each retraining. */
    public TrainingProtocol withIterations(int train, int retrain) {
        return new TrainingProtocol(kind, tolerance, train, retrain, learningRate);
    }

    /** A copy with another gradient tolerance (L-BFGS). */
    public TrainingProtocol withTolerance(double newTolerance) {
        return new TrainingProtocol(kind, newTolerance, trainIterations, retrainIterations, learningRate);
    }

    /** A copy with another learning rate for {@link #updater()}. */
    public TrainingProtocol withLearningRate(double newLearningRate) {
        return new TrainingProtocol(kind, tolerance, trainIterations, retrainIterations, newLearningRate);
    }

    /**
     * A fresh DL4J updater to build networks for this protocol with: {@code Adam(learningRate)} for
     * {@link Kind#ADAM}, {@code Sgd(learningRate)} otherwise (L-BFGS ignores the updater).
     */
    public IUpdater updater() {
        return kind == Kind.ADAM ? new Adam(learningRate) : new Sgd(learningRate);
    }

    /** Short description for reports, e.g. {@code "full-batch L-BFGS to ‖∇R‖ ≤ 1e-08 (at most 3000 ...)"}. */
    public String describe() {
        return switch (kind) {
            case LBFGS -> String.format(Locale.ROOT, "full-batch L-BFGS to ‖∇R‖ ≤ %.0e (at most %d iterations; "
                    + "retraining warm-started, at most %d)", tolerance, trainIterations, retrainIterations);
            case ADAM -> String.format(Locale.ROOT, "full-batch Adam (lr %s), %d iterations; retraining "
                    + "warm-started, %d iterations", learningRate, trainIterations, retrainIterations);
            case UPDATER -> String.format(Locale.ROOT, "the network's own updater, full batch, %d iterations; "
                    + "retraining warm-started, %d iterations", trainIterations, retrainIterations);
        };
    }
}
