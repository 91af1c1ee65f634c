package org.influence4j.bench.study;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Full-batch L-BFGS on a DL4J network's training objective {@code R(θ) = (1/n)Σℓ(zᵢ,θ) + ½·wd·‖W‖²} — exactly the
 * objective the influence adapter differentiates (DL4J's {@code score()}), so that training ends at a point where
 * {@code ‖∇R(θ̂)‖} is small, as influence functions assume (DESIGN.md).
 *
 * <p>Why not DL4J's own optimisers: full-batch Adam/SGD need many thousands of iterations to reach
 * {@code ‖∇R‖ ≈ 1e-6} on these small nets, and DL4J's {@code OptimizationAlgorithm.LBFGS} stalls in 1.0.0-M2.1 (see
 * {@code Dl4jRetrainer}). This is the textbook two-loop recursion (Nocedal &amp; Wright, Alg. 7.4) with memory
 * {@value #MEMORY} and a backtracking Armijo line search; {@link Objective#of} evaluates {@code R} and its gradient
 * (plain Java for small dense networks, DL4J's batch gradient otherwise).
 *
 * <p>Stops when {@code ‖∇R‖ ≤ tolerance}, after {@code maxIterations}, or when the line search cannot decrease
 * {@code R} any more (round-off). Modifies the network it is given (callers pass a copy); one iteration costs one
 * batch gradient plus the line search's extra evaluations (usually none). Not thread-safe.
 */
public final class Lbfgs {

    /** Number of correction pairs kept. */
    public static final int MEMORY = 20;
    private static final double ARMIJO = 1e-4;
    private static final int MAX_BACKTRACKS = 40;

    /**
     * The outcome of a run.
     *
     * @param iterations   iterations done
     * @param objective    {@code R(θ)} at the end
     * @param gradientNorm {@code ‖∇R(θ)‖₂} at the end
     * @param converged    whether the gradient tolerance was met
     */
    public record Result(int iterations, double objective, double gradientNorm, boolean converged) {
    }

    private final Objective objective;

    /**
     * An optimiser for {@code net} on {@code data}.
     *
     * @param net  a DOUBLE network; modified by {@link #minimize}
     * @param data the full training set (used as one batch); not modified
     */
    public Lbfgs(MultiLayerNetwork net, DataSet data) {
        this.objective = Objective.of(net, data);
    }

    /**
     * Minimises from the network's current parameters; leaves the final parameters in the network.
     *
     * @param tolerance     stop when {@code ‖∇R‖₂ ≤ tolerance}
     * @param maxIterations iteration budget
     * @return the outcome
     */
    public Result minimize(double tolerance, int maxIterations) {
        int p = objective.dimension();
        double[] x = objective.parameters();
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
            double step = 1.0;
            double fNew = Double.NaN;
            boolean accepted = false;
            for (int bt = 0; bt < MAX_BACKTRACKS; bt++) {
                for (int i = 0; i < p; i++) {
                    xNew[i] = x[i] - step * q[i];
                }
                fNew = objective.evaluate(xNew, gNew);
                if (Double.isFinite(fNew) && fNew <= f + ARMIJO * step * slope) {
                    accepted = true;
                    break;
                }
                step *= 0.5;
            }
            if (!accepted) {
                break; // no decrease possible at this precision
            }
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
        objective.setParameters(x);
        return new Result(it, f, gNorm, gNorm <= tolerance);
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
