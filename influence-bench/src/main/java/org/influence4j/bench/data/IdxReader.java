package org.influence4j.bench.data;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads IDX files, the format of the MNIST and Fashion-MNIST distributions: big-endian, an unsigned-byte image file
 * (magic {@code 0x00000803}, then count, rows, columns, then {@code count·rows·columns} pixel bytes) and an
 * unsigned-byte label file (magic {@code 0x00000801}, then count, then {@code count} label bytes).
 *
 * <p>Files may be plain or gzip-compressed; compression is detected from the content (the gzip magic bytes), not
 * the file name. Every header field is validated, the data must be exactly as long as the header says (neither
 * truncated nor followed by extra bytes), and the image and label counts must agree. Violations raise
 * {@link MalformedDataException} naming the file and the byte offset in the decompressed stream.
 *
 * <p>Images become a {@code [count, rows·columns]} {@code DOUBLE} matrix (row-major pixels) scaled to
 * {@code [0, 1]} by {@code byte / 255}; labels become one-hot rows. Stateless and thread-safe.
 */
public final class IdxReader {

    /** Magic number of an IDX file of unsigned bytes with three dimensions (images). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of an IDX file of unsigned bytes with one dimension (labels). */
    public static final int LABELS_MAGIC = 0x00000801;

    private IdxReader() {
    }

    /** Raw images as read from an IDX file: {@code count} images of {@code rows × columns} unsigned bytes. */
    record Images(int count, int rows, int columns, byte[] pixels) {
    }

    /**
     * Reads an image file and its label file into a data set with one-hot labels.
     *
     * @param images     the {@code idx3-ubyte} image file, plain or gzipped
     * @param labels     the {@code idx1-ubyte} label file, plain or gzipped
     * @param classNames names of the classes, every label must be a valid index into them; {@code null} infers
     *                   the classes {@code "0"} … {@code "max label"}
     * @return the data set, named after the image file
     * @throws MalformedDataException if a file is malformed, the counts differ or a label is out of range
     * @throws IOException            if a file cannot be read
     */
    public static ClassificationData read(Path images, Path labels, List<String> classNames) throws IOException {
        try (InputStream in = Files.newInputStream(images); InputStream lab = Files.newInputStream(labels)) {
            return read(in, images.toString(), lab, labels.toString(), classNames);
        }
    }

    /**
     * Reads an image stream and its label stream (for example class-path resources) into a data set.
     *
     * @param images     the image stream, plain or gzipped; read to its end but not closed
     * @param imagesName the name of the image source, used in messages and as the data set name
     * @param labels     the label stream, plain or gzipped; read to its end but not closed
     * @param labelsName the name of the label source, used in messages
     * @param classNames names of the classes, every label must be a valid index into them; {@code null} infers
     *                   the classes {@code "0"} … {@code "max label"}
     * @return the data set
     * @throws MalformedDataException if a stream is malformed, the counts differ or a label is out of range
     * @throws IOException            if a stream cannot be read
     */
    public static ClassificationData read(InputStream images, String imagesName, InputStream labels, String labelsName,
            List<String> classNames) throws IOException {
        Images img = readImagesRaw(images, imagesName);
        int[] lab = readLabels(labels, labelsName);
        if (classNames == null) {
            classNames = indexNames(java.util.Arrays.stream(lab).max().orElse(0) + 1);
        }
        if (img.count() != lab.length) {
            throw MalformedDataException.inFile(imagesName, img.count() + " images but " + labelsName + " has "
                    + lab.length + " labels; the counts must match");
        }
        for (int i = 0; i < lab.length; i++) {
            if (lab[i] >= classNames.size()) {
                throw MalformedDataException.atOffset(labelsName, 8L + i, "label " + lab[i] + " of example " + i
                        + " is not a class index in [0, " + classNames.size() + ")");
            }
        }
        return ClassificationData.of(imagesName, toMatrix(img), lab, classNames);
    }

    /**
     * Reads an image file as a {@code [count, rows·columns]} {@code DOUBLE} matrix with values in {@code [0, 1]}.
     *
     * @param file the image file, plain or gzipped
     * @return a fresh matrix
     * @throws MalformedDataException if the file is malformed
     * @throws IOException            if it cannot be read
     */
    public static INDArray readImages(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return toMatrix(readImagesRaw(in, file.toString()));
        }
    }

    /**
     * Reads a label file.
     *
     * @param file the label file, plain or gzipped
     * @return the labels, each in {@code [0, 255]}
     * @throws MalformedDataException if the file is malformed
     * @throws IOException            if it cannot be read
     */
    public static int[] readLabels(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return readLabels(in, file.toString());
        }
    }

    /**
     * Reads only the header of an image file: the size of its images.
     *
     * @param file the {@code idx3-ubyte} image file, plain or gzipped
     * @return {@code {rows, columns}}
     * @throws MalformedDataException if the header is malformed
     * @throws IOException            if the file cannot be read
     */
    public static int[] imageSize(Path file) throws IOException {
        try (InputStream raw = Files.newInputStream(file)) {
            String name = file.toString();
            DataInputStream in = open(raw, name, IMAGES_MAGIC);
            readDimension(in, name, 4, "image count");
            return new int[] {readDimension(in, name, 8, "row count"), readDimension(in, name, 12, "column count")};
        }
    }

    static Images readImagesRaw(InputStream raw, String name) throws IOException {
        DataInputStream in = open(raw, name, IMAGES_MAGIC);
        int count = readDimension(in, name, 4, "image count");
        int rows = readDimension(in, name, 8, "row count");
        int cols = readDimension(in, name, 12, "column count");
        // each factor is below 2^31, so rows·cols < 2^62 and, once it is below 2^31, so is its product with count:
        // no long overflow can wrap a huge size into a small or negative one
        long perImage = (long) rows * cols;
        long size = perImage > Integer.MAX_VALUE ? Long.MAX_VALUE : perImage * count;
        if (size > Integer.MAX_VALUE - 16) {
            throw MalformedDataException.atOffset(name, 4, count + " images of " + rows + "x" + cols
                    + " pixels is too large to load (" + java.math.BigInteger.valueOf(perImage).multiply(
                            java.math.BigInteger.valueOf(count)) + " bytes)");
        }
        byte[] pixels = readBody(in, (int) size, name, 16, count + " images of " + rows + "x" + cols + " pixels");
        return new Images(count, rows, cols, pixels);
    }

    static int[] readLabels(InputStream raw, String name) throws IOException {
        DataInputStream in = open(raw, name, LABELS_MAGIC);
        int count = readDimension(in, name, 4, "label count");
        byte[] bytes = readBody(in, count, name, 8, count + " labels");
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = Byte.toUnsignedInt(bytes[i]);
        }
        return labels;
    }

    /** Opens the (possibly gzipped) stream and checks its magic number, which must be {@code expected}. */
    private static DataInputStream open(InputStream raw, String name, int expected) throws IOException {
        Objects.requireNonNull(raw, name);
        DataInputStream in = new DataInputStream(Compression.gunzipIfCompressed(raw, name));
        int magic = readHeaderInt(in, name, 0, "magic number");
        if (magic != expected) {
            boolean images = expected == IMAGES_MAGIC;
            int other = images ? LABELS_MAGIC : IMAGES_MAGIC;
            throw MalformedDataException.atOffset(name, 0, "magic number " + hex(magic) + " is not " + hex(expected)
                    + (images ? " (unsigned-byte images, 3 dimensions)" : " (unsigned-byte labels, 1 dimension)")
                    + (magic == other ? (images ? "; this looks like a label file" : "; this looks like an image file")
                            : ""));
        }
        return in;
    }

    private static INDArray toMatrix(Images img) {
        int width = img.rows() * img.columns();
        byte[] px = img.pixels();
        double[] flat = new double[px.length];
        for (int i = 0; i < px.length; i++) {
            flat[i] = Byte.toUnsignedInt(px[i]) / 255.0;
        }
        return Nd4j.create(flat, new long[] {img.count(), width}, 'c');
    }

    private static int readHeaderInt(DataInputStream in, String name, long offset, String what) throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw MalformedDataException.atOffset(name, offset, "file ends inside the header (reading the " + what
                    + "); an IDX file is not this short");
        }
    }

    private static int readDimension(DataInputStream in, String name, long offset, String what) throws IOException {
        int value = readHeaderInt(in, name, offset, what);
        if (value <= 0) {
            throw MalformedDataException.atOffset(name, offset, what + " " + Integer.toUnsignedString(value)
                    + " must be positive");
        }
        return value;
    }

    /**
     * Reads the {@code length} body bytes the header announces. Memory grows with the bytes actually present
     * ({@link InputStream#readNBytes(int)} reads in chunks), so a header announcing gigabytes in a short file is
     * reported as truncated instead of allocating what it announces.
     */
    private static byte[] readBody(DataInputStream in, int length, String name, long headerBytes, String what)
            throws IOException {
        byte[] body = in.readNBytes(length);
        if (body.length < length) {
            throw MalformedDataException.atOffset(name, headerBytes + body.length, "truncated: the header announces "
                    + what + " (" + length + " bytes after the " + headerBytes + "-byte header) but only "
                    + body.length + " bytes follow");
        }
        if (in.read() != -1) {
            throw MalformedDataException.atOffset(name, headerBytes + length, "unexpected data after the "
                    + what + " announced by the header");
        }
        return body;
    }

    private static String hex(int value) {
        return String.format("0x%08x", value);
    }

    /**
     * The class names {@code "0"} … {@code "k-1"}, as used for digit data sets and integer-labelled CSV files.
     *
     * @param k the number of classes, {@code >= 0}
     * @return a fresh list of {@code k} names
     */
    public static List<String> indexNames(int k) {
        List<String> names = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            names.add(Integer.toString(i));
        }
        return names;
    }
}
