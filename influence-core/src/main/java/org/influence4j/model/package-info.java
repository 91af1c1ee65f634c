/**
 * The model SPI: {@link org.influence4j.model.InfluenceModel} (what influence needs from a trained model:
 * parameters, objective, gradients, per-example gradient dot products, Hessian operators) and
 * {@link org.influence4j.model.ModelAdapter} (found by {@link java.util.ServiceLoader}), plus reference
 * models with closed-form Hessians (ridge regression, L2 softmax regression) that serve as oracles.
 */
package org.influence4j.model;
