package org.influence4j.bench.study;

import org.influence4j.bench.progress.Progress;
import org.influence4j.validation.DatamodelReport;
import org.influence4j.validation.LinearDatamodelingScore;
import org.influence4j.validation.SubsetTrainer;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The command-line tool's way of running the library's linear datamodeling score: {@link LinearDatamodelingScore#run}
 * with a progress bar over the subset trainings (trainings loaded from the checkpoint file count as done at once).
 */
public final class DatamodelRuns {

    private DatamodelRuns() {
    }

    /**
     * Runs the datamodeling score.
     *
     * @param lds        the protocol (its listener is replaced by the progress bar)
     * @param trainer    trains the subsets
     * @param scores     one score vector per test example; not modified
     * @param testPoints the test examples, one per row of {@code scores}; not modified
     * @param task       progress bar name
     * @param show       whether to draw a progress bar
     * @return the report
     */
    public static DatamodelReport run(LinearDatamodelingScore lds, SubsetTrainer trainer, double[][] scores,
                                      DataSet testPoints, String task, boolean show) {
        try (Progress p = Progress.unbounded(task, show)) {
            return lds.withListener(e -> {
                long target = e.completed(); // loaded from the checkpoint included
                if (target > p.done()) {
                    p.stepBy(target - p.done());
                }
            }).run(scores, trainer, testPoints);
        }
    }
}
