/**
 * Leave-one-out validation of influence estimates: the {@link org.influence4j.validation.Retrainer} SPI,
 * the runner {@link org.influence4j.validation.LeaveOneOutValidation} that follows the protocol of
 * Koh &amp; Liang (2017) and Basu, Pope &amp; Feizi (2021) and returns a
 * {@link org.influence4j.validation.ValidationReport} (progress through a
 * {@link org.influence4j.validation.ValidationListener}), and correlation statistics
 * ({@link org.influence4j.validation.Correlations}: Pearson, Spearman with average ranks, Kendall tau-b).
 * The runner takes plain score vectors and depends on no estimator class.
 */
package org.influence4j.validation;
