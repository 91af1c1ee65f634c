package org.influence4j.bench.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Sgd;

/** The reference networks' initialisation: PyTorch's {@code nn.Linear} rule for the weights, biases at zero. */
class NetworksTest {

    @Test
    void uniformInitialisation_drawsWeightsInTheFanInBound_withItsVariance_andZeroBiases() {
        MultiLayerNetwork net = Networks.mlp(400, 3, new int[] {20}, Networks.HiddenActivation.RELU, 0, 7,
                new Sgd(0.01), WeightInit.UNIFORM);
        double[] w = net.getParam("0_W").ravel().toDoubleVector(); // 400 × 20
        double bound = 1 / Math.sqrt(400);
        double sumSq = 0;
        for (double v : w) {
            assertThat(Math.abs(v)).isLessThanOrEqualTo(bound);
            sumSq += v * v;
        }
        // U(−a, a) has variance a²/3; 8,000 draws estimate it to about 1% (relative standard deviation √(0.8/n))
        assertThat(sumSq / w.length).isBetween(0.95 * bound * bound / 3, 1.05 * bound * bound / 3);
        assertThat(net.getParam("0_b").ravel().toDoubleVector()).containsOnly(0.0);
        assertThat(net.getParam("1_b").ravel().toDoubleVector()).containsOnly(0.0);
        double[] out = net.getParam("1_W").ravel().toDoubleVector(); // 20 × 3: bound 1/√20
        for (double v : out) {
            assertThat(Math.abs(v)).isLessThanOrEqualTo(1 / Math.sqrt(20));
        }
    }

    @Test
    void xavierOverload_isTheDefault_andANullInitialisationIsRefused() {
        MultiLayerNetwork a = Networks.mlp(10, 3, new int[] {4}, Networks.HiddenActivation.TANH, 1e-3, 3, new Sgd(0.1));
        MultiLayerNetwork b = Networks.mlp(10, 3, new int[] {4}, Networks.HiddenActivation.TANH, 1e-3, 3, new Sgd(0.1),
                WeightInit.XAVIER);
        assertThat(b.params().toDoubleVector()).containsExactly(a.params().toDoubleVector());
        assertThatThrownBy(() -> Networks.mlp(10, 3, new int[] {4}, Networks.HiddenActivation.TANH, 0, 3,
                new Sgd(0.1), null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weightInit");
    }
}
