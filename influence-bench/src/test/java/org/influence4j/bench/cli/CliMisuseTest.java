package org.influence4j.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The command line's misuse suite: each subcommand × bad values of its options. Every case exits with code 2 before
 * any work (nothing on standard output), reports one line on standard error that names the option and the offending
 * value, and leaves every file in the fixture directory as it was (bytes and modification time) — including the
 * {@code --out} directory, which is not created.
 */
class CliMisuseTest {

    private static final FileTime OLD = FileTime.fromMillis(1_000_000_000_000L);
    static final Path DIR;
    static final Path TRAIN;
    static final Path TEST;
    static final Path NOT_A_MODEL;
    static final Path A_FILE;
    static final Path EXISTING_SCORES;
    static final Path EARLIER;  // an --out directory holding an earlier run's results
    static final Path OUT;      // the parent of each case's own --out directory, which does not exist
    private static int outs;    // numbers the cases' --out directories

    static {
        try {
            DIR = Files.createTempDirectory("misuse-cli");
            TRAIN = fixture("train.csv", threeClasses(18));
            TEST = fixture("test.csv", threeClasses(9));
            NOT_A_MODEL = fixture("model.zip", "not a zip file\n");
            A_FILE = fixture("notes.txt", "a file, not a directory\n");
            EXISTING_SCORES = fixture("scores.csv", "train_index,7\n0,0.5\n");
            EARLIER = Files.createDirectories(DIR.resolve("earlier"));
            for (String f : List.of("explain.csv", "validation.csv", "curvatures.csv", "results.csv")) {
                fixture("earlier/" + f, "earlier result\n");
            }
            OUT = DIR.resolve("out");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path fixture(String name, String text) throws IOException {
        Path f = Files.writeString(DIR.resolve(name), text);
        Files.setLastModifiedTime(f, OLD);
        return f;
    }

    /** Separable rows of four features, labels 0..2 in the last column. */
    private static String threeClasses(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int c = i % 3;
            sb.append(c + 0.1 * i).append(',').append(-c + 0.05 * i).append(',').append(0.3 * c).append(',')
                    .append(i % 2).append(',').append(c).append('\n');
        }
        return sb.toString();
    }

    @AfterAll
    static void deleteFixtures() throws IOException {
        try (Stream<Path> files = Files.walk(DIR)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    /**
     * One case.
     *
     * @param command   the subcommand
     * @param option    the option whose value is bad
     * @param args      the whole command line
     * @param fragments what the error line must contain: the option and the offending value
     */
    record Case(String command, String option, List<String> args, List<String> fragments) {
        @Override
        public String toString() {
            return String.join(" ", args).replace(DIR.toString(), "$DIR");
        }
    }

    static Case c(String command, String option, List<String> fragments, String... rest) {
        List<String> args = new ArrayList<>();
        args.add(command);
        args.addAll(Arrays.asList(rest));
        return new Case(command, option, args, fragments);
    }

    /**
     * {@code --quiet} and, unless given, an {@code --out} of the case's own that does not exist (a case that wrongly
     * ran would write there, and be caught by the file check, without disturbing the next case).
     */
    static String[] outQuiet(String... rest) {
        List<String> a = new ArrayList<>(Arrays.asList(rest));
        if (!a.contains("--out")) {
            a.add("--out");
            a.add(OUT.resolve(String.valueOf(++outs)).toString());
        }
        a.add("--quiet");
        return a.toArray(new String[0]);
    }

    static synchronized Stream<Case> cases() {
        outs = 0;
        List<Case> cs = new ArrayList<>();
        // options every writing command shares
        for (String cmd : List.of("explain", "validate", "fragility", "curvatures")) {
            cs.add(c(cmd, "--threads", List.of("--threads (0)", ">= 1"), outQuiet("--threads", "0")));
            cs.add(c(cmd, "--threads", List.of("--threads", "-3"), outQuiet("--threads", "-3")));
            cs.add(c(cmd, "--threads", List.of("--threads", "'two'"), outQuiet("--threads", "two")));
            cs.add(c(cmd, "--seed", List.of("--seed", "'1.5'"), outQuiet("--seed", "1.5")));
            cs.add(c(cmd, "--out", List.of("--out " + A_FILE, "is a file"), outQuiet("--out", A_FILE.toString())));
            cs.add(c(cmd, "--out", List.of("--out " + A_FILE.resolve("sub"), "is a file"),
                    outQuiet("--out", A_FILE.resolve("sub").toString())));
            cs.add(c(cmd, "--out", List.of("--out " + EARLIER, "already holds", "--overwrite"),
                    outQuiet("--out", EARLIER.toString())));
            cs.add(c(cmd, "--frobnicate", List.of("Unknown option", "'--frobnicate'"), outQuiet("--frobnicate")));
        }
        // data, model, training and solver options of explain and validate
        for (String cmd : List.of("explain", "validate")) {
            String train = TRAIN.toString();
            String test = TEST.toString();
            cs.add(c(cmd, "--dataset", List.of("unknown dataset 'nope'"), outQuiet("--dataset", "nope")));
            cs.add(c(cmd, "--train", List.of("--train " + DIR.resolve("missing.csv"), "no such file"),
                    outQuiet("--train", DIR.resolve("missing.csv").toString(), "--test", test)));
            cs.add(c(cmd, "--train", List.of("--train " + DIR, "is a directory"),
                    outQuiet("--train", DIR.toString(), "--test", test)));
            cs.add(c(cmd, "--test", List.of("give both --train and --test"), outQuiet("--train", train)));
            cs.add(c(cmd, "--test", List.of("--test " + TRAIN.resolveSibling("none.csv"), "no such file"),
                    outQuiet("--train", train, "--test", TRAIN.resolveSibling("none.csv").toString())));
            cs.add(c(cmd, "--model", List.of("--model " + DIR.resolve("none.zip"), "no such file"),
                    outQuiet("--model", DIR.resolve("none.zip").toString())));
            cs.add(c(cmd, "--model", List.of("--model " + NOT_A_MODEL, "not a DL4J MultiLayerNetwork"),
                    outQuiet("--model", NOT_A_MODEL.toString())));
            cs.add(c(cmd, "--architecture", List.of("--architecture 'resnet'"), outQuiet("--architecture", "resnet")));
            cs.add(c(cmd, "--activation", List.of("--activation 'swish'"), outQuiet("--activation", "swish")));
            cs.add(c(cmd, "--optimizer", List.of("--optimizer 'sgd'"), outQuiet("--optimizer", "sgd")));
            cs.add(c(cmd, "--solver", List.of("--solver 'magic'"), outQuiet("--solver", "magic")));
            cs.add(c(cmd, "--damping", List.of("--damping (-0.1)"), outQuiet("--damping", "-0.1")));
            cs.add(c(cmd, "--damping", List.of("--damping (NaN)"), outQuiet("--damping", "NaN")));
            cs.add(c(cmd, "--damping", List.of("--damping (Infinity)"), outQuiet("--damping", "Infinity")));
            cs.add(c(cmd, "--damping", List.of("--damping", "'small'"), outQuiet("--damping", "small")));
            cs.add(c(cmd, "--train-iterations", List.of("--train-iterations (0)"),
                    outQuiet("--train-iterations", "0")));
            cs.add(c(cmd, "--retrain-iterations", List.of("--retrain-iterations (-5)"),
                    outQuiet("--retrain-iterations", "-5")));
            cs.add(c(cmd, "--depth", List.of("--depth (-1)"), outQuiet("--depth", "-1")));
            cs.add(c(cmd, "--width", List.of("--width (0)"), outQuiet("--width", "0")));
            cs.add(c(cmd, "--weight-decay", List.of("--weight-decay (-0.005)"), outQuiet("--weight-decay", "-0.005")));
            cs.add(c(cmd, "--weight-decay", List.of("--weight-decay (NaN)"), outQuiet("--weight-decay", "NaN")));
            cs.add(c(cmd, "--test-point", List.of("--test-point 'worst'"), outQuiet("--test-point", "worst")));
            // the curvature options
            cs.add(c(cmd, "--curvature", List.of("--curvature 'newton'"), outQuiet("--curvature", "newton")));
            cs.add(c(cmd, "--curvature", List.of("--curvature cg and --solver exact", "not both"),
                    outQuiet("--curvature", "cg", "--solver", "exact")));
            cs.add(c(cmd, "--fisher", List.of("--fisher", "only used by --curvature kfac or ekfac", "cg"),
                    outQuiet("--curvature", "cg", "--fisher", "sampled")));
            cs.add(c(cmd, "--fisher", List.of("--fisher 'true'"), outQuiet("--curvature", "kfac", "--fisher", "true")));
            cs.add(c(cmd, "--heuristic-damping", List.of("--heuristic-damping (-0.1)"),
                    outQuiet("--curvature", "ekfac", "--heuristic-damping", "-0.1")));
            cs.add(c(cmd, "--heuristic-damping", List.of("--heuristic-damping (NaN)"),
                    outQuiet("--curvature", "ekfac", "--heuristic-damping", "NaN")));
            cs.add(c(cmd, "--factors", List.of("--factors " + DIR, "is a directory"),
                    outQuiet("--curvature", "kfac", "--factors", DIR.toString())));
            cs.add(c(cmd, "--factors", List.of("--factors " + A_FILE.resolve("f.kfac"), A_FILE.toString()),
                    outQuiet("--curvature", "kfac", "--factors", A_FILE.resolve("f.kfac").toString())));
        }
        cs.add(c("explain", "-k", List.of("-k/--top (0)", ">= 1"), outQuiet("-k", "0")));
        cs.add(c("explain", "-k", List.of("-k/--top (101)", "exceeds", "(100)"), outQuiet("-k", "101")));
        cs.add(c("explain", "--test-point", List.of("--test-point 50", "out of range", "(0..49)"),
                outQuiet("--test-point", "50")));
        cs.add(c("explain", "--test-point", List.of("--test-point -1", "negative"), outQuiet("--test-point", "-1")));
        cs.add(c("explain", "--test-point", List.of("--test-point range 9-3", "descending"),
                outQuiet("--test-point", "9-3")));
        cs.add(c("explain", "--test-point", List.of("--test-point", "empty entry"), outQuiet("--test-point", "1,,2")));
        cs.add(c("explain", "--highest-loss", List.of("--highest-loss (0)"), outQuiet("--highest-loss", "0")));
        cs.add(c("explain", "--highest-loss", List.of("--highest-loss (51)", "50"), outQuiet("--highest-loss", "51")));
        cs.add(c("explain", "--highest-loss", List.of("--test-point or --highest-loss, not both"),
                outQuiet("--highest-loss", "2", "--test-point", "1")));
        cs.add(c("explain", "--scores-out", List.of("--scores-out " + DIR, "is a directory"),
                outQuiet("--scores-out", DIR.toString())));
        cs.add(c("explain", "--scores-out", List.of("--scores-out " + A_FILE, "unknown format"),
                outQuiet("--scores-out", A_FILE.toString())));
        cs.add(c("explain", "--scores-out", List.of("--scores-out " + EXISTING_SCORES, "already exists"),
                outQuiet("--scores-out", EXISTING_SCORES.toString())));
        cs.add(c("validate", "-k", List.of("-k/--top-k (0)"), outQuiet("-k", "0")));
        cs.add(c("validate", "--random", List.of("--random (-1)"), outQuiet("--random", "-1")));
        cs.add(c("validate", "-k", List.of("-k/--top-k + --random (95 + 10)", "(100)"), outQuiet("-k", "95")));
        cs.add(c("validate", "--test-point", List.of("--test-point 50", "out of range"), outQuiet("--test-point",
                "highest-loss,50")));
        cs.add(c("validate", "--ground-truth", List.of("--ground-truth 'retrain'", "loo, loo-scratch, pbrf, lds"),
                outQuiet("--ground-truth", "loo,retrain")));
        cs.add(c("validate", "--subsets", List.of("--subsets (2)"), outQuiet("--ground-truth", "lds", "--subsets", "2")));
        cs.add(c("validate", "--fraction", List.of("--fraction (1.0)"), outQuiet("--ground-truth", "lds", "--fraction",
                "1")));
        cs.add(c("validate", "--fraction", List.of("--fraction (NaN)"), outQuiet("--ground-truth", "lds", "--fraction",
                "NaN")));
        cs.add(c("validate", "--seeds-per-subset", List.of("--seeds-per-subset (0)"), outQuiet("--ground-truth", "lds",
                "--seeds-per-subset", "0")));
        cs.add(c("validate", "--measurement", List.of("--measurement 'median'", "loss or margin"),
                outQuiet("--ground-truth", "lds", "--measurement", "median")));
        cs.add(c("validate", "--subset-start", List.of("--subset-start 'cold'", "scratch or warm"),
                outQuiet("--ground-truth", "lds", "--subset-start", "cold")));
        cs.add(c("validate", "--bootstrap", List.of("--bootstrap (-1)"), outQuiet("--ground-truth", "lds",
                "--bootstrap", "-1")));
        // the ground-truth table
        cs.add(c("benchmark-table", "--model", List.of("unknown model in [softmax, cnn]", "[softmax, mlp]"),
                outQuiet("--quick", "--model", "softmax,cnn")));
        cs.add(c("benchmark-table", "--test-points", List.of("--test-points (2)"), outQuiet("--quick", "--test-points",
                "2")));
        cs.add(c("benchmark-table", "--loo-removals", List.of("--loo-removals (-4)"), outQuiet("--quick",
                "--loo-removals", "-4")));
        cs.add(c("benchmark-table", "--subsets", List.of("--subsets (1)"), outQuiet("--quick", "--subsets", "1")));
        cs.add(c("benchmark-table", "--curvatures", List.of("unknown curvature 'newton'", "cg-10"),
                outQuiet("--quick", "--curvatures", "cg,newton")));
        cs.add(c("benchmark-table", "--curvatures", List.of("curvature 'cg@-0.5'", "finite number >= 0", "cg@1e-5"),
                outQuiet("--quick", "--curvatures", "cg@-0.5")));
        cs.add(c("benchmark-table", "--curvatures", List.of("no model of this table has any of the curvatures [cg-10]"),
                outQuiet("--quick", "--curvatures", "cg-10")));
        cs.add(c("benchmark-table", "--subset-start", List.of("--subset-start 'hot'", "scratch or warm"),
                outQuiet("--quick", "--subset-start", "hot")));
        cs.add(c("benchmark-table", "--threads", List.of("--threads (0)"), outQuiet("--quick", "--threads", "0")));
        cs.add(c("benchmark-table", "--dampings", List.of("--dampings [0.1, -1.0]", "distinct finite values >= 0"),
                outQuiet("--quick", "--dampings", "0.1,-1")));
        cs.add(c("benchmark-table", "--dampings", List.of("--dampings [0.1, 0.1]", "distinct"),
                outQuiet("--quick", "--dampings", "0.1,0.1")));
        // the fragility study
        cs.add(c("fragility", "--lds", List.of("--lds (2)"), outQuiet("--lds", "2")));
        cs.add(c("fragility", "--preset", List.of("--preset 'huge'"), outQuiet("--preset", "huge")));
        cs.add(c("fragility", "--dataset", List.of("unknown dataset 'nope'"), outQuiet("--dataset", "nope")));
        cs.add(c("fragility", "--solvers", List.of("solver 'newton'"), outQuiet("--solvers", "exact,newton")));
        cs.add(c("fragility", "--protocols", List.of("protocol 'sgd'"), outQuiet("--protocols", "sgd")));
        cs.add(c("fragility", "-k", List.of("--top-k + --random (200 + 10)", "(100)"), outQuiet("-k", "200")));
        cs.add(c("fragility", "--random", List.of("--random (-1)"), outQuiet("--random", "-1")));
        cs.add(c("fragility", "-k", List.of("-k/--top-k (0)"), outQuiet("-k", "0")));
        cs.add(c("fragility", "--damping", List.of("--damping (NaN)"), outQuiet("--damping", "NaN")));
        cs.add(c("fragility", "--depths", List.of("--depths [1, -1]", "-1"), outQuiet("--depths", "1,-1")));
        cs.add(c("fragility", "--depths", List.of("--depths [65]", "65"), outQuiet("--depths", "65")));
        cs.add(c("fragility", "--widths", List.of("--widths [-5]", "-5"), outQuiet("--widths", "-5")));
        cs.add(c("fragility", "--weight-decays", List.of("--weight-decays [0.0, -0.1]", "-0.1"),
                outQuiet("--weight-decays", "0,-0.1")));
        cs.add(c("fragility", "--seeds", List.of("--seeds", "'x'"), outQuiet("--seeds", "1,x")));
        cs.add(c("fragility", "--damping", List.of("--damping (-1.0)"), outQuiet("--damping", "-1")));
        cs.add(c("fragility", "--test-points", List.of("--test-points (0)"), outQuiet("--test-points", "0")));
        cs.add(c("fragility", "--train-examples", List.of("--train-examples (-10)"),
                outQuiet("--train-examples", "-10")));
        cs.add(c("fragility", "--train-iterations", List.of("--train-iterations (0)"),
                outQuiet("--train-iterations", "0")));
        cs.add(c("fragility", "--retrain-iterations", List.of("--retrain-iterations (-1)"),
                outQuiet("--retrain-iterations", "-1")));
        // the data check
        cs.add(c("datasets", "--train", List.of("--train " + DIR.resolve("missing.csv"), "no such file"),
                "--train", DIR.resolve("missing.csv").toString(), "--test", TEST.toString()));
        cs.add(c("datasets", "--test", List.of("give both --train and --test"), "--train", TRAIN.toString()));
        cs.add(c("datasets", "--label-column", List.of("--train " + TRAIN, "label column 9"), "--train", TRAIN.toString(),
                "--test", TEST.toString(), "--label-column", "9"));
        cs.add(c("datasets", "--label-column", List.of("--train " + TRAIN, "label column -9"), "--train", TRAIN.toString(),
                "--test", TEST.toString(), "--label-column", "-9"));
        cs.add(c("datasets", "--seed", List.of("--seed", "'abc'"), "--seed", "abc"));
        cs.add(c("datasets", "--train", List.of("--train " + NOT_A_MODEL, "unknown file kind"), "--train", NOT_A_MODEL.toString(),
                "--test", TEST.toString()));
        return cs.stream();
    }

    static Map<String, String> files() {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> files = Files.walk(DIR)) {
            for (Path f : files.toList()) {
                m.put(DIR.relativize(f).toString(), Files.isRegularFile(f)
                        ? Arrays.hashCode(Files.readAllBytes(f)) + "@" + Files.getLastModifiedTime(f) : "dir");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return m;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void badOptionValue_exits2BeforeAnyWork_withOneLineNamingTheOptionAndValue(Case c) {
        Map<String, String> before = files();

        CliRun r = CliRun.of(c.args().toArray(new String[0]));

        assertThat(r.code()).as(c + ": exit code; stderr " + r.err()).isEqualTo(2);
        assertThat(r.err()).as(c + ": one line").startsWith("influence4j: ");
        assertThat(r.err().strip().lines().count()).as(c + ": one line: " + r.err()).isEqualTo(1);
        for (String f : c.fragments()) {
            assertThat(r.err()).as(c + ": names " + f).contains(f);
        }
        assertThat(r.out()).as(c + ": no work done").isEmpty();
        assertThat(files()).as(c + ": files").isEqualTo(before);
    }

    @Test
    void theTable_coversEverySubcommand() {
        List<Case> all = cases().toList();
        assertThat(all.stream().map(Case::command).distinct()).containsExactlyInAnyOrder("explain", "validate",
                "fragility", "curvatures", "benchmark-table", "datasets");
        assertThat(all.stream().map(Case::toString).distinct().count()).isEqualTo(all.size());
    }
}
