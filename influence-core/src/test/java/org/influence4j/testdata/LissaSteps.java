package org.influence4j.testdata;

import java.util.SplittableRandom;
import java.util.function.Function;

import org.bytedeco.javacpp.Pointer;
import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.internal.Sampling;
import org.influence4j.solver.Curvature;
import org.influence4j.solver.LissaSolver;
import org.influence4j.solver.SolverResult;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Oracles for LiSSA's steps, shared by the core and adapter tests: the recursion as it was first written (a fresh
 * subset operator and fresh arrays every step), and the process's resident memory sampled during a solve.
 */
public final class LissaSteps {

    private LissaSteps() {
    }

    /**
     * LiSSA with a fixed scale and one repeat, written the plain way: every step draws its rows as the library does
     * ({@link Sampling#sampleWithoutReplacement} on the solver's first split of {@code new SplittableRandom(seed)}),
     * builds the damped Hessian of those rows with {@code batchHessian}, and allocates {@code Δ = b − A_B h/s} afresh.
     * It is what {@code LissaSolver} computed before its steps were made in place, so a seeded solve must match it.
     *
     * @param batchHessian the undamped Hessian of the examples at the given rows (a subset operator)
     * @param b            right-hand side, rank-1 DOUBLE; not modified
     */
    public static INDArray textbook(Function<int[], HessianVectorProduct> batchHessian, int n, int batchSize,
                                    double damping, double scale, int depth, long seed, INDArray b) {
        SplittableRandom rng = new SplittableRandom(seed).split(); // the first repeat's generator (scale given)
        INDArray h = b.dup();
        for (int t = 0; t < depth; t++) {
            int[] rows = Sampling.sampleWithoutReplacement(n, batchSize, rng);
            HessianVectorProduct step = batchHessian.apply(rows).damped(damping);
            h.addi(b.sub(step.apply(h).divi(scale)));
        }
        return h.divi(scale);
    }

    /**
     * The resident memory of this process ({@link Pointer#physicalBytes()}, which ND4J's off-heap arrays are part of)
     * after each of {@code steps} (ascending) of one LiSSA solve run to its full depth {@code steps[last]}.
     *
     * @param lissa configured solver (scale, batch size, seed); its depth and tolerance are replaced
     */
    public static long[] residentBytesAfter(LissaSolver lissa, Curvature curvature, double damping, INDArray b,
                                            int... steps) {
        long[] resident = new long[steps.length];
        int[] next = {0};
        SolverResult r = lissa.withDepth(steps[steps.length - 1]).withTolerance(0).withListener(e -> {
            if (next[0] < steps.length && e.iteration() == steps[next[0]]) {
                resident[next[0]++] = Pointer.physicalBytes();
            }
        }).prepare(curvature, damping).solve(b);
        if (next[0] < steps.length) {
            throw new IllegalStateException("the solve ended before step " + steps[next[0]] + ": " + r);
        }
        return resident;
    }
}
