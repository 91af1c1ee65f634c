package org.influence4j.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Builds a GitHub-flavoured Markdown table with padded columns. Numeric cells ({@link Number}) are right-aligned;
 * doubles are printed with {@link #format(double)}. Pipes in cells are escaped. Not thread-safe.
 */
public final class MarkdownTable {

    private final List<String> header;
    private final List<String[]> rows = new ArrayList<>();
    private final boolean[] numeric;

    private MarkdownTable(List<String> header) {
        this.header = List.copyOf(header);
        this.numeric = new boolean[header.size()];
    }

    /**
     * Starts a table.
     *
     * @param columns the column names, at least one
     * @return an empty table
     */
    public static MarkdownTable withHeader(String... columns) {
        if (columns.length == 0) {
            throw new IllegalArgumentException("a Markdown table needs at least one column");
        }
        return new MarkdownTable(List.of(columns));
    }

    /**
     * Appends a row.
     *
     * @param cells one value per column; {@code null} prints as empty
     * @return this table
     */
    public MarkdownTable row(Object... cells) {
        if (cells.length != header.size()) {
            throw new IllegalArgumentException("row has " + cells.length + " cells but the table has "
                    + header.size() + " columns " + header);
        }
        String[] row = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            Object c = cells[i];
            if (c instanceof Number) {
                numeric[i] = true;
            }
            String s = c == null ? "" : c instanceof Double || c instanceof Float ? format(((Number) c).doubleValue())
                    : String.valueOf(c);
            row[i] = s.replace("|", "\\|").replace("\n", " ");
        }
        rows.add(row);
        return this;
    }

    /**
     * Formats a number for a table: 4 significant digits, scientific notation outside {@code [1e-3, 1e6)},
     * {@code NaN} as "n/a"; locale-independent.
     *
     * @param v the value
     * @return the text
     */
    public static String format(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        if (v == 0 || Double.isInfinite(v)) {
            return v == 0 ? "0" : (v > 0 ? "∞" : "-∞");
        }
        double a = Math.abs(v);
        return a >= 1e-3 && a < 1e6 ? String.format(Locale.ROOT, "%.4g", v) : String.format(Locale.ROOT, "%.3e", v);
    }

    /** The table as Markdown, one line per row, ending with a line break. */
    @Override
    public String toString() {
        int[] width = new int[header.size()];
        for (int i = 0; i < width.length; i++) {
            width[i] = Math.max(3, header.get(i).length());
            for (String[] r : rows) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, header.toArray(String[]::new), width);
        sb.append('|');
        for (int i = 0; i < width.length; i++) {
            sb.append(' ').append("-".repeat(width[i] - 1)).append(numeric[i] ? ':' : '-').append(" |");
        }
        sb.append('\n');
        for (String[] r : rows) {
            line(sb, r, width);
        }
        return sb.toString();
    }

    private void line(StringBuilder sb, String[] cells, int[] width) {
        sb.append('|');
        for (int i = 0; i < cells.length; i++) {
            String pad = " ".repeat(width[i] - cells[i].length());
            sb.append(' ').append(numeric[i] ? pad + cells[i] : cells[i] + pad).append(" |");
        }
        sb.append('\n');
    }
}
