package org.influence4j.dl4j;

import java.util.Objects;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * {@link TrainingObjective} of a dense softmax network in plain Java: {@code DenseLayer}s (tanh, ReLU, sigmoid or
 * identity, with biases) followed by a softmax {@code OutputLayer} with multi-class cross-entropy, a quadratic
 * regulariser ({@code l2} or {@code weightDecay}, curvature {@code κₗ} from {@link Regularizer}) on weights only, no
 * dropout, weight noise or input preprocessors. For an Iris network one forward-backward pass is a few thousand
 * multiply-adds, which DL4J spends about a millisecond of per-call overhead on; these loops take microseconds, so
 * training and the hundreds of warm-started retrainings per network become cheap.
 *
 * <p>It reproduces what DL4J computes, in DL4J's flat parameter layout (per layer {@code W} as an {@code [nIn, nOut]}
 * column-major view, then {@code b}):
 * <pre>
 *   a₀ = x,  aₗ = φ(aₗ₋₁Wₗ + bₗ),  p = softmax(a_{L−1}W_L + b_L)
 *   R(θ) = (1/n)Σᵢ −Σ_c y_ic·log(clip(p_ic)) + Σₗ ½·κₗ·‖Wₗ‖²      (clip to [ε, 1−ε], DL4J's softmaxClipEps)
 *   ∂R/∂z_L = (p − y)/n,   δₗ₋₁ = (δₗWₗᵀ) ⊙ φ'(aₗ₋₁),   ∇Wₗ = aₗ₋₁ᵀδₗ + κₗ·Wₗ,   ∇bₗ = Σᵢ δₗ
 * </pre>
 * (the gradient of the softmax cross-entropy is {@code p − y} without clipping, as in DL4J). Agreement with
 * {@code net.score()} and DL4J's batch gradient is tested to 1e-12. {@link #evaluate} never touches the network.
 * Not thread-safe (per-instance work buffers).
 */
final class DenseMlpObjective implements TrainingObjective {

    private enum Act {
        TANH, RELU, SIGMOID, IDENTITY
    }

    private final int n;
    private final int classes;
    private final double[] x;      // n × inputs, row-major
    private final double[] y;      // n × classes, row-major
    private final int[] fanIn;
    private final int[] fanOut;
    private final int[] wOffset;
    private final int[] bOffset;
    private final double[] l2;
    private final Act[] act;       // hidden layers; the last layer is softmax
    private final double clipEps;
    private final int dimension;
    private final double[][] a;    // a[l]: n × fanOut[l] activations (a[L-1] holds p)
    private final double[][] delta;

    /**
     * @param n the number of examples; {@code x} holds {@code n × fanIn[0]} features and {@code y}
     *          {@code n × classes} labels, row-major (owned by the instance)
     */
    private DenseMlpObjective(int n, double[] x, double[] y, int[] fanIn, int[] fanOut, Act[] act, double[] l2,
                              double clipEps) {
        this.n = n;
        this.fanIn = fanIn;
        this.fanOut = fanOut;
        this.act = act;
        this.l2 = l2;
        this.clipEps = clipEps;
        int layers = fanIn.length;
        this.classes = fanOut[layers - 1];
        this.x = x;
        this.y = y;
        this.wOffset = new int[layers];
        this.bOffset = new int[layers];
        int off = 0;
        this.a = new double[layers][];
        this.delta = new double[layers][];
        for (int l = 0; l < layers; l++) {
            wOffset[l] = off;
            off += fanIn[l] * fanOut[l];
            bOffset[l] = off;
            off += fanOut[l];
            a[l] = new double[n * fanOut[l]];
            delta[l] = new double[n * fanOut[l]];
        }
        this.dimension = off;
    }

    /**
     * A plain-Java objective for {@code net} on {@code data}, or {@code null} if the network has anything these
     * loops do not reproduce exactly (then use {@link Dl4jBatchObjective}).
     */
    static DenseMlpObjective tryCreate(MultiLayerNetwork net, DataSet data) {
        Objects.requireNonNull(net, "net");
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        if (conf.getInputPreProcessors() != null && !conf.getInputPreProcessors().isEmpty()
                || net.params().dataType() != DataType.DOUBLE || data.getFeatures().rank() != 2
                || data.getLabels().rank() != 2 || data.numExamples() == 0) {
            return null;
        }
        int layers = net.getnLayers();
        int[] fanIn = new int[layers];
        int[] fanOut = new int[layers];
        Act[] act = new Act[layers];
        double[] l2 = new double[layers];
        double clip = 0;
        double[] kappa = Regularizer.curvatures(net); // rejects non-quadratic regularisers
        int off = 0;
        for (int l = 0; l < layers; l++) {
            Layer layer = conf.getConf(l).getLayer();
            if (!(layer instanceof BaseLayer bl) || bl.getIDropout() != null || bl.getWeightNoise() != null
                    || bl.getConstraints() != null && !bl.getConstraints().isEmpty()) {
                return null;
            }
            boolean last = l == layers - 1;
            if (!last && layer instanceof DenseLayer dense && dense.hasBias()) {
                fanIn[l] = (int) dense.getNIn();
                fanOut[l] = (int) dense.getNOut();
                act[l] = activation(dense.getActivationFn());
                if (act[l] == null) {
                    return null;
                }
            } else if (last && layer instanceof OutputLayer out && out.hasBias()
                    && out.getLossFn() instanceof LossMCXENT mcxent && mcxent.getWeights() == null
                    && out.getActivationFn() instanceof ActivationSoftmax) {
                fanIn[l] = (int) out.getNIn();
                fanOut[l] = (int) out.getNOut();
                clip = mcxent.getSoftmaxClipEps();
            } else {
                return null;
            }
            if (l > 0 && fanIn[l] != fanOut[l - 1]) {
                return null;
            }
            // one curvature on the weights, none on the biases (the loops' form of Ω)
            int wEnd = off + fanIn[l] * fanOut[l];
            l2[l] = kappa[off];
            for (int q = off; q < wEnd + fanOut[l]; q++) {
                if (kappa[q] != (q < wEnd ? l2[l] : 0)) {
                    return null;
                }
            }
            off = wEnd + fanOut[l];
        }
        if (off != net.numParams() || fanIn[0] != data.getFeatures().size(1)
                || fanOut[layers - 1] != data.getLabels().size(1)) {
            return null;
        }
        return new DenseMlpObjective(data.numExamples(), data.getFeatures().castTo(DataType.DOUBLE).dup('c').data()
                .asDouble(), data.getLabels().castTo(DataType.DOUBLE).dup('c').data().asDouble(), fanIn, fanOut, act, l2,
                clip);
    }

    /**
     * The same network's objective on the examples at {@code rows} of this objective's data (in that order, repeats
     * allowed): a mini-batch, without DL4J arrays.
     *
     * @param rows at least one index in {@code [0, n)}; not modified
     */
    DenseMlpObjective rows(int[] rows) {
        int in = fanIn[0];
        double[] bx = new double[rows.length * in];
        double[] by = new double[rows.length * classes];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(x, rows[r] * in, bx, r * in, in);
            System.arraycopy(y, rows[r] * classes, by, r * classes, classes);
        }
        return new DenseMlpObjective(rows.length, bx, by, fanIn, fanOut, act, l2, clipEps);
    }

    private static Act activation(IActivation f) {
        if (f instanceof ActivationTanH) {
            return Act.TANH;
        }
        if (f instanceof ActivationReLU r && r.getMax() == null && r.getThreshold() == null
                && r.getNegativeSlope() == null) {
            return Act.RELU;
        }
        if (f instanceof ActivationSigmoid) {
            return Act.SIGMOID;
        }
        if (f instanceof ActivationIdentity) {
            return Act.IDENTITY;
        }
        return null;
    }

    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public boolean plainJava() {
        return true;
    }

    @Override
    public double evaluate(double[] theta, double[] grad) {
        if (theta.length != dimension || grad.length != dimension) {
            throw new IllegalArgumentException("theta (" + theta.length + ") and grad (" + grad.length
                    + ") must have length " + dimension + ", the network's number of parameters");
        }
        int layers = fanIn.length;
        // forward: zₗ = aₗ₋₁Wₗ + bₗ, W column-major [nIn, nOut]: W[k][j] = θ[w + k + j·nIn]
        for (int l = 0; l < layers; l++) {
            double[] in = l == 0 ? x : a[l - 1];
            double[] out = a[l];
            int ni = fanIn[l];
            int no = fanOut[l];
            int w = wOffset[l];
            int b = bOffset[l];
            for (int i = 0; i < n; i++) {
                int row = i * ni;
                for (int j = 0; j < no; j++) {
                    double z = theta[b + j];
                    int col = w + j * ni;
                    for (int k = 0; k < ni; k++) {
                        z += in[row + k] * theta[col + k];
                    }
                    out[i * no + j] = z;
                }
            }
            if (l < layers - 1) {
                activate(act[l], out);
            }
        }
        // softmax, loss, and ∂R/∂z_L = (p − y)/n
        double[] p = a[layers - 1];
        double[] dl = delta[layers - 1];
        double loss = 0;
        for (int i = 0; i < n; i++) {
            int r = i * classes;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                max = Math.max(max, p[r + c]);
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                p[r + c] = Math.exp(p[r + c] - max);
                sum += p[r + c];
            }
            for (int c = 0; c < classes; c++) {
                p[r + c] /= sum;
                double yc = y[r + c];
                if (yc != 0) {
                    double clipped = clipEps > 0 ? Math.min(Math.max(p[r + c], clipEps), 1 - clipEps) : p[r + c];
                    loss -= yc * Math.log(clipped);
                }
                dl[r + c] = (p[r + c] - yc) / n;
            }
        }
        double objective = loss / n;
        // backward
        for (int l = layers - 1; l >= 0; l--) {
            double[] in = l == 0 ? x : a[l - 1];
            double[] d = delta[l];
            int ni = fanIn[l];
            int no = fanOut[l];
            int w = wOffset[l];
            int b = bOffset[l];
            double reg = 0;
            for (int j = 0; j < no; j++) {
                int col = w + j * ni;
                double gb = 0;
                for (int k = 0; k < ni; k++) {
                    grad[col + k] = l2[l] * theta[col + k]; // ∇Ω = κ·W
                    reg += theta[col + k] * theta[col + k];
                }
                for (int i = 0; i < n; i++) {
                    double dij = d[i * no + j];
                    if (dij != 0) {
                        int row = i * ni;
                        for (int k = 0; k < ni; k++) {
                            grad[col + k] += in[row + k] * dij; // aₗ₋₁ᵀδₗ
                        }
                    }
                    gb += dij;
                }
                grad[b + j] = gb;
            }
            objective += 0.5 * l2[l] * reg;
            if (l > 0) {
                double[] prev = delta[l - 1];
                double[] ap = a[l - 1];
                for (int i = 0; i < n; i++) {
                    for (int k = 0; k < ni; k++) {
                        double s = 0;
                        for (int j = 0; j < no; j++) {
                            s += d[i * no + j] * theta[w + k + j * ni]; // δₗWₗᵀ
                        }
                        prev[i * ni + k] = s * derivative(act[l - 1], ap[i * ni + k]);
                    }
                }
            }
        }
        return objective;
    }

    private static void activate(Act f, double[] z) {
        switch (f) {
            case TANH -> {
                for (int i = 0; i < z.length; i++) {
                    z[i] = Math.tanh(z[i]);
                }
            }
            case RELU -> {
                for (int i = 0; i < z.length; i++) {
                    z[i] = z[i] > 0 ? z[i] : 0;
                }
            }
            case SIGMOID -> {
                for (int i = 0; i < z.length; i++) {
                    z[i] = 1 / (1 + Math.exp(-z[i]));
                }
            }
            case IDENTITY -> {
            }
        }
    }

    /** φ'(z) from the activation a = φ(z). */
    private static double derivative(Act f, double activation) {
        return switch (f) {
            case TANH -> 1 - activation * activation;
            case RELU -> activation > 0 ? 1 : 0;
            case SIGMOID -> activation * (1 - activation);
            case IDENTITY -> 1;
        };
    }
}
