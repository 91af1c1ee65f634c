/**
 * influence4j: influence functions over ND4J arrays. The entry point is
 * {@link org.influence4j.InfluenceEstimator} (immutable, fluent); results are
 * {@link org.influence4j.InfluenceScores}, one value {@code I_up,loss(zᵢ, z_test)} per training example.
 *
 * <p>Sub-packages: {@code hvp} (Hessian-vector product operators), {@code solver} (inverse-HVP solvers),
 * {@code model} (the model SPI and reference models), {@code validation} (leave-one-out ground truth).
 */
package org.influence4j;
