package org.influence4j.spark;

import java.io.Serializable;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutionException;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.dl4j.Dl4jInfluenceModel;
import org.influence4j.dl4j.HvpMode;
import org.influence4j.dl4j.ParameterSubset;
import org.influence4j.model.InfluenceModel;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How Spark executors obtain the model: a serializable recipe that rebuilds the same {@link InfluenceModel} once per
 * executor JVM. For DL4J networks the recipe is the network's configuration JSON and a copy of its parameters (what
 * DL4J's own {@code SparkDl4jMultiLayer} broadcasts), rebuilt into a network and adapted by {@link Dl4jInfluenceModel}
 * with the same {@link HvpMode} and {@link ParameterSubset} — so the executors run exactly the single-machine code.
 *
 * <p>Creating a recipe checks that Apache Spark is on the class path ({@link IllegalStateException} naming the
 * dependency otherwise). The recipe is taken when it is created: later training of the user's network is not seen (create it again).
 * The user's network is never modified. Immutable and thread-safe; {@link #model()} is cached per JVM (the driver
 * and, in local mode, the executors share one copy; the adapter's operations are thread-safe).
 */
public final class SparkModel implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Models rebuilt in this JVM, by recipe identity (a few at a time; soft values so memory pressure frees them). */
    private static final Cache<UUID, InfluenceModel> MODELS = CacheBuilder.newBuilder().maximumSize(8).softValues()
            .build();

    /**
     * Creates the model on an executor. Implementations must be {@link Serializable} and deterministic: every call
     * returns a model equal to the others (same parameters, same settings).
     */
    @FunctionalInterface
    public interface Factory extends Serializable {
        /** A fresh model. */
        InfluenceModel create();
    }

    private final UUID id = UUID.randomUUID();
    private final Factory factory;
    private final String description;

    private SparkModel(Factory factory, String description) {
        this.factory = factory;
        this.description = description;
    }

    /**
     * A DL4J network with the adapter's defaults ({@link HvpMode#AUTO}, {@link ParameterSubset#all()}).
     *
     * @param network a {@code MultiLayerNetwork} or {@code ComputationGraph}, initialised; not modified
     */
    public static SparkModel of(Object network) {
        return of(network, HvpMode.AUTO, ParameterSubset.all());
    }

    /**
     * A DL4J network adapted with the given settings on every executor.
     *
     * @param network a {@code MultiLayerNetwork} or {@code ComputationGraph}, initialised; not modified (its
     *                configuration is serialised to JSON and its parameters copied now)
     * @param mode    the Hessian-vector product mode ({@link Dl4jInfluenceModel.Builder#hvpMode})
     * @param subset  the analysed parameters ({@link Dl4jInfluenceModel.Builder#parameters})
     * @throws IllegalArgumentException if {@code network} is neither DL4J type or is not initialised
     */
    public static SparkModel of(Object network, HvpMode mode, ParameterSubset subset) {
        SparkRuntime.require();
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(subset, "subset");
        Factory f;
        String kind;
        long p;
        if (network instanceof MultiLayerNetwork net) {
            INDArray params = initialisedParams("network", net.params());
            String json = net.getLayerWiseConfigurations().toJson();
            INDArray copy = params.dup();
            f = () -> {
                MultiLayerNetwork rebuilt = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(json));
                rebuilt.init(copy.dup(), false);
                return Dl4jInfluenceModel.builder(rebuilt).hvpMode(mode).parameters(subset).build();
            };
            kind = "MultiLayerNetwork";
            p = params.length();
        } else if (network instanceof ComputationGraph net) {
            INDArray params = initialisedParams("network", net.params());
            String json = net.getConfiguration().toJson();
            INDArray copy = params.dup();
            f = () -> {
                ComputationGraph rebuilt = new ComputationGraph(ComputationGraphConfiguration.fromJson(json));
                rebuilt.init(copy.dup(), false);
                return Dl4jInfluenceModel.builder(rebuilt).hvpMode(mode).parameters(subset).build();
            };
            kind = "ComputationGraph";
            p = params.length();
        } else {
            throw new IllegalArgumentException("network is a " + network.getClass().getName() + "; expected a DL4J "
                    + "MultiLayerNetwork or ComputationGraph (for another model use SparkModel.custom(factory))");
        }
        return new SparkModel(f, kind + "[" + p + " parameters, hvpMode=" + mode + ", parameters=" + subset + "]");
    }

    private static INDArray initialisedParams(String name, INDArray params) {
        if (params == null || params.isEmpty()) {
            throw new IllegalArgumentException(name + " has no parameters; call init() (or train it) first");
        }
        return params;
    }

    /**
     * Any model, created on every executor by {@code factory} (for example a reference model built from broadcast
     * arrays). The factory is serialised with the closures of every job.
     *
     * @param factory     creates the model; {@link Serializable}, deterministic
     * @param description a short description for diagnostics
     */
    public static SparkModel custom(Factory factory, String description) {
        SparkRuntime.require();
        Objects.requireNonNull(factory, "factory");
        Objects.requireNonNull(description, "description");
        return new SparkModel(factory, description);
    }

    /**
     * The model in this JVM: created on first use, then the same instance (per recipe) until memory pressure frees
     * it.
     */
    public InfluenceModel model() {
        try {
            return MODELS.get(id, factory::create);
        } catch (ExecutionException | com.google.common.util.concurrent.UncheckedExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("could not rebuild the model " + description + ": " + c, c);
        }
    }

    /** The recipe's identity (the key of per-JVM caches). */
    UUID id() {
        return id;
    }

    /** A short description. */
    public String describe() {
        return description;
    }

    @Override
    public String toString() {
        return "SparkModel[" + description + "]";
    }
}
