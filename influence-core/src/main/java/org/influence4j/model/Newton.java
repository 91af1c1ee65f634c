package org.influence4j.model;

import java.util.function.Function;

/**
 * Damped Newton's method with a backtracking (Armijo) line search for smooth convex objectives with a
 * dense Hessian, the deterministic trainer behind the reference models. Package-private.
 *
 * <p>Each step solves {@code (H + μI)Δ = −∇R} by Cholesky with a tiny Levenberg term
 * {@code μ = }{@link #RELATIVE_LEVENBERG}{@code · mean(diag H)} (raised ×100 until the factorisation
 * succeeds). The term makes an exactly singular {@code H} (softmax regression with unregularised biases)
 * factorisable; it does not change the step when the gradient is orthogonal to the null space, which is
 * the case there. The step length halves from 1 until the Armijo condition
 * {@code R(θ+αΔ) ≤ R(θ) + c·α·∇Rᵀ Δ} ({@code c = 1e-4}) holds ({@link LineSearch}); near the optimum, where
 * objective differences drown in round-off, a step is also accepted when it reduces {@code ‖∇R‖}. Stops when
 * {@code ‖∇R‖ ≤ tolerance}, after {@code maxIterations} steps, or when the line search stalls.
 */
final class Newton {

    /** Levenberg term relative to the mean Hessian diagonal. */
    static final double RELATIVE_LEVENBERG = 1e-12;
    private static final int MAX_HALVINGS = 60;

    private Newton() {
    }

    /** The objective, gradient and dense Hessian at one point. */
    interface Point {
        double objective();

        double[] gradient();

        double[][] hessian();
    }

    /** Where Newton stopped. */
    record Outcome(double[] theta, Point point, double objective, double gradientNorm, int iterations,
                   boolean converged) {
    }

    static Outcome minimise(double[] theta0, Function<double[], Point> at, NewtonOptions options) {
        double[] theta = theta0.clone();
        Point pt = at.apply(theta);
        double f = pt.objective();
        double[] g = pt.gradient();
        double gn = norm(g);
        int it = 0;
        while (gn > options.tolerance() && it < options.maxIterations()) {
            double[] step = newtonStep(pt.hessian(), g);
            double slope = dot(g, step); // ∇Rᵀ Δ < 0 for a descent direction
            double[] from = theta;
            var accepted = LineSearch.backtrack(f, slope, gn, MAX_HALVINGS, true, alpha -> {
                double[] t = axpy(alpha, step, from);
                return new Trial(t, at.apply(t));
            });
            if (accepted.isEmpty()) {
                break; // line search stalled: return the flagged result
            }
            Trial trial = accepted.get().trial();
            pt = trial.point();
            f = trial.objective();
            theta = trial.theta();
            g = pt.gradient();
            gn = norm(g);
            it++;
        }
        return new Outcome(theta, pt, f, gn, it, gn <= options.tolerance());
    }

    /** A line-search trial: the parameters and the objective's point there. */
    private record Trial(double[] theta, Point point) implements LineSearch.Trial {
        @Override
        public double objective() {
            return point.objective();
        }

        @Override
        public double[] gradient() {
            return point.gradient();
        }
    }

    /** Δ = −(H + μI)⁻¹ g with the smallest μ (from the relative default, ×100) that factorises. */
    private static double[] newtonStep(double[][] h, double[] g) {
        int p = g.length;
        double meanDiag = 0;
        for (int i = 0; i < p; i++) {
            meanDiag += Math.abs(h[i][i]) / p;
        }
        double mu = RELATIVE_LEVENBERG * Math.max(meanDiag, Double.MIN_NORMAL);
        for (int attempt = 0; attempt < 12; attempt++, mu *= 100) {
            double[][] a = new double[p][];
            for (int i = 0; i < p; i++) {
                a[i] = h[i].clone();
                a[i][i] += mu;
            }
            DenseCholesky c = DenseCholesky.factor(a);
            if (c != null) {
                double[] minusG = new double[p];
                for (int i = 0; i < p; i++) {
                    minusG[i] = -g[i];
                }
                return c.solve(minusG);
            }
        }
        // Not even H + (1e10·scale)·I factorises (non-finite Hessian): fall back to steepest descent.
        double[] d = new double[p];
        for (int i = 0; i < p; i++) {
            d[i] = -g[i] / Math.max(meanDiag, 1.0);
        }
        return d;
    }

    static double norm(double[] x) {
        return Math.sqrt(dot(x, x));
    }

    private static double dot(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += x[i] * y[i];
        }
        return s;
    }

    private static double[] axpy(double a, double[] x, double[] y) {
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            r[i] = a * x[i] + y[i];
        }
        return r;
    }
}
