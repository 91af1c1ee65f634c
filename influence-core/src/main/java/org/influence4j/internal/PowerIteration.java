package org.influence4j.internal;

import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;

import org.influence4j.hvp.HessianVectorProduct;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Power iteration on a symmetric operator, the one implementation behind LiSSA's scale estimate and the
 * estimator's extreme-eigenvalue diagnostics.
 */
public final class PowerIteration {

    private PowerIteration() {
    }

    /**
     * The outcome of a run on {@code H − σI}.
     *
     * @param rayleigh the Rayleigh quotient {@code vᵀ(H − σI)v} of the last unit iterate {@code v}
     * @param norm     {@code ‖(H − σI)v‖} of the last iterate (its magnitude estimate, approached from below)
     * @param products operator products spent
     */
    public record Estimate(double rayleigh, double norm, int products) {
    }

    /**
     * Runs power iteration on {@code H − σI} from a seeded Gaussian start (drawn from {@code rng}) for at most
     * {@code maxIterations} products, stopping early once the norm estimate changes by at most
     * {@code relativeTolerance} (0: never early). The estimates lie inside the spectrum and approach the
     * eigenvalue of largest magnitude at the rate of the spectral gap. The thread's interrupt is checked before every
     * product ({@link CancellationException}). A non-finite product ends the run with non-finite estimates.
     */
    public static Estimate run(HessianVectorProduct h, double shift, int maxIterations, double relativeTolerance,
                               SplittableRandom rng) {
        INDArray v = Vectors.gaussian(rng, h.dimension());
        v.divi(Vectors.norm2(v));
        double rayleigh = 0;
        double norm = 0;
        int products = 0;
        for (int k = 0; k < maxIterations; k++) {
            if (Thread.currentThread().isInterrupted()) {
                throw new CancellationException("power iteration interrupted after " + products + " HVPs");
            }
            // every vector here is this method's own (the start, the operator's fresh products): each is closed as
            // soon as it is replaced, so that a run frees its off-heap memory without waiting for the collector
            INDArray w = h.apply(v);
            products++;
            if (shift != 0) {
                INDArray sv = v.mul(shift);
                w.subi(sv);
                sv.close();
            }
            rayleigh = Vectors.dot(v, w); // vᵀ(H − σI)v with ‖v‖ = 1
            double previous = norm;
            norm = Vectors.norm2(w);
            if (!Double.isFinite(norm) || norm == 0) { // a non-finite estimate is returned for the caller to judge
                w.close();
                break;
            }
            v.close();
            v = w.divi(norm);
            if (relativeTolerance > 0 && Math.abs(norm - previous) <= relativeTolerance * norm) {
                break;
            }
        }
        v.close();
        return new Estimate(rayleigh, norm, products);
    }

    /**
     * Estimates {@code [λmin, λmax]} of {@code h}: power iteration on {@code h} gives the eigenvalue of largest
     * magnitude μ₁; power iteration on {@code h − μ₁I} gives the eigenvalue farthest from μ₁, i.e. the other end of
     * the spectrum. Rayleigh quotients after {@code iterations} products each.
     */
    public static double[] extremes(HessianVectorProduct h, int iterations, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double mu1 = run(h, 0.0, iterations, 0, rng).rayleigh();
        double mu2 = run(h, mu1, iterations, 0, rng).rayleigh() + mu1;
        return new double[] {Math.min(mu1, mu2), Math.max(mu1, mu2)};
    }
}
