package org.influence4j.bench.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

import org.influence4j.bench.data.ClassificationData;
import org.influence4j.bench.data.CsvFormat;
import org.influence4j.bench.data.Datasets;
import org.influence4j.bench.data.TrainTestData;
import org.influence4j.bench.report.MarkdownTable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code influence4j datasets}: lists the bundled data sets with their sizes, or checks user files by loading them
 * exactly as the other commands will ({@code --train}, {@code --test}); a missing, unreadable or malformed file
 * is reported in one line naming the option, the file and the line, with exit code 2.
 */
@Command(name = "datasets", mixinStandardHelpOptions = true,
        description = {"Lists the bundled data sets, or loads user files to check them.",
                "CSV: numeric features and a label column (class index or name). IDX: *images-idx3* files with"
                        + " their *labels-idx1* siblings, plain or gzipped."})
final class DatasetsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--train", paramLabel = "FILE", description = "Training file to check (CSV or IDX images).")
    Path train;

    @Option(names = "--test", paramLabel = "FILE", description = "Test file to check, read with the training classes.")
    Path test;

    @Option(names = "--header", description = "CSV files start with a header line.")
    boolean header;

    @Option(names = "--label-column", paramLabel = "INDEX", defaultValue = "-1",
            description = "0-based CSV label column; negative counts from the end (default: ${DEFAULT-VALUE}, last).")
    int labelColumn;

    @Option(names = "--seed", defaultValue = "" + Datasets.DEFAULT_SEED,
            description = "Split seed for bundled data sets that are split at load time (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        MarkdownTable table = MarkdownTable.withHeader("data set", "train", "test", "features", "classes");
        if (train == null && test == null) {
            for (String name : Datasets.bundledNames()) {
                add(table, name, Datasets.bundled(name, seed));
            }
        } else if (train == null || test == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give both --train and --test");
        } else {
            CsvFormat csv = CsvFormat.defaults().withHeader(header).withLabelColumn(labelColumn);
            add(table, train.getFileName().toString(), InputFiles.load("--train", train, "--test", test, csv, null));
        }
        out.print(table);
        out.flush();
        return 0;
    }

    private static void add(MarkdownTable table, String name, TrainTestData data) {
        ClassificationData tr = data.train();
        table.row(name, tr.numExamples(), data.test().numExamples(), tr.numFeatures(),
                tr.numClasses() + " " + abbreviate(tr.classNames().toString()) + " train/class "
                        + Arrays.toString(tr.classCounts()));
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}
