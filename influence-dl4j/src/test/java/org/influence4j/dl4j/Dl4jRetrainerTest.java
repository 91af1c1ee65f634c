package org.influence4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.model.DataSets;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;

/** Retraining is deterministic, warm-started, and never touches the original network. */
class Dl4jRetrainerTest {

    @Test
    void retraining_isDeterministic_warmStarted_andLeavesTheNetworkUntouched() {
        MultiLayerNetwork net = TestNets.irisMlp(DataType.FLOAT, 100);
        double[] before = TestNets.snapshot(net);
        int iterationsBefore = net.getIterationCount();
        DataSet train = TestNets.iris();
        DataSet test = DataSets.subset(train, new int[] {3, 80});
        Dl4jRetrainer own = Dl4jRetrainer.builder(net, train).iterations(20).build();
        double a = own.testLossWithout(new int[] {5}, test);
        double b = own.testLossWithout(new int[] {5}, test);
        assertThat(a).isEqualTo(b);
        // warm start: zero iterations of retraining reproduce the trained network's test loss
        double trained = Dl4jInfluenceModel.of(net).losses(test).meanNumber().doubleValue();
        Dl4jRetrainer sgd = Dl4jRetrainer.builder(net, train).updater(new Sgd(0.0)).iterations(1).build();
        assertThat(sgd.testLossWithout(new int[0], test)).isCloseTo(trained, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(own.testLossWithout(new int[] {1, 2, 3}, test)).isNotEqualTo(a);
        assertThat(own.toString()).contains("iterations=20");
        assertThat(TestNets.snapshot(net)).isEqualTo(before);
        assertThat(net.getIterationCount()).isEqualTo(iterationsBefore);
        assertThatThrownBy(() -> own.testLossWithout(new int[] {150}, test))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("150");
        assertThatThrownBy(() -> Dl4jRetrainer.builder(net, train).iterations(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("iterations");
    }

    @Test
    void cachingParallelRetrainer_neverModifiesTheNetwork_retrainsEachRemovalOnce_andEqualsSequential() {
        MultiLayerNetwork net = TestNets.irisMlp(DataType.DOUBLE, 100);
        DataSet train = TestNets.iris();
        Dl4jTraining.trainInPlace(net, train, TrainingProtocol.lbfgs());
        double[] before = TestNets.snapshot(net);
        double[] stateBefore = net.getUpdater().getStateViewArray().toDoubleVector();
        int iterationsBefore = net.getIterationCount();
        DataSet test = DataSets.subset(train, new int[] {0});
        java.util.List<String> events = new java.util.ArrayList<>();
        Dl4jRetrainer parallel = Dl4jRetrainer.builder(net, train).protocol(TrainingProtocol.lbfgs()).threads(2)
                .listener((r, done, total) -> events.add(done + "/" + total)).build();
        Dl4jRetrainer sequential = Dl4jRetrainer.builder(net, train).protocol(TrainingProtocol.lbfgs()).build();

        parallel.prefetch(java.util.List.of(new int[0], new int[] {5}, new int[] {6}, new int[] {7}, new int[] {5}));
        parallel.prefetch(java.util.List.of(new int[] {6})); // cached: nothing to do

        assertThat(events).containsExactly("1/4", "2/4", "3/4", "4/4");
        assertThat(parallel.retrainings()).hasSize(4);
        assertThat(parallel.unconvergedRetrainings()).isZero();
        for (int i : new int[] {5, 6, 7}) {
            assertThat(parallel.testLossWithout(new int[] {i}, test))
                    .isEqualTo(sequential.testLossWithout(new int[] {i}, test));
        }
        assertThat(parallel.retrainings()).hasSize(4);
        assertThat(parallel.parameterDistance(new int[0])).isZero();
        assertThat(parallel.parameterDistance(new int[] {5})).isPositive().isLessThan(0.5);
        assertThat(parallel.retrainingNoise(test)).isLessThan(1e-8);
        assertThat(TestNets.snapshot(net)).isEqualTo(before);
        assertThat(net.getUpdater().getStateViewArray().toDoubleVector()).isEqualTo(stateBefore);
        assertThat(net.getIterationCount()).isEqualTo(iterationsBefore);
    }

    @Test
    void construction_rejectsDataThatDoesNotFitTheNetwork_namingArgumentValueAndRemedy() {
        MultiLayerNetwork net = TestNets.irisMlp(DataType.DOUBLE, 0);
        DataSet iris = TestNets.iris();
        DataSet fourLabels = new DataSet(iris.getFeatures(),
                org.nd4j.linalg.factory.Nd4j.zeros(DataType.DOUBLE, iris.numExamples(), 4));
        DataSet fiveFeatures = new DataSet(org.nd4j.linalg.factory.Nd4j.zeros(DataType.DOUBLE, iris.numExamples(), 5),
                iris.getLabels());

        assertThatThrownBy(() -> Dl4jRetrainer.builder(net, fourLabels).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("train labels have 4 columns")
                .hasMessageContaining("3 outputs").hasMessageContaining("pass labels with one column per output");
        assertThatThrownBy(() -> Dl4jRetrainer.builder(net, fiveFeatures).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("train features have 5 columns")
                .hasMessageContaining("4 inputs");
        assertThatThrownBy(() -> Dl4jRetrainer.builder(net, iris).threads(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threads");
        assertThatThrownBy(() -> Dl4jRetrainer.builder(net, iris).build().testLossWithout(new int[] {2, 2}, iris))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 twice");
        // per call, before any retraining: a test point of the wrong width, NaN, empty
        Dl4jRetrainer r = Dl4jRetrainer.builder(net, iris).build();
        DataSet wideTest = new DataSet(org.nd4j.linalg.factory.Nd4j.zeros(DataType.DOUBLE, 1, 5),
                iris.getLabels().getRow(0, true).dup());
        DataSet twoLabels = new DataSet(iris.getFeatures().getRow(0, true).dup(),
                org.nd4j.linalg.factory.Nd4j.zeros(DataType.DOUBLE, 1, 2));
        INDArray nan = iris.getFeatures().getRow(0, true).dup();
        nan.putScalar(0, 1, Double.NaN);
        assertThatThrownBy(() -> r.testLossWithout(new int[] {1}, wideTest)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("testPoint features have 5 columns").hasMessageContaining("4 inputs");
        assertThatThrownBy(() -> r.testLossWithout(new int[] {1}, twoLabels)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("testPoint labels have 2 columns").hasMessageContaining("3 outputs");
        assertThatThrownBy(() -> r.testLossWithout(new int[] {1}, new DataSet(nan, iris.getLabels().getRow(0, true).dup())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("testPoint").hasMessageContaining("NaN");
        assertThatThrownBy(() -> r.retrainingNoise(wideTest)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("testPoint features have 5 columns");
        assertThat(r.retrainings()).isEmpty(); // rejected before any work
    }

    @Test
    void fixedBudgetRetraining_neverReportsAMissedTolerance() {
        MultiLayerNetwork net = TestNets.irisMlp(DataType.DOUBLE, 30);
        DataSet train = TestNets.iris();
        Dl4jRetrainer r = Dl4jRetrainer.builder(net, train).protocol(TrainingProtocol.adam().withIterations(1, 5))
                .build();

        r.prefetch(java.util.List.of(new int[0], new int[] {1}));

        assertThat(r.retrainings()).allSatisfy(x -> assertThat(x.outcome().missedTolerance()).isFalse());
        assertThat(r.unconvergedRetrainings()).isZero();
        assertThat(r.protocol().kind().hasTolerance()).isFalse();
    }
}
