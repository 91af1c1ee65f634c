package org.influence4j.bench.study;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The training objective {@code R(θ) = (1/n)Σℓ(zᵢ,θ) + ½·l2·‖W‖²} of a DL4J network on a full batch, with its
 * gradient — the objective the influence adapter differentiates and DL4J's {@code score()} reports. The studies'
 * trainers ({@link Lbfgs}, {@link FullBatchAdam}) minimise it.
 *
 * <p>Two implementations: {@link DenseMlpObjective}, plain Java loops for small dense softmax networks (where DL4J's
 * per-call overhead of about a millisecond dominates a forward-backward pass of a few microseconds), and
 * {@link Dl4jObjective}, DL4J's own batch gradient, for everything else. {@link #of} picks one; both agree with
 * {@code net.score()} and DL4J's gradient to rounding (tested). Not thread-safe.
 */
interface Objective {

    /**
     * Networks with at most this many {@code parameters × examples} are evaluated in plain Java when their layers
     * allow it: beyond it a BLAS matrix product beats the scalar loops (Iris MLPs: ≤ 4·10⁴; small-MNIST MLP: 7·10⁷).
     */
    long PLAIN_JAVA_LIMIT = 2_000_000L;

    /**
     * The fastest objective for {@code net} on {@code data}.
     *
     * @param net  a DOUBLE network with {@code l2} on weights only; {@link #setParameters} writes into it
     * @param data the full training set; not modified
     */
    static Objective of(MultiLayerNetwork net, DataSet data) {
        if (net.numParams() * (long) data.numExamples() <= PLAIN_JAVA_LIMIT) {
            DenseMlpObjective fast = DenseMlpObjective.tryCreate(net, data);
            if (fast != null) {
                return fast;
            }
        }
        return new Dl4jObjective(net, data);
    }

    /** Number of parameters. */
    int dimension();

    /** The network this objective reads parameters from and {@link #setParameters} writes into. */
    MultiLayerNetwork network();

    /** The network's current parameters, as a fresh array. */
    default double[] parameters() {
        return network().params().toDoubleVector();
    }

    /** Writes θ into the network. */
    default void setParameters(double[] theta) {
        network().setParams(Nd4j.createFromArray(theta));
    }

    /**
     * {@code R(θ)}, writing {@code ∇R(θ)} into {@code grad}. May or may not leave θ in the network: call
     * {@link #setParameters} to commit a result.
     */
    double evaluate(double[] theta, double[] grad);

    /** {@code R} at the network's current parameters, writing {@code ∇R} into {@code grad}. */
    double evaluateCurrent(double[] grad);

    /** {@code ‖∇R‖₂} at the network's current parameters. */
    default double gradientNorm() {
        double[] g = new double[dimension()];
        evaluateCurrent(g);
        double s = 0;
        for (double x : g) {
            s += x * x;
        }
        return Math.sqrt(s);
    }
}
