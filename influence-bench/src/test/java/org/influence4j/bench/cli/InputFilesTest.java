package org.influence4j.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.influence4j.bench.study.Networks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input files are bad arguments: exit code 2 and one line naming the option, the file, the line and value
 * where there is one, and the remedy; the files themselves are never modified.
 */
class InputFilesTest {

    private static final FileTime OLD = FileTime.fromMillis(1_000_000_000_000L);

    @TempDir
    Path dir;

    private static void assertBadArgument(CliRun r, String message) {
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("influence4j: " + message + System.lineSeparator());
    }

    private Path csv(String name, String text) throws Exception {
        Path f = Files.writeString(dir.resolve(name), text);
        Files.setLastModifiedTime(f, OLD);
        return f;
    }

    private static void assertUnchanged(Path file, String text) throws Exception {
        assertThat(Files.readString(file)).isEqualTo(text);
        assertThat(Files.getLastModifiedTime(file)).isEqualTo(OLD);
    }

    /** Six separable rows of four features per class, labels 0..2 (class index in the last column). */
    private static String threeClasses() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 18; i++) {
            int c = i % 3;
            sb.append(c + 0.1 * i).append(',').append(-c + 0.05 * i).append(',').append(0.3 * c).append(',')
                    .append(i % 2).append(',').append(c).append('\n');
        }
        return sb.toString();
    }

    @Test
    void missingOrDirectoryTrainAndTestFiles_exit2LikeAMissingModel() throws Exception {
        Path train = csv("train.csv", threeClasses());
        Path missing = dir.resolve("missing.csv");

        for (String command : new String[] {"explain", "validate", "datasets"}) {
            assertBadArgument(CliRun.of(command, "--train", missing.toString(), "--test", train.toString()),
                    "--train " + missing + ": no such file");
            assertBadArgument(CliRun.of(command, "--train", train.toString(), "--test", missing.toString()),
                    "--test " + missing + ": no such file");
            assertBadArgument(CliRun.of(command, "--train", dir.toString(), "--test", train.toString()),
                    "--train " + dir + " is a directory; give a file");
        }
        assertBadArgument(CliRun.of("explain", "--model", missing.toString(), "--quiet"),
                "--model " + missing + ": no such file");
        assertUnchanged(train, threeClasses());
    }

    @Test
    void unreadableTrainFile_exits2WithPermissionDenied() throws Exception {
        Path train = csv("train.csv", threeClasses());
        Files.setPosixFilePermissions(train, PosixFilePermissions.fromString("-w-------"));
        try {
            assumeThat(Files.isReadable(train)).as("a file this user cannot read (not root)").isFalse();
            assertBadArgument(CliRun.of("explain", "--train", train.toString(), "--test", train.toString()),
                    "--train " + train + ": permission denied (the file is not readable)");
        } finally {
            Files.setPosixFilePermissions(train, PosixFilePermissions.fromString("rw-r--r--"));
        }
    }

    @Test
    void malformedTrainFile_exits2NamingOptionFileAndLine() throws Exception {
        String text = threeClasses() + "1,2,x,4,0\n";
        Path train = csv("train.csv", text);
        Path test = csv("test.csv", threeClasses());

        assertBadArgument(CliRun.of("explain", "--train", train.toString(), "--test", test.toString(), "--quiet"),
                "--train " + train + ":19:3: 'x' is not a number");
        assertBadArgument(CliRun.of("datasets", "--train", train.toString(), "--test", test.toString()),
                "--train " + train + ":19:3: 'x' is not a number");
        assertUnchanged(train, text);
    }

    @Test
    void negativeIntegerLabel_isAnErrorNotAFourthClass() throws Exception {
        String text = threeClasses() + "1,2,3,4,-1\n";
        Path train = csv("train.csv", text);
        Path test = csv("test.csv", threeClasses());

        assertBadArgument(CliRun.of("explain", "--train", train.toString(), "--test", test.toString(), "--quiet"),
                "--train " + train + ":19:5: label -1 is negative: integer class labels must be in [0, k) for k "
                        + "classes (here [0, 3), from the largest label 2); fix the label or remove the row");
        assertUnchanged(train, text);
    }

    @Test
    void testLabelOutsideTheTrainingClasses_namesLineValueAndRange() throws Exception {
        Path train = csv("train.csv", threeClasses());
        String text = "1,2,3,4,0\n1,2,3,4,7\n";
        Path test = csv("test.csv", text);

        assertBadArgument(CliRun.of("explain", "--train", train.toString(), "--test", test.toString(), "--quiet"),
                "--test " + test + ":2:5: label 7 is out of range: expected an integer class index in [0, 3) for "
                        + "the 3 classes [0, 1, 2]; fix the label or remove the row");
    }

    @Test
    void labelWithoutAnOutputOfTheModel_namesLineAndLabel() throws Exception {
        String text = threeClasses().replaceFirst("(?m)^(.*),2$", "$1,5");
        Path train = csv("train.csv", text);
        Path test = csv("test.csv", threeClasses());
        MultiLayerNetwork net = Networks.mlp(4, 3, 1, 3, Networks.HiddenActivation.TANH, 0, 1);
        Path model = dir.resolve("three.zip");
        ModelSerializer.writeModel(net, model.toFile(), false);
        byte[] modelBytes = Files.readAllBytes(model);

        assertBadArgument(CliRun.of("explain", "--train", train.toString(), "--test", test.toString(), "--model",
                model.toString(), "--quiet"), "--train " + train + ":3:5: label 5 is out of range: expected an integer "
                + "class index in [0, 3) for the 3 classes [0, 1, 2]; fix the label or remove the row (the --model "
                + "network has 3 outputs)");
        assertUnchanged(train, text);
        assertThat(Files.readAllBytes(model)).isEqualTo(modelBytes);
    }

    @Test
    void classNameWithoutAnOutputOfTheModel_namesTheExampleAndLabel() throws Exception {
        String text = "1,2,3,4,a\n2,3,4,5,b\n3,4,5,6,c\n4,5,6,7,d\n";
        Path train = csv("train.csv", text);
        MultiLayerNetwork net = Networks.mlp(4, 3, 1, 3, Networks.HiddenActivation.TANH, 0, 1);
        Path model = dir.resolve("three.zip");
        ModelSerializer.writeModel(net, model.toFile(), false);

        assertBadArgument(CliRun.of("explain", "--train", train.toString(), "--test", train.toString(), "--model",
                model.toString(), "-k", "1", "--quiet"), "the model's output has shape [1, 3] but the labels have 4 classes "
                + "[a, b, c, d]; training example 3 of " + train + " has label 'd' (class index 3), which has no output;"
                + " give a model with 4 outputs or data whose labels are its classes");
    }

    @Test
    void modelWithMoreOutputsThanTheLabelsUse_takesItsClassesFromTheModel() throws Exception {
        // labels 0 and 1 only, a 3-output model: the classes are 0..2, so the model fits
        String text = threeClasses().replaceAll("(?m),2$", ",1");
        Path train = csv("train.csv", text);
        MultiLayerNetwork net = Networks.mlp(4, 3, 1, 3, Networks.HiddenActivation.TANH, 5e-3, 1);
        Path model = dir.resolve("three.zip");
        ModelSerializer.writeModel(net, model.toFile(), false);

        CliRun r = CliRun.of("explain", "--train", train.toString(), "--test", train.toString(), "--model",
                model.toString(), "-k", "2", "--out", dir.resolve("out").toString(), "--quiet");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("most helpful");
    }

    @Test
    void byteOrderMarkAtTheStartOfATrainFile_isSkipped() throws Exception {
        Path train = csv("train.csv", "\uFEFF" + threeClasses());

        CliRun r = CliRun.of("datasets", "--train", train.toString(), "--test", train.toString());

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("\\| train.csv \\| +18 \\| +18 \\| +4 \\| 3 \\[0, 1, 2\\] ");
    }

    @Test
    void help_neverShowsDefaultNull_andDocumentsFilesAndOverwrite() {
        for (String command : new String[] {"explain", "validate", "fragility", "datasets"}) {
            CliRun r = CliRun.of(command, "--help");
            assertThat(r.code()).isZero();
            assertThat(r.out()).as(command).doesNotContain("default: null").doesNotContain("${");
            if (!command.equals("datasets")) {
                assertThat(r.out()).as(command).contains("--out=DIR").contains("out/<command>")
                        .contains("--overwrite");
            }
            if (!command.equals("fragility")) {
                assertThat(r.out()).as(command).contains("--train=FILE").contains("--test=FILE").contains("--header");
            }
        }
    }
}
