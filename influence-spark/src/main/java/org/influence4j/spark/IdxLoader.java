package org.influence4j.spark;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.util.TaskCompletionListener;

/**
 * Reads an IDX image file and its label file (the MNIST and Fashion-MNIST format) into {@link RowBlock}s: the
 * implementation of {@link TrainingData#fromIdx}. The driver reads the two headers and cuts the examples into
 * ranges; each task opens both files through Hadoop's {@link FileSystem} and reads its range, one block at a time.
 *
 * <p>The format, big-endian: an image file is the magic number {@code 0x00000803} (unsigned bytes, 3 dimensions),
 * the image count, rows and columns, then {@code count·rows·columns} pixel bytes; a label file is the magic number
 * {@code 0x00000801} (unsigned bytes, 1 dimension), the count, then {@code count} label bytes. Either file may be
 * gzip-compressed, recognised by its first two bytes ({@code 1f 8b}), not its name.
 */
final class IdxLoader {

    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;
    private static final int BUFFER = 1 << 16;

    private IdxLoader() {
    }

    /**
     * What the driver learns from one file's header.
     *
     * @param path        the file as given
     * @param gzip        whether the file is gzip-compressed
     * @param headerBytes bytes before the first example (16 for images, 8 for labels)
     * @param count       examples the header announces
     * @param width       bytes per example ({@code rows·columns} for images, 1 for labels)
     * @param shape       the example's dimensions, for messages ({@code "28x28"}, or {@code ""} for labels)
     */
    record Header(String path, boolean gzip, int headerBytes, int count, int width, String shape)
            implements Serializable {

        /** The body the header announces, for messages: {@code "10000 images of 28x28 pixels"}. */
        String announced() {
            return shape.isEmpty() ? count + " labels" : count + " images of " + shape + " pixels";
        }
    }

    /** Examples {@code first … end − 1}, read by one task. */
    record ExampleRange(long first, long end) implements Serializable {
    }

    /** See {@link TrainingData#fromIdx}. */
    static TrainingData fromIdx(JavaSparkContext sc, String imagesPath, String labelsPath, int numClasses,
                                int partitions) {
        Objects.requireNonNull(sc, "sc");
        Objects.requireNonNull(imagesPath, "imagesPath");
        Objects.requireNonNull(labelsPath, "labelsPath");
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses (" + numClasses + ") must be >= 1");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions (" + partitions + ") must be >= 1");
        }
        // a copy taken now: later changes to the context's configuration do not reach the tasks of this data set
        Configuration conf = new Configuration(sc.hadoopConfiguration());
        Header images = header(conf, imagesPath, true);
        Header labels = header(conf, labelsPath, false);
        if (images.count() != labels.count()) {
            throw new IllegalArgumentException(imagesPath + " has " + images.count() + " images but " + labelsPath
                    + " has " + labels.count() + " labels; the counts must match (are they a pair?)");
        }
        if (images.count() == 0) {
            throw new IllegalArgumentException(imagesPath + " announces 0 images; the training data needs at least "
                    + "one example");
        }
        List<ExampleRange> ranges = new ArrayList<>(partitions);
        for (int p = 0; p < partitions; p++) {
            ranges.add(new ExampleRange((long) p * images.count() / partitions,
                    (long) (p + 1) * images.count() / partitions));
        }
        String source = "IDX images " + imagesPath + " (" + images.announced() + ") and labels " + labelsPath;
        // parallelize cuts a list of `partitions` elements into `partitions` slices of exactly one range each
        ReadRanges read = new ReadRanges(images, labels, numClasses, new HadoopConf(conf));
        return TrainingData.loading(source, () -> sc.parallelize(ranges, partitions).mapPartitions(read));
    }

    /** Reads and checks a file's header (and, for a plain file, its length) on the driver. */
    private static Header header(Configuration conf, String file, boolean images) {
        String argument = images ? "imagesPath" : "labelsPath";
        Path path = new Path(file);
        try {
            FileSystem fs = path.getFileSystem(conf);
            FileStatus status;
            try {
                status = fs.getFileStatus(path);
            } catch (FileNotFoundException e) {
                throw new IllegalArgumentException(argument + " (" + file + ") does not exist", e);
            }
            if (status.isDirectory()) {
                throw new IllegalArgumentException(argument + " (" + file + ") is a directory; give the IDX file");
            }
            try (FSDataInputStream raw = fs.open(path)) {
                boolean gzip = isGzip(raw);
                InputStream in = gzip ? gunzip(raw, file) : raw;
                int headerBytes = images ? 16 : 8;
                byte[] head = new byte[headerBytes];
                int read = readFully(in, head, headerBytes, file, 0);
                if (read < 4) {
                    throw new IllegalArgumentException(file + " ends after " + read + " bytes, inside the header; it "
                            + "is not an IDX file");
                }
                ByteBuffer fields = ByteBuffer.wrap(head);
                checkMagic(fields.getInt(), file, images);
                if (read < headerBytes) {
                    throw new IllegalArgumentException(file + " ends after " + read + " bytes, inside the "
                            + headerBytes + "-byte header; the file is truncated");
                }
                int count = fields.getInt();
                if (count < 0) {
                    throw new IllegalArgumentException(file + ": the count " + Integer.toUnsignedString(count)
                            + " in the header is too large (at most " + Integer.MAX_VALUE + ")");
                }
                int width = 1;
                String shape = "";
                if (images) {
                    int rows = fields.getInt();
                    int columns = fields.getInt();
                    if (rows <= 0 || columns <= 0 || (long) rows * columns > Integer.MAX_VALUE - 16) {
                        throw new IllegalArgumentException(file + ": images of " + Integer.toUnsignedString(rows)
                                + "x" + Integer.toUnsignedString(columns) + " pixels in the header; rows and columns "
                                + "must be positive and their product below 2^31");
                    }
                    width = rows * columns;
                    shape = rows + "x" + columns;
                }
                Header header = new Header(file, gzip, headerBytes, count, width, shape);
                if (!gzip) {
                    // a gzipped file's length is known only by decoding it; the tasks check those
                    long body = status.getLen() - headerBytes;
                    long expected = (long) count * width;
                    if (body != expected) {
                        throw new IllegalArgumentException(file + (body < expected ? " is truncated" : " is too long")
                                + ": the header announces " + header.announced() + " (" + expected + " bytes after "
                                + "the " + headerBytes + "-byte header) but " + body + " bytes follow it");
                    }
                }
                return header;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static void checkMagic(int magic, String file, boolean images) {
        int expected = images ? IMAGES_MAGIC : LABELS_MAGIC;
        if (magic != expected) {
            int other = images ? LABELS_MAGIC : IMAGES_MAGIC;
            throw new IllegalArgumentException(file + ": the magic number " + String.format("0x%08x", magic)
                    + " is not " + String.format("0x%08x", expected) + " (IDX unsigned-byte "
                    + (images ? "images, 3 dimensions)" : "labels, 1 dimension)")
                    + (magic == other ? "; this looks like " + (images ? "a label" : "an image") + " file: are the "
                    + "images and labels swapped?" : ""));
        }
    }

    /** Whether the stream starts with the gzip magic bytes; leaves it at offset 0. */
    private static boolean isGzip(FSDataInputStream raw) throws IOException {
        int b0 = raw.read();
        int b1 = b0 < 0 ? -1 : raw.read();
        raw.seek(0);
        return b0 == 0x1f && b1 == 0x8b;
    }

    private static InputStream gunzip(InputStream raw, String file) throws IOException {
        try {
            return new GZIPInputStream(new BufferedInputStream(raw, BUFFER), BUFFER);
        } catch (EOFException | ZipException e) {
            throw new BadDataException(file + ": the gzip header is " + (e instanceof EOFException ? "truncated"
                    : "corrupt") + " (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Reads up to {@code length} bytes, fewer only at the end of the (decoded) data; a gzip stream that ends or breaks
     * before its proper end is bad data, named with {@code offset}, the decoded offset of {@code buffer[0]}.
     */
    private static int readFully(InputStream in, byte[] buffer, int length, String file, long offset)
            throws IOException {
        int read = 0;
        try {
            while (read < length) {
                int n = in.read(buffer, read, length - read);
                if (n < 0) {
                    break;
                }
                read += n;
            }
            return read;
        } catch (EOFException | ZipException e) {
            throw new BadDataException(file + ": the gzip data is " + (e instanceof EOFException ? "truncated"
                    : "corrupt") + " at byte " + (offset + read) + " of the decoded content (" + e.getMessage()
                    + ")", e);
        }
    }

    /** Hadoop's configuration made serializable (it is {@code Writable}, not {@code Serializable}). */
    static final class HadoopConf implements Serializable {

        private static final long serialVersionUID = 1L;

        private transient Configuration conf;

        HadoopConf(Configuration conf) {
            this.conf = conf;
        }

        Configuration get() {
            return conf;
        }

        private void writeObject(ObjectOutputStream out) throws IOException {
            out.defaultWriteObject();
            conf.write(out);
        }

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            conf = new Configuration(false);
            conf.readFields(in);
        }
    }

    /** The task: the blocks of its partition's range (none for an empty range). */
    private static final class ReadRanges implements FlatMapFunction<Iterator<ExampleRange>, RowBlock> {

        private static final long serialVersionUID = 1L;

        private final Header images;
        private final Header labels;
        private final int numClasses;
        private final HadoopConf conf;

        ReadRanges(Header images, Header labels, int numClasses, HadoopConf conf) {
            this.images = images;
            this.labels = labels;
            this.numClasses = numClasses;
            this.conf = conf;
        }

        @Override
        public Iterator<RowBlock> call(Iterator<ExampleRange> ranges) throws IOException {
            if (!ranges.hasNext()) {
                return java.util.Collections.emptyIterator();
            }
            ExampleRange range = ranges.next();
            if (ranges.hasNext()) {
                throw new IllegalStateException("a partition holds more than one range of examples");
            }
            if (range.first() == range.end()) {
                return java.util.Collections.emptyIterator();
            }
            RangeReader reader = new RangeReader(this, range);
            TaskContext task = TaskContext.get();
            if (task != null) {
                // closes the files if the task ends before the iterator does (failure, cancellation)
                task.addTaskCompletionListener((TaskCompletionListener) context -> reader.close());
            }
            return reader;
        }
    }

    /** Reads one range, a block at a time; closes both files once the last block is read. */
    private static final class RangeReader implements Iterator<RowBlock>, Closeable {

        private final Header images;
        private final Header labels;
        private final int numClasses;
        private final long end;
        private final int blockRows;
        private final InputStream imageIn;
        private final InputStream labelIn;
        private final byte[] pixels;
        private final byte[] classes;
        private long next;

        RangeReader(ReadRanges task, ExampleRange range) throws IOException {
            this.images = task.images;
            this.labels = task.labels;
            this.numClasses = task.numClasses;
            this.next = range.first();
            this.end = range.end();
            this.blockRows = (int) Math.max(1, Math.min(TrainingData.BLOCK_ROWS,
                    (Integer.MAX_VALUE - 16) / images.width()));
            Configuration conf = task.conf.get();
            InputStream opened = open(conf, images, next * images.width());
            try {
                this.labelIn = open(conf, labels, next);
            } catch (IOException | RuntimeException e) {
                opened.close();
                throw e;
            }
            this.imageIn = opened;
            this.pixels = new byte[Math.min(blockRows, (int) Math.min(Integer.MAX_VALUE, end - next))
                    * images.width()];
            this.classes = new byte[pixels.length / images.width()];
        }

        /** The file positioned at byte {@code skip} after its header. */
        private static InputStream open(Configuration conf, Header header, long skip) throws IOException {
            Path path = new Path(header.path());
            FSDataInputStream raw = path.getFileSystem(conf).open(path);
            try {
                long position = header.headerBytes() + skip;
                if (!header.gzip()) {
                    raw.seek(position);
                    return new BufferedInputStream(raw, BUFFER);
                }
                InputStream in = gunzip(raw, header.path());
                // a gzip stream cannot seek: decode and discard everything before the range
                byte[] discard = new byte[BUFFER];
                for (long done = 0; done < position; ) {
                    int n = readFully(in, discard, (int) Math.min(BUFFER, position - done), header.path(), done);
                    if (n == 0) {
                        throw truncated(header, done);
                    }
                    done += n;
                }
                return in;
            } catch (IOException | RuntimeException e) {
                raw.close();
                throw e;
            }
        }

        private static BadDataException truncated(Header header, long decodedBytes) {
            return new BadDataException(header.path() + " is truncated: the header announces " + header.announced()
                    + " (" + ((long) header.count() * header.width()) + " bytes after the " + header.headerBytes()
                    + "-byte header) but the data ends after " + decodedBytes + " bytes, inside example "
                    + Math.max(0, (decodedBytes - header.headerBytes()) / header.width()));
        }

        @Override
        public boolean hasNext() {
            return next < end;
        }

        @Override
        public RowBlock next() {
            if (next >= end) {
                throw new NoSuchElementException();
            }
            int rows = (int) Math.min(blockRows, end - next);
            int width = images.width();
            try {
                read(imageIn, images, pixels, rows * width, next * width);
                read(labelIn, labels, classes, rows, next);
                double[] x = new double[rows * width];
                for (int i = 0; i < x.length; i++) {
                    x[i] = Byte.toUnsignedInt(pixels[i]) / 255.0;
                }
                double[] y = new double[rows * numClasses];
                for (int i = 0; i < rows; i++) {
                    int label = Byte.toUnsignedInt(classes[i]);
                    if (label >= numClasses) {
                        throw new BadDataException(labels.path() + ": the label " + label + " of example "
                                + (next + i) + " (byte " + (labels.headerBytes() + next + i) + ") is not a class "
                                + "index in [0, " + numClasses + ")");
                    }
                    y[i * numClasses + label] = 1;
                }
                RowBlock block = new RowBlock(next, rows, x, y, width, numClasses);
                next += rows;
                if (next == end) {
                    if (end == images.count()) {
                        atEnd(imageIn, images);
                        atEnd(labelIn, labels);
                    }
                    close();
                }
                return block;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + images.path() + " or " + labels.path() + ": "
                        + e.getMessage(), e);
            }
        }

        /** Reads the next {@code length} bytes, the body bytes from {@code offset} on. */
        private static void read(InputStream in, Header header, byte[] buffer, int length, long offset)
                throws IOException {
            long decoded = header.headerBytes() + offset;
            int n = readFully(in, buffer, length, header.path(), decoded);
            if (n < length) {
                throw truncated(header, decoded + n);
            }
        }

        /** A gzipped file must end where its header says (a plain file's length was checked on the driver). */
        private static void atEnd(InputStream in, Header header) throws IOException {
            if (header.gzip()) {
                long announced = header.headerBytes() + (long) header.count() * header.width();
                if (readFully(in, new byte[1], 1, header.path(), announced) > 0) {
                    throw new BadDataException(header.path() + " is too long: the header announces "
                            + header.announced() + " but more data follows them");
                }
            }
        }

        @Override
        public void close() {
            try (InputStream a = imageIn; InputStream b = labelIn) {
                // both closed, even if one fails
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
