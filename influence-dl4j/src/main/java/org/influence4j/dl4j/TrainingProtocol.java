package org.influence4j.dl4j;

import java.util.Locale;

import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * How a DL4J network is trained ({@link Dl4jTraining#trainInPlace}), retrained warm-started from θ̂
 * ({@link Dl4jRetrainer}) and trained on subsets ({@link Dl4jSubsetTrainer}). The first three kinds work on the full
 * training set as one batch, deterministically; {@link Kind#MINIBATCH} takes mini-batches in an order drawn from the
 * training seed, deterministically for a given seed.
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
 *   <li>{@link Kind#MINIBATCH}: the SGD recipes of the data-attribution literature (dattri trains logistic regression
 *       with SGD, learning rate 0.01, batch 32, 20 epochs; its MLP with momentum 0.9, batch 64, 50 epochs): for a
 *       number of epochs, the training examples in an order shuffled anew every epoch, cut into mini-batches of
 *       {@link #batchSize()} examples (the last, partial batch kept), one {@code fit} of the network's own updater
 *       and state per mini-batch — {@code epochs·⌈n/batchSize⌉} updates. The order of epoch {@code e} is the
 *       identity permutation shuffled by Fisher–Yates ({@code for i = n−1 … 1: swap(i, j)} with
 *       {@code j = rng.nextInt(i + 1)}), {@code rng} one {@code java.util.SplittableRandom(seed)} for the whole
 *       training, so that the batches can be reproduced outside DL4J. The seed is the training's: the one given to
 *       {@code Dl4jTraining.trainInPlace}, {@link Dl4jRetrainer}'s, that of each {@link Dl4jSubsetTrainer#measure}
 *       call. Any network the adapter accepts, {@code ComputationGraph} included.
 *       {@link #withShuffle(boolean) withShuffle(false)} takes the examples in their index order every epoch
 *       instead: dattri retrains leave-one-out that way, so that removing example {@code i} only shifts the batches
 *       after it by one example, and a retraining from the same initialisation follows nearly the same path.</li>
 * </ul>
 * Fixed budgets have no tolerance: their outcome never "misses" one. For a constant-rate Adam on a small dense
 * network, {@code ADAM} and {@code UPDATER} run the same steps in plain Java (equal to {@code fit} to 1e-9, tested),
 * and so does {@code MINIBATCH} for a constant-rate {@code Sgd} or {@code Nesterovs} (to 1e-10, tested); otherwise
 * they call {@code fit}.
 *
 * <p>Defaults ({@link #defaults()}): {@code UPDATER}, 100 steps — the protocol of Koh &amp; Liang (2017): warm
 * start, fixed budget, the baseline retrained the same way so that the drift of continued training cancels. It
 * applies to every network the adapter accepts and, taking small steps with the user's own learning rate, stays in
 * the warm start's basin; L-BFGS is the better choice when θ̂ is already a tight optimum of {@code R} (check
 * {@link Dl4jRetrainer#objectiveGradientNorm}). {@link #lbfgs()}: tolerance 1e-8 (close to round-off for
 * {@code R ≈ 0.1..1} in DOUBLE), at most 3000 iterations for training and 2000 per retraining (warm-started
 * retrainings of a converged network take tens). {@link #adam()}: learning rate 0.01, 3000 steps of training and
 * 300 per retraining. {@link #minibatch(int, int)}: the given epochs for training and for each retraining, learning
 * rate 0.01 (dattri's) for {@link #updater()}.
 *
 * @param kind              the algorithm
 * @param tolerance         gradient-norm tolerance of L-BFGS (unused by fixed budgets), {@code > 0}
 * @param trainIterations   iteration cap (L-BFGS), budget (ADAM, UPDATER) or number of epochs (MINIBATCH) for
 *                          training, {@code ≥ 1}
 * @param retrainIterations iteration cap, budget or number of epochs for each warm-started retraining, {@code ≥ 1}
 * @param learningRate      learning rate of the updater {@link #updater()} builds networks with (the protocol
 *                          itself always uses the network's own updater), {@code > 0}
 * @param batchSize         examples per mini-batch of {@link Kind#MINIBATCH}, {@code ≥ 1}; {@code 0} for the
 *                          full-batch kinds
 * @param shuffled          whether {@link Kind#MINIBATCH} shuffles the order of examples every epoch ({@code true},
 *                          the default) or takes them in index order; {@code true} for the full-batch kinds
 */
public record TrainingProtocol(Kind kind, double tolerance, int trainIterations, int retrainIterations,
                               double learningRate, int batchSize, boolean shuffled) {

    /** The training algorithm. */
    public enum Kind {
        /** Full-batch L-BFGS to a gradient tolerance. */
        LBFGS,
        /** The network's own Adam updater for a fixed number of full-batch steps. */
        ADAM,
        /** The network's own updater for a fixed number of full-batch {@code fit} steps. */
        UPDATER,
        /**
         * The network's own updater on shuffled mini-batches for a fixed number of epochs; the iteration budgets of
         * the protocol count epochs.
         */
        MINIBATCH;

        /** Whether this algorithm stops at a gradient tolerance (only L-BFGS; the others have a fixed budget). */
        public boolean hasTolerance() {
            return this == LBFGS;
        }

        /** Whether this algorithm needs a {@code MultiLayerNetwork} (L-BFGS and ADAM; the others take any network). */
        public boolean needsMultiLayerNetwork() {
            return this == LBFGS || this == ADAM;
        }

        /** Whether the result depends on the training seed (only MINIBATCH, whose order of examples is drawn). */
        public boolean seedDependent() {
            return this == MINIBATCH;
        }
    }

    /**
     * The outcome of one training or retraining.
     *
     * @param kind         the algorithm that ran
     * @param iterations   iterations done (for MINIBATCH: updates, one per mini-batch)
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
        if (kind == Kind.MINIBATCH && batchSize < 1) {
            throw new IllegalArgumentException("batchSize (" + batchSize + ") must be >= 1 for MINIBATCH; use "
                    + "TrainingProtocol.minibatch(epochs, batchSize)");
        }
        if (kind != Kind.MINIBATCH && batchSize != 0) {
            throw new IllegalArgumentException("batchSize (" + batchSize + ") must be 0 for " + kind + ", which "
                    + "trains on the full batch; use TrainingProtocol.minibatch(epochs, batchSize) for mini-batches");
        }
        if (kind != Kind.MINIBATCH && !shuffled) {
            throw new IllegalArgumentException("shuffled (false) applies only to MINIBATCH: " + kind + " trains on "
                    + "the full batch, which has no order of examples; use TrainingProtocol.minibatch(epochs, "
                    + "batchSize).withShuffle(false)");
        }
    }

    /**
     * A protocol whose mini-batches (if any) are shuffled every epoch; validates the arguments as the canonical
     * constructor does.
     *
     * @param kind              the algorithm
     * @param tolerance         gradient-norm tolerance of L-BFGS, {@code > 0}
     * @param trainIterations   iteration cap, budget or epochs for training, {@code ≥ 1}
     * @param retrainIterations iteration cap, budget or epochs for each retraining, {@code ≥ 1}
     * @param learningRate      learning rate of {@link #updater()}, {@code > 0}
     * @param batchSize         examples per mini-batch of {@link Kind#MINIBATCH}, {@code ≥ 1}; {@code 0} otherwise
     */
    public TrainingProtocol(Kind kind, double tolerance, int trainIterations, int retrainIterations,
                            double learningRate, int batchSize) {
        this(kind, tolerance, trainIterations, retrainIterations, learningRate, batchSize, true);
    }

    /**
     * A full-batch protocol (batch size 0); validates the arguments as the canonical constructor does.
     *
     * @param kind              LBFGS, ADAM or UPDATER
     * @param tolerance         gradient-norm tolerance of L-BFGS, {@code > 0}
     * @param trainIterations   iteration cap or budget for training, {@code ≥ 1}
     * @param retrainIterations iteration cap or budget for each retraining, {@code ≥ 1}
     * @param learningRate      learning rate of {@link #updater()}, {@code > 0}
     */
    public TrainingProtocol(Kind kind, double tolerance, int trainIterations, int retrainIterations,
                            double learningRate) {
        this(kind, tolerance, trainIterations, retrainIterations, learningRate, 0, true);
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

    /**
     * The network's own updater on shuffled mini-batches ({@link Kind#MINIBATCH}): {@code epochs} epochs of
     * {@code batchSize} examples per update, for training and for each retraining; learning rate 0.01 for
     * {@link #updater()}.
     *
     * @param epochs    passes over the training set, {@code ≥ 1}
     * @param batchSize examples per mini-batch, {@code ≥ 1} (a set of {@code n} examples gives
     *                  {@code ⌈n/batchSize⌉} updates per epoch, the last one on the remaining examples)
     * @throws IllegalArgumentException if an argument is out of range
     */
    public static TrainingProtocol minibatch(int epochs, int batchSize) {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs (" + epochs + ") must be >= 1");
        }
        return new TrainingProtocol(Kind.MINIBATCH, 1e-8, epochs, epochs, 0.01, batchSize);
    }

    /** A copy with other iteration caps/budgets (epochs for MINIBATCH) for training and for each retraining. */
    public TrainingProtocol withIterations(int train, int retrain) {
        return new TrainingProtocol(kind, tolerance, train, retrain, learningRate, batchSize, shuffled);
    }

    /** A copy with another gradient tolerance (L-BFGS). */
    public TrainingProtocol withTolerance(double newTolerance) {
        return new TrainingProtocol(kind, newTolerance, trainIterations, retrainIterations, learningRate, batchSize,
                shuffled);
    }

    /** A copy with another learning rate for {@link #updater()}. */
    public TrainingProtocol withLearningRate(double newLearningRate) {
        return new TrainingProtocol(kind, tolerance, trainIterations, retrainIterations, newLearningRate, batchSize,
                shuffled);
    }

    /**
     * A copy with another mini-batch size, {@code ≥ 1} (MINIBATCH only).
     *
     * @throws IllegalArgumentException if the size is below 1 or this protocol trains full batch
     */
    public TrainingProtocol withBatchSize(int newBatchSize) {
        return new TrainingProtocol(kind, tolerance, trainIterations, retrainIterations, learningRate, newBatchSize,
                shuffled);
    }

    /**
     * A copy whose mini-batches take the examples shuffled anew every epoch ({@code true}, the default) or in their
     * index order every epoch ({@code false}: dattri's leave-one-out retraining, where removing one example shifts
     * only the batches after it). MINIBATCH only.
     *
     * @throws IllegalArgumentException if {@code shuffle} is false and this protocol trains full batch
     */
    public TrainingProtocol withShuffle(boolean shuffle) {
        return new TrainingProtocol(kind, tolerance, trainIterations, retrainIterations, learningRate, batchSize,
                shuffle);
    }

    /**
     * A fresh DL4J updater to build networks for this protocol with: {@code Adam(learningRate)} for
     * {@link Kind#ADAM}, {@code Sgd(learningRate)} otherwise (L-BFGS ignores the updater; for the momentum of
     * dattri's MLP recipe build the network with {@code Nesterovs} — DL4J has no heavy-ball momentum).
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
            case MINIBATCH -> String.format(Locale.ROOT, "the network's own updater, mini-batches of %d (%s, last "
                    + "partial batch kept), %d epochs; retraining warm-started, %d epochs", batchSize,
                    shuffled ? "order shuffled every epoch" : "examples in index order every epoch",
                    trainIterations, retrainIterations);
        };
    }
}
