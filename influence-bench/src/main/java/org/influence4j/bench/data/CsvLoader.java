package org.influence4j.bench.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads a classification data set from a CSV file: one example per line, numeric feature columns and one label
 * column (see {@link CsvFormat} for the header, label column, delimiter and label interpretation).
 *
 * <p>Rules: the file is UTF-8 (a byte-order mark at its start is skipped), plain or gzip-compressed (detected from
 * the content); blank lines are skipped;
 * fields are trimmed and may be wrapped in one pair of double quotes; every row must have as many fields as the
 * first data row; features must be finite decimal numbers ({@code NaN} and infinities are rejected). Problems
 * raise {@link MalformedDataException} naming the file, the 1-based line and, for a bad cell, the 1-based column.
 * A label column of numbers holds class indices: a negative, fractional or (against fixed classes) too large label
 * is an error naming the value and the expected range, never a reason to read the labels as class names; so is a
 * label that implies more than {@value #MAX_INFERRED_CLASSES} classes. A truncated or corrupt {@code .gz} is
 * reported at the line being read.
 * Stateless and thread-safe.
 */
public final class CsvLoader {

    /** The most classes integer labels may imply ({@code 0 … max}); a larger label is reported as malformed. */
    static final int MAX_INFERRED_CLASSES = 1 << 16;
    /** The most entries ({@code rows × classes}) of the one-hot label matrix built from inferred classes. */
    static final long MAX_LABEL_ENTRIES = 1L << 28;

    private CsvLoader() {
    }

    /**
     * Loads a CSV file.
     *
     * @param file   the file
     * @param format how to read it
     * @return the data set, named after the file
     * @throws MalformedDataException if the content is malformed
     * @throws IOException            if the file cannot be read
     */
    public static ClassificationData load(Path file, CsvFormat format) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return load(in, file.toString(), format);
        }
    }

    /**
     * Loads CSV text from a stream (for example a class-path resource).
     *
     * @param in     the stream, plain or gzipped; read to its end but not closed
     * @param name   the name of the source, used in messages and as the data set name
     * @param format how to read it
     * @return the data set
     * @throws MalformedDataException if the content is malformed
     * @throws IOException            if the stream cannot be read
     */
    public static ClassificationData load(InputStream in, String name, CsvFormat format) throws IOException {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(format, "format");
        InputStream decoded;
        try {
            decoded = Compression.gunzipIfCompressed(in, name);
        } catch (MalformedDataException e) {
            throw MalformedDataException.atLine(name, 1, e.problem() + " (in the gzip header)");
        }
        BufferedReader reader = new BufferedReader(new InputStreamReader(decoded, StandardCharsets.UTF_8));

        List<double[]> rows = new ArrayList<>();
        List<String> labelCells = new ArrayList<>();
        List<Long> labelLines = new ArrayList<>();
        int columns = -1;
        int labelAt = -1;
        boolean headerPending = format.header();
        long lineNo = 0;
        String line;
        while ((line = readLine(reader, name, lineNo + 1)) != null) {
            lineNo++;
            if (lineNo == 1 && line.startsWith("\uFEFF")) {
                line = line.substring(1); // UTF-8 byte-order mark (written by some spreadsheet programs)
            }
            if (line.isBlank()) {
                continue;
            }
            if (headerPending) {
                headerPending = false;
                continue;
            }
            String[] fields = split(line, format.delimiter());
            if (columns < 0) {
                columns = fields.length;
                if (columns < 2) {
                    throw MalformedDataException.atLine(name, lineNo, "found " + columns + " column(s) separated by '"
                            + format.delimiter() + "'; need at least one feature and a label");
                }
                labelAt = format.labelColumn() < 0 ? columns + format.labelColumn() : format.labelColumn();
                if (labelAt < 0 || labelAt >= columns) {
                    throw MalformedDataException.atLine(name, lineNo, "label column " + format.labelColumn()
                            + " does not exist in a row of " + columns + " columns");
                }
            } else if (fields.length != columns) {
                throw MalformedDataException.atLine(name, lineNo, "expected " + columns + " columns (as in the first"
                        + " data row), found " + fields.length);
            }
            double[] x = new double[columns - 1];
            int k = 0;
            for (int c = 0; c < columns; c++) {
                if (c == labelAt) {
                    continue;
                }
                x[k++] = parseFeature(fields[c], name, lineNo, c + 1);
            }
            rows.add(x);
            labelCells.add(fields[labelAt]);
            labelLines.add(lineNo);
        }
        if (rows.isEmpty()) {
            throw MalformedDataException.inFile(name, "no data rows" + (format.header() ? " after the header" : ""));
        }

        LabelResolution labels = resolveLabels(labelCells, labelLines, name, format, labelAt + 1);
        int n = rows.size();
        int d = columns - 1;
        double[] flat = new double[n * d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(rows.get(i), 0, flat, i * d, d);
        }
        return ClassificationData.of(name, Nd4j.create(flat, new long[] {n, d}, 'c'), labels.indices(),
                labels.classNames());
    }

    /** The next line; a truncated or corrupt gzip stream is reported at the line being read. */
    private static String readLine(BufferedReader reader, String name, long lineNo) throws IOException {
        try {
            return reader.readLine();
        } catch (MalformedDataException e) {
            throw MalformedDataException.atLine(name, lineNo, e.problem() + " (decoded byte " + e.offset() + ")");
        }
    }

    private record LabelResolution(int[] indices, List<String> classNames) {
    }

    private static LabelResolution resolveLabels(List<String> cells, List<Long> lines, String name, CsvFormat format,
            int column) throws MalformedDataException {
        int n = cells.size();
        int[] idx = new int[n];
        List<String> fixed = format.classNames();
        CsvFormat.LabelMode mode = format.labelMode();
        if (fixed != null) {
            Map<String, Integer> byName = new LinkedHashMap<>();
            for (int c = 0; c < fixed.size(); c++) {
                byName.put(fixed.get(c), c);
            }
            for (int i = 0; i < n; i++) {
                String cell = cells.get(i);
                Integer c = mode == CsvFormat.LabelMode.INDEX ? null : byName.get(cell);
                if (c == null && mode != CsvFormat.LabelMode.NAME && isNumber(cell)) {
                    int parsed = parseIndex(cell);
                    if (parsed < 0 || parsed >= fixed.size()) {
                        throw MalformedDataException.atCell(name, lines.get(i), column, "label " + cell + " is "
                                + (parsed < 0 ? "not a class index" : "out of range") + ": expected an integer class "
                                + "index in [0, " + fixed.size() + ") for the " + fixed.size() + " classes "
                                + abbreviate(fixed) + "; fix the label or remove the row");
                    }
                    c = parsed;
                }
                if (c == null) {
                    throw MalformedDataException.atCell(name, lines.get(i), column, "label '" + cell + "' is not "
                            + (mode == CsvFormat.LabelMode.INDEX ? "a class index in [0, " + fixed.size() + ")"
                                    : "one of the classes " + fixed
                                            + (mode == CsvFormat.LabelMode.AUTO ? " nor an index into them" : "")));
                }
                idx[i] = c;
            }
            return new LabelResolution(idx, fixed);
        }
        // a numeric label column holds class indices; class names only when some label is not a number
        boolean numeric = true;
        for (String cell : cells) {
            if (!isNumber(cell)) {
                numeric = false;
                break;
            }
        }
        if (mode == CsvFormat.LabelMode.INDEX || (mode == CsvFormat.LabelMode.AUTO && numeric)) {
            int max = -1;
            int maxAt = -1;
            for (int i = 0; i < n; i++) {
                idx[i] = parseIndex(cells.get(i));
                if (idx[i] > max) {
                    max = idx[i];
                    maxAt = i;
                }
            }
            // the inferred classes are 0 … max, one one-hot column each: a stray huge label must not allocate them
            if (max >= MAX_INFERRED_CLASSES || (long) n * (max + 1) > MAX_LABEL_ENTRIES) {
                throw MalformedDataException.atCell(name, lines.get(maxAt), column, "label " + max + " is too large:"
                        + " integer labels are class indices 0 … k-1, and " + (max + 1) + " classes "
                        + (max >= MAX_INFERRED_CLASSES ? "exceed the limit of " + MAX_INFERRED_CLASSES
                                : "for " + n + " rows exceed the limit of " + MAX_LABEL_ENTRIES + " one-hot entries")
                        + "; fix the label or give the class names");
            }
            for (int i = 0; i < n; i++) {
                if (idx[i] < 0) {
                    String cell = cells.get(i);
                    throw MalformedDataException.atCell(name, lines.get(i), column, "label "
                            + (cell.isEmpty() ? "is empty" : (isNumber(cell) ? cell : "'" + cell + "'")
                                    + (cell.startsWith("-") && isNumber(cell) ? " is negative" : " is not an integer"))
                            + ": integer class labels must be in [0, k) for k classes"
                            + (max >= 0 ? " (here [0, " + (max + 1) + "), from the largest label " + max + ")" : "")
                            + "; fix the label or remove the row");
                }
            }
            return new LabelResolution(idx, IdxReader.indexNames(max + 1));
        }
        Map<String, Integer> seen = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String cell = cells.get(i);
            if (cell.isEmpty()) {
                throw MalformedDataException.atCell(name, lines.get(i), column, "label is empty");
            }
            idx[i] = seen.computeIfAbsent(cell, k -> seen.size());
        }
        return new LabelResolution(idx, List.copyOf(seen.keySet()));
    }

    /** Whether the cell is a decimal number ({@code 3}, {@code -1}, {@code 2.5}, {@code 1e3}). */
    private static boolean isNumber(String cell) {
        if (cell.isEmpty()) {
            return false;
        }
        char last = cell.charAt(cell.length() - 1);
        if (!(Character.isDigit(last) || last == '.') || cell.contains("x") || cell.contains("X")) {
            return false;
        }
        try {
            return Double.isFinite(Double.parseDouble(cell));
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String abbreviate(List<String> names) {
        String s = names.toString();
        return s.length() <= 60 ? s : s.substring(0, 57) + "...]";
    }

    /** The value of a non-negative decimal integer cell ({@code "3"}, {@code "+3"} is not accepted), or -1. */
    private static int parseIndex(String cell) {
        if (cell.isEmpty() || cell.length() > 9) {
            return -1;
        }
        for (int i = 0; i < cell.length(); i++) {
            if (cell.charAt(i) < '0' || cell.charAt(i) > '9') {
                return -1;
            }
        }
        return Integer.parseInt(cell);
    }

    private static double parseFeature(String cell, String name, long line, int column) throws MalformedDataException {
        // Double.parseDouble also accepts "1d", "0x1p3" and " NaN"; a plain decimal number must end in a digit or '.'
        char last = cell.isEmpty() ? ' ' : cell.charAt(cell.length() - 1);
        double v;
        try {
            if (!(Character.isDigit(last) || last == '.') || cell.startsWith("0x") || cell.startsWith("-0x")) {
                throw new NumberFormatException(cell);
            }
            v = Double.parseDouble(cell);
        } catch (NumberFormatException e) {
            throw MalformedDataException.atCell(name, line, column, (cell.isEmpty() ? "empty cell" : "'" + cell
                    + "'") + " is not a number");
        }
        if (!Double.isFinite(v)) {
            throw MalformedDataException.atCell(name, line, column, "'" + cell + "' is not finite");
        }
        return v;
    }

    /** Splits on the delimiter, trims each field and strips one pair of surrounding double quotes. */
    static String[] split(String line, char delimiter) {
        List<String> fields = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= line.length(); i++) {
            if (i == line.length() || line.charAt(i) == delimiter) {
                String f = line.substring(start, i).strip();
                if (f.length() >= 2 && f.charAt(0) == '"' && f.charAt(f.length() - 1) == '"') {
                    f = f.substring(1, f.length() - 1).strip();
                }
                fields.add(f);
                start = i + 1;
            }
        }
        return fields.toArray(String[]::new);
    }
}
