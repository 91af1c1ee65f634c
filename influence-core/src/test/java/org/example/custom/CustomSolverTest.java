package org.example.custom;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.linear.CholeskyDecomposition;
import org.hipparchus.linear.DecompositionSolver;
import org.hipparchus.linear.RealMatrix;
import org.influence4j.InfluenceEstimator;
import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.hvp.Hvps;
import org.influence4j.model.RidgeRegression;
import org.influence4j.solver.Curvature;
import org.influence4j.solver.EigenvaluePolicy;
import org.influence4j.solver.IHVPSolver;
import org.influence4j.solver.InverseHvp;
import org.influence4j.solver.SolverDiagnostics;
import org.influence4j.solver.SolverResult;
import org.influence4j.solver.StopReason;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A third-party solver, written outside the library's packages with only its public API, factors once and is
 * reused across right-hand sides and dampings through {@link InfluenceEstimator}: the prepare-once seam.
 */
class CustomSolverTest {

    /**
     * Cholesky of {@code H + λI} (Hipparchus), prepared once per curvature and damping; the dense {@code H} is formed
     * once per curvature through {@link Curvature#cached}, whatever the damping.
     */
    static final class CholeskySolver implements IHVPSolver {
        final AtomicInteger denseForms = new AtomicInteger();
        final AtomicInteger factorizations = new AtomicInteger();

        private record DenseKey() {
        }

        @Override
        public SolverResult solve(HessianVectorProduct h, INDArray b) {
            return solveWith(factor(Hvps.toDense(h), 0), h, b);
        }

        @Override
        public InverseHvp prepare(Curvature curvature, double damping) {
            double[][] dense = curvature.cached(new DenseKey(), () -> {
                denseForms.incrementAndGet();
                return Hvps.toDense(curvature.hessian()).toDoubleMatrix();
            });
            DecompositionSolver cholesky = factor(Nd4j.createFromArray(dense), damping);
            HessianVectorProduct damped = curvature.hessian().damped(damping);
            return new InverseHvp() {
                @Override
                public long dimension() {
                    return curvature.dimension();
                }

                @Override
                public double damping() {
                    return damping;
                }

                @Override
                public SolverResult solve(INDArray b) {
                    return solveWith(cholesky, damped, b);
                }
            };
        }

        private DecompositionSolver factor(INDArray dense, double damping) {
            factorizations.incrementAndGet();
            RealMatrix m = new Array2DRowRealMatrix(dense.toDoubleMatrix(), false);
            for (int i = 0; i < m.getRowDimension(); i++) {
                m.addToEntry(i, i, damping);
            }
            return new CholeskyDecomposition(m).getSolver();
        }

        private static SolverResult solveWith(DecompositionSolver s, HessianVectorProduct h, INDArray b) {
            double[] x = s.solve(new ArrayRealVector(b.toDoubleVector())).toArray();
            INDArray xs = Nd4j.createFromArray(x);
            double residual = b.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).sub(h.apply(xs))
                    .norm2Number().doubleValue();
            return new SolverResult(xs, 0, residual, b.norm2Number().doubleValue(), true, StopReason.DIRECT,
                    Duration.ZERO, new SolverDiagnostics.Exact(Double.NaN, Double.NaN, Double.NaN, 0,
                    EigenvaluePolicy.TRUNCATE, 0));
        }
    }

    @Test
    void customSolver_factorsOnce_andIsReusedAcrossRightHandSidesAndEstimatorCopies() {
        SplittableRandom rng = new SplittableRandom(3);
        int n = 40;
        int d = 4;
        double[][] x = new double[n][d];
        double[][] y = new double[n][1];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                x[i][j] = rng.nextGaussian();
            }
            y[i][0] = x[i][0] - 2 * x[i][1] + 0.1 * rng.nextGaussian();
        }
        DataSet all = new DataSet(Nd4j.createFromArray(x), Nd4j.createFromArray(y));
        RidgeRegression model = RidgeRegression.fit(all, 0.05, true);
        CholeskySolver custom = new CholeskySolver();
        InfluenceEstimator est = InfluenceEstimator.forModel(model).withTrainingData(all).withDamping(0.01)
                .withSolver(custom);
        InfluenceEstimator reference = InfluenceEstimator.forModel(model).withTrainingData(all).withDamping(0.01)
                .withSolver(IHVPSolver.exact());

        for (int i = 0; i < 5; i++) {
            DataSet test = all.get(i);
            double[] ours = est.influenceOn(test).toDoubleArray();
            double[] exact = reference.influenceOn(test).toDoubleArray();
            for (int k = 0; k < n; k++) {
                assertThat(ours[k]).isCloseTo(exact[k], org.assertj.core.data.Offset.offset(1e-10 * (1 + Math.abs(exact[k]))));
            }
        }
        // five right-hand sides, one preparation; self-influence (n more right-hand sides) reuses it too
        est.selfInfluence();
        assertThat(custom.factorizations.get()).isEqualTo(1);
        assertThat(custom.denseForms.get()).isEqualTo(1);
        // another damping on a copy of the estimator: one more Cholesky, the dense H is still the cached one
        est.withDamping(0.1).influenceOn(all.get(0));
        est.withDamping(0.1).influenceOn(all.get(1));
        assertThat(custom.factorizations.get()).isEqualTo(2);
        assertThat(custom.denseForms.get()).isEqualTo(1);
        assertThat(est.inverse().damping()).isEqualTo(0.01);
    }
}
