package org.influence4j.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

class MainTest {

    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void datasets_listsBundledDataSets() {
        Result r = run("datasets");

        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("| iris ").contains("| small-mnist ").contains("5500").contains("setosa");
    }

    @Test
    void datasets_reportsMalformedUserFileWithLine() throws Exception {
        Path train = Files.writeString(dir.resolve("train.csv"), "1,2,0\n3,4,1\n");
        Path test = Files.writeString(dir.resolve("test.csv"), "1,2,0\n3,x,1\n");

        Result ok = run("datasets", "--train", train.toString(), "--test", train.toString());
        Result bad = run("datasets", "--train", train.toString(), "--test", test.toString());

        assertThat(ok.code()).isZero();
        assertThat(ok.out()).contains("train.csv");
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains(test + ":2:2: 'x' is not a number");
    }

    @Test
    void usageAndBadArguments() {
        assertThat(run().out()).contains("Usage: influence4j").contains("datasets");
        assertThat(run("datasets", "--train", "a.csv").code()).isEqualTo(2);
        assertThat(run("--version").out()).contains("influence4j");
    }
}
