package org.influence4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.InfluenceEstimator;
import org.influence4j.InfluenceMatrix;
import org.influence4j.InfluenceSinks;
import org.influence4j.solver.IHVPSolver;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

/** In {@code local[*]} (every core of the machine), the same answer as one machine. */
class SparkLocalStarTest {

    @Test
    void localStar_equalsSingleMachine() {
        DataSet train = SparkNets.data(31, 150, 6);
        DataSet test = SparkNets.data(32, 3, 6);
        MultiLayerNetwork net = SparkNets.trained(SparkNets.mlp(12), train);
        InfluenceEstimator single = InfluenceEstimator.forModel(net).withTrainingData(train).withDamping(0.01)
                .withSolver(IHVPSolver.ekfac());
        InfluenceMatrix matrix = single.influenceOnEach(test);
        InfluenceSinks.TopK sink = InfluenceSinks.topK(4);
        single.influenceOnEach(test, sink);
        try (JavaSparkContext sc = new JavaSparkContext(new SparkConf().setMaster("local[*]")
                .setAppName("influence4j-local-star").set("spark.ui.enabled", "false"))) {
            TrainingData data = TrainingData.of(sc, train, 5);
            SparkInfluence.Queries r = SparkInfluence.forModel(SparkModel.of(net)).withTrainingData(data)
                    .withDamping(0.01).withSolver(IHVPSolver.ekfac()).topInfluences(test, 4);
            double scale = matrix.values().amaxNumber().doubleValue();
            for (int q = 0; q < 3; q++) {
                assertThat(r.top().get(q).helpful()).containsExactly(sink.result().get(q).helpful());
                assertThat(r.top().get(q).harmful()).containsExactly(sink.result().get(q).harmful());
                for (int j = 0; j < 4; j++) {
                    assertThat(r.top().get(q).harmfulScores()[j]).isCloseTo(sink.result().get(q).harmfulScores()[j],
                            within(1e-9 * scale));
                }
            }
        }
    }
}
