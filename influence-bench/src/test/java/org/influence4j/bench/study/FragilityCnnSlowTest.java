package org.influence4j.bench.study;

import static org.assertj.core.api.Assertions.assertThat;

import org.influence4j.solver.StopReason;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The full {@code mnist-cnn} preset: LeNet on all 5,500 small-MNIST training images, CG, top-10 leave-one-out with
 * warm-started L-BFGS retraining ({@code mvn -Pslow}; about 30 minutes on 2 cores once the adapter's convolutional
 * HVPs are exact, longer with finite differences — see docs/reproduction.md). Its small version, on 200 images, is
 * {@code LenetPresetTest} in the default build. The assertions are structural and loose on purpose: the preset has
 * not been run to the end yet, so no agreement threshold has been measured for it.
 */
@Tag("slow")
class FragilityCnnSlowTest {

    @Test
    void mnistCnnPreset_trainsAUsefulLenet_andComparesTenRetrainings() {
        FragilityStudy.Results r = new FragilityStudy(FragilityStudy.Config.mnistCnn()).run(false, line -> { });

        assertThat(r.networks()).hasSize(1);
        FragilityStudy.Network n = r.networks().get(0);
        assertThat(n.parameters()).isEqualTo(25_010);
        assertThat(n.testAccuracy()).isGreaterThan(0.8);
        assertThat(n.training().gradientNorm()).isFinite();
        assertThat(r.comparisons()).hasSize(1);
        FragilityStudy.Comparison c = r.comparisons().get(0);
        assertThat(c.solve().stopReason()).isEqualTo(StopReason.CONVERGED);
        assertThat(c.report().points()).hasSize(10);
        assertThat(c.report().topK().pearson()).isFinite();
        assertThat(c.report().topK().spearman()).isFinite();
    }
}
