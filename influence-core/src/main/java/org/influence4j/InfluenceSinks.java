package org.influence4j;

import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Ready-made {@link InfluenceSink}s: the most helpful and harmful training examples per test point, and the full
 * {@code n × Q} score matrix streamed to CSV or binary files. File sinks write to a temporary file next to the target
 * and move it into place at {@link InfluenceSink#end()}; an existing target is refused unless overwriting was asked
 * for, and is left untouched by a computation that fails or is cancelled.
 */
public final class InfluenceSinks {

    private InfluenceSinks() {
    }

    // ------------------------------------------------------------------------------------------------ top-k

    /**
     * The {@code k} most helpful (most negative) and {@code k} most harmful (most positive) training examples of one
     * test point, ordered from the strongest; ties broken by the smaller index.
     *
     * @param query          the test point's position
     * @param helpful        training indices, most helpful first
     * @param helpfulScores  their scores
     * @param harmful        training indices, most harmful first
     * @param harmfulScores  their scores
     */
    public record TopInfluences(int query, int[] helpful, double[] helpfulScores, int[] harmful,
                                double[] harmfulScores) {
        @Override
        public String toString() {
            return "TopInfluences[query=" + query + ", helpful=" + Arrays.toString(helpful) + ", harmful="
                    + Arrays.toString(harmful) + "]";
        }
    }

    /** A sink keeping the top-k per test point in bounded heaps ({@code O(Q·k)} memory); read {@link #result()}. */
    public static final class TopK implements InfluenceSink {
        /** Entries {index, score bits}. Helpful: stronger = smaller score; harmful: larger; ties: smaller index. */
        private static final java.util.Comparator<long[]> HELPFUL = (a, b) -> {
            int c = Double.compare(Double.longBitsToDouble(a[1]), Double.longBitsToDouble(b[1]));
            return c != 0 ? c : Long.compare(a[0], b[0]);
        };
        private static final java.util.Comparator<long[]> HARMFUL = (a, b) -> {
            int c = Double.compare(Double.longBitsToDouble(b[1]), Double.longBitsToDouble(a[1]));
            return c != 0 ? c : Long.compare(a[0], b[0]);
        };

        private final int k;
        private List<PriorityQueue<long[]>> helpful;   // root: the weakest kept entry
        private List<PriorityQueue<long[]>> harmful;
        private List<TopInfluences> result;

        private TopK(int k) {
            this.k = k;
        }

        @Override
        public void begin(int queries, int examples) {
            helpful = new ArrayList<>();
            harmful = new ArrayList<>();
            for (int q = 0; q < queries; q++) {
                helpful.add(new PriorityQueue<>(HELPFUL.reversed()));
                harmful.add(new PriorityQueue<>(HARMFUL.reversed()));
            }
            result = null;
        }

        @Override
        public void accept(int firstExample, INDArray scores) {
            double[][] s = scores.toDoubleMatrix();
            for (int r = 0; r < s.length; r++) {
                for (int q = 0; q < s[r].length; q++) {
                    long[] e = {firstExample + r, Double.doubleToLongBits(s[r][q])};
                    offer(helpful.get(q), e, HELPFUL);
                    offer(harmful.get(q), e, HARMFUL);
                }
            }
        }

        private void offer(PriorityQueue<long[]> heap, long[] e, java.util.Comparator<long[]> strength) {
            if (heap.size() < k) {
                heap.add(e);
            } else if (strength.compare(e, heap.peek()) < 0) {
                heap.poll();
                heap.add(e);
            }
        }

        @Override
        public void end() {
            List<TopInfluences> out = new ArrayList<>();
            for (int q = 0; q < helpful.size(); q++) {
                long[][] h = helpful.get(q).toArray(new long[0][]);
                long[][] m = harmful.get(q).toArray(new long[0][]);
                Arrays.sort(h, HELPFUL);
                Arrays.sort(m, HARMFUL);
                out.add(new TopInfluences(q, indices(h), scores(h), indices(m), scores(m)));
            }
            result = List.copyOf(out);
        }

        private static int[] indices(long[][] a) {
            return Arrays.stream(a).mapToInt(e -> (int) e[0]).toArray();
        }

        private static double[] scores(long[][] a) {
            return Arrays.stream(a).mapToDouble(e -> Double.longBitsToDouble(e[1])).toArray();
        }

        /**
         * The top-k per test point, in query order.
         *
         * @throws IllegalStateException before the computation ended
         */
        public List<TopInfluences> result() {
            if (result == null) {
                throw new IllegalStateException("no result yet: pass this sink to influenceOnEach first");
            }
            return result;
        }
    }

    /**
     * A sink that keeps the {@code k} most helpful and {@code k} most harmful training examples of every test point.
     *
     * @param k {@code ≥ 1}
     */
    public static TopK topK(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k (" + k + ") must be >= 1");
        }
        return new TopK(k);
    }

    /**
     * A sink that hands every call to each of {@code sinks} in order (e.g. a top-k sink and a file sink in one pass).
     * If a sink's {@code begin} fails, the sinks already begun are aborted; {@code abort} reaches every sink.
     *
     * @param sinks at least one sink
     */
    public static InfluenceSink all(InfluenceSink... sinks) {
        Objects.requireNonNull(sinks, "sinks");
        if (sinks.length == 0) {
            throw new IllegalArgumentException("sinks is empty; pass at least one sink");
        }
        List<InfluenceSink> list = List.of(sinks);
        return new InfluenceSink() {
            @Override
            public void begin(int queries, int examples) {
                for (int i = 0; i < list.size(); i++) {
                    try {
                        list.get(i).begin(queries, examples);
                    } catch (RuntimeException e) {
                        for (int j = 0; j < i; j++) {
                            list.get(j).abort();
                        }
                        throw e;
                    }
                }
            }

            @Override
            public void accept(int firstExample, INDArray scores) {
                for (InfluenceSink s : list) {
                    s.accept(firstExample, scores);
                }
            }

            @Override
            public void end() {
                for (InfluenceSink s : list) {
                    s.end();
                }
            }

            @Override
            public void abort() {
                for (InfluenceSink s : list) {
                    s.abort();
                }
            }
        };
    }

    // ------------------------------------------------------------------------------------------------ files

    /**
     * The full score matrix as CSV: a header {@code train_index,<name 0>,…,<name Q−1>} (names {@code query_0} … when
     * {@code queryNames} is null), then one line per training example in order: its index and its {@code Q} scores
     * (shortest round-trip decimal form).
     *
     * @param file       target file (its directory must exist)
     * @param queryNames column names, one per test point, or null
     * @param overwrite  whether an existing file may be replaced (only when the computation completes)
     * @throws IllegalArgumentException if the file exists and {@code overwrite} is false, or its directory is missing
     */
    public static InfluenceSink csv(Path file, List<String> queryNames, boolean overwrite) {
        checkTarget(file, overwrite);
        for (int q = 0; queryNames != null && q < queryNames.size(); q++) {
            if (queryNames.get(q) == null) { // List.copyOf would throw without saying which
                throw new NullPointerException("queryNames contains null at index " + q
                        + "; give one name per test point, or null for query_0, query_1, ...");
            }
        }
        List<String> names = queryNames == null ? null : List.copyOf(queryNames);
        return new FileSink(file) {
            private Writer out;

            @Override
            void open(OutputStream os, int queries, int examples) throws IOException {
                if (names != null && names.size() != queries) {
                    throw new IllegalArgumentException("queryNames has " + names.size() + " names for " + queries
                            + " test points");
                }
                out = new BufferedWriter(new java.io.OutputStreamWriter(os, StandardCharsets.UTF_8), 1 << 16);
                StringBuilder h = new StringBuilder("train_index");
                for (int q = 0; q < queries; q++) {
                    h.append(',').append(names == null ? "query_" + q : names.get(q));
                }
                out.write(h.append('\n').toString());
            }

            @Override
            void write(int firstExample, double[][] s) throws IOException {
                StringBuilder line = new StringBuilder();
                for (int r = 0; r < s.length; r++) {
                    line.setLength(0);
                    line.append(firstExample + r);
                    for (double v : s[r]) {
                        line.append(',').append(v);
                    }
                    out.write(line.append('\n').toString());
                }
            }

            @Override
            void close() throws IOException {
                out.flush();
            }
        };
    }

    /**
     * The full score matrix as big-endian binary: the 8 bytes {@code "I4JINFL1"}, the int {@code Q}, the int
     * {@code n}, then {@code n·Q} doubles, training example by training example ({@code [n, Q]} row-major; the score
     * of training example {@code i} on test point {@code q} at double offset {@code i·Q + q} after the 16-byte
     * header).
     *
     * @param file      target file (its directory must exist)
     * @param overwrite whether an existing file may be replaced (only when the computation completes)
     */
    public static InfluenceSink binary(Path file, boolean overwrite) {
        checkTarget(file, overwrite);
        return new FileSink(file) {
            private DataOutputStream out;

            @Override
            void open(OutputStream os, int queries, int examples) throws IOException {
                out = new DataOutputStream(new BufferedOutputStream(os, 1 << 16));
                out.write("I4JINFL1".getBytes(StandardCharsets.US_ASCII));
                out.writeInt(queries);
                out.writeInt(examples);
            }

            @Override
            void write(int firstExample, double[][] s) throws IOException {
                for (double[] row : s) {
                    for (double v : row) {
                        out.writeDouble(v);
                    }
                }
            }

            @Override
            void close() throws IOException {
                out.flush();
            }
        };
    }

    private static void checkTarget(Path file, boolean overwrite) {
        Objects.requireNonNull(file, "file");
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("output file " + file + " is in a directory that does not exist; create "
                    + dir + " first");
        }
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException("output file " + file + " is a directory; name a file");
        }
        if (Files.exists(file) && !overwrite) {
            throw new IllegalArgumentException("output file " + file + " already exists; choose another path or allow "
                    + "overwriting it");
        }
    }

    /** Writes to a temporary file beside the target; moves it into place at the end, deletes it on abort. */
    private abstract static class FileSink implements InfluenceSink {
        private final Path file;
        private Path tmp;
        private OutputStream os;

        FileSink(Path file) {
            this.file = file;
        }

        abstract void open(OutputStream os, int queries, int examples) throws IOException;

        abstract void write(int firstExample, double[][] scores) throws IOException;

        abstract void close() throws IOException;

        @Override
        public void begin(int queries, int examples) {
            try {
                Path dir = file.toAbsolutePath().getParent();
                // a unique sibling created like any new file (the umask's permissions, unlike createTempFile's 0600)
                tmp = dir.resolve("." + file.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".part");
                os = Files.newOutputStream(tmp, java.nio.file.StandardOpenOption.CREATE_NEW,
                        java.nio.file.StandardOpenOption.WRITE);
                open(os, queries, examples);
            } catch (IOException e) {
                abort();
                throw new UncheckedIOException("could not write " + file + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                abort();
                throw e;
            }
        }

        @Override
        public void accept(int firstExample, INDArray scores) {
            try {
                write(firstExample, scores.toDoubleMatrix());
            } catch (IOException e) {
                throw new UncheckedIOException("could not write " + file + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void end() {
            try {
                close();
                os.close();
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                tmp = null;
            } catch (IOException e) {
                abort();
                throw new UncheckedIOException("could not write " + file + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void abort() {
            try {
                if (os != null) {
                    os.close();
                }
            } catch (IOException ignored) {
                // the partial file is deleted next
            }
            try {
                if (tmp != null) {
                    Files.deleteIfExists(tmp);
                }
            } catch (IOException ignored) {
                // nothing more can be done; the target was never touched
            }
            tmp = null;
        }
    }
}
