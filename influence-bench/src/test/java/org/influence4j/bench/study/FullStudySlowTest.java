package org.influence4j.bench.study;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.Predicate;

import org.influence4j.dl4j.TrainingProtocol;
import org.influence4j.solver.StopReason;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The full Iris preset (220 networks, about 12 minutes on 2 cores; {@code mvn -Pslow}), checked against the
 * paper's findings that hold at a converged optimum with weight decay, and against the solvers' agreement. The small
 * version of the same study is the quick preset that CI runs.
 */
@Tag("slow")
class FullStudySlowTest {

    @Test
    void fullPreset_reproducesTheCurvatureAndShallowAgreement_andTheSolversAgree() {
        FragilityStudy.Results r = new FragilityStudy(FragilityStudy.Config.full()).run(false, line -> { });

        Predicate<FragilityStudy.Network> lbfgsWd = n -> n.protocol().kind() == TrainingProtocol.Kind.LBFGS
                && n.weightDecay() == 5e-3 && n.width() == 5;
        // curvature grows with depth (Basu et al.: the failure with depth goes with growing λmax)
        double lambda1 = meanLambdaMax(r, lbfgsWd.and(n -> n.depth() == 1));
        double lambda8 = meanLambdaMax(r, lbfgsWd.and(n -> n.depth() == 8));
        assertThat(lambda8).isGreaterThan(20 * lambda1);
        // shallow networks at a converged optimum with weight decay: influence agrees with leave-one-out
        assertThat(meanAbsSpearman(r, lbfgsWd.and(n -> n.depth() == 1), 20)).isGreaterThan(0.85);
        // the ranking of the few most influential points degrades with depth
        assertThat(meanAbsSpearman(r, lbfgsWd.and(n -> n.depth() == 8), 8))
                .isLessThan(meanAbsSpearman(r, lbfgsWd.and(n -> n.depth() == 1), 8));
        // exact and CG give the same scores wherever CG converged (with weight decay: without it the saturated
        // networks have test gradients of order 1e-16, whose scores are rounding noise for every solver)
        for (FragilityStudy.Comparison c : r.comparisons()) {
            if (c.solver() == FragilityStudy.SolverKind.CG && c.solve().stopReason() == StopReason.CONVERGED
                    && c.network().weightDecay() > 0) {
                assertThat(c.agreementPearson()).as(c.network().label()).isGreaterThan(0.999);
            }
        }
    }

    private static double meanLambdaMax(FragilityStudy.Results r, Predicate<FragilityStudy.Network> which) {
        return r.networks().stream().filter(which).mapToDouble(FragilityStudy.Network::lambdaMax).average()
                .orElseThrow();
    }

    private static double meanAbsSpearman(FragilityStudy.Results r, Predicate<FragilityStudy.Network> which, int k) {
        List<Double> values = r.comparisons().stream()
                .filter(c -> c.solver() == FragilityStudy.SolverKind.EXACT && which.test(c.network()))
                .map(c -> Math.abs(FragilityReport.topKSpearman(c.report(), k))).filter(Double::isFinite).toList();
        assertThat(values).isNotEmpty();
        return values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }
}
