package org.influence4j.solver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import org.influence4j.hvp.HessianVectorProduct;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Times the two eigensolver paths at p = 500 (best of 3 factorisations of a closed-form operator) and logs
 * the ratio. Tagged slow: run with {@code -Pslow}. The assertion only checks that dsyevd is not slower.
 */
@Tag("slow")
class ExactSolverTimingTest {

    private static final Logger LOG = LoggerFactory.getLogger(ExactSolverTimingTest.class);

    @Test
    void lapackeDsyevd_isFasterThanNd4jEigen_atP500() {
        assumeThat(ExactSolver.lapackeAvailable()).isTrue();
        HessianVectorProduct h = SolverFixtures.spd(500, 1e3, 1).operator();
        double lapacke = bestMillis(IHVPSolver.exact().withBackend(ExactSolver.Backend.LAPACKE_DSYEVD), h);
        double eigen = bestMillis(IHVPSolver.exact().withBackend(ExactSolver.Backend.ND4J_EIGEN), h);
        LOG.warn("p = 500 factorisation (dense form + eigendecomposition), best of 3: LAPACKE dsyevd {} ms, "
                + "ND4J Eigen {} ms, ratio {}", lapacke, eigen, eigen / lapacke);
        assertThat(lapacke).isLessThan(eigen);
    }

    private static double bestMillis(ExactSolver solver, HessianVectorProduct h) {
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < 4; i++) { // first run warms up
            long t0 = System.nanoTime();
            solver.factorize(h);
            double ms = (System.nanoTime() - t0) / 1e6;
            if (i > 0) {
                best = Math.min(best, ms);
            }
        }
        return best;
    }
}
