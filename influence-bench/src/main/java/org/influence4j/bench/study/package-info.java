/**
 * The studies behind the command-line tool, kept apart from the command parsing so that tests drive them
 * directly: network construction ({@link org.influence4j.bench.study.Networks}), leave-one-out runs with the
 * library's retrainer and a progress bar ({@link org.influence4j.bench.study.LeaveOneOutRuns}; training and
 * retraining are the library's, {@code org.influence4j.dl4j.Dl4jTraining} and {@code Dl4jRetrainer}), test-point selection
 * ({@link org.influence4j.bench.study.TestPoints}) and the fragility study of Basu, Pope &amp; Feizi (ICLR 2021)
 * ({@link org.influence4j.bench.study.FragilityStudy}, written out by
 * {@link org.influence4j.bench.study.FragilityReport}).
 */
package org.influence4j.bench.study;
