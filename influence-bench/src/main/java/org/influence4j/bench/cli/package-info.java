/**
 * The {@code influence4j} command-line tool (picocli), run as {@code java -jar influence4j-cli.jar}: {@code explain}
 * (one or many test points, any curvature, the full score matrix with {@code --scores-out}), {@code validate}
 * (leave-one-out), {@code fragility} and {@code curvatures} (studies) and {@code datasets}. Every command computes
 * through the library's public API ({@code InfluenceEstimator}, {@code Dl4jInfluenceModel}, the sinks), checks its
 * arguments before any work (exit code 2, one line naming the option) and can be cancelled with Ctrl-C
 * ({@link org.influence4j.bench.cli.CtrlC}, exit code 130).
 */
package org.influence4j.bench.cli;
