package org.influence4j.bench.cli;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.influence4j.bench.data.ClassificationData;
import org.influence4j.bench.data.CsvFormat;
import org.influence4j.bench.data.Datasets;
import org.influence4j.bench.data.MalformedDataException;
import org.influence4j.bench.data.TrainTestData;

/**
 * Input files named on the command line. Every problem with one (missing, a directory, unreadable, malformed) is
 * an {@link IllegalArgumentException} naming the option and the file, so the command exits with code 2 (bad
 * arguments) before any work.
 */
final class InputFiles {

    private InputFiles() {
    }

    /**
     * Throws unless {@code file} is an existing, readable regular file.
     *
     * @param option the option that named it, e.g. {@code --train}
     * @param file   the path given
     * @return {@code file}
     */
    static Path check(String option, Path file) {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException(option + " " + file + ": no such file");
        }
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(option + " " + file + " is a directory; give a file");
        }
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(option + " " + file + ": permission denied (the file is not readable)");
        }
        return file;
    }

    /**
     * Loads a training file and a test file (the test file with the training classes), as
     * {@link Datasets#fromFiles} does, turning every content or I/O problem into one line that names the option.
     *
     * @param trainOption  the option naming the training file
     * @param train        the training file
     * @param testOption   the option naming the test file
     * @param test         the test file
     * @param csv          how CSV files are read
     * @param trainClasses fixed classes of the training file, or {@code null} to infer them
     * @return both sets
     * @throws IOException on an I/O failure other than a missing or unreadable file
     */
    static TrainTestData load(String trainOption, Path train, String testOption, Path test, CsvFormat csv,
            List<String> trainClasses) throws IOException {
        check(trainOption, train);
        check(testOption, test);
        ClassificationData tr = load(trainOption, train, csv, trainClasses);
        ClassificationData te = load(testOption, test, csv, tr.classNames());
        if (te.numFeatures() != tr.numFeatures()) {
            throw new IllegalArgumentException(testOption + " " + test + " has " + te.numFeatures() + " features per "
                    + "example but " + trainOption + " " + train + " has " + tr.numFeatures() + "; give files with the "
                    + "same features");
        }
        return new TrainTestData(tr, te);
    }

    private static ClassificationData load(String option, Path file, CsvFormat csv, List<String> classes)
            throws IOException {
        try {
            return Datasets.loadFile(file, csv, classes);
        } catch (MalformedDataException | FileNotFoundException e) {
            throw new IllegalArgumentException(option + " " + e.getMessage(), e);
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException(option + " " + e.getFile() + ": permission denied", e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " " + e.getMessage(), e);
        }
    }
}
