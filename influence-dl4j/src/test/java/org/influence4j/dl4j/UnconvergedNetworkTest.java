package org.influence4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.InfluenceDiagnostics;
import org.influence4j.InfluenceEstimator;
import org.influence4j.InfluenceScores;
import org.influence4j.solver.NotPositiveDefiniteException;
import org.influence4j.solver.SolverDiagnostics;
import org.influence4j.solver.StopReason;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The card chain {@code forModel(net).withTrainingData(..).withDamping(..).influenceOn(..)} with default settings on
 * a network trained only a few dozen Adam steps, where {@code H + λI} is indefinite: lenient by default (flagged
 * scores and a WARN), strict on request (an exception with a suggested damping); the network never changes.
 */
class UnconvergedNetworkTest {

    @Test
    void cardChain_onAnIndefiniteHessian_returnsFlaggedScoresWithAWarn_andStrictThrows_networkUnchanged() {
        MultiLayerNetwork net = TestNets.irisMlp(DataType.DOUBLE, 30);
        DataSet train = TestNets.iris();
        DataSet test = train.get(7);
        double[] before = TestNets.snapshot(net);
        double lambda = 0.001;

        InfluenceDiagnostics d = InfluenceEstimator.forModel(net).withTrainingData(train).withDamping(lambda)
                .diagnose();
        assertThat(d.minEigenvalue() + lambda).as("precondition: H + λI is indefinite").isNegative();

        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        InfluenceScores scores;
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            scores = InfluenceEstimator.forModel(net).withTrainingData(train).withDamping(lambda).influenceOn(test);
        } finally {
            System.setErr(err);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        // flagged: the exact solver's default TRUNCATE policy inverted the positive part of H + λI
        assertThat(scores.solverResult().converged()).isFalse();
        assertThat(scores.solverResult().stopReason()).isEqualTo(StopReason.NOT_POSITIVE_DEFINITE);
        SolverDiagnostics.Exact exact = (SolverDiagnostics.Exact) scores.solverResult().diagnostics();
        assertThat(exact.minEigenvalue()).isCloseTo(d.minEigenvalue() + lambda,
                org.assertj.core.data.Offset.offset(1e-9));
        assertThat(exact.clipped()).isPositive();
        assertThat(Arrays.stream(scores.toDoubleArray()).allMatch(Double::isFinite)).isTrue();
        double suggested = scores.solverResult().suggestedDamping(lambda);
        assertThat(suggested).isGreaterThan(lambda - d.minEigenvalue());
        // one WARN for the flagged solve, naming the suggested damping and the remedies, never CLIP
        assertThat(log).contains("WARN").contains("not positive definite").contains("TRUNCATE")
                .contains(String.format(java.util.Locale.ROOT, "withDamping(%.3g)", suggested))
                .contains("Gauss–Newton").doesNotContain("CLIP");
        assertThat(log.split("not positive definite", -1).length - 1).isEqualTo(1);

        assertThatThrownBy(() -> InfluenceEstimator.forModel(net).withTrainingData(train).withDamping(lambda)
                .withStrict(true).influenceOn(test))
                .isInstanceOf(NotPositiveDefiniteException.class)
                .satisfies(e -> assertThat(((NotPositiveDefiniteException) e).suggestedDamping()).isEqualTo(suggested));

        // the suggested damping makes the same chain converge
        InfluenceScores fixed = InfluenceEstimator.forModel(net).withTrainingData(train).withDamping(suggested)
                .withStrict(true).influenceOn(test);
        assertThat(fixed.solverResult().converged()).isTrue();
        assertThat(TestNets.snapshot(net)).containsExactly(before);
    }
}
