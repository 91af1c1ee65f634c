package org.influence4j.solver;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

import org.influence4j.Tolerances;
import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.hvp.MiniBatchHessianVectorProduct;
import org.influence4j.model.DataSets;
import org.influence4j.model.SoftmaxRegression;
import org.influence4j.testdata.LissaSteps;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * LiSSA's steps free what they allocate: in-place updates, every product closed as soon as it is used, mini-batches
 * drawn and used in one {@link MiniBatchHessianVectorProduct#applySampled} call — and the same numbers as the plain
 * recursion that allocated afresh every step.
 */
class LissaMemoryTest {

    /** Random softmax regression of {@code d} features and {@code k} classes on {@code n} Gaussian examples. */
    private static DataSet data(int n, int d, int k, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.DOUBLE, n, d);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, n, k);
        java.util.Random r = new java.util.Random(seed);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, r.nextInt(k), 1.0);
        }
        return new DataSet(x, y);
    }

    private static SoftmaxRegression model(int d, int k, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return SoftmaxRegression.at(Nd4j.randn(DataType.DOUBLE, (long) (d + 1) * k).muli(0.1), k, 1e-3);
    }

    @Test
    void solve_matchesThePlainRecursionOverSubsetHessians_forSoftmaxRegressionMiniBatches() {
        DataSet train = data(300, 12, 4, 1);
        SoftmaxRegression model = model(12, 4, 2);
        INDArray b = SolverFixtures.gaussian((int) model.numParameters(), 3);
        double damping = 0.05;
        double scale = 10.0; // above the batch Hessians' λmax/2 (a few units), so no step diverges
        int depth = 40;
        SolverResult r = IHVPSolver.lissa().withBatchSize(32).withScale(scale).withDepth(depth).withTolerance(0)
                .withSeed(11).prepare(model.curvature(train), damping).solve(b);
        assertThat(r.stopReason()).isEqualTo(StopReason.MAX_ITERATIONS);
        INDArray solved = r.solution();
        INDArray plain = LissaSteps.textbook(rows -> model.hessian(DataSets.subset(train, rows)), 300, 32, damping,
                scale, depth, 11, b);
        assertThat(SolverFixtures.relativeError(solved, plain)).isLessThanOrEqualTo(Tolerances.ROUNDING);
    }

    @Test
    void applySampled_drawsAndMultipliesTheBatchOfSampleBatch_forSoftmaxRegression() {
        DataSet train = data(200, 10, 3, 4);
        SoftmaxRegression model = model(10, 3, 5);
        MiniBatchHessianVectorProduct mb = model.miniBatchHessian(train, 16);
        INDArray v = SolverFixtures.gaussian((int) model.numParameters(), 6);
        SplittableRandom a = new SplittableRandom(7);
        SplittableRandom c = new SplittableRandom(7);
        for (int i = 0; i < 5; i++) {
            INDArray sampled = mb.applySampled(a, v);
            assertThat(sampled.isAttached()).isFalse();
            assertThat(SolverFixtures.bits(sampled)).containsExactly(SolverFixtures.bits(mb.sampleBatch(c).apply(v)));
        }
        assertThat(a.nextLong()).isEqualTo(c.nextLong()); // both generators advanced alike
    }

    @Test
    void solve_closesEveryProductItIsGiven_andDrawsEachBatchOnce() {
        Recording op = new Recording(SolverFixtures.RidgeMiniBatch.random(200, 5, 1.0, 50, 8));
        SolverResult r = IHVPSolver.lissa().withDepth(40).withTolerance(0).withRepeats(2)
                .solve(op.damped(0.1), SolverFixtures.gaussian(5, 9));
        assertThat(r.iterations()).isGreaterThanOrEqualTo(80);
        assertThat(op.sampled.get()).isZero(); // each step draws and uses its batch in one applySampled
        assertThat(op.products).hasSizeGreaterThanOrEqualTo(80).allMatch(INDArray::wasClosed);
        assertThat(r.solution().wasClosed()).isFalse();
    }

    /** A mini-batch operator that records every product it returns and counts the operators it hands out. */
    private static final class Recording implements MiniBatchHessianVectorProduct {
        final MiniBatchHessianVectorProduct inner;
        final List<INDArray> products = new ArrayList<>();
        final AtomicInteger sampled = new AtomicInteger();

        Recording(MiniBatchHessianVectorProduct inner) {
            this.inner = inner;
        }

        private INDArray record(INDArray product) {
            products.add(product);
            return product;
        }

        @Override
        public HessianVectorProduct sampleBatch(SplittableRandom rng) {
            sampled.incrementAndGet();
            return inner.sampleBatch(rng);
        }

        @Override
        public INDArray applySampled(SplittableRandom rng, INDArray v) {
            return record(inner.applySampled(rng, v));
        }

        @Override
        public int batchSize() {
            return inner.batchSize();
        }

        @Override
        public long dimension() {
            return inner.dimension();
        }

        @Override
        public INDArray apply(INDArray v) {
            return record(inner.apply(v));
        }
    }
}
