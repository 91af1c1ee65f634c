package org.influence4j.bench.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.influence4j.dl4j.TrainingProtocol;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Nesterovs;

/**
 * The benchmark table's damping grid and its from-scratch leave-one-out, on Iris softmax regression (a strictly
 * convex model: its regularised optimum is unique, so a retraining from scratch and one warm-started from θ̂ must
 * measure the same leave-one-out changes).
 */
class GroundTruthTableTest {

    @TempDir
    Path dir;

    private static GroundTruthTable.Config small(boolean looFromScratch) {
        return small(looFromScratch, List.of("exact", "identity"));
    }

    private static GroundTruthTable.Config small(boolean looFromScratch, List<String> curvatures) {
        GroundTruthTable.Config q = GroundTruthTable.quick();
        GroundTruthTable.ModelSpec softmax = q.models().get(0);
        GroundTruthTable.ModelSpec spec = new GroundTruthTable.ModelSpec(softmax.name(), softmax.hidden(),
                softmax.activation(), softmax.weightDecay(), softmax.protocol(), softmax.warmSubsets(), 8,
                curvatures, null, looFromScratch);
        return new GroundTruthTable.Config(q.name(), q.data(), q.trainExamples(), 5, q.dampings(), 6, q.fraction(),
                200, q.lissaDepth(), List.of(spec), q.seed());
    }

    @Test
    void dampingGrid_addsRowsPerDamping_andKeepsTheHeadlineRowsUnchanged() throws Exception {
        List<String> log = new ArrayList<>();
        GroundTruthTable.Result one = GroundTruthTable.run(small(false), dir.resolve("one"), 1, false, log::add);
        GroundTruthTable.Result grid = GroundTruthTable.run(small(false).withDampings(List.of(0.01, 0.1, 1.0)),
                dir.resolve("grid"), 1, false, log::add);

        assertThat(one.rows()).extracting(GroundTruthTable.Row::curvature).containsExactly("exact", "identity");
        // identity is scored once: λ only scales its scores
        assertThat(grid.rows()).extracting(r -> r.curvature() + "@" + r.damping())
                .containsExactly("exact@0.01", "exact@0.1", "exact@1.0", "identity@0.01");
        for (GroundTruthTable.Row r : one.rows()) {
            GroundTruthTable.Row g = grid.rows().stream().filter(x -> x.curvature().equals(r.curvature())
                    && x.damping() == 0.01).findFirst().orElseThrow();
            assertThat(g.lds().mean()).isCloseTo(r.lds().mean(), within(1e-12));
            assertThat(g.looPearson().mean()).isCloseTo(r.looPearson().mean(), within(1e-12));
        }
        // a larger λ moves the exact inverse toward the identity's ranking: the rows differ
        assertThat(grid.rows().get(2).lds().mean()).isNotEqualTo(grid.rows().get(0).lds().mean());

        assertThat(dir.resolve("grid/lds_vs_damping.png")).isNotEmptyFile();
        assertThat(dir.resolve("one/lds_vs_damping.png")).doesNotExist();
        String md = Files.readString(dir.resolve("grid/table.md"));
        assertThat(md).contains("damping λ ∈ [0.01, 0.1, 1.0]", "best λ");
        assertThat(Files.readAllLines(dir.resolve("grid/table.csv"))).hasSize(5)
                .first().asString().contains("curvature,damping");
        GroundTruthTable.Row best = GroundTruthTable.bestPerCurvature(grid.rows()).get(0);
        assertThat(best.lds().mean()).isEqualTo(grid.rows().subList(0, 3).stream()
                .mapToDouble(r -> r.lds().mean()).max().orElseThrow());
        // the exact solver solves directly: every solve converged, residual at rounding level
        for (GroundTruthTable.Row r : grid.rows().subList(0, 3)) {
            assertThat(r.solvesConverged()).isEqualTo(5);
            assertThat(r.medianResidual()).isLessThan(1e-8);
        }
        assertThat(Files.readAllLines(dir.resolve("grid/table.csv")).get(0))
                .contains("solves_converged,median_relative_residual");

        // a curvature pinned to its own λ: one extra row, equal to the grid's row at that λ
        GroundTruthTable.Result pinned = GroundTruthTable.run(small(false, List.of("exact", "exact@1.0",
                "identity")), dir.resolve("pinned"), 1, false, log::add);
        assertThat(pinned.rows()).extracting(r -> r.curvature() + "@" + r.damping())
                .containsExactly("exact@0.01", "exact@1.0", "identity@0.01");
        assertThat(pinned.rows().get(1).lds().mean()).isCloseTo(grid.rows().get(2).lds().mean(), within(1e-12));
        assertThat(pinned.rows().get(1).looPearson().mean())
                .isCloseTo(grid.rows().get(2).looPearson().mean(), within(1e-12));
        assertThat(dir.resolve("pinned/lds_vs_damping.png")).isNotEmptyFile();
        assertThat(Files.readString(dir.resolve("pinned/table.md"))).contains("its own damping", "best λ");
    }

    @Test
    void entries_crossNamesWithTheDampings_pinOwnDampings_andDropRepeats() {
        assertThat(GroundTruthTable.entries(List.of("cg", "cg@0.1", "identity", "cg@0.01", "ekfac-expected@1e-5"),
                List.of(0.01, 1.0))).extracting(Object::toString).containsExactly("cg λ=0.01", "cg λ=1.0",
                "cg λ=0.1", "identity λ=0.01", "ekfac-expected λ=1.0E-5");
        for (String bad : List.of("cg@-1", "cg@abc", "cg@Infinity", "cg@")) {
            assertThatThrownBy(() -> GroundTruthTable.checkCurvature(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + bad + "'").hasMessageContaining("finite number >= 0");
        }
        assertThatThrownBy(() -> GroundTruthTable.checkCurvature("newton@0.1"))
                .hasMessageContaining("unknown curvature 'newton@0.1'").hasMessageContaining("name@λ");
        // a pinned name selects the model's curvature of that name, in table order
        GroundTruthTable.Config c = GroundTruthTable.quick().onlyCurvatures(List.of("identity", "cg@0.1", "cg"));
        assertThat(c.models().get(0).curvatures()).containsExactly("cg@0.1", "cg", "identity");
        // cg-block is offered to every model with cg
        GroundTruthTable.Config b = GroundTruthTable.quick().onlyCurvatures(List.of("cg-block"));
        assertThat(b.models()).hasSize(GroundTruthTable.quick().models().size())
                .allSatisfy(m -> assertThat(m.curvatures()).containsExactly("cg-block"));
    }

    @Test
    void blockDiagonalCg_onASingleLayerModel_equalsTheExactSolver() throws Exception {
        // softmax regression is one layer, one block: its block-diagonal Hessian is its Hessian
        GroundTruthTable.Result r = GroundTruthTable.run(small(false, List.of("exact", "cg-block")),
                dir.resolve("block"), 1, false, s -> { });
        assertThat(r.rows()).extracting(GroundTruthTable.Row::curvature).containsExactly("exact", "cg-block");
        GroundTruthTable.Row exact = r.rows().get(0);
        GroundTruthTable.Row block = r.rows().get(1);
        assertThat(block.lds().mean()).isCloseTo(exact.lds().mean(), within(1e-6));
        assertThat(block.looPearson().mean()).isCloseTo(exact.looPearson().mean(), within(1e-6));
        assertThat(block.solvesConverged()).isEqualTo(5);
        assertThat(Files.readString(dir.resolve("block/table.md"))).contains("cg-block's against the layer-block-diagonal");
    }

    @Test
    void leaveOneOutFromScratch_onAConvexModel_equalsTheWarmStartedOne() throws Exception {
        GroundTruthTable.Result warm = GroundTruthTable.run(small(false), dir.resolve("warm"), 1, false, l -> { });
        GroundTruthTable.Result scratch = GroundTruthTable.run(small(true), dir.resolve("scratch"), 2, false,
                l -> { });
        assertThat(warm.facts().get(0).looStart()).isEqualTo("warm start");
        assertThat(scratch.facts().get(0).looStart()).isEqualTo("from scratch, seed " + small(true).seed());
        for (int i = 0; i < warm.rows().size(); i++) {
            // the optimum is unique: both retrainings reach it to L-BFGS's tolerance (‖∇R‖ ≤ 1e-8)
            assertThat(scratch.rows().get(i).looPearson().mean())
                    .isCloseTo(warm.rows().get(i).looPearson().mean(), within(1e-3));
        }
        assertThat(scratch.facts().get(0).looMedianActual())
                .isCloseTo(warm.facts().get(0).looMedianActual(), within(0.02 * warm.facts().get(0).looMedianActual()));
    }

    @Test
    void config_refusesBadDampings_andTheMnistTableHasDattrisMlpRecipe() {
        GroundTruthTable.Config q = GroundTruthTable.quick();
        assertThatThrownBy(() -> q.withDampings(List.of())).hasMessageContaining("non-empty");
        assertThatThrownBy(() -> q.withDampings(List.of(0.1, -1.0))).hasMessageContaining("[0.1, -1.0]");
        assertThatThrownBy(() -> q.withDampings(List.of(0.1, 0.1))).hasMessageContaining("distinct");
        assertThat(q.damping()).isEqualTo(0.01);

        GroundTruthTable.Config mnist = GroundTruthTable.mnist();
        assertThat(mnist.models()).extracting(GroundTruthTable.ModelSpec::name)
                .containsExactly("softmax", "softmax-sgd", "mlp");
        assertThat(mnist.models().get(1).looFromScratch()).isTrue();
        assertThat(mnist.models().get(1).weightInit()).isEqualTo(WeightInit.UNIFORM); // PyTorch's nn.Linear
        assertThat(mnist.models().get(0).weightInit()).isEqualTo(WeightInit.XAVIER);
        assertThat(mnist.models().get(2).curvatures()).contains("ekfac-expected", "ekfac-expected@1e-5")
                .doesNotContain("exact");
        GroundTruthTable.ModelSpec sgd = GroundTruthTable.mnistAllModels().models().stream()
                .filter(m -> m.name().equals("mlp-sgd")).findFirst().orElseThrow();
        assertThat(sgd.hidden()).containsExactly(128, 64);
        assertThat(sgd.weightDecay()).isZero();
        assertThat(sgd.protocol()).isEqualTo(TrainingProtocol.minibatch(50, 64));
        assertThat(sgd.updater()).isInstanceOf(Nesterovs.class);
        assertThat(((Nesterovs) sgd.updater()).getLearningRate()).isEqualTo(0.01);
        assertThat(((Nesterovs) sgd.updater()).getMomentum()).isEqualTo(0.9);
        assertThat(sgd.looFromScratch()).isTrue();
        assertThat(sgd.warmSubsets()).isFalse();
        assertThat(sgd.subsets()).isEqualTo(50);
        assertThat(sgd.weightInit()).isEqualTo(WeightInit.UNIFORM);
    }
}
