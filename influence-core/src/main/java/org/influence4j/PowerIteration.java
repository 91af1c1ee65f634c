package org.influence4j;

import java.util.SplittableRandom;

import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.internal.Vectors;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Power-iteration estimates of a symmetric operator's extreme eigenvalues (for diagnostics). */
final class PowerIteration {

    private PowerIteration() {
    }

    /**
     * Estimates {@code [λmin, λmax]} of {@code h}: power iteration on {@code h} gives the eigenvalue of
     * largest magnitude μ₁; power iteration on the shifted operator {@code h − μ₁I} gives the eigenvalue
     * farthest from μ₁, i.e. the other end of the spectrum. Rayleigh quotients after {@code iterations}
     * steps each; estimates lie inside the true range and approach it at the rate of the spectral gaps.
     */
    static double[] extremes(HessianVectorProduct h, int iterations, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double mu1 = rayleigh(h, 0.0, iterations, rng);
        double mu2 = rayleigh(h, mu1, iterations, rng) + mu1;
        return new double[] {Math.min(mu1, mu2), Math.max(mu1, mu2)};
    }

    /** Largest-magnitude eigenvalue of {@code h − shift·I} by power iteration (its Rayleigh quotient). */
    private static double rayleigh(HessianVectorProduct h, double shift, int iterations, SplittableRandom rng) {
        INDArray v = Vectors.gaussian(rng, h.dimension());
        v.divi(Vectors.norm2(v));
        double quotient = 0;
        for (int i = 0; i < iterations; i++) {
            INDArray w = h.apply(v);
            if (shift != 0) {
                w.subi(v.mul(shift));
            }
            quotient = Vectors.dot(v, w); // vᵀ(H − σI)v with ‖v‖ = 1
            double norm = Vectors.norm2(w);
            if (norm == 0) {
                return 0;
            }
            v = w.divi(norm);
        }
        return quotient;
    }
}
