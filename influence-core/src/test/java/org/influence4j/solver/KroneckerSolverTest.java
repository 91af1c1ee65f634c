package org.influence4j.solver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import org.influence4j.InfluenceEstimator;
import org.influence4j.InfluenceScores;
import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.internal.Vectors;
import org.influence4j.model.SoftmaxRegression;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * K-FAC and EK-FAC on softmax regression (one dense layer, whose Hessian is its Gauss–Newton matrix), against the
 * dense Hessian: equality where the curvature is exactly one Kronecker product (one example, equal predictions),
 * EK-FAC's defining identity {@code Λ = diag(Q̃ᵀBQ̃)} always, and the persistence, errors and identity curvature.
 */
class KroneckerSolverTest {

    static final int D = 5;
    static final int K = 3;

    static DataSet data(long seed, int n) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] x = new double[n][D];
        double[][] y = new double[n][K];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < D; j++) {
                x[i][j] = rng.nextGaussian();
            }
            y[i][rng.nextInt(K)] = 1.0;
        }
        return new DataSet(Nd4j.createFromArray(x), Nd4j.createFromArray(y));
    }

    static SoftmaxRegression model(long seed, double scale, double l2) {
        return SoftmaxRegression.at(Vectors.gaussian(new SplittableRandom(seed), (D + 1) * K).muli(scale), K, l2);
    }

    static INDArray denseHessian(SoftmaxRegression m, DataSet data) {
        return m.hessian(data).denseMatrix().orElseThrow();
    }

    static INDArray exactSolve(INDArray h, double damping, INDArray b) {
        // Gaussian elimination with partial pivoting on (H + λI | b)
        int p = (int) h.rows();
        double[][] a = h.toDoubleMatrix();
        double[] x = b.toDoubleVector();
        for (int i = 0; i < p; i++) {
            a[i][i] += damping;
        }
        for (int c = 0; c < p; c++) {
            int piv = c;
            for (int r = c + 1; r < p; r++) {
                if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) {
                    piv = r;
                }
            }
            double[] t = a[c];
            a[c] = a[piv];
            a[piv] = t;
            double tb = x[c];
            x[c] = x[piv];
            x[piv] = tb;
            for (int r = c + 1; r < p; r++) {
                double f = a[r][c] / a[c][c];
                for (int j = c; j < p; j++) {
                    a[r][j] -= f * a[c][j];
                }
                x[r] -= f * x[c];
            }
        }
        for (int c = p - 1; c >= 0; c--) {
            double s = x[c];
            for (int j = c + 1; j < p; j++) {
                s -= a[c][j] * x[j];
            }
            x[c] = s / a[c][c];
        }
        return Nd4j.createFromArray(x);
    }

    static double relErr(INDArray a, INDArray b) {
        return a.sub(b).norm2Number().doubleValue() / b.norm2Number().doubleValue();
    }

    @Test
    void oneExampleAndEqualPredictionsAreExactlyOneKroneckerProduct() {
        // N = 1: the curvature x̃x̃ᵀ ⊗ (diag p − ppᵀ) is one Kronecker product; W = 0: p is the same for all examples
        DataSet one = data(1, 1);
        SoftmaxRegression trained = model(2, 0.7, 0);
        DataSet many = data(3, 40);
        SoftmaxRegression zero = model(2, 0.0, 0);
        for (Object[] c : new Object[][] {{trained, one}, {zero, many}}) {
            SoftmaxRegression m = (SoftmaxRegression) c[0];
            DataSet train = (DataSet) c[1];
            INDArray h = denseHessian(m, train);
            for (KroneckerSolver s : List.of(IHVPSolver.kfac(), IHVPSolver.ekfac())) {
                InverseHvp inv = s.withSampling(FisherSampling.EXPECTED).prepare(m.curvature(train), 0.05);
                INDArray b = Vectors.gaussian(new SplittableRandom(5), (D + 1) * K);
                SolverResult r = inv.solve(b);
                assertThat(relErr(r.solution(), exactSolve(h, 0.05, b))).as(s + " on " + m).isLessThan(1e-12);
                assertThat(r.stopReason()).isEqualTo(StopReason.APPROXIMATE);
                assertThat(r.converged()).isTrue();
                assertThat(r.iterations()).isZero();
            }
        }
    }

    @Test
    void ekfacEigenvaluesAreTheDiagonalOfTheExactCurvatureInTheKroneckerBasis() {
        SoftmaxRegression m = model(7, 0.8, 0);
        DataSet train = data(8, 300);
        INDArray h = denseHessian(m, train);   // flat DL4J layout
        KroneckerFactors f = IHVPSolver.ekfac().withSampling(FisherSampling.EXPECTED).factors(m.curvature(train));
        LayerBlock block = f.blocks().get(0);
        int[] idx = block.parameterIndex();
        // B in the block's row-major order
        INDArray b = Nd4j.create(DataType.DOUBLE, idx.length, idx.length);
        for (int i = 0; i < idx.length; i++) {
            for (int j = 0; j < idx.length; j++) {
                b.putScalar(i, j, h.getDouble(idx[i], idx[j]));
            }
        }
        KroneckerFactors.Block fb = f.blockList().get(0);
        INDArray q = kron(fb.qg, fb.qa);
        INDArray diag = Nd4j.diag(q.transpose().mmul(b).mmul(q));
        INDArray lambda = f.eigenvalues(0).reshape(idx.length);
        assertThat(relErr(lambda, diag)).isLessThan(1e-12);
        // trace(EK-FAC) = trace(B); the explicit EK-FAC block has the same trace
        assertThat(f.blockMatrix(0).sumNumber().doubleValue()).isNotNaN();
        assertThat(Math.abs(traceOf(f.blockMatrix(0)) - traceOf(b)) / traceOf(b)).isLessThan(1e-12);
        // K-FAC on the same data is not exact (a sum of Kronecker products is not one), but close
        KroneckerFactors k = IHVPSolver.kfac().withSampling(FisherSampling.EXPECTED).factors(m.curvature(train));
        double kfacError = relErr(k.blockMatrix(0), b);
        double ekfacError = relErr(f.blockMatrix(0), b);
        assertThat(kfacError).isGreaterThan(1e-6);
        assertThat(ekfacError).isLessThanOrEqualTo(kfacError * (1 + 1e-12));
    }

    private static double traceOf(INDArray m) {
        return Nd4j.diag(m).sumNumber().doubleValue();
    }

    static INDArray kron(INDArray a, INDArray b) {
        long ar = a.rows();
        long br = b.rows();
        INDArray k = Nd4j.create(DataType.DOUBLE, ar * br, ar * br);
        for (int i = 0; i < ar; i++) {
            for (int j = 0; j < ar; j++) {
                for (int u = 0; u < br; u++) {
                    for (int v = 0; v < br; v++) {
                        k.putScalar(i * br + u, j * br + v, a.getDouble(i, j) * b.getDouble(u, v));
                    }
                }
            }
        }
        return k;
    }

    @Test
    void inverseAndForwardOperatorAreInversesAndSymmetric() {
        SoftmaxRegression m = model(11, 0.5, 0.02);
        DataSet train = data(12, 100);
        KroneckerFactors f = IHVPSolver.ekfac().factors(m.curvature(train));
        double[] v = Vectors.gaussian(new SplittableRandom(1), f.dimension()).toDoubleVector();
        double[] w = Vectors.gaussian(new SplittableRandom(2), f.dimension()).toDoubleVector();
        double[] back = f.apply(f.apply(v, 0.01, 0, true), 0.01, 0, false);
        assertThat(relErr(Nd4j.createFromArray(back), Nd4j.createFromArray(v))).isLessThan(1e-12);
        double vw = dot(v, f.apply(w, 0.01, 0, true));
        double wv = dot(w, f.apply(v, 0.01, 0, true));
        assertThat(Math.abs(vw - wv)).isLessThan(1e-12 * Math.abs(vw));
        // the regulariser curvature l2 is folded into the damping
        double[] a = f.apply(v, 0.01, 0, true);
        KroneckerFactors unreg = IHVPSolver.ekfac().factors(model(11, 0.5, 0).curvature(train));
        double[] b = unreg.apply(v, 0.03, 0, true);
        assertThat(relErr(Nd4j.createFromArray(a), Nd4j.createFromArray(b))).isLessThan(1e-12);
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @Test
    void sampledLabelsAreReproducibleAndEstimateTheExpectation() {
        SoftmaxRegression m = model(21, 0.6, 0);
        DataSet train = data(22, 4000);
        KroneckerFactors a = IHVPSolver.kfac().withSeed(5).factors(m.curvature(train));
        KroneckerFactors b = IHVPSolver.kfac().withSeed(5).factors(m.curvature(train));
        KroneckerFactors c = IHVPSolver.kfac().withSeed(6).factors(m.curvature(train));
        KroneckerFactors e = IHVPSolver.kfac().withSampling(FisherSampling.EXPECTED).factors(m.curvature(train));
        assertThat(a.factors(0)[1].equalsWithEps(b.factors(0)[1], 0)).isTrue();
        assertThat(a.factors(0)[1].equalsWithEps(c.factors(0)[1], 1e-12)).isFalse();
        // 4,000 draws: the sampled G is within a few percent of the expectation
        assertThat(relErr(a.factors(0)[1], e.factors(0)[1])).isLessThan(0.05);
        // the activation factor does not depend on the labels
        assertThat(relErr(a.factors(0)[0], e.factors(0)[0])).isLessThan(1e-13);
    }

    @Test
    void estimatorScoresWithKroneckerAndIdentityCurvature() {
        SoftmaxRegression m = model(31, 0.0, 0);
        DataSet train = data(32, 60);
        DataSet test = data(33, 1);
        InfluenceEstimator est = InfluenceEstimator.forModel(m).withTrainingData(train).withDamping(0.01);
        InfluenceScores exact = est.withSolver(IHVPSolver.exact()).influenceOn(test);
        InfluenceScores ekfac = est.withSolver(IHVPSolver.ekfac().withSampling(FisherSampling.EXPECTED))
                .influenceOn(test);
        assertThat(relErr(ekfac.values(), exact.values())).isLessThan(1e-10);
        InfluenceScores identity = est.withSolver(IHVPSolver.identity()).influenceOn(test);
        INDArray g = m.meanLossGradient(test);
        INDArray expected = m.perExampleGradients(train).mmul(g.reshape(g.length(), 1)).reshape(train.numExamples())
                .negi();
        assertThat(relErr(identity.values(), expected)).isLessThan(1e-13);
        assertThat(identity.solverResult().stopReason()).isEqualTo(StopReason.APPROXIMATE);
    }

    @Test
    void residualCheckMeasuresTheApproximationAgainstTheTrueOperator() {
        SoftmaxRegression m = model(41, 0.9, 0);
        DataSet train = data(42, 200);
        Curvature c = m.curvature(train);
        INDArray b = Vectors.gaussian(new SplittableRandom(3), (D + 1) * K);
        SolverResult plain = IHVPSolver.kfac().prepare(c, 0.01).solve(b);
        assertThat(plain.residualNorm()).isNaN();
        SolverResult checked = IHVPSolver.kfac().withResidualCheck(true).prepare(c, 0.01).solve(b);
        HessianVectorProduct h = c.hessian().damped(0.01);
        double expected = h.apply(checked.solution()).subi(b).norm2Number().doubleValue();
        assertThat(checked.residualNorm()).isCloseTo(expected, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(checked.relativeResidual()).isGreaterThan(1e-8); // an approximation, measured honestly
    }

    @Test
    void factorFileIsReusedAndRefusedWhenItDoesNotMatch(@TempDir Path dir) throws Exception {
        SoftmaxRegression m = model(51, 0.7, 0.01);
        DataSet train = data(52, 120);
        Path file = dir.resolve("factors.bin");
        KroneckerSolver s = IHVPSolver.ekfac().withFactorFile(file);
        KroneckerFactors fitted = s.factors(m.curvature(train));
        assertThat(file).exists();
        KroneckerFactors loaded = s.factors(m.curvature(train));  // a new curvature: read from the file
        assertThat(loaded.fitTime()).isZero();
        double[] v = Vectors.gaussian(new SplittableRandom(4), fitted.dimension()).toDoubleVector();
        assertThat(loaded.apply(v, 0.01, 0, true)).containsExactly(fitted.apply(v, 0.01, 0, true));
        byte[] before = Files.readAllBytes(file);
        // another network
        assertThatThrownBy(() -> s.factors(model(53, 0.7, 0.01).curvature(train)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(file.toString())
                .hasMessageContaining("another network or training data");
        // other settings
        assertThatThrownBy(() -> s.withSeed(9).factors(m.curvature(train)))
                .hasMessageContaining("seed 0").hasMessageContaining("seed 9");
        assertThatThrownBy(() -> IHVPSolver.kfac().withFactorFile(file).factors(m.curvature(train)))
                .hasMessageContaining("ekfac factors, not kfac");
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
        // damaged files
        Path truncated = dir.resolve("truncated.bin");
        Files.write(truncated, java.util.Arrays.copyOf(before, before.length / 2));
        assertThatThrownBy(() -> IHVPSolver.ekfac().withFactorFile(truncated).factors(m.curvature(train)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
        Path other = dir.resolve("other.bin");
        Files.writeString(other, "not factors");
        assertThatThrownBy(() -> IHVPSolver.ekfac().withFactorFile(other).factors(m.curvature(train)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a Kronecker factor file");
        assertThatThrownBy(() -> IHVPSolver.ekfac().withFactorFile(dir.resolve("no/such/dir/f.bin")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not exist");
    }

    @Test
    void badInputIsRejectedWithTheRemedy() {
        SoftmaxRegression m = model(61, 0.7, 0);
        DataSet train = data(62, 30);
        Curvature bare = Curvature.of(m.hessian(train));
        assertThatThrownBy(() -> IHVPSolver.kfac().prepare(bare, 0.1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("per-layer statistics")
                .hasMessageContaining("conjugateGradient");
        assertThatThrownBy(() -> IHVPSolver.ekfac().solve(m.hessian(train), Nd4j.zeros(DataType.DOUBLE, 18)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("layer statistics");
        assertThatThrownBy(() -> IHVPSolver.kfac().prepare(m.curvature(train), -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("damping");
        assertThatThrownBy(() -> IHVPSolver.kfac().withHeuristicDamping(Double.NaN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("factor");
        // W = 0 and a constant feature column: the activation factor is singular, λ = 0 has no inverse
        double[][] x = new double[10][D];
        double[][] y = new double[10][K];
        for (int i = 0; i < 10; i++) {
            y[i][i % K] = 1;
        }
        DataSet constant = new DataSet(Nd4j.createFromArray(x), Nd4j.createFromArray(y));
        assertThatThrownBy(() -> IHVPSolver.kfac().prepare(model(1, 0, 0).curvature(constant), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("damping > 0");
        InverseHvp inv = IHVPSolver.kfac().prepare(m.curvature(train), 0.1);
        assertThatThrownBy(() -> inv.solve(Nd4j.zeros(DataType.DOUBLE, 5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("b");
        INDArray nan = Nd4j.zeros(DataType.DOUBLE, 18);
        nan.putScalar(3, Double.NaN);
        assertThatThrownBy(() -> inv.solve(nan)).isInstanceOf(IllegalArgumentException.class);
        assertThat(nan.getDouble(3)).isNaN(); // not modified
    }

    @Test
    void heuristicDampingAddsAFractionOfEachBlocksMeanEigenvalue() {
        SoftmaxRegression m = model(71, 0.7, 0);
        DataSet train = data(72, 80);
        KroneckerFactors f = IHVPSolver.ekfac().factors(m.curvature(train));
        double mean = f.eigenvalues(0).meanNumber().doubleValue();
        double[] v = Vectors.gaussian(new SplittableRandom(9), f.dimension()).toDoubleVector();
        assertThat(f.apply(v, 0.01, 0.1, true)).containsExactly(f.apply(v, 0.01 + 0.1 * mean, 0, true));
    }
}
