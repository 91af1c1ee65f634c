package org.influence4j.bench.report;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Writes a table as RFC 4180 CSV (comma-separated, {@code \n} line ends, fields with commas, quotes or line breaks
 * quoted). Numbers are written with {@link Double#toString} / {@link Long#toString}, which are locale-independent
 * and read back exactly; {@code null} becomes an empty field. Build it row by row, then {@link #write}.
 * Not thread-safe.
 */
public final class CsvTable {

    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    private CsvTable(List<String> header) {
        this.header = List.copyOf(header);
    }

    /**
     * Starts a table.
     *
     * @param columns the column names, at least one
     * @return an empty table
     */
    public static CsvTable withHeader(String... columns) {
        if (columns.length == 0) {
            throw new IllegalArgumentException("a CSV table needs at least one column");
        }
        return new CsvTable(List.of(columns));
    }

    /**
     * Appends a row.
     *
     * @param cells one value per column: numbers, strings, booleans or {@code null}
     * @return this table
     */
    public CsvTable row(Object... cells) {
        if (cells.length != header.size()) {
            throw new IllegalArgumentException("row has " + cells.length + " cells but the table has "
                    + header.size() + " columns " + header);
        }
        List<String> row = new ArrayList<>(cells.length);
        for (Object c : cells) {
            row.add(c == null ? "" : String.valueOf(c));
        }
        rows.add(row);
        return this;
    }

    /** The number of data rows. */
    public int size() {
        return rows.size();
    }

    /**
     * Writes the header and rows to {@code file} (UTF-8, overwriting it; parent directories are created).
     *
     * @param file the file to write
     * @return {@code file}
     * @throws IOException if it cannot be written
     */
    public Path write(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(toCsv());
        }
        return file;
    }

    /** The table as CSV text. */
    public String toCsv() {
        StringBuilder sb = new StringBuilder();
        appendLine(sb, header);
        for (List<String> r : rows) {
            appendLine(sb, r);
        }
        return sb.toString();
    }

    private static void appendLine(StringBuilder sb, List<String> fields) {
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(quote(fields.get(i)));
        }
        sb.append('\n');
    }

    static String quote(String field) {
        if (field.indexOf(',') < 0 && field.indexOf('"') < 0 && field.indexOf('\n') < 0 && field.indexOf('\r') < 0) {
            return field;
        }
        return '"' + field.replace("\"", "\"\"") + '"';
    }
}
