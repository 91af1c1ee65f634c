package org.influence4j.bench.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.bench.data.Datasets;
import org.influence4j.dl4j.Dl4jInfluenceModel;
import org.influence4j.model.DataSets;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

class StudyTest {

    private static final DataSet IRIS = Datasets.iris(42).train().data();

    @Test
    void lbfgs_reachesAStationaryPointOfTheObjectiveTheAdapterDifferentiates() {
        MultiLayerNetwork net = Networks.mlp(4, 3, 2, 5, Networks.HiddenActivation.TANH, 5e-3, 1);

        Lbfgs.Result r = new Lbfgs(net, IRIS).minimize(1e-8, 3000);

        // independent check: the adapter's ∇R (its own regulariser handling) at the trained parameters
        INDArray g = Dl4jInfluenceModel.of(net).objectiveGradient(IRIS);
        assertThat(r.converged()).isTrue();
        assertThat(g.norm2Number().doubleValue()).isLessThan(1e-7);
        assertThat(r.objective()).isCloseTo(Dl4jInfluenceModel.of(net).objective(IRIS),
                org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void cachingRetrainer_neverModifiesTheNetwork_andRetrainsEachRemovalOnce() {
        MultiLayerNetwork net = Networks.mlp(4, 3, 1, 5, Networks.HiddenActivation.TANH, 5e-3, 1);
        TrainingProtocol.lbfgs().train(net, IRIS);
        double[] before = net.params().toDoubleVector();
        CachingRetrainer r = new CachingRetrainer(net, IRIS, TrainingProtocol.lbfgs());
        DataSet test = DataSets.subset(IRIS, new int[] {0});

        double base = r.testLossWithout(new int[0], test);
        double without = r.testLossWithout(new int[] {5}, test);
        r.prefetch(List.of(new int[] {5}, new int[] {6}, new int[] {7}), 2,
                org.influence4j.bench.progress.Progress.disabled(2));

        assertThat(net.params().toDoubleVector()).isEqualTo(before);
        assertThat(r.retrainings()).hasSize(4);
        assertThat(r.unconvergedRetrainings()).isZero();
        assertThat(without).isNotEqualTo(base);
        assertThat(r.testLossWithout(new int[] {5}, test)).isEqualTo(without);
    }

    @Test
    void retrainingNoise_isNegligible_forConvergedLbfgs_andLeavesTheNetworkAlone() {
        MultiLayerNetwork net = Networks.mlp(4, 3, 2, 5, Networks.HiddenActivation.TANH, 5e-3, 1);
        TrainingProtocol.lbfgs().train(net, IRIS);
        double[] before = net.params().toDoubleVector();
        CachingRetrainer r = new CachingRetrainer(net, IRIS, TrainingProtocol.lbfgs());
        DataSet test = DataSets.subset(IRIS, new int[] {0});

        double noise = r.retrainingNoise(test);
        double change = Math.abs(r.testLossWithout(new int[] {0}, test) - r.testLossWithout(new int[0], test));

        // a 1e-10 relative perturbation of θ̂ moves the converged retraining's test loss by far less than a removal
        assertThat(noise).isLessThan(1e-8).isLessThan(1e-4 * change);
        assertThat(r.retrainingNoise(test)).isEqualTo(noise); // cached
        assertThat(net.params().toDoubleVector()).isEqualTo(before);
    }

    @Test
    void smallCnn_hasTheDocumentedSize_andTheAdapterGivesItAHessian() {
        MultiLayerNetwork cnn = Networks.smallCnn(28, 28, 10, 5e-3, 1, TrainingProtocol.lbfgs().updater());
        DataSet few = DataSets.subset(Datasets.smallMnist().train().data(), new int[] {0, 1, 2, 3});

        Dl4jInfluenceModel m = Dl4jInfluenceModel.of(cnn);
        INDArray v = org.nd4j.linalg.factory.Nd4j.ones(org.nd4j.linalg.api.buffer.DataType.DOUBLE, m.numParameters());
        INDArray hv = m.hessian(few).apply(v);

        assertThat(cnn.numParams()).isEqualTo(3226);
        assertThat(m.hvpMode()).isEqualTo(org.influence4j.dl4j.HvpMode.FINITE_DIFFERENCE);
        assertThat(hv.length()).isEqualTo(3226);
        assertThat(Double.isFinite(hv.norm2Number().doubleValue())).isTrue();
        // the study's trainer regularises exactly the weights: l2 mask agrees with the adapter's objective
        double[] g = new double[3226];
        double r = new Dl4jObjective(cnn.clone(), few).evaluate(cnn.params().toDoubleVector(), g);
        assertThat(r).isCloseTo(m.objective(few), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(org.nd4j.linalg.factory.Nd4j.createFromArray(g).distance2(m.objectiveGradient(few)))
                .isLessThan(1e-10);
    }

    @Test
    void tinyStudy_topKSpearmanOverAllTopPoints_equalsTheValidationReport_andNoiseIsRecorded() {
        FragilityStudy.Config c = FragilityStudy.Config.quick()
                .withSweeps(List.of(1), List.of(), List.of(5e-3), List.of(1L)).withValidation(1, 6, 0)
                .withModel("iris", FragilityStudy.Architecture.MLP, List.of(TrainingProtocol.lbfgs()), false);

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
        assertThat(full.protocols()).isEqualTo(q.protocols());
        assertThat(full.depths()).containsAll(q.depths());
        assertThat(full.seeds()).containsAll(q.seeds());
        assertThat(List.of(full.weightDecays(), full.testPoints(), full.topK(), full.randomSample()))
                .isEqualTo(List.of(q.weightDecays(), q.testPoints(), q.topK(), q.randomSample()));
        assertThatThrownBy(() -> q.withSweeps(List.of(-1), List.of(), List.of(0.0), List.of(1L)))
                .hasMessageContaining("depth (-1)");
        assertThatThrownBy(() -> q.withValidation(1, 0, 0)).hasMessageContaining("top-k (0)");
        assertThat(FragilityReport.topKSizes(20)).containsExactly(5, 10, 20);
        assertThat(FragilityReport.topKSizes(8)).containsExactly(5, 8);
        assertThat(FragilityReport.topKSizes(4)).containsExactly(4);
        assertThat(FragilityStudy.fmt(5e-3)).isEqualTo("0.005");
        assertThat(FragilityStudy.fmt(0)).isEqualTo("0");
    }
}
