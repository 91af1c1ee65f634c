/**
 * Data sets for the command-line studies and benchmarks, read offline: the bundled Iris and "small MNIST"
 * resources ({@link org.influence4j.bench.data.Datasets}), IDX files ({@link org.influence4j.bench.data.IdxReader})
 * and CSV files ({@link org.influence4j.bench.data.CsvLoader}). Everything is returned as ND4J
 * {@link org.nd4j.linalg.dataset.DataSet}s in {@code DOUBLE} with one-hot labels, together with class names.
 * Nothing is downloaded at run time. A malformed file raises {@link org.influence4j.bench.data.MalformedDataException},
 * whose message names the file, the line (or byte offset) and, where relevant, the column.
 */
package org.influence4j.bench.data;
