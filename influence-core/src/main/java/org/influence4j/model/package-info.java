/**
 * The model SPI: {@link org.influence4j.model.InfluenceModel} (what influence needs from a trained model:
 * parameters, objective, gradients, per-example gradient dot products, Hessian operators) and
 * {@link org.influence4j.model.ModelAdapter} (found by {@link java.util.ServiceLoader}), plus reference
 * models with closed-form Hessians that serve as oracles: {@link org.influence4j.model.RidgeRegression}
 * (exact normal-equation fit) and {@link org.influence4j.model.SoftmaxRegression} (L2 multinomial logistic
 * regression in DL4J's parameter layout, trained by a deterministic Newton method configured by
 * {@link org.influence4j.model.NewtonOptions} and reported as a {@link org.influence4j.model.TrainingResult}).
 * Both also provide a {@link org.influence4j.validation.Retrainer} for leave-one-out ground truth and a
 * {@link org.influence4j.validation.SubsetTrainer} (training from scratch on a subset) for the linear datamodeling
 * score.
 */
package org.influence4j.model;
