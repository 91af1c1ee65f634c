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
 *   <li>the one training/retraining stack: {@link org.influence4j.dl4j.Dl4jTraining} trains under a
 *       {@link org.influence4j.dl4j.TrainingProtocol} (full batch: L-BFGS to a tolerance, the network's own Adam or
 *       own updater for a fixed budget; or shuffled mini-batches for a number of epochs) on the
 *       {@link org.influence4j.dl4j.TrainingObjective} (plain Java for small dense softmax networks, chosen by size;
 *       DL4J's batch gradient otherwise); {@link org.influence4j.dl4j.Dl4jRetrainer} retrains warm-started for
 *       leave-one-out validation (cached per removal set, parallel, progress to a
 *       {@link org.influence4j.dl4j.RetrainingListener}), and {@link org.influence4j.dl4j.Dl4jSubsetTrainer} trains
 *       on random subsets, from scratch or warm-started, for the linear datamodeling score.</li>
 * </ul>
 * The user's network is never modified: every computation runs on a private DOUBLE copy. Exact Hessian-vector
 * products of dense layers use Pearlmutter's R-operator on a hand-written backward pass; other layers use central
 * finite differences of DL4J's own gradient. See {@code docs/dl4j.md}.
 */
package org.influence4j.dl4j;
