package org.influence4j.solver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.influence4j.solver.SolverFixtures.bits;

import org.influence4j.hvp.HessianVectorProduct;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The {@link IHVPSolver} contract, run against every solver (EJML's {@code Generic*Tests}): argument checks
 * naming {@code b}, the zero right-hand side, {@code b} left untouched, fresh results, determinism, counted
 * products and a well-conditioned solve with default settings.
 */
abstract class SolverContractTest {

    static final int P = 30;
    /** κ = 10: every solver converges with its defaults (LiSSA: rate 1 − 1/(1.25·10) per step). */
    static final SolverFixtures.Problem PROBLEM = SolverFixtures.spd(P, 10, 11);

    /** The solver under test, default-configured (LiSSA seeded). */
    abstract IHVPSolver solver();

    private HessianVectorProduct operator() {
        return PROBLEM.operator();
    }

    @Test
    void solve_returnsZeroWithoutProducts_forZeroRightHandSide() {
        SolverFixtures.Counting h = new SolverFixtures.Counting(operator());
        SolverResult result = solver().solve(h, Nd4j.zeros(DataType.DOUBLE, P));
        assertThat(result.solution().toDoubleVector()).containsOnly(0.0).hasSize(P);
        assertThat(result.iterations()).isZero();
        assertThat(result.stopReason()).isEqualTo(StopReason.ZERO_RIGHT_HAND_SIDE);
        assertThat(result.converged()).isTrue();
        assertThat(h.products()).isZero();
    }

    @Test
    void solve_rejectsNaN_namingB() {
        INDArray b = SolverFixtures.gaussian(P, 1);
        b.putScalar(7, Double.NaN);
        assertThatThrownBy(() -> solver().solve(operator(), b)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("b contains NaN at flat index 7");
    }

    @Test
    void solve_rejectsInfinity_namingB() {
        INDArray b = SolverFixtures.gaussian(P, 1);
        b.putScalar(3, Double.NEGATIVE_INFINITY);
        assertThatThrownBy(() -> solver().solve(operator(), b)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("b contains -Infinity");
    }

    @Test
    void solve_rejectsWrongLength_namingB() {
        assertThatThrownBy(() -> solver().solve(operator(), SolverFixtures.gaussian(P + 1, 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("b has shape [31]").hasMessageContaining("length 30");
    }

    @Test
    void solve_rejectsIntegerDataType_namingB() {
        assertThatThrownBy(() -> solver().solve(operator(), Nd4j.ones(DataType.INT, P)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("b has data type INT");
    }

    @Test
    void solve_rejectsNullArguments() {
        assertThatThrownBy(() -> solver().solve(operator(), null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("b");
        assertThatThrownBy(() -> solver().solve(null, SolverFixtures.gaussian(P, 1)))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void solve_leavesRightHandSideBitwiseUnchanged() {
        INDArray b = SolverFixtures.gaussian(P, 2);
        double[] before = bits(b);
        solver().solve(operator(), b);
        assertThat(bits(b)).containsExactly(before);
    }

    @Test
    void solve_returnsFreshRankOneDoubleArray() {
        INDArray b = SolverFixtures.gaussian(P, 3);
        double[] before = bits(b);
        SolverResult first = solver().solve(operator(), b);
        SolverResult second = solver().solve(operator(), b);
        assertThat(first.solution().rank()).isEqualTo(1);
        assertThat(first.solution().length()).isEqualTo(P);
        assertThat(first.solution().dataType()).isEqualTo(DataType.DOUBLE);
        assertThat(first.solution()).isNotSameAs(b).isNotSameAs(second.solution());
        first.solution().assign(123.0); // the caller owns it: writing to it affects nothing else
        assertThat(bits(b)).containsExactly(before);
        assertThat(second.solution().getDouble(0)).isNotEqualTo(123.0);
    }

    @Test
    void solution_isAFreshCopy_soMutatingItLeavesTheResultIntact() {
        SolverResult result = solver().solve(operator(), SolverFixtures.gaussian(P, 4));
        double[] before = result.solution().toDoubleVector();
        result.solution().assign(Double.NaN);
        assertThat(result.solution().toDoubleVector()).containsExactly(before);
    }

    @Test
    void solve_isDeterministic() {
        INDArray b = SolverFixtures.gaussian(P, 4);
        assertThat(bits(solver().solve(operator(), b).solution()))
                .containsExactly(bits(solver().solve(operator(), b).solution()));
    }

    @Test
    void solve_givesIdenticalResults_whenOneInstanceSolvesOnSeveralThreads() throws Exception {
        IHVPSolver shared = solver();
        INDArray b = SolverFixtures.gaussian(P, 12);
        double[] expected = bits(shared.solve(operator(), b).solution());
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            java.util.List<java.util.concurrent.Future<double[]>> futures = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                futures.add(pool.submit(() -> bits(shared.solve(operator(), b).solution())));
            }
            for (java.util.concurrent.Future<double[]> f : futures) {
                assertThat(f.get()).containsExactly(expected);
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void solve_countsEveryProductButTheFinalResidualCheck() {
        SolverFixtures.Counting h = new SolverFixtures.Counting(operator());
        SolverResult result = solver().solve(h, SolverFixtures.gaussian(P, 5));
        assertThat(result.iterations()).isPositive().isEqualTo(h.products() - 1);
    }

    @Test
    void solve_matchesOracle_forWellConditionedProblemWithDefaults() {
        INDArray b = SolverFixtures.gaussian(P, 6);
        SolverResult result = solver().solve(operator(), b);
        assertThat(result.converged()).isTrue();
        assertThat(SolverFixtures.relativeError(result.solution(), PROBLEM.oracle(b, 0)))
                .isLessThan(SolverFixtures.CONTRACT_RELATIVE_ERROR);
        assertThat(result.rightHandSideNorm()).isEqualTo(b.norm2Number().doubleValue());
        assertThat(result.elapsed()).isPositive();
        assertThat(result.toString()).contains(result.diagnostics().solver()).doesNotContain("[[");
    }

    @Test
    void solve_acceptsFloatRowVector() {
        INDArray b = SolverFixtures.gaussian(P, 7);
        SolverResult result = solver().solve(operator(), b.castTo(DataType.FLOAT).reshape(1, P));
        assertThat(result.solution().dataType()).isEqualTo(DataType.DOUBLE);
        assertThat(result.solution().rank()).isEqualTo(1);
        // FLOAT rounding of b (relative 6e-8) times κ = 10
        assertThat(SolverFixtures.relativeError(result.solution(), PROBLEM.oracle(b, 0))).isLessThan(1e-5);
    }

    @Test
    void toString_showsSettings() {
        assertThat(solver().toString()).contains("[").doesNotContain("@");
    }
}
