package org.influence4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicReference;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

/** Interrupting a retraining ends it promptly with a CancellationException; the user's network never changes. */
class RetrainingCancellationTest {

    @Test
    void interruptedRetraining_endsWithinOneSecond_networkUnchanged() throws Exception {
        MultiLayerNetwork net = TestNets.irisMlp(DataType.DOUBLE, 5);
        DataSet train = TestNets.iris();
        double[] before = TestNets.snapshot(net);
        // a budget of a million full-batch steps: minutes of work
        Dl4jRetrainer retrainer = Dl4jRetrainer.builder(net, train)
                .protocol(TrainingProtocol.defaults().withIterations(1_000_000, 1_000_000)).build();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            try {
                retrainer.testLossWithout(new int[] {3}, train.get(0));
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        worker.start();
        Thread.sleep(500);
        assertThat(worker.isAlive()).isTrue();
        long t0 = System.nanoTime();
        worker.interrupt();
        worker.join(10_000);
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(1.0);
        assertThat(thrown.get()).isInstanceOf(CancellationException.class).hasMessageContaining("interrupted after");
        assertThat(TestNets.snapshot(net)).containsExactly(before);
    }
}
