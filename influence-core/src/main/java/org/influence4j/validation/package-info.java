/**
 * Ground truths for influence estimates. Leave-one-out validation: the {@link org.influence4j.validation.Retrainer} SPI,
 * the runner {@link org.influence4j.validation.LeaveOneOutValidation} that follows the protocol of
 * Koh &amp; Liang (2017) and Basu, Pope &amp; Feizi (2021) and returns a
 * {@link org.influence4j.validation.ValidationReport} (progress through a
 * {@link org.influence4j.validation.ValidationListener}), and correlation statistics
 * ({@link org.influence4j.validation.Correlations}: Pearson, Spearman with average ranks, Kendall tau-b).
 * The runner takes plain score vectors and depends on no estimator class.
 * {@link org.influence4j.validation.SubsetRetrainer} is a {@code Retrainer} that retrains from scratch through a
 * {@code SubsetTrainer}, with one seed for every retraining (the leave-one-out protocol of dattri).
 *
 * <p>The linear datamodeling score (Park et al. 2023): {@link org.influence4j.validation.LinearDatamodelingScore}
 * trains a {@link org.influence4j.validation.SubsetTrainer} on random subsets of the training data, measures each
 * test example ({@link org.influence4j.validation.Measurement}: loss or margin) and correlates the measurements with
 * the summed scores; the result is a {@link org.influence4j.validation.DatamodelReport} with bootstrap intervals,
 * progress goes to a {@link org.influence4j.validation.DatamodelListener}, and a checkpoint file makes long runs
 * resumable.
 *
 * <p>The proximal Bregman response function (Bae et al. 2022):
 * {@link org.influence4j.validation.ProximalBregmanRetrainer} is a {@code Retrainer} that, instead of retraining,
 * minimises the proximal Bregman objective around θ̂ with the estimator's damping — the objective influence functions
 * with Gauss–Newton curvature approximate to first order, which separates the estimator's error from the
 * retraining's. It needs the model capabilities {@code InfluenceModel.withParameters} and
 * {@code InfluenceModel.bregmanTargets}.
 */
package org.influence4j.validation;
