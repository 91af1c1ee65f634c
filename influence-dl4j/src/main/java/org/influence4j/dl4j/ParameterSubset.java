package org.influence4j.dl4j;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Which of the network's parameters influence is computed over. Parameters outside the subset stay fixed at
 * their trained values θ̂: the gradient, the Hessian (a principal sub-block of the full Hessian), the per-example
 * gradient dots, {@code parameters()} and {@code numParameters()} are all restricted consistently.
 *
 * <p>Layers are identified by their position in the network (a {@code MultiLayerNetwork}'s layer index, a
 * {@code ComputationGraph}'s position among layer vertices in topological order), written as a decimal string,
 * or by their layer name (vertex name for a graph). Immutable.
 */
public final class ParameterSubset implements java.io.Serializable {

    private static final long serialVersionUID = 1L;

    private static final ParameterSubset ALL = new ParameterSubset(Kind.ALL, List.of());
    private static final ParameterSubset LAST = new ParameterSubset(Kind.LAST_LAYER, List.of());

    enum Kind { ALL, LAST_LAYER, LAYERS }

    private final Kind kind;
    private final List<String> layers;

    private ParameterSubset(Kind kind, List<String> layers) {
        this.kind = kind;
        this.layers = layers;
    }

    /** Keeps {@link #all()} and {@link #lastLayer()} singletons across serialization (e.g. to Spark executors). */
    private Object readResolve() {
        return switch (kind) {
            case ALL -> ALL;
            case LAST_LAYER -> LAST;
            case LAYERS -> new ParameterSubset(kind, List.copyOf(layers));
        };
    }

    /**
     * Every trainable parameter of the network (the default): the parameters of frozen layers ({@code FrozenLayer},
     * {@code FrozenLayerWithBackprop}, as transfer learning creates them) are constants of the objective and are left
     * out, so a frozen feature extractor with a trainable head is analysed over the head. A layer whose updater is
     * {@code NoOp} is not frozen: DL4J subtracts its raw gradient (gradient descent with learning rate 1), so it is
     * trained and analysed (a WARN says so); wrap a layer in {@code FrozenLayer} to keep it fixed.
     */
    public static ParameterSubset all() {
        return ALL;
    }

    /**
     * The parameters of the last layer that has parameters (the output layer of an MLP): a convex problem for
     * the usual losses, and the cheapest exact Hessian.
     */
    public static ParameterSubset lastLayer() {
        return LAST;
    }

    /**
     * The parameters of the named layers.
     *
     * @param layers layer indices ("0", "2") or layer names; at least one, each a layer that has parameters
     * @throws IllegalArgumentException if no layer is given or one is blank
     */
    public static ParameterSubset layers(String... layers) {
        Objects.requireNonNull(layers, "layers");
        if (layers.length == 0) {
            throw new IllegalArgumentException("layers is empty; name at least one layer (index or name), "
                    + "or use ParameterSubset.all()");
        }
        for (String l : layers) {
            if (l == null || l.isBlank()) {
                throw new IllegalArgumentException("layers contains a blank entry " + Arrays.toString(layers)
                        + "; give layer indices such as \"0\" or layer names");
            }
        }
        return new ParameterSubset(Kind.LAYERS, List.of(layers));
    }

    Kind kind() {
        return kind;
    }

    /** The requested layer identifiers (empty for {@link #all()} and {@link #lastLayer()}). */
    public List<String> layerIds() {
        return layers;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ParameterSubset s && s.kind == kind && s.layers.equals(layers);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + layers.hashCode();
    }

    @Override
    public String toString() {
        return switch (kind) {
            case ALL -> "all";
            case LAST_LAYER -> "lastLayer";
            case LAYERS -> "layers" + layers;
        };
    }
}
