package org.influence4j.bench.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import org.influence4j.bench.study.CurvatureStudy;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code influence4j curvatures}: how close K-FAC, EK-FAC (three kinds of labels), CG and gradient dot products
 * come to exact influence on networks small enough for the exact solver.
 */
@Command(name = "curvatures", mixinStandardHelpOptions = true,
        description = {"Compares every curvature's influence scores with the exact solver's (Pearson and Spearman over "
                + "all training examples, per test point) on Iris MLPs and, without --quick, a small-MNIST MLP "
                + "analysed over its last two layers.",
                "Writes curvatures.csv, curvatures.md and curvatures-spearman.png."})
final class CurvaturesCommand implements Callable<Integer> {

    static final List<String> OUTPUTS = List.of("curvatures.csv", "curvatures.md", "curvatures-spearman.png");

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(names = "--quick", description = "Only the Iris networks (seconds instead of minutes).")
    boolean quick;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path dir = common.apply("out/curvatures", OUTPUTS);
        CurvatureStudy.run(quick ? CurvatureStudy.quick() : CurvatureStudy.full(), dir, line -> {
            if (!common.quiet) {
                out.println(line);
                out.flush();
            }
        });
        out.printf("wrote %s%n", dir.resolve("curvatures.md"));
        out.flush();
        return 0;
    }
}
