package org.influence4j.hvp;

import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;

import org.influence4j.internal.Arguments;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The damped operator {@code H + λI} ({@link HessianVectorProduct#damped(double)}). Immutable and thread-safe if
 * the wrapped operator is.
 */
class DampedHvp implements HessianVectorProduct {

    private final HessianVectorProduct undamped;
    private final double damping;

    DampedHvp(HessianVectorProduct undamped, double damping) {
        this.undamped = Objects.requireNonNull(undamped, "undamped");
        this.damping = Arguments.checkNonNegative("damping", damping);
    }

    /**
     * Returns {@code h + λI}; if {@code h} is already damped the dampings add up and the result wraps
     * the undamped operator. Mini-batch operators keep their mini-batch capability.
     */
    static HessianVectorProduct of(HessianVectorProduct h, double lambda) {
        Objects.requireNonNull(h, "h");
        Arguments.checkNonNegative("damping", lambda);
        HessianVectorProduct base = h;
        double total = lambda;
        if (h instanceof DampedHvp d) {
            base = d.undamped;
            total += d.damping;
        }
        if (base instanceof MiniBatchHessianVectorProduct mb) {
            return new DampedMiniBatch(mb, total);
        }
        return new DampedHvp(base, total);
    }

    /** The operator {@code H} without damping. */
    public HessianVectorProduct undamped() {
        return undamped;
    }

    /** The damping λ ≥ 0. */
    public double damping() {
        return damping;
    }

    @Override
    public long dimension() {
        return undamped.dimension();
    }

    @Override
    public INDArray apply(INDArray v) {
        HessianVectorProduct.checkArgument(this, v);
        return addDamping(undamped.apply(v), v);
    }

    /** {@code hv + λv} into {@code hv} (fresh, from the undamped operator); {@code v} is not modified. */
    INDArray addDamping(INDArray hv, INDArray v) {
        if (damping != 0) {
            INDArray dv = Arguments.toDoubleVector(v).muli(damping); // λv, a copy of v: freed here, not by the GC
            hv.addi(dv); // (H + λI)v
            dv.close();
        }
        return hv;
    }

    @Override
    public Optional<INDArray> denseMatrix() {
        return undamped.denseMatrix().map(m -> m.addi(Nd4j.eye(m.rows()).castTo(m.dataType()).muli(damping)));
    }

    @Override
    public String toString() {
        return "DampedHvp[λ=" + damping + ", " + undamped + "]";
    }

    /** Damped mini-batch operator: every sampled batch is damped by the same λ. */
    static final class DampedMiniBatch extends DampedHvp implements MiniBatchHessianVectorProduct {
        private final MiniBatchHessianVectorProduct mb;

        DampedMiniBatch(MiniBatchHessianVectorProduct mb, double damping) {
            super(mb, damping);
            this.mb = mb;
        }

        @Override
        public HessianVectorProduct sampleBatch(SplittableRandom rng) {
            return new DampedHvp(mb.sampleBatch(rng), damping());
        }

        /** {@code (H_B + λI)v} with the batch of {@code mb.applySampled}: the same batch and the same arithmetic. */
        @Override
        public INDArray applySampled(SplittableRandom rng, INDArray v) {
            HessianVectorProduct.checkArgument(this, v);
            return addDamping(mb.applySampled(rng, v), v);
        }

        @Override
        public int batchSize() {
            return mb.batchSize();
        }
    }
}
