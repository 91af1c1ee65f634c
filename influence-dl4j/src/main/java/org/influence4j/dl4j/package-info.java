/**
 * The DL4J adapter: turns a trained {@code MultiLayerNetwork} or single-input/single-output
 * {@code ComputationGraph} into an {@link org.influence4j.model.InfluenceModel}.
 *
 * <ul>
 *   <li>{@link org.influence4j.dl4j.Dl4jInfluenceModel}: the typed entry point with options
 *       ({@link org.influence4j.dl4j.HvpMode}, {@link org.influence4j.dl4j.ParameterSubset});</li>
 *   <li>{@link org.influence4j.dl4j.Dl4jModelAdapter}: the {@link org.influence4j.model.ModelAdapter} registered
 *       with {@link java.util.ServiceLoader}, so that {@code InfluenceEstimator.forModel(net)} works with a plain
 *       network;</li>
 *   <li>{@link org.influence4j.dl4j.Dl4jRetrainer}: leave-one-out retraining (warm start, full batch) for
 *       validation.</li>
 * </ul>
 * The user's network is never modified: every computation runs on a private DOUBLE copy. Exact Hessian-vector
 * products of dense layers use Pearlmutter's R-operator on a hand-written backward pass; other layers use central
 * finite differences of DL4J's own gradient. See {@code docs/dl4j.md}.
 */
package org.influence4j.dl4j;
