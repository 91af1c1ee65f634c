package org.influence4j.bench.data;

import java.util.List;

/**
 * How {@link CsvLoader} reads a CSV file of numeric features and one class label per row. Immutable; the
 * {@code withX} methods return modified copies.
 *
 * @param header      whether the first non-blank line is a header to skip (default {@code false})
 * @param labelColumn the 0-based column that holds the label; negative values count from the end, {@code -1}
 *                    (the default) is the last column
 * @param delimiter   the field separator (default {@code ','}); fields are trimmed, quoting is not supported
 *                    beyond one pair of double quotes around a whole field
 * @param labelMode   how label cells are interpreted (default {@link LabelMode#AUTO})
 * @param classNames  the class names, fixing the class order, or {@code null} (the default) to infer them from
 *                    the file as described in {@link LabelMode}
 */
public record CsvFormat(boolean header, int labelColumn, char delimiter, LabelMode labelMode,
        List<String> classNames) {

    /** How a label cell becomes a class index. */
    public enum LabelMode {
        /**
         * {@link #INDEX} if every label cell of the file is a number, otherwise {@link #NAME}: a numeric label
         * column never becomes class names, so a label {@code -1} or {@code 2.5} in it is an error. With fixed
         * {@link CsvFormat#classNames()}, a cell equal to a class name maps to that class, and otherwise a number
         * must be an integer index into the names.
         */
        AUTO,
        /**
         * Labels are integer class indices {@code 0 … k-1}. Inferred classes are {@code 0 … max} named
         * {@code "0"}, {@code "1"}, …; with fixed class names every index must be smaller than their number.
         */
        INDEX,
        /**
         * Labels are class names. Inferred classes are numbered in the order of their first appearance in the
         * file; with fixed class names every label must be one of them.
         */
        NAME
    }

    /** Validates the format and copies {@code classNames}. */
    public CsvFormat {
        if (labelMode == null) {
            throw new NullPointerException("labelMode");
        }
        if (delimiter == '"' || Character.isLetterOrDigit(delimiter) || delimiter == '.' || delimiter == '-'
                || delimiter == '\n' || delimiter == '\r') {
            throw new IllegalArgumentException("delimiter ('" + delimiter + "') must not be a quote, letter, digit,"
                    + " '.', '-' or line break");
        }
        if (classNames != null) {
            classNames = List.copyOf(classNames);
            if (classNames.isEmpty()) {
                throw new IllegalArgumentException("classNames must not be empty (use null to infer them)");
            }
            if (classNames.stream().distinct().count() != classNames.size()) {
                throw new IllegalArgumentException("classNames " + classNames + " must be distinct");
            }
        }
    }

    /** No header, label in the last column, comma-separated, {@link LabelMode#AUTO}, classes inferred. */
    public static CsvFormat defaults() {
        return new CsvFormat(false, -1, ',', LabelMode.AUTO, null);
    }

    /** A copy with the given header setting. */
    public CsvFormat withHeader(boolean hasHeader) {
        return new CsvFormat(hasHeader, labelColumn, delimiter, labelMode, classNames);
    }

    /** A copy whose label is in column {@code column} (0-based; negative counts from the end). */
    public CsvFormat withLabelColumn(int column) {
        return new CsvFormat(header, column, delimiter, labelMode, classNames);
    }

    /** A copy with the given field separator. */
    public CsvFormat withDelimiter(char separator) {
        return new CsvFormat(header, labelColumn, separator, labelMode, classNames);
    }

    /** A copy with the given label interpretation. */
    public CsvFormat withLabelMode(LabelMode mode) {
        return new CsvFormat(header, labelColumn, delimiter, mode, classNames);
    }

    /** A copy with fixed class names ({@code null} to infer them), e.g. the training set's for a test file. */
    public CsvFormat withClassNames(List<String> names) {
        return new CsvFormat(header, labelColumn, delimiter, labelMode, names);
    }
}
