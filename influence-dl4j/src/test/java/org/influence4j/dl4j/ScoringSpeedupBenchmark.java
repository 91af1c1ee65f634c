package org.influence4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.internal.Vectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * Prints (does not assert) the speed-up of batched per-example gradient dots over a per-example DL4J gradient loop,
 * and the cost of an exact cached HVP relative to one batch gradient, on a 784-128-10 ReLU MLP with 10,000 random
 * examples. Run: {@code mvn -B -o -pl influence-dl4j -am test -Pslow -Dsurefire.failIfNoSpecifiedTests=false
 * -Dtest=ScoringSpeedupBenchmark}.
 */
@Tag("slow")
class ScoringSpeedupBenchmark {

    @Test
    void batchedScoring_vsPerExampleLoop_and_hvp_vsGradient() {
        int n = 10_000;
        int loopN = 1_000; // the loop is timed on the first 1,000 examples and scaled (it is linear in n)
        MultiLayerNetwork net = TestNets.mlp(1, DataType.DOUBLE, 784, new int[] {128}, 10, Activation.RELU,
                Activation.SOFTMAX, LossFunction.MCXENT, TestNets.Reg.L2, 1e-4);
        DataSet data = TestNets.random(2, n, 784, 10, LossFunction.MCXENT);
        long t0 = System.nanoTime();
        Dl4jInfluenceModel model = Dl4jInfluenceModel.of(net);
        double buildMs = (System.nanoTime() - t0) / 1e6;
        INDArray v = Vectors.gaussian(new SplittableRandom(1), model.numParameters());

        model.perExampleGradientDots(data, v); // warm-up
        double batched = Double.MAX_VALUE;
        for (int r = 0; r < 3; r++) {
            long s = System.nanoTime();
            model.perExampleGradientDots(data, v);
            batched = Math.min(batched, (System.nanoTime() - s) / 1e9);
        }

        MultiLayerNetwork probe = net.clone();
        INDArray dots = model.perExampleGradientDots(data, v);
        double maxRel = 0;
        long s = System.nanoTime();
        for (int i = 0; i < loopN; i++) {
            probe.setInput(data.getFeatures().getRow(i, true));
            probe.setLabels(data.getLabels().getRow(i, true));
            probe.computeGradientAndScore();
            double d = Vectors.dot(probe.gradient().gradient().reshape(model.numParameters()), v);
            maxRel = Math.max(maxRel, Math.abs(d - dots.getDouble(i)) / Math.max(1e-300, Math.abs(d)));
        }
        double loop = (System.nanoTime() - s) / 1e9 * n / loopN;

        // HVP vs batch gradient on the same 10,000 examples
        HessianVectorProduct h = model.hessian(data);
        h.apply(v);
        double hvp = Double.MAX_VALUE;
        double grad = Double.MAX_VALUE;
        for (int r = 0; r < 3; r++) {
            long a = System.nanoTime();
            h.apply(v);
            hvp = Math.min(hvp, (System.nanoTime() - a) / 1e9);
            a = System.nanoTime();
            probe.setInput(data.getFeatures());
            probe.setLabels(data.getLabels());
            probe.computeGradientAndScore();
            grad = Math.min(grad, (System.nanoTime() - a) / 1e9);
        }
        long a = System.nanoTime();
        model.hessian(data);
        double cache = (System.nanoTime() - a) / 1e9;
        System.out.printf("784-128-10 MLP, p=%d, n=%d (OMP_NUM_THREADS=%s)%n", model.numParameters(), n,
                System.getenv("OMP_NUM_THREADS"));
        System.out.printf("  adapter build (copy + checks): %.1f ms%n", buildMs);
        System.out.printf("  batched per-example dots: %.3f s; per-example DL4J loop: %.3f s (timed on %d, scaled)"
                + " -> speed-up %.1fx; max relative difference %.1e%n", batched, loop, loopN, loop / batched, maxRel);
        System.out.printf("  exact cached HVP: %.3f s; DL4J batch gradient: %.3f s -> HVP/gradient %.2f;"
                + " one-off forward/backward cache: %.3f s%n", hvp, grad, hvp / grad, cache);
        assertThat(maxRel).isLessThan(Tolerances.PER_EXAMPLE);
    }
}
