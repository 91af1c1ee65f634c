package org.influence4j.dl4j;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.model.LineSearch;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Full-batch L-BFGS on a DL4J network's training objective {@code R(θ)} ({@link TrainingObjective}: exactly the
 * objective the influence adapter differentiates and DL4J's {@code score()} reports), so that training ends at a
 * point where {@code ‖∇R(θ̂)‖} is small, as influence functions assume.
 *
 * <p>Why not DL4J's own optimisers: full-batch Adam/SGD need many thousands of iterations to reach
 * {@code ‖∇R‖ ≈ 1e-6} on small networks, and DL4J's {@code OptimizationAlgorithm.LBFGS} stalls on softmax
 * regression in 1.0.0-M2.1. This is the textbook two-loop recursion (Nocedal &amp; Wright, Alg. 7.4) with memory
 * {@value #MEMORY} and the backtracking Armijo {@link LineSearch} (at most {@value #MAX_BACKTRACKS} halvings, no
 * round-off rule); the first direction, and any that is not a descent direction, is steepest descent scaled by
 * {@code 1/max(1, ‖∇R‖)}. The iterations are core's {@link org.influence4j.internal.Lbfgs} with these settings; this
 * class binds it to the network (start at its parameters, result written back, the thread's interrupt checked before
 * every iteration).
 *
 * <p>Stops when {@code ‖∇R‖ ≤ tolerance}, after {@code maxIterations}, or when the line search cannot decrease
 * {@code R} any more (round-off). Modifies the network it is given; one iteration costs one batch gradient plus the
 * line search's extra evaluations (usually none). Not thread-safe.
 */
final class Lbfgs {

    /** Number of correction pairs kept. */
    static final int MEMORY = 20;
    private static final int MAX_BACKTRACKS = 40;
    private static final org.influence4j.internal.Lbfgs.Options OPTIONS =
            new org.influence4j.internal.Lbfgs.Options(MEMORY, MAX_BACKTRACKS, false);

    private final MultiLayerNetwork net;
    private final TrainingObjective objective;

    /**
     * An optimiser for {@code net}.
     *
     * @param net       a DOUBLE network; its parameters are the start and receive the result
     * @param objective the network's objective on the full training set ({@link Dl4jTraining#bind})
     */
    Lbfgs(MultiLayerNetwork net, TrainingObjective objective) {
        this.net = net;
        this.objective = objective;
    }

    /**
     * Minimises from the network's current parameters; leaves the final parameters in the network.
     *
     * @param tolerance     stop when {@code ‖∇R‖₂ ≤ tolerance}
     * @param maxIterations iteration budget
     * @return the outcome
     */
    TrainingProtocol.Outcome minimize(double tolerance, int maxIterations) {
        org.influence4j.internal.Lbfgs.Result r = org.influence4j.internal.Lbfgs.minimize(objective::evaluate,
                net.params().toDoubleVector(), tolerance, maxIterations, OPTIONS,
                (iteration, f, gradientNorm) -> Dl4jTraining.checkInterrupt(iteration));
        net.setParams(Nd4j.createFromArray(r.x()));
        return new TrainingProtocol.Outcome(TrainingProtocol.Kind.LBFGS, r.iterations(), r.objective(),
                r.gradientNorm(), r.converged());
    }
}
