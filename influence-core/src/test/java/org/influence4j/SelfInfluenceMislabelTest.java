package org.influence4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import org.influence4j.model.SoftmaxRegression;
import org.influence4j.testdata.Iris;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/** Self-influence finds mislabelled training data: flipped labels rank first, far above a random ranking. */
class SelfInfluenceMislabelTest {

    @Test
    void mostSelfInfluential_recallsFlippedLabels_farAboveRandomRanking() {
        DataSet iris = Iris.load();
        int n = iris.numExamples();
        INDArray labels = iris.getLabels().dup();
        // flip 8 labels (seeded choice) to the next class
        int[] flipped = new SplittableRandom(5).ints(0, n).distinct().limit(8).sorted().toArray();
        for (int i : flipped) {
            int c = labels.getRow(i).argMax().getInt(0);
            labels.putRow(i, labels.getRow(i).mul(0));
            labels.putScalar(i, (c + 1) % 3, 1.0);
        }
        DataSet noisy = new DataSet(iris.getFeatures().dup(), labels);
        SoftmaxRegression model = SoftmaxRegression.fit(noisy, 0.01).model();
        InfluenceScores self = InfluenceEstimator.forModel(model).withTrainingData(noisy).withDamping(0.001)
                .selfInfluence();

        int k = 10;
        int[] top = self.mostSelfInfluential(k);
        long found = Arrays.stream(top).filter(i -> Arrays.binarySearch(flipped, i) >= 0).count();
        // a random ranking finds k·8/n ≈ 0.53 of them in expectation
        double randomExpectation = k * flipped.length / (double) n;
        assertThat(found).isGreaterThanOrEqualTo(6);
        assertThat(found).isGreaterThan((long) Math.ceil(5 * randomExpectation));
        // largest ∇ℓᵀ(H+λI)⁻¹∇ℓ first: the ranking is of −value, non-increasing
        double[] quad = IntStream.of(top).mapToDouble(i -> -self.value(i)).toArray();
        for (int j = 1; j < quad.length; j++) {
            assertThat(quad[j]).isLessThanOrEqualTo(quad[j - 1]);
        }
        assertThat(quad[quad.length - 1]).isPositive();
        assertThat(self.mostSelfInfluential(k)).containsExactly(self.mostHelpful(k));

        InfluenceScores test = InfluenceEstimator.forModel(model).withTrainingData(noisy).withDamping(0.001)
                .influenceOn(noisy.get(0));
        assertThatThrownBy(() -> test.mostSelfInfluential(3)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("needs self-influence scores").hasMessageContaining("selfInfluence()");
    }
}
