/**
 * The influence4j bench module: the command-line tool ({@code cli}), bundled and user data sets ({@code data}),
 * plots and tables for reports ({@code report}), console progress ({@code progress}) and the JMH benchmarks
 * ({@code jmh}). This module is an application: it chooses the ND4J backend and ships the SLF4J binding.
 */
package org.influence4j.bench;
