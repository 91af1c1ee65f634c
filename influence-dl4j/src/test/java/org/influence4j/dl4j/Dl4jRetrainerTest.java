package org.influence4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.model.DataSets;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;

/** Retraining is deterministic, warm-started, and never touches the original network. */
class Dl4jRetrainerTest {

    @Test
    void retraining_isDeterministic_warmStarted_andLeavesTheNetworkUntouched() {
        MultiLayerNetwork net = TestNets.irisMlp(DataType.FLOAT, 100);
        double[] before = TestNets.snapshot(net);
        int iterationsBefore = net.getIterationCount();
        DataSet train = TestNets.iris();
        DataSet test = DataSets.subset(train, new int[] {3, 80});
        Dl4jRetrainer own = Dl4jRetrainer.builder(net, train).iterations(20).build();
        double a = own.testLossWithout(new int[] {5}, test);
        double b = own.testLossWithout(new int[] {5}, test);
        assertThat(a).isEqualTo(b);
        // warm start: zero iterations of retraining reproduce the trained network's test loss
        double trained = Dl4jInfluenceModel.of(net).losses(test).meanNumber().doubleValue();
        Dl4jRetrainer sgd = Dl4jRetrainer.builder(net, train).updater(new Sgd(0.0)).iterations(1).build();
        assertThat(sgd.testLossWithout(new int[0], test)).isCloseTo(trained, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(own.testLossWithout(new int[] {1, 2, 3}, test)).isNotEqualTo(a);
        assertThat(own.toString()).contains("iterations=20");
        assertThat(TestNets.snapshot(net)).isEqualTo(before);
        assertThat(net.getIterationCount()).isEqualTo(iterationsBefore);
        assertThatThrownBy(() -> own.testLossWithout(new int[] {150}, test))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("150");
        assertThatThrownBy(() -> Dl4jRetrainer.builder(net, train).iterations(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("iterations");
    }
}
