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
 * {@code 1/max(1, ‖∇R‖)}.
 *
 * <p>Stops when {@code ‖∇R‖ ≤ tolerance}, after {@code maxIterations}, or when the line search cannot decrease
 * {@code R} any more (round-off). Modifies the network it is given; one iteration costs one batch gradient plus the
 * line search's extra evaluations (usually none). Not thread-safe.
 */
final class Lbfgs {

    /** Number of correction pairs kept. */
    static final int MEMORY = 20;
    private static final int MAX_BACKTRACKS = 40;

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

    /** A line-search trial: the objective at the trial point (its gradient is in the shared buffer). */
    private record Trial(double objective, double[] gradient) implements LineSearch.Trial {
    }

    /**
     * Minimises from the network's current parameters; leaves the final parameters in the network.
     *
     * @param tolerance     stop when {@code ‖∇R‖₂ ≤ tolerance}
     * @param maxIterations iteration budget
     * @return the outcome
     */
    TrainingProtocol.Outcome minimize(double tolerance, int maxIterations) {
        int p = objective.dimension();
        double[] x = net.params().toDoubleVector();
        double[] g = new double[p];
        double f = objective.evaluate(x, g);
        double[][] s = new double[MEMORY][];
        double[][] y = new double[MEMORY][];
        double[] rho = new double[MEMORY];
        int stored = 0;
        int head = 0;
        double[] xNew = new double[p];
        double[] gNew = new double[p];
        double gNorm = norm(g);
        int it = 0;
        while (gNorm > tolerance && it < maxIterations) {
            Dl4jTraining.checkInterrupt(it);
            // two-loop recursion: d = −H_k g
            double[] q = g.clone();
            double[] alpha = new double[MEMORY];
            for (int k = 0; k < stored; k++) {
                int j = Math.floorMod(head - 1 - k, MEMORY);
                alpha[j] = rho[j] * dot(s[j], q);
                axpy(-alpha[j], y[j], q);
            }
            double gamma = 1.0 / Math.max(1.0, gNorm);
            if (stored > 0) {
                int j = Math.floorMod(head - 1, MEMORY);
                gamma = dot(s[j], y[j]) / dot(y[j], y[j]);
            }
            for (int i = 0; i < p; i++) {
                q[i] *= gamma;
            }
            for (int k = stored - 1; k >= 0; k--) {
                int j = Math.floorMod(head - 1 - k, MEMORY);
                double beta = rho[j] * dot(y[j], q);
                axpy(alpha[j] - beta, s[j], q);
            }
            double slope = -dot(g, q); // directional derivative along d = −q
            if (!(slope < 0)) {        // not a descent direction: restart with steepest descent
                stored = 0;
                q = g.clone();
                for (int i = 0; i < p; i++) {
                    q[i] /= Math.max(1.0, gNorm);
                }
                slope = -dot(g, q);
            }
            double[] d = q;
            double[] xTrial = xNew;
            double[] gTrial = gNew;
            double[] from = x;
            var accepted = LineSearch.backtrack(f, slope, gNorm, MAX_BACKTRACKS, false, step -> {
                for (int i = 0; i < p; i++) {
                    xTrial[i] = from[i] - step * d[i];
                }
                return new Trial(objective.evaluate(xTrial, gTrial), gTrial);
            });
            if (accepted.isEmpty()) {
                break; // no decrease possible at this precision
            }
            double fNew = accepted.get().trial().objective();
            double[] sk = new double[p];
            double[] yk = new double[p];
            for (int i = 0; i < p; i++) {
                sk[i] = xNew[i] - x[i];
                yk[i] = gNew[i] - g[i];
            }
            double sy = dot(sk, yk);
            if (sy > 1e-300) {
                s[head] = sk;
                y[head] = yk;
                rho[head] = 1.0 / sy;
                head = (head + 1) % MEMORY;
                stored = Math.min(stored + 1, MEMORY);
            }
            System.arraycopy(xNew, 0, x, 0, p);
            System.arraycopy(gNew, 0, g, 0, p);
            f = fNew;
            gNorm = norm(g);
            it++;
        }
        net.setParams(Nd4j.createFromArray(x));
        return new TrainingProtocol.Outcome(TrainingProtocol.Kind.LBFGS, it, f, gNorm, gNorm <= tolerance);
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] += a * x[i];
        }
    }

    private static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }
}
