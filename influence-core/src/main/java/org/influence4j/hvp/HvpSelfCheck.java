package org.influence4j.hvp;

import java.util.Objects;
import java.util.SplittableRandom;

import org.influence4j.internal.Arguments;
import org.influence4j.internal.Vectors;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Self-check of a Hessian-vector product: symmetry, and agreement with a reference operator (typically a
 * {@link FiniteDifferenceHvp} of the same objective).
 *
 * <p>For {@code trials} pairs of random unit vectors {@code u, v} (standard normal, normalised, drawn
 * from an explicit seed) it measures
 * <ul>
 *   <li>the symmetry error {@code |uᵀ(Hv) − vᵀ(Hu)|}, also relative to {@code ‖Hu‖ + ‖Hv‖};</li>
 *   <li>the relative error {@code ‖Hv − H_ref v‖ / ‖H_ref v‖} against the reference.</li>
 * </ul>
 * and reports the worst value over the trials. Cost: {@code 2·trials} products of the operator under test
 * and {@code trials} of the reference.
 */
public final class HvpSelfCheck {

    private HvpSelfCheck() {
    }

    /**
     * The worst errors over the trials.
     *
     * @param trials                  number of random vector pairs
     * @param symmetryError           max |uᵀHv − vᵀHu| over unit u, v
     * @param relativeSymmetryError   max |uᵀHv − vᵀHu| / (‖Hu‖ + ‖Hv‖)
     * @param relativeError           max ‖Hv − H_ref v‖ / ‖H_ref v‖ (NaN without a reference)
     * @param seed                    the seed the vectors were drawn from
     */
    public record Report(int trials, double symmetryError, double relativeSymmetryError, double relativeError,
                         long seed) {
        /** True if both relative errors are at most {@code tolerance} (a NaN relative error is ignored). */
        public boolean passes(double tolerance) {
            return relativeSymmetryError <= tolerance && !(relativeError > tolerance);
        }
    }

    /** Checks symmetry only. */
    public static Report symmetry(HessianVectorProduct h, int trials, long seed) {
        return check(h, null, trials, seed);
    }

    /**
     * Checks {@code h} for symmetry and against {@code reference}.
     *
     * @param h         operator under test
     * @param reference reference operator of the same dimension, or {@code null} for a symmetry-only check
     * @param trials    number of random vector pairs, ≥ 1
     * @param seed      seed for the random vectors
     */
    public static Report check(HessianVectorProduct h, HessianVectorProduct reference, int trials, long seed) {
        Objects.requireNonNull(h, "h");
        Arguments.checkPositive("trials", trials);
        if (reference != null && reference.dimension() != h.dimension()) {
            throw new IllegalArgumentException("reference has dimension " + reference.dimension()
                    + " but the operator has dimension " + h.dimension());
        }
        long p = h.dimension();
        SplittableRandom rng = new SplittableRandom(seed);
        double sym = 0, relSym = 0, rel = reference == null ? Double.NaN : 0;
        for (int t = 0; t < trials; t++) {
            INDArray u = unit(Vectors.gaussian(rng, p));
            INDArray v = unit(Vectors.gaussian(rng, p));
            INDArray hu = h.apply(u);
            INDArray hv = h.apply(v);
            double s = Math.abs(Vectors.dot(u, hv) - Vectors.dot(v, hu));
            double denom = hu.norm2Number().doubleValue() + hv.norm2Number().doubleValue();
            sym = Math.max(sym, s);
            relSym = Math.max(relSym, denom == 0 ? s : s / denom);
            if (reference != null) {
                INDArray ref = reference.apply(v);
                double rn = ref.norm2Number().doubleValue();
                double e = hv.sub(ref).norm2Number().doubleValue();
                rel = Math.max(rel, rn == 0 ? e : e / rn);
            }
        }
        return new Report(trials, sym, relSym, rel, seed);
    }

    private static INDArray unit(INDArray x) {
        return x.divi(x.norm2Number().doubleValue());
    }
}
