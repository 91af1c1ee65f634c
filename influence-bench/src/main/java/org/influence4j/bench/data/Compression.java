package org.influence4j.bench.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** Transparent gzip decoding for the loaders: compression is recognised by content, not by file name. */
final class Compression {

    private static final int BUFFER = 1 << 16;

    private Compression() {
    }

    /**
     * The stream decoded if it starts with the gzip magic bytes {@code 1f 8b}, otherwise as it is (buffered).
     *
     * @param raw the stream; closing the result closes it
     * @return a buffered stream of the (decoded) content
     * @throws IOException if the first bytes cannot be read or the gzip header is broken
     */
    static InputStream gunzipIfCompressed(InputStream raw) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, BUFFER);
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        return b0 == 0x1f && b1 == 0x8b ? new BufferedInputStream(new GZIPInputStream(in, BUFFER), BUFFER) : in;
    }
}
