/**
 * JMH benchmarks, run from the uber-jar: {@code java -jar influence-bench/target/benchmarks.jar}. Timings are
 * meant to be read as ratios between benchmarks measured in one run on one named machine; results and
 * the exact commands are in {@code docs/benchmarks.md}.
 * <ul>
 *   <li>{@link org.influence4j.bench.jmh.HvpBenchmark}: exact, Gauss–Newton and finite-difference HVPs next to a
 *       DL4J batch gradient on the same batch, over MLP sizes and batch sizes;</li>
 *   <li>{@link org.influence4j.bench.jmh.CnnBenchmark}: the convolutional products (exact and Gauss–Newton HVPs,
 *       batched dots, the cache) on the LeNet-style network next to a DL4J batch gradient, a per-example DL4J loop
 *       and DOUBLE matrix products of the same run, with their multiply-add counts;</li>
 *   <li>{@link org.influence4j.bench.jmh.KroneckerBenchmark}: K-FAC and EK-FAC fits, one inverse application and
 *       scoring many test points on the LeNet-style network, next to its batch gradient;</li>
 *   <li>{@link org.influence4j.bench.jmh.BlockDiagonalBenchmark}: the layer-block-diagonal curvature's product next
 *       to the full product it is cut from;</li>
 *   <li>{@link org.influence4j.bench.jmh.ExplicitHvpBenchmark}: the explicit-Hessian product (4-5-3 only);</li>
 *   <li>{@link org.influence4j.bench.jmh.SolverBenchmark}, {@link org.influence4j.bench.jmh.LargeSolverBenchmark}:
 *       CG, LiSSA and exact time to tolerance, with HVPs per solve as auxiliary counters;</li>
 *   <li>{@link org.influence4j.bench.jmh.ScoringBenchmark}: batched scoring vs a per-example gradient loop;</li>
 *   <li>{@link org.influence4j.bench.jmh.EigenBenchmark}: LAPACKE {@code dsyevd} vs ND4J {@code Eigen};</li>
 *   <li>{@link org.influence4j.bench.jmh.DenseBaselineBenchmark}: gemv/gemm floors.</li>
 * </ul>
 */
package org.influence4j.bench.jmh;
