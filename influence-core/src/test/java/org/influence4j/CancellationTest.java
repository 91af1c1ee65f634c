package org.influence4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicReference;

import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.model.InfluenceModel;
import org.influence4j.model.SoftmaxRegression;
import org.influence4j.solver.IHVPSolver;
import org.influence4j.testdata.Iris;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/** Interrupting the calling thread ends a long solve promptly, with a documented exception, and changes nothing. */
class CancellationTest {

    /** A model whose every HVP also burns about one millisecond of CPU (a stand-in for a large network). */
    static InfluenceModel slowHessian(InfluenceModel inner) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("hessian")) {
                HessianVectorProduct h = inner.hessian((DataSet) args[0]);
                return new HessianVectorProduct() {
                    @Override
                    public long dimension() {
                        return h.dimension();
                    }

                    @Override
                    public INDArray apply(INDArray v) {
                        long end = System.nanoTime() + 1_000_000;
                        while (System.nanoTime() < end) {
                            Thread.onSpinWait();
                        }
                        return h.apply(v);
                    }
                };
            }
            if (method.isDefault()) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            try {
                return method.invoke(inner, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (InfluenceModel) Proxy.newProxyInstance(InfluenceModel.class.getClassLoader(),
                new Class<?>[] {InfluenceModel.class}, handler);
    }

    /**
     * Full-batch LiSSA without early stopping and a depth of a million steps of ≥ 1 ms each: a solve that would run for
     * a quarter of an hour and cannot end early by itself (unlike CG, whose rounding may end it on its own).
     */
    static IHVPSolver endlessSolver() {
        return IHVPSolver.lissa().withTolerance(0).withDepth(1_000_000).withBatchSize(100_000);
    }

    @Test
    void interruptedSolve_endsWithinOneSecond_andTheEstimatorGivesBitwiseTheSameScoresAfterwards() throws Exception {
        DataSet[] split = Iris.split(Iris.load(), 30, 7);
        InfluenceModel model = slowHessian(SoftmaxRegression.fit(split[0], 0.05).model());
        DataSet test = split[1].get(0);
        InfluenceEstimator endless = InfluenceEstimator.forModel(model).withTrainingData(split[0]).withDamping(0.01)
                .withSolver(endlessSolver());
        InfluenceEstimator quick = endless.withSolver(IHVPSolver.conjugateGradient().withMaxIterations(30));
        double[] before = quick.influenceOn(test).toDoubleArray();

        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> flagAfter = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            try {
                endless.influenceOn(test);
            } catch (Throwable t) {
                thrown.set(t);
            }
            flagAfter.set(Thread.currentThread().isInterrupted());
        });
        worker.start();
        Thread.sleep(500);
        assertThat(worker.isAlive()).isTrue();
        long interruptedAt = System.nanoTime();
        worker.interrupt();
        worker.join(10_000);
        double seconds = (System.nanoTime() - interruptedAt) / 1e9;

        assertThat(worker.isAlive()).isFalse();
        assertThat(seconds).isLessThan(1.0);
        assertThat(thrown.get()).isInstanceOf(CancellationException.class)
                .hasMessageContaining("interrupted after");
        assertThat(flagAfter.get()).isTrue(); // the interrupt stays visible to the caller
        // the estimator (and its copies, which share the training state) still works and gives the same scores
        assertThat(quick.influenceOn(test).toDoubleArray()).containsExactly(before);
    }

    @Test
    void timeBudget_endsALongSolveWithCancellation_reportsProgressMeanwhile_andRejectsNonPositiveBudgets() {
        DataSet[] split = Iris.split(Iris.load(), 30, 7);
        InfluenceModel model = slowHessian(SoftmaxRegression.fit(split[0], 0.05).model());
        DataSet test = split[1].get(0);
        java.util.List<long[]> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        InfluenceEstimator est = InfluenceEstimator.forModel(model).withTrainingData(split[0]).withDamping(0.01)
                .withSolver(endlessSolver())
                .withProgressListener((task, done, total) -> events.add(new long[] {done, total}))
                .withTimeBudget(java.time.Duration.ofMillis(1500));
        long t0 = System.nanoTime();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> est.influenceOn(test))
                .isInstanceOf(CancellationException.class)
                .hasMessageContaining("prepare exceeded its time budget of PT1.5S after")
                .hasMessageContaining("nothing was returned");
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(seconds).isBetween(1.5, 2.5);
        // one progress event per second of solving: HVPs so far, total unknown (0)
        assertThat(events).isNotEmpty().allSatisfy(e -> assertThat(e[1]).isZero());
        assertThat(events.get(events.size() - 1)[0]).isPositive();
        // without a budget the same estimator works (a cheap solve)
        assertThat(est.withTimeBudget(null).withSolver(IHVPSolver.conjugateGradient().withMaxIterations(5))
                .influenceOn(test).size()).isEqualTo(split[0].numExamples());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> est.withTimeBudget(java.time.Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeBudget (PT0S) must be positive");
    }

    @Test
    void interruptedSelfInfluence_endsWithCancellation() throws Exception {
        DataSet[] split = Iris.split(Iris.load(), 30, 7);
        InfluenceModel model = slowHessian(SoftmaxRegression.fit(split[0], 0.05).model());
        InfluenceEstimator est = InfluenceEstimator.forModel(model).withTrainingData(split[0]).withDamping(0.01)
                .withSolver(endlessSolver());
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            try {
                est.selfInfluence();
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        worker.start();
        Thread.sleep(300);
        long t0 = System.nanoTime();
        worker.interrupt();
        worker.join(10_000);
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(1.0);
        assertThat(thrown.get()).isInstanceOf(CancellationException.class);
    }
}
