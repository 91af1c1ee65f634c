package org.influence4j.bench.study;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The curvature study's block-diagonal reference: on softmax regression (one layer, one block) it is the
 * Gauss–Newton solve itself; on an MLP it drops the cross-layer blocks, so it differs from the Gauss–Newton solve.
 */
class CurvatureStudyTest {

    @TempDir
    Path dir;

    @Test
    void blockDiagonalReference_isTheGaussNewtonSolveOnOneLayer_andDiffersOnTwo() throws Exception {
        List<CurvatureStudy.Case> cases = CurvatureStudy.quick().subList(0, 2); // Iris softmax, 4-16-3 MLP, λ = 0.01
        List<CurvatureStudy.Result> results = CurvatureStudy.run(cases, dir, s -> { });

        List<CurvatureStudy.Result> softmax = block(results, cases.get(0).name());
        List<CurvatureStudy.Result> mlp = block(results, cases.get(1).name());
        assertThat(softmax).hasSize(cases.get(0).queries())
                .allSatisfy(r -> assertThat(r.pearsonGgn()).isGreaterThan(1 - 1e-9));
        assertThat(mlp).hasSize(cases.get(1).queries());
        assertThat(mlp.stream().mapToDouble(CurvatureStudy.Result::pearsonGgn).average().orElseThrow())
                .isLessThan(0.999);
        assertThat(Files.readString(dir.resolve("curvatures.md"))).contains(CurvatureStudy.BLOCK_DIAGONAL);
        assertThat(dir.resolve("curvatures-spearman.png")).isNotEmptyFile();
    }

    private static List<CurvatureStudy.Result> block(List<CurvatureStudy.Result> results, String network) {
        return results.stream().filter(r -> r.network().equals(network)
                && r.curvature().equals(CurvatureStudy.BLOCK_DIAGONAL)).toList();
    }
}
