/**
 * Influence over training data held by Apache Spark: {@link org.influence4j.spark.SparkInfluence} (the distributed
 * counterpart of {@link org.influence4j.InfluenceEstimator}), {@link org.influence4j.spark.SparkCurvature} (the
 * curvature the core's solvers run on: distributed Hessian-vector products and layer statistics),
 * {@link org.influence4j.spark.SparkModel} (how executors rebuild the model) and
 * {@link org.influence4j.spark.TrainingData} (numbered examples from a local data set, a {@code Dataset<Row>}, CSV,
 * Parquet or IDX files). Executors run the single-machine model code on blocks of consecutive examples; per-partition
 * results are merged in partition order, so results equal the single machine's to rounding whatever the partitioning.
 * Spark is a {@code provided} dependency. See {@code docs/spark.md}.
 */
package org.influence4j.spark;
