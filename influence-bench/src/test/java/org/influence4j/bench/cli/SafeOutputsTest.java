package org.influence4j.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Earlier results are never replaced silently, and an unusable {@code --out} is reported before any work, with
 * exit code 2 and one line that names the option, the path, the reason and the remedy.
 */
class SafeOutputsTest {

    private static final FileTime OLD = FileTime.fromMillis(1_000_000_000_000L); // 2001-09-09

    @TempDir
    Path dir;

    /** Writes earlier "results" with known bytes and an old modification time. */
    private Map<Path, byte[]> earlier(Path out, String... names) throws Exception {
        Map<Path, byte[]> files = new LinkedHashMap<>();
        for (String name : names) {
            Path f = out.resolve(name);
            Files.createDirectories(f.getParent());
            byte[] bytes = ("earlier result " + name + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            Files.write(f, bytes);
            Files.setLastModifiedTime(f, OLD);
            files.put(f, bytes);
        }
        return files;
    }

    private static void assertUnchanged(Map<Path, byte[]> files) throws Exception {
        for (Map.Entry<Path, byte[]> e : files.entrySet()) {
            assertThat(Files.readAllBytes(e.getKey())).as("bytes of %s", e.getKey()).isEqualTo(e.getValue());
            assertThat(Files.getLastModifiedTime(e.getKey())).as("mtime of %s", e.getKey()).isEqualTo(OLD);
        }
    }

    private static void assertRefused(CliRun r, String message) {
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("influence4j: " + message + System.lineSeparator());
        assertThat(r.out()).as("no work was done").isEmpty();
    }

    @Test
    void explain_refusesToReplaceEarlierResults_beforeAnyWork() throws Exception {
        Path out = dir.resolve("explain");
        Map<Path, byte[]> files = earlier(out, "explain.csv", "explain.json", "notes.txt");

        // --test-point 9999 is only found invalid after training: the refusal comes first
        CliRun r = CliRun.of("explain", "--out", out.toString(), "--test-point", "9999", "--quiet");

        assertRefused(r, "--out " + out + " already holds " + out.resolve("explain.csv") + " (and 1 more earlier "
                + "result file); nothing was written: pass --overwrite to replace earlier results, or choose "
                + "another --out");
        assertUnchanged(files);
        try (var s = Files.list(out)) {
            assertThat(s.count()).isEqualTo(3);
        }
    }

    @Test
    void explain_withOverwrite_replacesEarlierResults_andLeavesOtherFilesAlone() throws Exception {
        Path out = dir.resolve("explain");
        Map<Path, byte[]> files = earlier(out, "explain.csv", "notes.txt");

        CliRun r = CliRun.of("explain", "--out", out.toString(), "-k", "2", "--overwrite", "--quiet");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readAllLines(out.resolve("explain.csv"))).hasSize(1 + 2 * 2);
        assertThat(Files.getLastModifiedTime(out.resolve("explain.csv"))).isNotEqualTo(OLD);
        files.remove(out.resolve("explain.csv"));
        assertUnchanged(files);
    }

    @Test
    void validate_refusesEarlierSummaryOrScatterPlots() throws Exception {
        Path out = dir.resolve("validate");
        Map<Path, byte[]> summary = earlier(out, "summary.csv");
        Path plots = dir.resolve("plots");
        Map<Path, byte[]> scatter = earlier(plots, "scatter_test3.png");

        CliRun r1 = CliRun.of("validate", "--out", out.toString(), "--test-point", "9999", "--quiet");
        CliRun r2 = CliRun.of("validate", "--out", plots.toString(), "--test-point", "9999", "--quiet");

        assertRefused(r1, "--out " + out + " already holds " + out.resolve("summary.csv") + "; nothing was written: "
                + "pass --overwrite to replace earlier results, or choose another --out");
        assertRefused(r2, "--out " + plots + " already holds " + plots.resolve("scatter_test3.png")
                + "; nothing was written: pass --overwrite to replace earlier results, or choose another --out");
        assertUnchanged(summary);
        assertUnchanged(scatter);
    }

    @Test
    void fragility_refusesEarlierReportOrScatterDirectory() throws Exception {
        Path out = dir.resolve("quick");
        Map<Path, byte[]> files = earlier(out, "report.md", "scatter/lbfgs_d1_w5_wd0.005_s1_exact.png");
        Path other = dir.resolve("other");
        Map<Path, byte[]> scatterOnly = earlier(other, "scatter/x.png", "README.txt");

        CliRun r = CliRun.of("fragility", "--quick", "--out", out.toString(), "--quiet");
        CliRun r2 = CliRun.of("fragility", "--quick", "--out", other.toString(), "--quiet");

        assertRefused(r, "--out " + out + " already holds " + out.resolve("report.md") + " (and 1 more earlier "
                + "result file); nothing was written: pass --overwrite to replace earlier results, or choose "
                + "another --out");
        assertRefused(r2, "--out " + other + " already holds " + other.resolve("scatter/") + "; nothing was "
                + "written: pass --overwrite to replace earlier results, or choose another --out");
        assertUnchanged(files);
        assertUnchanged(scatterOnly);
    }

    @Test
    void outThatIsAFile_isRefusedFirst_forEveryCommand() throws Exception {
        Path file = dir.resolve("outfile");
        Map<Path, byte[]> files = earlier(dir, "outfile");

        for (String command : new String[] {"explain", "validate", "fragility"}) {
            CliRun r = CliRun.of(command, "--out", file.toString(), "--quiet");
            assertRefused(r, "--out " + file + " is a file; give a directory (created if missing)");
        }
        Path below = file.resolve("sub");
        assertRefused(CliRun.of("explain", "--out", below.toString(), "--quiet"), "--out " + below + ": "
                + file.toAbsolutePath() + " is a file, so the directory cannot be created; give another --out");
        assertUnchanged(files);
    }

    @Test
    void outThatIsNotWritable_isRefusedFirst() throws Exception {
        Path readOnly = Files.createDirectory(dir.resolve("read-only"));
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            // root may write anywhere; then try a read-only file system (/proc/sys in containers) or skip
            Path target = Files.isWritable(readOnly) ? Path.of("/proc/sys") : readOnly;
            assumeThat(Files.isDirectory(target) && !Files.isWritable(target)).as("a directory this user cannot "
                    + "write").isTrue();

            for (Path out : new Path[] {target, target.resolve("new-sub-directory")}) {
                CliRun r = CliRun.of("explain", "--out", out.toString(), "--test-point", "9999", "--quiet");
                assertRefused(r, "--out " + out + ": permission denied (" + target.toAbsolutePath() + " is not "
                        + "writable); give another --out or change its permissions");
            }
        } finally {
            Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void main_describesFileSystemErrorsWithTheirReason() {
        assertThat(Main.describe(new java.nio.file.FileAlreadyExistsException("out/x")))
                .isEqualTo("out/x: already exists (is a file?)");
        assertThat(Main.describe(new java.nio.file.AccessDeniedException("/ro/summary.csv")))
                .isEqualTo("/ro/summary.csv: permission denied");
        assertThat(Main.describe(new IllegalStateException("plain"))).isEqualTo("plain");
    }
}
