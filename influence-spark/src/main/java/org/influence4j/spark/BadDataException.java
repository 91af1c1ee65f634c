package org.influence4j.spark;

/**
 * A malformed input found while a Spark task builds {@link RowBlock}s (a null or non-numeric value, a class index out
 * of range, a truncated file): a caller's mistake, reported with the row or example and the value. Spark delivers it
 * to the driver wrapped in its own job-failure exception; {@link TrainingData}'s loading factories unwrap it and
 * throw a plain {@link IllegalArgumentException} with the same message (its cause is Spark's exception).
 */
final class BadDataException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    BadDataException(String message) {
        super(message);
    }

    BadDataException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The first {@code BadDataException} in {@code e}'s cause chain, or {@code null}. */
    static BadDataException in(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof BadDataException bad) {
                return bad;
            }
        }
        return null;
    }
}
