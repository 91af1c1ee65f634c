package org.influence4j.dl4j;

import java.util.Arrays;

import org.influence4j.solver.IHVPSolver;
import org.influence4j.testdata.LissaSteps;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * The workload of {@link Dl4jLissaTest}'s memory test, also runnable on its own (in a JVM whose heap is fixed and
 * pre-touched, {@code -Xms256m -Xmx256m -XX:+AlwaysPreTouch}, so that resident memory shows only what lives off the
 * heap): one LiSSA solve on the mini-batch Gauss–Newton matrices of an MNIST-sized MLP (784-128-64-10, 109,386
 * parameters, 1,024 random examples, batches of 128, damping 0.01), printing the resident bytes after the steps
 * given as arguments on one line, {@code resident <bytes>…}.
 */
public final class LissaResidentMemory {

    private LissaResidentMemory() {
    }

    /** The resident bytes after each of {@code steps} (ascending) of the solve described in the class comment. */
    static long[] residentBytesAfter(int... steps) {
        Dl4jInfluenceModel model = Dl4jInfluenceModel.builder(TestNets.mlp(21, DataType.DOUBLE, 784,
                new int[] {128, 64}, 10, Activation.RELU, Activation.SOFTMAX, LossFunction.MCXENT, TestNets.Reg.L2,
                1e-2)).hvpMode(HvpMode.GAUSS_NEWTON).build();
        DataSet train = TestNets.random(31, 1024, 784, 10, LossFunction.MCXENT);
        Nd4j.getRandom().setSeed(33);
        INDArray b = Nd4j.randn(DataType.DOUBLE, model.numParameters());
        return LissaSteps.residentBytesAfter(IHVPSolver.lissa().withBatchSize(128).withSeed(32),
                model.curvature(train), 0.01, b, steps);
    }

    /** @param args steps (ascending) after which the resident bytes are taken, e.g. {@code 30 90 150} */
    public static void main(String[] args) {
        StringBuilder line = new StringBuilder("resident");
        for (long r : residentBytesAfter(Arrays.stream(args).mapToInt(Integer::parseInt).toArray())) {
            line.append(' ').append(r);
        }
        System.out.println(line);
    }
}
