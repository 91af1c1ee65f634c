package org.influence4j.bench.data;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The data sets known to the bench tools: the bundled ones by name, and user files by path.
 *
 * <p>Bundled (class-path resources, see the NOTICE files next to them):
 * <ul>
 *   <li>{@value #IRIS}: Fisher's Iris, 150 examples, 4 features, 3 classes. Split by
 *       {@link Splits#stratified stratified sampling} into {@value #IRIS_TRAIN_SIZE} training and
 *       {@value #IRIS_TEST_SIZE} test examples with a seed (default {@value #DEFAULT_SEED}), then standardised
 *       with the training set's mean and standard deviation only.</li>
 *   <li>{@value #SMALL_MNIST}: 5,500 training and 1,000 test MNIST digits (28×28 pixels scaled to [0, 1],
 *       10 classes), a fixed stratified split made by {@code scripts/make-small-mnist.mjs}; seeds do not change
 *       it.</li>
 * </ul>
 *
 * <p>User files ({@link #loadFile}): {@code *.csv} or {@code *.csv.gz} read by {@link CsvLoader}; or an IDX image
 * file whose name contains {@code images-idx3} (plain or gzipped), whose labels are read from the sibling file
 * named with {@code labels-idx1} instead (the MNIST naming, e.g. {@code train-images-idx3-ubyte.gz} and
 * {@code train-labels-idx1-ubyte.gz}). Nothing is ever downloaded.
 */
public final class Datasets {

    /** Name of the bundled Iris data set. */
    public static final String IRIS = "iris";
    /** Name of the bundled small MNIST data set. */
    public static final String SMALL_MNIST = "small-mnist";
    /** The default split seed. */
    public static final long DEFAULT_SEED = 42L;
    /** Height and width of the images of {@value #SMALL_MNIST} (28×28 pixels, one channel). */
    public static final int SMALL_MNIST_SIDE = 28;
    /** Iris training examples in the split. */
    public static final int IRIS_TRAIN_SIZE = 100;
    /** Iris test examples in the split. */
    public static final int IRIS_TEST_SIZE = 50;

    private static final List<String> BUNDLED = List.of(IRIS, SMALL_MNIST);
    private static final List<String> DIGITS = IdxReader.indexNames(10);

    private Datasets() {
    }

    /** The names of the bundled data sets. */
    public static List<String> bundledNames() {
        return BUNDLED;
    }

    /** Whether {@code name} is a bundled data set. */
    public static boolean isBundled(String name) {
        return BUNDLED.contains(name);
    }

    /**
     * A bundled data set with the default seed.
     *
     * @param name one of {@link #bundledNames()}
     * @return the training and test sets
     */
    public static TrainTestData bundled(String name) {
        return bundled(name, DEFAULT_SEED);
    }

    /**
     * A bundled data set.
     *
     * @param name one of {@link #bundledNames()}
     * @param seed the split seed (used by {@value #IRIS}; {@value #SMALL_MNIST} has a fixed split)
     * @return the training and test sets
     * @throws IllegalArgumentException if the name is unknown
     */
    public static TrainTestData bundled(String name, long seed) {
        Objects.requireNonNull(name, "name");
        return switch (name) {
            case IRIS -> iris(seed);
            case SMALL_MNIST -> smallMnist();
            default -> throw new IllegalArgumentException("unknown data set '" + name + "'; bundled: " + BUNDLED
                    + " (or give file paths)");
        };
    }

    /** All 150 Iris examples, unstandardised, in file order; classes setosa, versicolor, virginica. */
    public static ClassificationData irisAll() {
        try (InputStream in = resource("iris.csv")) {
            return readSklearnCsv(in, "iris.csv");
        } catch (IOException e) {
            throw new UncheckedIOException("bundled resource iris.csv is unreadable; the jar is broken", e);
        }
    }

    /**
     * Iris split {@value #IRIS_TRAIN_SIZE}/{@value #IRIS_TEST_SIZE}, stratified with {@code seed}, standardised
     * with training statistics. Named {@code iris/train} and {@code iris/test}.
     *
     * @param seed the split seed
     * @return the standardised training and test sets
     */
    public static TrainTestData iris(long seed) {
        ClassificationData all = irisAll().withName(IRIS);
        return Splits.stratified(all, IRIS_TEST_SIZE, seed).standardized();
    }

    /** The bundled small MNIST: 5,500 training and 1,000 test digits, pixels in [0, 1], classes "0" … "9". */
    public static TrainTestData smallMnist() {
        try {
            return new TrainTestData(mnistPart("train", "small-mnist/train"), mnistPart("t10k", "small-mnist/test"));
        } catch (IOException e) {
            throw new UncheckedIOException("bundled small MNIST is unreadable; the jar is broken", e);
        }
    }

    /**
     * Loads a training file and a test file; the test file is read with the training file's classes, so a test
     * label that does not occur in training is an error.
     *
     * @param train the training file (see {@link #loadFile})
     * @param test  the test file, of the same kind
     * @param csv   how CSV files are read (ignored for IDX)
     * @return both sets
     * @throws IOException if a file is missing, unreadable or malformed
     */
    public static TrainTestData fromFiles(Path train, Path test, CsvFormat csv) throws IOException {
        ClassificationData tr = loadFile(train, csv, null);
        ClassificationData te = loadFile(test, csv, tr.classNames());
        return new TrainTestData(tr, te);
    }

    /**
     * Loads one user file.
     *
     * @param file       a {@code .csv}/{@code .csv.gz} file or an IDX image file named {@code *images-idx3*}
     * @param csv        how CSV files are read (ignored for IDX)
     * @param classNames fixed class names, or {@code null} to infer them
     * @return the data set, named after the file
     * @throws IOException if the file is missing, unreadable or malformed, or its kind is not recognised
     */
    public static ClassificationData loadFile(Path file, CsvFormat csv, List<String> classNames) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(csv, "csv");
        if (!Files.isRegularFile(file)) {
            throw new java.io.FileNotFoundException(file + ": no such file");
        }
        String fileName = file.getFileName().toString();
        String lower = fileName.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".csv") || lower.endsWith(".csv.gz")) {
            return CsvLoader.load(file, classNames == null ? csv : csv.withClassNames(classNames));
        }
        if (isIdxImages(file)) {
            Path labels = file.resolveSibling(fileName.replace("images-idx3", "labels-idx1"));
            if (!Files.isRegularFile(labels)) {
                throw new java.io.FileNotFoundException(labels + ": label file for IDX images " + file
                        + " not found");
            }
            return IdxReader.read(file, labels, classNames);
        }
        throw new IllegalArgumentException(file + ": unknown file kind; expected *.csv, *.csv.gz or an IDX image file"
                + " named *images-idx3* (with its *labels-idx1* sibling)");
    }

    /**
     * Whether {@link #loadFile} reads {@code file} as IDX images: its name contains {@code images-idx3} and does not
     * end in {@code .csv} or {@code .csv.gz}.
     *
     * @param file a path; only its name is looked at
     * @return whether it names an IDX image file
     */
    public static boolean isIdxImages(Path file) {
        String fileName = file.getFileName().toString();
        String lower = fileName.toLowerCase(Locale.ROOT);
        return !lower.endsWith(".csv") && !lower.endsWith(".csv.gz") && fileName.contains("images-idx3");
    }

    private static ClassificationData mnistPart(String prefix, String name) throws IOException {
        try (InputStream images = resource("small-mnist/" + prefix + "-images-idx3-ubyte.gz");
                InputStream labels = resource("small-mnist/" + prefix + "-labels-idx1-ubyte.gz")) {
            return IdxReader.read(images, prefix + "-images-idx3-ubyte.gz", labels, prefix + "-labels-idx1-ubyte.gz",
                    DIGITS).withName(name);
        }
    }

    /**
     * Reads scikit-learn's CSV layout: a header {@code n_samples,n_features,class names…}, then rows of
     * {@code n_features} numbers and an integer class index. The counts in the header are checked.
     */
    static ClassificationData readSklearnCsv(InputStream in, String name) throws IOException {
        byte[] bytes = in.readAllBytes();
        String text = new String(bytes, StandardCharsets.UTF_8);
        int eol = text.indexOf('\n');
        String[] header = CsvLoader.split(eol < 0 ? text : text.substring(0, eol), ',');
        int n;
        int d;
        try {
            n = Integer.parseInt(header[0]);
            d = Integer.parseInt(header[1]);
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            throw MalformedDataException.atLine(name, 1, "header must be 'n_samples,n_features,class names...', was "
                    + Arrays.toString(header));
        }
        List<String> classes = List.of(Arrays.copyOfRange(header, 2, header.length));
        if (classes.isEmpty()) {
            throw MalformedDataException.atLine(name, 1, "header names no classes");
        }
        ClassificationData data = CsvLoader.load(new ByteArrayInputStream(bytes), name, CsvFormat.defaults()
                .withHeader(true).withLabelMode(CsvFormat.LabelMode.INDEX).withClassNames(classes));
        if (data.numExamples() != n || data.numFeatures() != d) {
            throw MalformedDataException.inFile(name, "header announces " + n + " rows of " + d + " features, found "
                    + data.numExamples() + " rows of " + data.numFeatures());
        }
        return data;
    }

    private static InputStream resource(String path) {
        InputStream in = Datasets.class.getResourceAsStream(path);
        if (in == null) {
            throw new IllegalStateException("bundled resource " + path + " is missing from the class path");
        }
        return in;
    }
}
