package org.influence4j.dl4j;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.hvp.HessianVectorProduct;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.eigen.Eigen;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossL2;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;
import org.nd4j.linalg.lossfunctions.impl.LossNegativeLogLikelihood;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Reference values computed through DL4J alone — never through the adapter — for any {@code MultiLayerNetwork}
 * whatever its layers: DL4J's own gradients (batch and per example), central differences of them (the Hessian),
 * the Gauss–Newton matrix from a finite-difference Jacobian of DL4J's outputs, and the regulariser's curvature.
 *
 * <p>All of them work on an {@link #inferenceTwin inference twin} of the user's network: the same configuration
 * (JSON round trip) and parameters with dropout switched off, which is the deterministic network influence
 * analyses. The user's network is never touched.
 */
final class Dl4jOracles {

    private Dl4jOracles() {
    }

    /**
     * A new network with {@code net}'s configuration and a copy of its parameters, dropout removed (DL4J applies
     * dropout inside {@code computeGradientAndScore()}, which runs in training mode; {@code score()} does not).
     */
    static MultiLayerNetwork inferenceTwin(MultiLayerNetwork net) {
        MultiLayerConfiguration conf = MultiLayerConfiguration.fromJson(net.getLayerWiseConfigurations().toJson());
        for (NeuralNetConfiguration c : conf.getConfs()) {
            c.getLayer().setIDropout(null);
        }
        MultiLayerNetwork twin = new MultiLayerNetwork(conf);
        twin.init(net.params().dup(), true);
        return twin;
    }

    /** DL4J's summed loss gradient (no regulariser) at the twin's current parameters, flat DOUBLE copy. */
    static INDArray gradientSum(MultiLayerNetwork twin, INDArray x, INDArray y) {
        twin.setInput(x);
        twin.setLabels(y);
        twin.computeGradientAndScore();
        INDArray g = twin.gradient().gradient().dup().castTo(DataType.DOUBLE).reshape(twin.numParams());
        twin.clear();
        return g;
    }

    /** DL4J's mean loss gradient (sum / n, no regulariser). */
    static INDArray meanLossGradient(MultiLayerNetwork twin, DataSet d) {
        return gradientSum(twin, d.getFeatures(), d.getLabels()).divi(d.numExamples());
    }

    /** DL4J's gradient of example {@code i} alone, one {@code computeGradientAndScore()} per call. */
    static INDArray exampleGradient(MultiLayerNetwork twin, DataSet d, long i) {
        INDArray xi = d.getFeatures().get(NDArrayIndex.interval(i, i + 1)).dup();
        INDArray yi = d.getLabels().get(NDArrayIndex.interval(i, i + 1)).dup();
        return gradientSum(twin, xi, yi);
    }

    /**
     * The diagonal of the regulariser's Hessian, {@code κⱼ = ∂²Ω/∂θⱼ²}. DL4J's l2 and weight decay are separable
     * quadratics {@code Ω(θ) = ½ Σ κⱼ θⱼ²} with one coefficient per parameter array (a layer's {@code W}, its
     * {@code b}, ...), so for each array A, with every parameter 0 except A's set to 1, {@code κ_A = 2·Ω / |A|}
     * exactly, from DL4J's own {@code calcRegularizationScore} (on the twin, parameters restored afterwards).
     * {@link CnnHvpTest} checks {@code ½ Σ κⱼ θ̂ⱼ² = Ω(θ̂)} on every network.
     */
    static INDArray regulariserCurvature(MultiLayerNetwork twin) {
        INDArray theta = twin.params().dup();
        INDArray kappa = Nd4j.zeros(DataType.DOUBLE, theta.length());
        try {
            for (int i = 0; i < twin.getnLayers(); i++) {
                for (var e : twin.getLayer(i).paramTable().entrySet()) {
                    twin.params().assign(0);
                    e.getValue().assign(1); // a view of the flat parameter vector
                    double coefficient = 2 * twin.calcRegularizationScore(true) / e.getValue().length();
                    kappa.addi(twin.params().reshape(theta.length()).castTo(DataType.DOUBLE).mul(coefficient));
                }
            }
        } finally {
            twin.setParams(theta);
        }
        return kappa;
    }

    /** {@code Ω(θ)} at the twin's parameters: DL4J's {@code score()} minus its mean per-example loss. */
    static double regulariser(MultiLayerNetwork twin, DataSet d) {
        return twin.score(d) - twin.scoreExamples(d, false).meanNumber().doubleValue();
    }

    /**
     * {@code H v} by central differences of DL4J's objective gradient {@code ∇R = (Σ ∇ℓᵢ)/n + κ ⊙ θ}:
     * {@code (∇R(θ + h v) − ∇R(θ − h v)) / 2h}; the regulariser part is linear, so it is added exactly as
     * {@code κ ⊙ v}. Truncation error O(h²‖∇³R‖), round-off O(ε‖∇R‖/h). Parameters restored afterwards.
     */
    static INDArray finiteDifferenceHvp(MultiLayerNetwork twin, DataSet d, INDArray kappa, INDArray v, double h) {
        INDArray theta = twin.params().dup();
        try {
            twin.setParams(theta.add(v.mul(h)));
            INDArray up = meanLossGradient(twin, d);
            twin.setParams(theta.sub(v.mul(h)));
            INDArray down = meanLossGradient(twin, d);
            return up.subi(down).divi(2 * h).addi(kappa.mul(v));
        } finally {
            twin.setParams(theta);
        }
    }

    /** The loss heads influence4j supports, as the oracle sees them. */
    enum Head {
        /** softmax + MCXENT / NEGATIVELOGLIKELIHOOD. */
        SOFTMAX_CROSS_ENTROPY,
        /** sigmoid + XENT. */
        SIGMOID_CROSS_ENTROPY,
        /** identity + MSE: DL4J's per-example score is {@code Σₖ (ŷₖ − yₖ)² / K}. */
        MEAN_SQUARED,
        /** identity + SQUARED_LOSS (LossL2): {@code Σₖ (ŷₖ − yₖ)²}. */
        SQUARED
    }

    /** The head of {@code net} (its last layer's activation and loss). */
    static Head headOf(MultiLayerNetwork net) {
        Layer last = net.getLayerWiseConfigurations().getConf(net.getnLayers() - 1).getLayer();
        ILossFunction loss;
        IActivation act;
        if (last instanceof BaseOutputLayer o) {
            loss = o.getLossFn();
            act = o.getActivationFn();
        } else if (last instanceof LossLayer o) {
            loss = o.getLossFn();
            act = o.getActivationFn();
        } else {
            throw new IllegalArgumentException("no output layer: " + last);
        }
        if (act instanceof ActivationSoftmax && (loss instanceof LossMCXENT || loss instanceof LossNegativeLogLikelihood)) {
            return Head.SOFTMAX_CROSS_ENTROPY;
        }
        if (act instanceof ActivationSigmoid && loss instanceof LossBinaryXENT) {
            return Head.SIGMOID_CROSS_ENTROPY;
        }
        if (act instanceof ActivationIdentity && loss instanceof LossMSE) {
            return Head.MEAN_SQUARED;
        }
        if (act instanceof ActivationIdentity && loss instanceof LossL2) {
            return Head.SQUARED;
        }
        throw new IllegalArgumentException("unsupported head " + act + " + " + loss);
    }

    /** Width of the network's output (the last layer with an nOut). */
    static int outputWidth(MultiLayerNetwork net) {
        for (int i = net.getnLayers() - 1; i >= 0; i--) {
            Layer l = net.getLayerWiseConfigurations().getConf(i).getLayer();
            if (l instanceof FeedForwardLayer f && f.getNOut() > 0) {
                return (int) f.getNOut();
            }
        }
        throw new IllegalArgumentException("no output width");
    }

    /**
     * The coordinates {@code u} in which the head's Gauss–Newton matrix is written with a diagonal weight:
     * <ul>
     *   <li>softmax: {@code u = log p}. With {@code z} the logits, {@code ∂u/∂z = I − 1pᵀ}, and
     *       {@code (I − 1pᵀ)ᵀ diag(p) (I − 1pᵀ) = diag(p) − ppᵀ} (because {@code Σp = 1}) is the cross-entropy's
     *       Hessian in {@code z} for labels that sum to 1. So {@code J_zᵀ(diag p − ppᵀ)J_z = J_uᵀ diag(p) J_u},
     *       and no pre-softmax value is needed from DL4J;</li>
     *   <li>sigmoid: {@code u = s} (the output), {@code J_z = J_s / (s(1−s))}, so the weight is {@code 1/(s(1−s))};</li>
     *   <li>identity: {@code u = ŷ}, weight {@code 2/K} (MSE) or {@code 2} (squared loss).</li>
     * </ul>
     */
    private static INDArray coordinates(Head head, INDArray out) {
        return head == Head.SOFTMAX_CROSS_ENTROPY ? Transforms.log(out, true) : out.dup();
    }

    /** The diagonal Gauss–Newton weight of each output, {@code [n, K]} (see {@link #coordinates}). */
    private static INDArray weights(Head head, INDArray out, INDArray y) {
        long k = out.size(1);
        return switch (head) {
            case SOFTMAX_CROSS_ENTROPY -> out.mulColumnVector(y.sum(1).reshape(out.size(0), 1)); // s·p with s = Σy (1 for one-hot rows)
            case SIGMOID_CROSS_ENTROPY -> out.mul(out.rsub(1.0)).rdivi(1.0);
            case MEAN_SQUARED -> Nd4j.zeros(DataType.DOUBLE, out.shape()).addi(2.0 / k);
            case SQUARED -> Nd4j.zeros(DataType.DOUBLE, out.shape()).addi(2.0);
        };
    }

    /** {@code ∂ℓ/∂u} per example and output, {@code [n, K]} (see {@link #coordinates}). */
    private static INDArray residuals(Head head, INDArray out, INDArray y) {
        long k = out.size(1);
        return switch (head) {
            case SOFTMAX_CROSS_ENTROPY -> y.neg(); // ℓ = −Σ y log p is linear in u = log p
            case SIGMOID_CROSS_ENTROPY -> y.div(out).negi().addi(y.rsub(1.0).divi(out.rsub(1.0)));
            case MEAN_SQUARED -> out.sub(y).muli(2.0 / k);
            case SQUARED -> out.sub(y).muli(2.0);
        };
    }

    /**
     * The Jacobian of the head coordinates {@code u} of every example w.r.t. every parameter, by central
     * differences of DL4J's inference-mode {@code output()} with an absolute step {@code h} per parameter:
     * {@code [n·K, p]}, row {@code i·K + k}. Parameters restored afterwards.
     */
    static INDArray jacobian(MultiLayerNetwork twin, DataSet d, double h) {
        Head head = headOf(twin);
        INDArray theta = twin.params().dup();
        long p = theta.length();
        long n = d.numExamples();
        long k = outputWidth(twin);
        INDArray jac = Nd4j.create(DataType.DOUBLE, n * k, p);
        INDArray x = d.getFeatures();
        try {
            for (long j = 0; j < p; j++) {
                double t = theta.getDouble(j);
                theta.putScalar(j, t + h);
                twin.setParams(theta);
                INDArray up = coordinates(head, twin.output(x, false).castTo(DataType.DOUBLE));
                theta.putScalar(j, t - h);
                twin.setParams(theta);
                INDArray down = coordinates(head, twin.output(x, false).castTo(DataType.DOUBLE));
                theta.putScalar(j, t);
                jac.getColumn(j).assign(up.subi(down).divi(2 * h).reshape(n * k));
            }
        } finally {
            twin.setParams(theta);
        }
        return jac;
    }

    /** The head's outputs at the twin's parameters, {@code [n, K]}. */
    private static INDArray outputs(MultiLayerNetwork twin, DataSet d) {
        return twin.output(d.getFeatures(), false).castTo(DataType.DOUBLE);
    }

    /**
     * The Gauss–Newton matrix {@code G = (1/n) Σᵢ Jᵢᵀ Mᵢ Jᵢ + diag(κ)} from the Jacobian {@link #jacobian} and the
     * head weights {@code Mᵢ} (diagonal, ≥ 0): {@code G = BᵀB/n + diag(κ)} with {@code B = √M ⊙ J}.
     */
    static INDArray gaussNewton(MultiLayerNetwork twin, DataSet d, INDArray jac, INDArray kappa) {
        INDArray m = weights(headOf(twin), outputs(twin, d), d.getLabels().castTo(DataType.DOUBLE));
        INDArray sqrtM = Transforms.sqrt(m.reshape(m.length()), true);
        INDArray b = jac.mulColumnVector(sqrtM.reshape(sqrtM.length(), 1));
        INDArray g = b.transpose().mmul(b).divi(d.numExamples());
        for (long j = 0; j < kappa.length(); j++) {
            g.putScalar(j, j, g.getDouble(j, j) + kappa.getDouble(j));
        }
        return g;
    }

    /**
     * The mean loss gradient by the chain rule through the same Jacobian, {@code (1/n) Σᵢ Jᵢᵀ ∂ℓ/∂uᵢ}: agrees
     * with DL4J's backprop only if the Jacobian and the head's conventions above are right, so it verifies them on
     * any network (this is the check that keeps {@link #gaussNewton} honest where no other GN exists).
     */
    static INDArray chainRuleGradient(MultiLayerNetwork twin, DataSet d, INDArray jac) {
        INDArray r = residuals(headOf(twin), outputs(twin, d), d.getLabels().castTo(DataType.DOUBLE));
        return jac.transpose().mmul(r.reshape(r.length(), 1)).reshape(jac.size(1)).divi(d.numExamples());
    }

    /** The operator as a dense matrix, column {@code j} = {@code H eⱼ}, NOT symmetrised. */
    static INDArray columns(HessianVectorProduct h) {
        long p = h.dimension();
        INDArray dense = Nd4j.create(DataType.DOUBLE, p, p);
        for (long j = 0; j < p; j++) {
            INDArray e = Nd4j.zeros(DataType.DOUBLE, p);
            e.putScalar(j, 1.0);
            dense.getColumn(j).assign(h.apply(e));
        }
        return dense;
    }

    /** ‖A − Aᵀ‖_F / ‖A‖_F. */
    static double asymmetry(INDArray a) {
        return a.sub(a.transpose()).norm2Number().doubleValue() / a.norm2Number().doubleValue();
    }

    /** Relative Frobenius distance ‖A − B‖ / ‖B‖. */
    static double relFrobenius(INDArray a, INDArray b) {
        return a.sub(b).norm2Number().doubleValue() / b.norm2Number().doubleValue();
    }

    /** Eigenvalues of the symmetric part of {@code a} (ascending is not guaranteed). */
    static INDArray eigenvalues(INDArray a) {
        INDArray sym = a.add(a.transpose()).divi(2);
        return Eigen.symmetricGeneralizedEigenvalues(sym);
    }
}
