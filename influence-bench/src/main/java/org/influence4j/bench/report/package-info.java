/**
 * Report output for the command-line studies: PNG charts drawn headlessly with XChart
 * ({@link org.influence4j.bench.report.Plots}: predicted vs actual loss change, metric vs parameter, eigenvalue
 * spectrum), CSV files ({@link org.influence4j.bench.report.CsvTable}) and Markdown tables
 * ({@link org.influence4j.bench.report.MarkdownTable}). Every writer returns the path it wrote.
 */
package org.influence4j.bench.report;
