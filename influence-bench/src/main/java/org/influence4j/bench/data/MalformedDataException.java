package org.influence4j.bench.data;

import java.io.IOException;

/**
 * A data file that cannot be read because its content is wrong (as opposed to an I/O failure). The message
 * always starts with the location, in the compiler style {@code file:line:column: problem} for text files
 * (line and column 1-based) and {@code file@offset: problem} for binary files (offset in bytes, 0-based).
 */
public final class MalformedDataException extends IOException {

    private static final long serialVersionUID = 1L;

    private final String source;
    private final long line;
    private final int column;
    private final long offset;
    private final String problem;

    private MalformedDataException(String message, String source, long line, int column, long offset,
            String problem) {
        super(message);
        this.source = source;
        this.line = line;
        this.column = column;
        this.offset = offset;
        this.problem = problem;
    }

    /** A problem in a whole file (no particular line), e.g. "no data rows". */
    static MalformedDataException inFile(String source, String problem) {
        return new MalformedDataException(source + ": " + problem, source, -1, -1, -1, problem);
    }

    /** A problem on one line of a text file; {@code line} is 1-based. */
    static MalformedDataException atLine(String source, long line, String problem) {
        return new MalformedDataException(source + ":" + line + ": " + problem, source, line, -1, -1, problem);
    }

    /** A problem in one cell of a text file; {@code line} and {@code column} are 1-based. */
    static MalformedDataException atCell(String source, long line, int column, String problem) {
        return new MalformedDataException(source + ":" + line + ":" + column + ": " + problem, source, line, column,
                -1, problem);
    }

    /** A problem at a byte offset of a binary file; {@code offset} is 0-based (of the decompressed stream). */
    static MalformedDataException atOffset(String source, long offset, String problem) {
        return new MalformedDataException(source + "@" + offset + ": " + problem, source, -1, -1, offset, problem);
    }

    /** The file (path or resource name) that is malformed. */
    public String source() {
        return source;
    }

    /** The 1-based line of a text file where the problem is, or -1 if it concerns no single line. */
    public long line() {
        return line;
    }

    /** The 0-based byte offset of a binary file where the problem is, or -1 for a text position or none. */
    public long offset() {
        return offset;
    }

    /** The problem without its location prefix. */
    String problem() {
        return problem;
    }

    /** The 1-based column (field) where the problem is, or -1 if it concerns no single column. */
    public int column() {
        return column;
    }
}
