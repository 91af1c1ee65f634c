package org.influence4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.hvp.HessianVectorProduct;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * The dense HVP keeps its temporaries in a reused thread-local workspace: results must stay valid after later
 * products, repeat bit for bit, not depend on which operator used the workspace first, and not be attached to it.
 */
class HvpWorkspaceTest {

    private static MultiLayerNetwork net() {
        return TestNets.mlp(3, DataType.DOUBLE, 5, new int[] {6, 4}, 3, Activation.TANH, Activation.SOFTMAX,
                LossFunction.MCXENT, TestNets.Reg.L2, 1e-2);
    }

    @Test
    void repeatedProducts_areIdentical_andEarlierResultsSurviveLaterCalls() {
        Dl4jInfluenceModel model = Dl4jInfluenceModel.of(net());
        DataSet small = TestNets.random(1, 7, 5, 3, LossFunction.MCXENT);
        DataSet large = TestNets.random(2, 300, 5, 3, LossFunction.MCXENT);
        long p = model.numParameters();
        Nd4j.getRandom().setSeed(5);
        INDArray v = Nd4j.randn(DataType.DOUBLE, p);
        INDArray u = Nd4j.randn(DataType.DOUBLE, p);
        for (HvpMode mode : new HvpMode[] {HvpMode.EXACT, HvpMode.GAUSS_NEWTON}) {
            HessianVectorProduct hs = model.hessian(small, mode);
            HessianVectorProduct hl = model.hessian(large, mode);
            INDArray first = hs.apply(v);
            INDArray snapshot = first.dup();
            assertThat(first.isAttached()).isFalse();
            List<INDArray> later = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                later.add(hl.apply(u)); // a larger workspace footprint
                later.add(hs.apply(v));
            }
            assertThat(first).isEqualTo(snapshot);
            for (int i = 0; i < later.size(); i += 2) {
                assertThat(later.get(i)).isEqualTo(later.get(0));
                assertThat(later.get(i + 1)).isEqualTo(snapshot);
            }
            // a fresh model (fresh workspace use on this thread) gives the same numbers
            assertThat(Dl4jInfluenceModel.of(net()).hessian(large, mode).apply(u)).isEqualTo(later.get(0));
        }
    }

    @Test
    void concurrentProducts_matchSequentialOnes() throws Exception {
        Dl4jInfluenceModel model = Dl4jInfluenceModel.of(net());
        DataSet data = TestNets.random(4, 64, 5, 3, LossFunction.MCXENT);
        HessianVectorProduct h = model.hessian(data);
        Nd4j.getRandom().setSeed(6);
        INDArray v = Nd4j.randn(DataType.DOUBLE, model.numParameters());
        INDArray expected = h.apply(v);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<INDArray>> futures = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                futures.add(pool.submit(() -> h.apply(v)));
            }
            for (Future<INDArray> f : futures) {
                assertThat(f.get()).isEqualTo(expected);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
