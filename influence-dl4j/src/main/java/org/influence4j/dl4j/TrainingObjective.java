package org.influence4j.dl4j;

import java.util.Objects;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The training objective {@code R(θ) = (1/n)Σᵢ ℓ(zᵢ, θ) + Ω(θ)} of a DL4J {@code MultiLayerNetwork} on a full
 * batch, with its gradient: exactly what {@code net.score()} reports and what {@link Dl4jInfluenceModel}
 * differentiates (Ω is the configured {@code l2}/{@code weightDecay}, as {@code score()} adds it). The full-batch
 * trainers of {@link Dl4jTraining} minimise it.
 *
 * <p>Two implementations, chosen automatically by {@link #of}: plain Java loops for small dense softmax networks
 * ({@code DenseLayer}s with tanh, ReLU, sigmoid or identity, a softmax {@code OutputLayer} with multi-class
 * cross-entropy, the regulariser on weights only, at most {@value #PLAIN_JAVA_LIMIT}
 * {@code parameters × examples}) — where DL4J's per-call overhead of about a millisecond dominates a
 * forward-backward pass of a few microseconds — and DL4J's own batch gradient for everything else. Both agree
 * with {@code net.score()} and DL4J's gradient to rounding (tested to 1e-12). Instances are not thread-safe.
 */
public interface TrainingObjective {

    /**
     * Networks with at most this many {@code parameters × examples} are evaluated in plain Java when their layers
     * allow it: beyond it a BLAS matrix product beats the scalar loops (an Iris MLP has at most about 4·10⁴; a
     * small-MNIST MLP about 7·10⁷).
     */
    long PLAIN_JAVA_LIMIT = 2_000_000L;

    /**
     * The fastest objective for {@code net} on {@code data}, evaluated on a private DOUBLE copy of the network
     * (the network itself is never modified).
     *
     * @param net  an initialised network; not modified
     * @param data the full training set; not modified
     * @return the objective
     * @throws IllegalArgumentException if the regulariser is not quadratic (l1)
     */
    static TrainingObjective of(MultiLayerNetwork net, DataSet data) {
        Objects.requireNonNull(net, "net");
        Objects.requireNonNull(data, "data");
        MultiLayerNetwork copy = net.params().dataType() == DataType.DOUBLE ? net.clone()
                : net.convertDataType(DataType.DOUBLE);
        return Dl4jTraining.bind(copy, data);
    }

    /** Number of parameters {@code p}. */
    int dimension();

    /**
     * {@code R(θ)}, writing {@code ∇R(θ)} into {@code grad}.
     *
     * @param theta parameters in DL4J's flat layout, length {@link #dimension()}; not modified
     * @param grad  receives the gradient, length {@link #dimension()}
     * @return the objective
     * @throws IllegalArgumentException if a length is wrong
     */
    double evaluate(double[] theta, double[] grad);

    /** Whether this objective runs the plain-Java loops (rather than DL4J's batch gradient). */
    boolean plainJava();
}
