/**
 * JMH benchmarks, run from the uber-jar: {@code java -jar influence-bench/target/benchmarks.jar}. Timings are
 * meant to be read as ratios between benchmarks measured in one run on one named machine (STYLE.md). So far this
 * holds the dense linear-algebra baseline; the HVP, solver and scoring benchmarks join it once the DL4J adapter
 * and the estimator exist.
 */
package org.influence4j.bench.jmh;
