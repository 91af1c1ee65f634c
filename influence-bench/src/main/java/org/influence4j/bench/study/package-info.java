/**
 * The studies behind the command-line tool, kept apart from the command parsing so that tests drive them
 * directly: network construction ({@link org.influence4j.bench.study.Networks}), full-batch training to a
 * stationary point ({@link org.influence4j.bench.study.Lbfgs}), converged leave-one-out retraining
 * ({@link org.influence4j.bench.study.ConvergedRetrainer}), test-point selection
 * ({@link org.influence4j.bench.study.TestPoints}) and the fragility study of Basu, Pope &amp; Feizi (ICLR 2021)
 * ({@link org.influence4j.bench.study.FragilityStudy}, written out by
 * {@link org.influence4j.bench.study.FragilityReport}).
 */
package org.influence4j.bench.study;
