package org.influence4j.dl4j;

import java.util.Optional;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.model.InfluenceModel;
import org.influence4j.model.ModelAdapter;

/**
 * The {@link ModelAdapter} for DL4J, registered with {@link java.util.ServiceLoader}: adapts a
 * {@code MultiLayerNetwork} or a single-input/single-output {@code ComputationGraph} with the defaults of
 * {@link Dl4jInfluenceModel#builder(Object)} ({@link HvpMode#AUTO}, {@link ParameterSubset#all()}). Use
 * {@link Dl4jInfluenceModel#builder(Object)} directly for other options. Stateless and thread-safe.
 */
public final class Dl4jModelAdapter implements ModelAdapter {

    /** Public no-argument constructor for {@link java.util.ServiceLoader}. */
    public Dl4jModelAdapter() {
    }

    /**
     * {@inheritDoc}
     *
     * @return the adapted model for a {@code MultiLayerNetwork} or {@code ComputationGraph}; empty for other types
     * @throws IllegalArgumentException if the network is of a supported type but cannot be analysed (multi-input
     *                                  graph, unsupported layer, HALF data type, NaN parameters, ...)
     */
    @Override
    public Optional<InfluenceModel> adapt(Object model) {
        if (model instanceof MultiLayerNetwork || model instanceof ComputationGraph) {
            return Optional.of(Dl4jInfluenceModel.builder(model).build());
        }
        return Optional.empty();
    }

    @Override
    public String name() {
        return "DL4J (influence-dl4j: MultiLayerNetwork, ComputationGraph)";
    }
}
