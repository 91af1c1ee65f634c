package org.influence4j.bench.progress;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import org.influence4j.InfluenceEstimator;
import org.influence4j.InfluenceSinks;
import org.influence4j.model.SoftmaxRegression;
import org.influence4j.solver.IHVPSolver;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

class EstimatorProgressTest {

    @Test
    void onePhasePerTask_restartedWhenATaskStartsOver_hvpCountsAsMessageOrOpenEndedBar() {
        EstimatorProgress p = new EstimatorProgress(false);
        p.onProgress("influenceOnEach", 40, 0);   // HVPs of a dense Hessian, no bar running: open-ended bar
        p.onProgress("influenceOnEach", 90, 0);
        p.onProgress("solves", 1, 3);             // a known total: its own bar
        p.onProgress("influenceOnEach", 130, 0);  // HVPs of a CG solve: the solves bar's message
        p.onProgress("solves", 3, 3);
        p.onProgress("influenceOnEach", 131, 0);  // after the solves: not shown, no new bar
        p.onProgress("layer statistics", 10, 10);
        p.onProgress("layer statistics", 4, 10);  // a second pass (EK-FAC): a new bar
        p.onProgress("layer statistics", 10, 10);
        p.onProgress("layer statistics", 10, 10); // a fast third pass reports only its end
        p.onProgress("scoring", 7, 7);
        p.close();
        p.close();

        assertThat(p.phases()).containsExactly("HVPs 90", "solves 3/3", "layer statistics 10/10",
                "layer statistics 10/10", "layer statistics 10/10", "scoring 7/7");
    }

    @Test
    void showsTheEstimatorsPhases_ofAnEkfacFitSolvesAndScoring() {
        SplittableRandom rng = new SplittableRandom(5);
        int n = 120;
        double[][] x = new double[n][4];
        double[][] y = new double[n][3];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 4; j++) {
                x[i][j] = rng.nextGaussian();
            }
            y[i][rng.nextInt(3)] = 1;
        }
        DataSet train = new DataSet(Nd4j.createFromArray(x), Nd4j.createFromArray(y));
        SoftmaxRegression model = SoftmaxRegression.fit(train, 0.05).model();

        EstimatorProgress p = new EstimatorProgress(false);
        InfluenceEstimator.forModel(model).withTrainingData(train).withDamping(0.01)
                .withSolver(IHVPSolver.ekfac()).withProgressListener(p)
                .influenceOnEach(train.get(new int[] {0, 1, 2, 3}), InfluenceSinks.topK(2));
        p.close();

        // EK-FAC passes over the data twice (factors, then eigenvalue correction): one bar each
        assertThat(p.phases()).containsSubsequence("layer statistics 120/120", "layer statistics 120/120",
                "solves 4/4", "scoring 120/120");
    }
}
