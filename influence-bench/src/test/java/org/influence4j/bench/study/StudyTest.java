package org.influence4j.bench.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.bench.data.Datasets;
import org.influence4j.dl4j.Dl4jInfluenceModel;
import org.influence4j.dl4j.TrainingObjective;
import org.influence4j.dl4j.TrainingProtocol;
import org.influence4j.model.DataSets;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

class StudyTest {

    private static final DataSet IRIS = Datasets.iris(42).train().data();

    @Test
    void presets_validateByLeaveOneOutAlone_pbrfAndLdsAreOptIn() {
        // the presets' documented times (the README's first command, CI's smoke run) are leave-one-out's
        assertThat(FragilityStudy.Config.quick().validation())
                .isEqualTo(new FragilityStudy.Config.Validation(3, 20, 10, false, 0));
        assertThat(FragilityStudy.Config.full().validation())
                .isEqualTo(new FragilityStudy.Config.Validation(3, 20, 10, false, 0));
    }

    @Test
    void smallCnn_hasTheDocumentedSize_andTheAdapterGivesItAHessian() {
        MultiLayerNetwork cnn = Networks.smallCnn(28, 28, 10, 5e-3, 1, TrainingProtocol.lbfgs().updater());
        DataSet few = DataSets.subset(Datasets.smallMnist().train().data(), new int[] {0, 1, 2, 3});

        Dl4jInfluenceModel m = Dl4jInfluenceModel.of(cnn);
        INDArray v = org.nd4j.linalg.factory.Nd4j.ones(org.nd4j.linalg.api.buffer.DataType.DOUBLE, m.numParameters());
        INDArray hv = m.hessian(few).apply(v);

        assertThat(cnn.numParams()).isEqualTo(3226);
        assertThat(m.hvpMode()).isEqualTo(org.influence4j.dl4j.HvpMode.EXACT); // convolutions have an R-operator
        assertThat(hv.length()).isEqualTo(3226);
        assertThat(Double.isFinite(hv.norm2Number().doubleValue())).isTrue();
        // the library's training objective (DL4J path for a CNN) agrees with the adapter's objective and gradient
        double[] g = new double[3226];
        TrainingObjective objective = TrainingObjective.of(cnn, few);
        double r = objective.evaluate(cnn.params().toDoubleVector(), g);
        assertThat(objective.plainJava()).isFalse();
        assertThat(r).isCloseTo(m.objective(few), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(org.nd4j.linalg.factory.Nd4j.createFromArray(g).distance2(m.objectiveGradient(few)))
                .isLessThan(1e-10);
    }

    @Test
    void tinyStudy_topKSpearmanOverAllTopPoints_equalsTheValidationReport_andNoiseIsRecorded() {
        FragilityStudy.Config q = FragilityStudy.Config.quick();
        FragilityStudy.Config c = q.withSweep(q.sweep().with(List.of(1), List.of(), List.of(5e-3), List.of(1L)))
                .withValidation(new FragilityStudy.Config.Validation(1, 6, 0))
                .withModel(q.model().withDataset("iris").withProtocols(List.of(TrainingProtocol.lbfgs())));

        FragilityStudy.Results r = new FragilityStudy(c).run(false, line -> { });

        assertThat(r.comparisons()).hasSize(1);
        FragilityStudy.Comparison cmp = r.comparisons().get(0);
        assertThat(FragilityReport.topKSpearman(cmp.report(), 6)).isEqualTo(cmp.report().topK().spearman());
        assertThat(FragilityReport.topKSpearman(cmp.report(), 5)).isBetween(-1.0, 1.0);
        assertThat(cmp.retrainingNoise()).isLessThan(1e-4 * cmp.medianAbsActualTopK());
        assertThat(cmp.noiseRatio()).isLessThan(1e-4);
    }

    @Test
    void testPoints_highestThenMedianThenRandom() {
        double[] losses = {0.3, 2.0, 0.1, 0.5, 0.2};

        List<TestPoints.Choice> c = TestPoints.several(losses, 3, 1);

        assertThat(c.get(0).index()).isEqualTo(1);
        assertThat(c.get(1).index()).isEqualTo(0);
        assertThat(c.get(2).kind()).isEqualTo(TestPoints.Kind.RANDOM);
        assertThat(c.stream().map(TestPoints.Choice::index).distinct()).hasSize(3);
        assertThatThrownBy(() -> TestPoints.several(losses, 6, 1)).hasMessageContaining("between 1 and");
    }

    @Test
    void config_rejectsBadValues_andQuickPresetHasTheDocumentedShape() {
        FragilityStudy.Config q = FragilityStudy.Config.quick();

        assertThat(q.shapes()).hasSize(4);
        assertThat(q.networks()).isEqualTo(2 * 4 * 2 * 3); // protocols × depths × weight decays × seeds
        // the quick preset is the full one restricted to four depths, three seeds and the exact solver
        FragilityStudy.Config full = FragilityStudy.Config.full();
        assertThat(full.model()).isEqualTo(q.model());
        assertThat(full.sweep().depths()).containsAll(q.sweep().depths());
        assertThat(full.sweep().seeds()).containsAll(q.sweep().seeds());
        assertThat(full.sweep().weightDecays()).isEqualTo(q.sweep().weightDecays());
        assertThat(full.validation()).isEqualTo(q.validation());
        assertThat(q.influence().solvers()).containsExactly(FragilityStudy.SolverKind.EXACT);
        assertThat(List.of(q.influence().damping(), q.influence().policy(), q.run()))
                .isEqualTo(List.of(full.influence().damping(), full.influence().policy(), full.run()));
        assertThatThrownBy(() -> q.sweep().with(List.of(-1), List.of(), List.of(0.0), List.of(1L)))
                .hasMessageContaining("depth (-1)");
        assertThatThrownBy(() -> new FragilityStudy.Config.Validation(1, 0, 0)).hasMessageContaining("top-k (0)");
        assertThatThrownBy(() -> q.withSweep(q.sweep().with(List.of(), List.of(), List.of(0.0), List.of(1L))))
                .hasMessageContaining("give at least one depth or width");
        assertThat(FragilityReport.topKSizes(20)).containsExactly(5, 10, 20);
        assertThat(FragilityReport.topKSizes(8)).containsExactly(5, 8);
        assertThat(FragilityReport.topKSizes(4)).containsExactly(4);
        assertThat(FragilityStudy.fmt(5e-3)).isEqualTo("0.005");
        assertThat(FragilityStudy.fmt(0)).isEqualTo("0");
    }
}
