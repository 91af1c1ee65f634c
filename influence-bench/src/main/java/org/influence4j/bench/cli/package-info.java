/**
 * The {@code influence4j} command-line tool (picocli), run as {@code java -jar influence4j-cli.jar}. Today it has
 * the {@code datasets} command; {@code explain}, {@code validate} and {@code fragility} arrive with the DL4J adapter
 * and the estimator.
 */
package org.influence4j.bench.cli;
