package org.influence4j.hvp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;

import org.influence4j.Tolerances;
import org.influence4j.internal.Vectors;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class HvpOperatorsTest {

    /** A random symmetric matrix A = (B + Bᵀ)/2 with standard normal B. */
    static INDArray randomSymmetric(int p, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        INDArray b = Vectors.gaussian(rng, (long) p * p).reshape(p, p);
        return b.add(b.transpose()).muli(0.5);
    }

    /**
     * Gradient of the quartic R(θ) = ½θᵀAθ + ¼Σθᵢ⁴, whose Hessian is A + 3·diag(θ²): a closed-form
     * oracle with non-zero third derivatives, so finite differences have real truncation error.
     */
    static GradientFunction quarticGradient(INDArray a) {
        return theta -> a.mmul(theta.reshape(theta.length(), 1)).reshape(theta.length())
                .addi(Nd4j.math().pow(theta, 3));
    }

    static INDArray quarticHessian(INDArray a, INDArray theta) {
        return a.add(Nd4j.diag(theta.mul(theta).muli(3)));
    }

    @Test
    void ofMatrix_appliesMatrix_andDoesNotModifyInputs() {
        INDArray a = randomSymmetric(7, 1);
        INDArray aCopy = a.dup();
        INDArray v = Vectors.gaussian(new SplittableRandom(2), 7);
        INDArray vCopy = v.dup();
        HessianVectorProduct h = HessianVectorProduct.ofMatrix(a);

        INDArray hv = h.apply(v);

        assertThat(h.dimension()).isEqualTo(7);
        INDArray expected = a.mmul(v.reshape(7, 1)).reshape(7);
        assertThat(hv.sub(expected).norm2Number().doubleValue()).isLessThan(Tolerances.ROUNDING);
        assertThat(hv).isNotSameAs(v);
        assertThat(a).isEqualTo(aCopy);
        assertThat(v).isEqualTo(vCopy);
        assertThat(h.denseMatrix()).hasValueSatisfying(m -> assertThat(m).isEqualTo(a));
    }

    @Test
    void ofMatrix_rejectsNonSymmetricNonSquareAndNonFinite() {
        INDArray a = randomSymmetric(4, 3);
        INDArray asym = a.dup();
        asym.putScalar(0, 1, asym.getDouble(0, 1) + 1e-3);
        assertThatThrownBy(() -> HessianVectorProduct.ofMatrix(asym))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not symmetric");
        assertThatThrownBy(() -> HessianVectorProduct.ofMatrix(Nd4j.zeros(DataType.DOUBLE, 3, 4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[3, 4]");
        INDArray nan = a.dup();
        nan.putScalar(1, 1, Double.NaN);
        assertThatThrownBy(() -> HessianVectorProduct.ofMatrix(nan))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("matrix").hasMessageContaining("NaN");
    }

    @Test
    void apply_rejectsWrongLengthNaNAndIntegerVectors() {
        HessianVectorProduct h = HessianVectorProduct.ofMatrix(Nd4j.eye(3).castTo(DataType.DOUBLE));
        assertThatThrownBy(() -> h.apply(Nd4j.zeros(DataType.DOUBLE, 4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("v has shape [4]")
                .hasMessageContaining("length 3");
        assertThatThrownBy(() -> h.apply(Nd4j.createFromArray(1.0, Double.POSITIVE_INFINITY, 0.0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("flat index 1");
        assertThatThrownBy(() -> h.apply(Nd4j.createFromArray(1, 2, 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("INT");
        assertThatThrownBy(() -> h.apply(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("v");
    }

    @Test
    void damped_addsLambdaTimesIdentity_andStacks() {
        INDArray a = randomSymmetric(5, 4);
        HessianVectorProduct h = HessianVectorProduct.ofMatrix(a);
        INDArray v = Vectors.gaussian(new SplittableRandom(5), 5);

        HessianVectorProduct d = h.damped(0.25).damped(0.5);

        assertThat(d).isInstanceOf(DampedHvp.class);
        assertThat(((DampedHvp) d).damping()).isEqualTo(0.75);
        assertThat(((DampedHvp) d).undamped()).isSameAs(h);
        INDArray expected = h.apply(v).addi(v.mul(0.75));
        assertThat(d.apply(v).sub(expected).norm2Number().doubleValue()).isLessThan(Tolerances.ROUNDING);
        INDArray dense = d.denseMatrix().orElseThrow();
        assertThat(dense.sub(a.add(Nd4j.eye(5).castTo(DataType.DOUBLE).muli(0.75))).amaxNumber().doubleValue())
                .isLessThan(Tolerances.ROUNDING);
        assertThatThrownBy(() -> h.damped(-0.1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("damping (-0.1) must be finite and >= 0");
        assertThatThrownBy(() -> h.damped(Double.NaN)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("damping (NaN)");
    }

    @Test
    void damped_keepsMiniBatchCapability() {
        INDArray a = randomSymmetric(3, 6);
        HessianVectorProduct batchOp = HessianVectorProduct.ofMatrix(a.mul(2));
        MiniBatchHessianVectorProduct mb = new MiniBatchHessianVectorProduct() {
            final HessianVectorProduct full = HessianVectorProduct.ofMatrix(a);

            @Override
            public HessianVectorProduct sampleBatch(SplittableRandom rng) {
                return batchOp;
            }

            @Override
            public int batchSize() {
                return 7;
            }

            @Override
            public long dimension() {
                return 3;
            }

            @Override
            public INDArray apply(INDArray v) {
                return full.apply(v);
            }
        };
        HessianVectorProduct d = mb.damped(1.0);
        assertThat(d).isInstanceOf(MiniBatchHessianVectorProduct.class);
        MiniBatchHessianVectorProduct dmb = (MiniBatchHessianVectorProduct) d;
        INDArray v = Nd4j.createFromArray(1.0, -2.0, 0.5);
        INDArray expected = batchOp.apply(v).addi(v);
        assertThat(dmb.sampleBatch(new SplittableRandom(1)).apply(v).sub(expected).norm2Number().doubleValue())
                .isLessThan(Tolerances.ROUNDING);
        assertThat(dmb.batchSize()).isEqualTo(7);
    }

    @Test
    void finiteDifference_matchesClosedFormHessian_ofQuartic() {
        INDArray a = randomSymmetric(12, 7);
        INDArray theta = Vectors.gaussian(new SplittableRandom(8), 12);
        INDArray thetaCopy = theta.dup();
        FiniteDifferenceHvp fd = FiniteDifferenceHvp.of(quarticGradient(a), theta);
        HessianVectorProduct exact = HessianVectorProduct.ofMatrix(quarticHessian(a, theta));

        HvpSelfCheck.Report report = HvpSelfCheck.check(fd, exact, 5, 42);

        assertThat(report.relativeError()).isLessThan(Tolerances.FINITE_DIFFERENCE);
        assertThat(report.relativeSymmetryError()).isLessThan(Tolerances.FINITE_DIFFERENCE);
        assertThat(theta).isEqualTo(thetaCopy);
    }

    @Test
    void finiteDifference_isScaleInvariantInV_andZeroForZero() {
        INDArray a = randomSymmetric(6, 9);
        INDArray theta = Vectors.gaussian(new SplittableRandom(10), 6);
        FiniteDifferenceHvp fd = FiniteDifferenceHvp.of(quarticGradient(a), theta);
        INDArray v = Vectors.gaussian(new SplittableRandom(11), 6);
        INDArray hv = fd.apply(v);
        INDArray hvBig = fd.apply(v.mul(1e6));
        assertThat(hvBig.div(1e6).sub(hv).norm2Number().doubleValue() / hv.norm2Number().doubleValue())
                .isLessThan(Tolerances.ROUNDING * 100);
        assertThat(fd.apply(Nd4j.zeros(DataType.DOUBLE, 6)).norm2Number().doubleValue()).isZero();
    }

    @Test
    void richardson_reducesTruncationError_andEstimatesIt() {
        INDArray a = randomSymmetric(8, 12);
        INDArray theta = Vectors.gaussian(new SplittableRandom(13), 8).muli(3); // large θ: big third derivatives
        INDArray v = Vectors.gaussian(new SplittableRandom(14), 8);
        INDArray exact = quarticHessian(a, theta).mmul(v.reshape(8, 1)).reshape(8);
        FiniteDifferenceHvp coarse = FiniteDifferenceHvp.of(quarticGradient(a), theta).withStep(1e-2);

        double plainError = coarse.apply(v).sub(exact).norm2Number().doubleValue();
        FiniteDifferenceHvp.Estimate est = coarse.withRichardson(true).applyWithError(v);
        double extrapolatedError = est.product().sub(exact).norm2Number().doubleValue();

        assertThat(extrapolatedError).isLessThan(plainError / 100);
        // the estimate |D(h) − D(2h)|/3 tracks the plain step's truncation error within a factor of a few
        assertThat(est.errorEstimate()).isBetween(plainError / 3, plainError * 3);
        assertThat(coarse.applyWithError(v).errorEstimate()).isNaN();
    }

    @Test
    void finiteDifference_rejectsBadArguments() {
        GradientFunction g = t -> t.dup();
        assertThatThrownBy(() -> FiniteDifferenceHvp.of(g, Nd4j.createFromArray(1.0, Double.NaN)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("theta");
        FiniteDifferenceHvp fd = FiniteDifferenceHvp.of(g, Nd4j.createFromArray(1.0, 2.0));
        assertThatThrownBy(() -> fd.withStep(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("step (0.0)");
        // the gradient of ½‖θ‖² is θ, so H = I
        INDArray hv = fd.apply(Nd4j.createFromArray(3.0, -4.0));
        assertThat(hv.sub(Nd4j.createFromArray(3.0, -4.0)).norm2Number().doubleValue()).isLessThan(1e-9);
    }

    @Test
    void toDense_buildsSymmetricMatrix_fromProducts_andRefusesTooLarge() {
        INDArray a = randomSymmetric(9, 15);
        HessianVectorProduct opaque = new HessianVectorProduct() {
            final HessianVectorProduct inner = HessianVectorProduct.ofMatrix(a);

            @Override
            public long dimension() {
                return 9;
            }

            @Override
            public INDArray apply(INDArray v) {
                return inner.apply(v);
            }
        };
        INDArray dense = Hvps.toDense(opaque);
        assertThat(dense.sub(a).amaxNumber().doubleValue()).isLessThan(Tolerances.ROUNDING);
        assertThatThrownBy(() -> Hvps.toDense(opaque, 100))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("p = 9").hasMessageContaining("conjugateGradient");
    }

    @Test
    void selfCheck_detectsAsymmetricOperator() {
        INDArray m = randomSymmetric(6, 16);
        m.putScalar(0, 5, m.getDouble(0, 5) + 1.0); // break symmetry
        HessianVectorProduct broken = new HessianVectorProduct() {
            @Override
            public long dimension() {
                return 6;
            }

            @Override
            public INDArray apply(INDArray v) {
                return m.mmul(v.reshape(6, 1)).reshape(6);
            }
        };
        HvpSelfCheck.Report report = HvpSelfCheck.symmetry(broken, 4, 3);
        assertThat(report.relativeSymmetryError()).isGreaterThan(1e-3);
        assertThat(report.passes(1e-6)).isFalse();
        assertThat(report.relativeError()).isNaN();
        assertThat(HvpSelfCheck.symmetry(HessianVectorProduct.ofMatrix(randomSymmetric(6, 17)), 4, 3).passes(1e-12))
                .isTrue();
    }
}
