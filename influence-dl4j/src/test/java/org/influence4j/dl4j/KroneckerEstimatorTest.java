package org.influence4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.InfluenceEstimator;
import org.influence4j.InfluenceMatrix;
import org.influence4j.InfluenceScores;
import org.influence4j.InfluenceSinks;
import org.influence4j.model.DataSets;
import org.influence4j.solver.FisherSampling;
import org.influence4j.solver.IHVPSolver;
import org.influence4j.solver.KroneckerFactors;
import org.influence4j.solver.KroneckerSolver;
import org.influence4j.solver.StopReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * K-FAC, EK-FAC and many test points through the public API on a small CNN: every test point of a many-query call
 * equals its own single query; the factors are reused from a file for the same network and data and refused for
 * another; nothing of the user's changes.
 */
class KroneckerEstimatorTest {

    private static final CnnNets.Case NET = CnnNets.table().get(0);

    @Test
    void manyQueriesEqualSingleQueries_forEveryCurvature() {
        MultiLayerNetwork net = NET.network().get();
        DataSet train = NET.data(net, 11);
        DataSet tests = NET.data(net, 12);
        double[] before = TestNets.snapshot(net);
        INDArray x = train.getFeatures().dup();
        Dl4jInfluenceModel model = Dl4jInfluenceModel.of(net);
        for (IHVPSolver solver : List.of(IHVPSolver.ekfac(), IHVPSolver.kfac().withSampling(FisherSampling.EXPECTED),
                IHVPSolver.identity(), IHVPSolver.exact())) {
            InfluenceEstimator est = InfluenceEstimator.forModel(model).withTrainingData(train).withDamping(0.01)
                    .withSolver(solver);
            InfluenceMatrix m = est.influenceOnEach(tests);
            assertThat(m.queries()).isEqualTo(tests.numExamples());
            for (int q = 0; q < m.queries(); q++) {
                InfluenceScores one = est.influenceOn(DataSets.subset(tests, new int[] {q}));
                double err = m.scores(q).values().sub(one.values()).norm2Number().doubleValue()
                        / one.values().norm2Number().doubleValue();
                assertThat(err).as(solver + " query " + q).isLessThan(1e-10);
            }
            if (solver instanceof KroneckerSolver) {
                assertThat(m.diagnostics().solverResult(0).stopReason()).isEqualTo(StopReason.APPROXIMATE);
            }
        }
        assertThat(TestNets.snapshot(net)).isEqualTo(before);
        assertThat(train.getFeatures()).isEqualTo(x);
    }

    @Test
    void factorFileIsReusedForTheSameNetworkAndRefusedForAnother(@TempDir Path dir) throws Exception {
        MultiLayerNetwork net = NET.network().get();
        DataSet train = NET.data(net, 21);
        Path file = dir.resolve("lenet.ekfac");
        KroneckerSolver ekfac = IHVPSolver.ekfac().withFactorFile(file);
        KroneckerFactors fitted = ekfac.factors(Dl4jInfluenceModel.of(net).curvature(train));
        assertThat(fitted.blocks()).hasSize(3); // conv, dense, output
        KroneckerFactors reused = ekfac.factors(Dl4jInfluenceModel.of(net).curvature(train));
        assertThat(reused.fitTime()).isZero();
        assertThat(reused.eigenvalues(0)).isEqualTo(fitted.eigenvalues(0));
        byte[] bytes = Files.readAllBytes(file);
        // the same architecture with other parameters: refused, the file untouched
        MultiLayerNetwork other = NET.network().get();
        other.params().addi(0.01);
        assertThatThrownBy(() -> ekfac.factors(Dl4jInfluenceModel.of(other).curvature(train)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(file.toString())
                .hasMessageContaining("another network or training data");
        // other training data: refused
        DataSet otherData = NET.data(net, 22);
        assertThatThrownBy(() -> ekfac.factors(Dl4jInfluenceModel.of(net).curvature(otherData)))
                .hasMessageContaining("another network or training data");
        assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
    }

    @Test
    void badQueriesAreNamed(@TempDir Path dir) throws Exception {
        MultiLayerNetwork net = NET.network().get();
        DataSet train = NET.data(net, 31);
        InfluenceEstimator est = InfluenceEstimator.forModel(net).withTrainingData(train)
                .withSolver(IHVPSolver.ekfac());
        DataSet empty = new DataSet(train.getFeatures().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 0),
                org.nd4j.linalg.indexing.NDArrayIndex.all()), train.getLabels().get(
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 0), org.nd4j.linalg.indexing.NDArrayIndex.all()));
        assertThatThrownBy(() -> est.influenceOnEach(empty)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("testPoints").hasMessageContaining("empty");
        Path existing = Files.writeString(dir.resolve("scores.csv"), "keep");
        assertThatThrownBy(() -> est.influenceOnEach(train, InfluenceSinks.csv(existing, null, false)))
                .hasMessageContaining("already exists");
        assertThat(Files.readString(existing)).isEqualTo("keep");
    }
}
