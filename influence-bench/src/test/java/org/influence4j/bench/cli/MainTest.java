package org.influence4j.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {

    @TempDir
    Path dir;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void datasets_listsBundledDataSets() {
        CliRun r = run("datasets");

        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("| iris ").contains("| small-mnist ").contains("5500").contains("setosa");
    }

    @Test
    void datasets_reportsMalformedUserFileWithLine() throws Exception {
        Path train = Files.writeString(dir.resolve("train.csv"), "1,2,0\n3,4,1\n");
        Path test = Files.writeString(dir.resolve("test.csv"), "1,2,0\n3,x,1\n");

        CliRun ok = run("datasets", "--train", train.toString(), "--test", train.toString());
        CliRun bad = run("datasets", "--train", train.toString(), "--test", test.toString());

        assertThat(ok.code()).isZero();
        assertThat(ok.out()).contains("train.csv");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--test " + test + ":2:2: 'x' is not a number");
    }

    @Test
    void usageAndBadArguments() {
        assertThat(run().out()).contains("Usage: influence4j").contains("datasets");
        assertThat(run("datasets", "--train", "a.csv").code()).isEqualTo(2);
        assertThat(run("--version").out()).contains("influence4j");
    }
}
