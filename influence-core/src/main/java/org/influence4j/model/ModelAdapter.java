package org.influence4j.model;

import java.util.Optional;

/**
 * Turns a framework's model object (for example a DL4J {@code MultiLayerNetwork}) into an
 * {@link InfluenceModel}. Implementations are found with {@link java.util.ServiceLoader}: a module
 * registers its adapter in {@code META-INF/services/org.influence4j.model.ModelAdapter}, and
 * {@code InfluenceEstimator.forModel(Object)} asks each adapter in turn.
 */
public interface ModelAdapter {

    /**
     * Adapts {@code model} if this adapter supports its type.
     *
     * @param model the framework object; never modified
     * @return the adapted model, or empty if this adapter does not handle the type
     * @throws IllegalArgumentException if the type is supported but this particular model is not
     *                                  (for example an unsupported layer), with a message naming the problem
     */
    Optional<InfluenceModel> adapt(Object model);

    /** Human-readable name of the framework and module, for error messages. */
    String name();
}
