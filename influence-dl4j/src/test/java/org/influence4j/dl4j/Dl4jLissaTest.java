package org.influence4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.util.SplittableRandom;

import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.hvp.MiniBatchHessianVectorProduct;
import org.influence4j.internal.Sampling;
import org.influence4j.model.DataSets;
import org.influence4j.solver.IHVPSolver;
import org.influence4j.solver.SolverResult;
import org.influence4j.solver.StopReason;
import org.influence4j.testdata.LissaSteps;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * LiSSA on the adapter's mini-batch Hessians: a batch is rows of the full operator's cached pass, each step's batch
 * pass and product live in the reused product workspace, and the numbers are those of the Hessian of the subset.
 */
class Dl4jLissaTest {

    private static MultiLayerNetwork mlp(int nIn, int[] hidden, int nOut, Activation act) {
        return TestNets.mlp(21, DataType.DOUBLE, nIn, hidden, nOut, act, Activation.SOFTMAX, LossFunction.MCXENT,
                TestNets.Reg.L2, 1e-2);
    }

    private static INDArray vector(long p, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.DOUBLE, p);
    }

    @ParameterizedTest
    @EnumSource(value = HvpMode.class, names = {"EXACT", "GAUSS_NEWTON"})
    void applySampled_isTheSubsetHessianOfTheRowsThatSampleBatchDraws(HvpMode mode) {
        Dl4jInfluenceModel model = Dl4jInfluenceModel.builder(mlp(6, new int[] {7, 5}, 3, Activation.TANH))
                .hvpMode(mode).build();
        DataSet train = TestNets.random(22, 90, 6, 3, LossFunction.MCXENT);
        MiniBatchHessianVectorProduct mb = model.miniBatchHessian(train, 16);
        INDArray v = vector(model.numParameters(), 23);
        SplittableRandom a = new SplittableRandom(24);
        SplittableRandom c = new SplittableRandom(24);
        SplittableRandom rows = new SplittableRandom(24);
        for (int i = 0; i < 4; i++) {
            INDArray sampled = mb.applySampled(a, v);
            INDArray subset = model.hessian(DataSets.subset(train, Sampling.sampleWithoutReplacement(90, 16, rows)),
                    mode).apply(v);
            assertThat(sampled.isAttached()).isFalse();
            assertThat(sampled.toDoubleVector()).containsExactly(mb.sampleBatch(c).apply(v).toDoubleVector());
            assertThat(TestNets.rel(sampled, subset)).isLessThanOrEqualTo(Tolerances.SAME_NETWORK);
        }
        assertThat(mb.batchSize()).isEqualTo(16);
        assertThat(mb.apply(v).toDoubleVector()) // apply is the full Hessian
                .containsExactly(model.hessian(train, mode).apply(v).toDoubleVector());
    }

    @Test
    void applySampled_isTheSubsetHessian_forConvolutionalChains() {
        CnnNets.Case cnn = CnnNets.table().get(1);
        MultiLayerNetwork net = cnn.network().get();
        Dl4jInfluenceModel model = Dl4jInfluenceModel.of(net);
        Nd4j.getRandom().setSeed(25);
        DataSet train = new DataSet(Nd4j.randn(DataType.DOUBLE, 40, cnn.channels(), cnn.height(), cnn.width()),
                CnnNets.labels(net, 40, 25));
        MiniBatchHessianVectorProduct mb = model.miniBatchHessian(train, 8);
        INDArray v = vector(model.numParameters(), 26);
        SplittableRandom a = new SplittableRandom(27);
        SplittableRandom rows = new SplittableRandom(27);
        for (int i = 0; i < 3; i++) {
            INDArray sampled = mb.applySampled(a, v);
            INDArray subset = model.hessian(DataSets.subset(train, Sampling.sampleWithoutReplacement(40, 8, rows)))
                    .apply(v);
            assertThat(TestNets.rel(sampled, subset)).isLessThanOrEqualTo(Tolerances.SAME_NETWORK);
        }
    }

    @Test
    void solve_matchesThePlainRecursionOverSubsetHessians_forMlpMiniBatches() {
        Dl4jInfluenceModel model = Dl4jInfluenceModel.builder(mlp(6, new int[] {7, 5}, 3, Activation.TANH))
                .hvpMode(HvpMode.GAUSS_NEWTON).build();
        DataSet train = TestNets.random(28, 120, 6, 3, LossFunction.MCXENT);
        INDArray b = vector(model.numParameters(), 29);
        double damping = 0.05;
        double scale = 20; // λmax of these batch Gauss–Newton matrices is a few units: every step contracts
        SolverResult r = IHVPSolver.lissa().withBatchSize(16).withScale(scale).withDepth(40).withTolerance(0)
                .withSeed(30).prepare(model.curvature(train), damping).solve(b);
        assertThat(r.stopReason()).isEqualTo(StopReason.MAX_ITERATIONS);
        INDArray plain = LissaSteps.textbook(rows -> model.hessian(DataSets.subset(train, rows)), 120, 16, damping,
                scale, 40, 30, b);
        assertThat(TestNets.rel(r.solution(), plain)).isLessThanOrEqualTo(Tolerances.SAME_NETWORK);
    }

    /**
     * Before the fix each step of this solve left about 6.8 MB to the garbage collector — its products (109,386
     * doubles each, several per step), two copies of the batch's 128 × 784 rows, the batch's forward pass — and the
     * solve allocates so little on the Java heap that no collection came to free them: resident memory grew by
     * 250–440 MB over steps 30…90 (measured in this test's JVM). Now the batch's pass lives in the reused product
     * workspace and every product and row copy is closed; what remains is the Java heap the steps touch and ND4J's
     * per-operation bookkeeping, freed by the collector (measured: 30–45 MB here, and 0–22 MB in a JVM with a fixed,
     * pre-touched heap, see {@link LissaResidentMemory}). The bound of 100 MB lies between the two without relying
     * on a collection.
     */
    @Test
    void solve_keepsResidentMemoryBounded_overManyMiniBatchSteps_forAnMnistSizedMlp() {
        assumeThat(Pointer.physicalBytes()).as("resident memory is measurable here").isPositive();
        long[] rss = LissaResidentMemory.residentBytesAfter(30, 90);
        assertThat(rss[1] - rss[0]).as("resident bytes gained over steps 30…90").isLessThan(100L << 20);
    }
}
