package org.influence4j.bench.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Transparent gzip decoding for the loaders: compression is recognised by content, not by file name. A truncated
 * or corrupt gzip stream raises {@link MalformedDataException} naming the source and the offset in the decoded
 * stream where decoding failed (the JDK's {@link EOFException} and {@link ZipException} never escape).
 */
final class Compression {

    private static final int BUFFER = 1 << 16;

    private Compression() {
    }

    /**
     * The stream decoded if it starts with the gzip magic bytes {@code 1f 8b}, otherwise as it is (buffered).
     *
     * @param raw  the stream; closing the result closes it
     * @param name the name of the source, for messages
     * @return a buffered stream of the (decoded) content
     * @throws MalformedDataException if the gzip header is truncated or broken (and, when reading the result, if the
     *                                compressed data is)
     * @throws IOException            if the first bytes cannot be read
     */
    static InputStream gunzipIfCompressed(InputStream raw, String name) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, BUFFER);
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        if (b0 != 0x1f || b1 != 0x8b) {
            return in;
        }
        GZIPInputStream gz;
        try {
            gz = new GZIPInputStream(in, BUFFER);
        } catch (EOFException | ZipException e) {
            throw corrupt(name, 0, e);
        }
        return new BufferedInputStream(new Checked(gz, name), BUFFER);
    }

    private static MalformedDataException corrupt(String name, long offset, IOException e) {
        String detail = e.getMessage() == null ? "" : " (" + e.getMessage() + ")";
        return MalformedDataException.atOffset(name, offset, "gzip data is "
                + (e instanceof EOFException ? "truncated" : "corrupt") + detail + "; the decoded content ends here");
    }

    /** Counts decoded bytes and turns the decoder's format errors into {@link MalformedDataException}. */
    private static final class Checked extends FilterInputStream {

        private final String name;
        private long offset;

        Checked(InputStream in, String name) {
            super(in);
            this.name = name;
        }

        @Override
        public int read() throws IOException {
            try {
                int b = in.read();
                if (b >= 0) {
                    offset++;
                }
                return b;
            } catch (EOFException | ZipException e) {
                throw corrupt(name, offset, e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                int n = in.read(b, off, len);
                if (n > 0) {
                    offset += n;
                }
                return n;
            } catch (EOFException | ZipException e) {
                throw corrupt(name, offset, e);
            }
        }

        @Override
        public long skip(long n) throws IOException {
            try {
                long skipped = in.skip(n);
                offset += skipped;
                return skipped;
            } catch (EOFException | ZipException e) {
                throw corrupt(name, offset, e);
            }
        }
    }
}
