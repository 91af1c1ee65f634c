package org.influence4j.model;

import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.hvp.MiniBatchHessianVectorProduct;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * A trained, twice-differentiable model as influence functions see it: the SPI that model adapters
 * implement (the DL4J adapter, the reference models in this package, or a user's own model).
 *
 * <h2>Definitions (one convention, used everywhere)</h2>
 * For a data set {@code D = {z₁ … zₙ}} and parameters {@code θ}:
 * <pre>
 *   ℓ(z, θ)        the per-example loss, without any regulariser
 *   R_D(θ)       = (1/n) Σᵢ ℓ(zᵢ, θ) + Ω(θ)        the training objective ("objective")
 *   H_D          = ∇²R_D(θ̂)                       its Hessian at the model's current parameters θ̂
 * </pre>
 * {@code Ω} is the model's own regulariser (for DL4J: exactly what {@code score()} adds; in 1.0.0-M2.1 both
 * {@code l2(λ)} and {@code weightDecay(λ)} score {@code ½·λ‖W‖²} on the weights). Per-example gradients {@code gᵢ = ∇ℓ(zᵢ, θ̂)} exclude {@code Ω}: upweighting
 * {@code zᵢ} by ε perturbs the objective by {@code ε·ℓ(zᵢ)} only.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>The model's parameters are fixed: every method evaluates at θ̂ and none changes it (nor the
 *       underlying framework object, nor any argument).</li>
 *   <li>Returned arrays are fresh DOUBLE arrays owned by the caller; vectors are rank 1.</li>
 *   <li>Data sets are {@code DataSet}s with features and labels; an adapter rejects data that does not fit
 *       the model with an {@link IllegalArgumentException} naming the mismatch.</li>
 *   <li>The flat parameter layout is the adapter's; all vectors of length {@link #numParameters()} use it.</li>
 * </ul>
 */
public interface InfluenceModel {

    /** Number of parameters {@code p} that influence is computed over. */
    long numParameters();

    /** A copy of the current parameters θ̂ (rank-1 DOUBLE, length {@link #numParameters()}). */
    INDArray parameters();

    /** The objective {@code R_D(θ̂) = (1/n)Σℓ(zᵢ) + Ω(θ̂)} on {@code data}. */
    double objective(DataSet data);

    /** The gradient {@code ∇R_D(θ̂)} (mean loss gradient plus the regulariser's gradient). */
    INDArray objectiveGradient(DataSet data);

    /** The per-example losses {@code ℓ(zᵢ, θ̂)} without regulariser, shape {@code [n]}. */
    INDArray losses(DataSet data);

    /**
     * The gradient of the mean loss {@code (1/n)Σᵢ ∇ℓ(zᵢ, θ̂)} without regulariser: the test gradient
     * {@code ∇L_test} of a (possibly multi-example) test point.
     */
    INDArray meanLossGradient(DataSet data);

    /**
     * The dot products {@code gᵢᵀv} of every example's loss gradient with {@code v}, shape {@code [n]}.
     * This is the scoring fast path: with {@code v = (H+λI)⁻¹∇L_test}, {@code −gᵢᵀv} is the influence of
     * every training point. Adapters should compute it for the whole batch at once.
     *
     * @param v vector of length {@link #numParameters()}; not modified
     */
    INDArray perExampleGradientDots(DataSet data, INDArray v);

    /**
     * The per-example loss gradients as rows of an {@code [n, p]} matrix. The default stacks
     * {@link #meanLossGradient(DataSet)} of one-example subsets (slow: one backward pass per example);
     * adapters override it when they can do better.
     */
    default INDArray perExampleGradients(DataSet data) {
        int n = data.numExamples();
        INDArray g = org.nd4j.linalg.factory.Nd4j.create(org.nd4j.linalg.api.buffer.DataType.DOUBLE, n,
                numParameters());
        for (int i = 0; i < n; i++) {
            g.putRow(i, meanLossGradient(DataSets.subset(data, new int[] {i})));
        }
        return g;
    }

    /** The Hessian {@code H_D = ∇²R_D(θ̂)} of the objective over {@code data}, as an operator. */
    HessianVectorProduct hessian(DataSet data);

    /**
     * The Hessian of the objective over {@code data} with the ability to sample mini-batch Hessians
     * (for LiSSA). The default samples {@code batchSize} distinct examples per batch and evaluates
     * {@link #hessian(DataSet)} on that subset; {@link MiniBatchHessianVectorProduct#apply} is the full
     * Hessian.
     *
     * @param batchSize examples per mini-batch, {@code 1 ≤ batchSize}; capped at {@code n}
     */
    default MiniBatchHessianVectorProduct miniBatchHessian(DataSet data, int batchSize) {
        return new SampledMiniBatchHessian(this, data, batchSize);
    }

    /**
     * The curvature of the objective over {@code data} as solvers see it when they are prepared
     * ({@link org.influence4j.solver.IHVPSolver#prepare}): {@link #hessian(DataSet)} (formed on first use),
     * {@link #miniBatchHessian(DataSet, int)}, and a cache for damping-independent work that every solver and
     * damping on this curvature shares. Adapters override it to offer more (for example per-layer factors).
     *
     * @param data the training data; not modified, not copied
     */
    default org.influence4j.solver.Curvature curvature(DataSet data) {
        return new TrainingCurvature(this, data);
    }

    /**
     * The layer structure and streamed per-layer statistics over {@code data} that Kronecker-factored curvatures
     * (K-FAC, EK-FAC) are fitted from, when the model is made of layers that have them (dense and convolutional
     * layers); empty otherwise (the default). {@link #curvature(DataSet)}'s default offers it to solvers.
     *
     * @param data the training data; not modified, not copied
     */
    default java.util.Optional<org.influence4j.solver.LayerStatistics> layerStatistics(DataSet data) {
        return java.util.Optional.empty();
    }

    /**
     * {@link #layerStatistics(DataSet)} of a slice of a larger training set whose first row is example
     * {@code firstExample} of the whole: row {@code i} of {@code data} is example {@code firstExample + i}, so that the
     * label draws of {@link org.influence4j.solver.FisherSampling#SAMPLED}, which are seeded by the example's index,
     * are those the whole training set would give. Partial sums over consecutive slices then add up to the whole
     * set's statistics (to rounding), whatever the slicing — what a distributed fit (one slice per partition) needs.
     *
     * <p>The default offers {@link #layerStatistics(DataSet)} for {@code firstExample = 0} and nothing otherwise; the
     * reference models and the DL4J adapter support every offset.
     *
     * @param data         consecutive training examples; not modified, not copied
     * @param firstExample the index of {@code data}'s first row in the whole training set, {@code ≥ 0}
     * @throws IllegalArgumentException if {@code firstExample < 0}
     */
    default java.util.Optional<org.influence4j.solver.LayerStatistics> layerStatistics(DataSet data,
                                                                                        long firstExample) {
        if (firstExample < 0) {
            throw new IllegalArgumentException("firstExample (" + firstExample + ") must be >= 0");
        }
        return firstExample == 0 ? layerStatistics(data) : java.util.Optional.empty();
    }

    /**
     * The same model at other parameters {@code θ}: same architecture, data layout, regulariser, analysed parameters
     * and curvature settings, with {@code parameters()} equal to {@code θ}. Ground truths that re-optimise the
     * objective without retraining a framework model (the proximal Bregman response function,
     * {@link org.influence4j.validation.ProximalBregmanRetrainer}) evaluate {@link #objective},
     * {@link #objectiveGradient}, {@link #losses} and {@link #meanLossGradient} of the returned model.
     *
     * <p>Support never depends on {@code θ}: a model either returns a model for every valid {@code θ} or, like this
     * default, always an empty optional. The returned model is independent of this one (neither changes the other)
     * and obeys the same contract; for an adapter that analyses a subset of a framework model's parameters, the
     * parameters outside the subset keep their values.
     *
     * @param theta parameters in this model's flat layout, length {@link #numParameters()}, finite; not modified
     * @return the model at {@code theta}, or empty if this model cannot be moved (the default)
     * @throws IllegalArgumentException if {@code theta} has the wrong length or non-finite entries (only by models
     *                                  that support the capability)
     */
    default java.util.Optional<InfluenceModel> withParameters(INDArray theta) {
        return java.util.Optional.empty();
    }

    /**
     * The Bregman targets of {@code data}: a copy of {@code data} whose labels are replaced by the model's own
     * predictions {@code t̂ᵢ = act(ẑᵢ)} at θ̂, where {@code ẑᵢ} is the output (pre-activation of the output layer) and
     * {@code act} the output activation of a <em>canonical-link</em> loss. Empty (the default) unless the loss is
     * such a pair.
     *
     * <p><b>Why the targets give the Bregman divergence.</b>
     * A canonical-link loss has the form {@code ℓ(z; y) = c·(F(z) − yᵀz) + h(y)} with {@code ∇F = act} and a constant
     * {@code c > 0}, so {@code ∇_z ℓ(z; y) = c·(act(z) − y)} and the Hessian in {@code z} does not depend on
     * {@code y}. The Bregman divergence of {@code L(z) = ℓ(z; y)} between {@code z} and {@code ẑ},
     * {@code D_ℓ(z, ẑ; y) = L(z) − L(ẑ) − ∇L(ẑ)ᵀ(z − ẑ) = c·(F(z) − F(ẑ) − act(ẑ)ᵀ(z − ẑ))}, is therefore the same
     * for every label, and with {@code t̂ = act(ẑ)}:
     * <pre>
     *   D_ℓ(z, ẑ; y) = ℓ(z; t̂) − ℓ(ẑ; t̂)
     * </pre>
     * — the loss at the model's own soft targets, relative to its value at {@code ẑ}. The pairs:
     * <pre>
     *   softmax + cross-entropy   ℓ = lse(z) − yᵀz              c = 1      F = lse        (label rows sum to 1)
     *   sigmoid + binary x-ent.   ℓ = Σⱼ softplus(zⱼ) − yⱼzⱼ    c = 1      F = Σ softplus
     *   identity + MSE (k outputs) ℓ = (1/k)‖z − y‖²           c = 2/k    F = ½‖z‖²
     *   identity + squared error  ℓ = ‖z − y‖² (or ½‖z − y‖²)   c = 2 (1)  F = ½‖z‖²
     * </pre>
     * The scale {@code c} needs no special care (the targets are {@code act(ẑ)} whatever {@code c}: MSE's
     * {@code 1/k} and a squared error's factor are kept by the loss itself). A softmax loss whose label rows have mass
     * {@code s ≠ 1} has {@code c = s}; its targets are {@code s·act(ẑ)}, which keeps the row's mass.
     *
     * @param data features and labels the model accepts; not modified
     * @return a fresh data set (the features copied, the labels the targets, same shape as the labels), or empty
     */
    default java.util.Optional<DataSet> bregmanTargets(DataSet data) {
        return java.util.Optional.empty();
    }

    /** A short description for diagnostics (model kind, parameter count, HVP mode). */
    default String describe() {
        return getClass().getSimpleName() + "[p=" + numParameters() + "]";
    }
}
