package org.influence4j.bench.study;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.util.Arrays;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.influence4j.InfluenceEstimator;
import org.influence4j.InfluenceScores;
import org.influence4j.bench.data.Datasets;
import org.influence4j.bench.data.TrainTestData;
import org.influence4j.dl4j.Dl4jInfluenceModel;
import org.influence4j.dl4j.HvpMode;
import org.influence4j.solver.IHVPSolver;
import org.influence4j.solver.StopReason;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The CNN probe (an end-to-end measurement, tagged slow): a LeNet-style network ({@link Networks#lenet}) trained for
 * two epochs of Adam (mini-batches of 32, l2 1e-3) on the bundled 5,500 small-MNIST images, explained for its
 * highest-loss test image with damping 0.01 by CG to 1e-8 on the exact Hessian and on the Gauss–Newton curvature,
 * scoring all 5,500 images through the public API as a user would. Prints the wall time of each
 * {@code influenceOn} call (model adaptation included; training excluded). The trained network is saved to
 * {@code target/lenet-probe.zip} and reused by later runs. Run with
 * {@code OMP_NUM_THREADS=1 mvn -pl influence-bench -am test -Dtest=LenetProbeSlowTest -Dsurefire.excludedGroups=
 * -Dsurefire.failIfNoSpecifiedTests=false} (see docs/benchmarks.md).
 */
@Tag("slow")
class LenetProbeSlowTest {

    @Test
    void probe() throws Exception {
        TrainTestData data = Datasets.bundled(Datasets.SMALL_MNIST);
        DataSet train = data.train().data();
        DataSet test = data.test().data();
        File saved = new File("target/lenet-probe.zip");
        MultiLayerNetwork net;
        if (saved.isFile()) {
            net = ModelSerializer.restoreMultiLayerNetwork(saved);
        } else {
            net = Networks.lenet(28, 28, 10, 1e-3, 1L, new Adam(1e-3));
            for (int epoch = 0; epoch < 2; epoch++) {
                for (DataSet batch : train.batchBy(32)) {
                    net.fit(batch);
                }
            }
            ModelSerializer.writeModel(net, saved, false);
        }
        double[] losses = net.scoreExamples(test, false).toDoubleVector();
        DataSet point = test.get(TestPoints.highestLoss(losses));
        for (HvpMode mode : new HvpMode[] {HvpMode.EXACT, HvpMode.GAUSS_NEWTON}) {
            long t0 = System.nanoTime();
            Dl4jInfluenceModel model = Dl4jInfluenceModel.builder(net).hvpMode(mode).build();
            InfluenceScores s = InfluenceEstimator.forModel(model).withTrainingData(train).withDamping(0.01)
                    .withSolver(IHVPSolver.conjugateGradient()).influenceOn(point);
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("probe %s: %.1f s end to end, %s, most harmful %s%n", mode, seconds, s.solverResult(),
                    Arrays.toString(s.mostHarmful(5)));
            assertThat(s.size()).isEqualTo(train.numExamples());
            assertThat(s.values().isInfinite().any() || s.values().isNaN().any()).isFalse();
            if (mode == HvpMode.GAUSS_NEWTON) {
                // positive semi-definite + damping: CG must reach the tolerance
                assertThat(s.solverResult().stopReason()).isEqualTo(StopReason.CONVERGED);
                assertThat(s.solverResult().relativeResidual()).isLessThanOrEqualTo(1e-8);
            } else {
                assertThat(s.solverResult().stopReason()).isIn(StopReason.CONVERGED,
                        StopReason.NON_POSITIVE_CURVATURE);
            }
        }
    }
}
