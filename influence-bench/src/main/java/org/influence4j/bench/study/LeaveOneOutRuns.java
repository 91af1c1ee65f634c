package org.influence4j.bench.study;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.influence4j.bench.progress.Progress;
import org.influence4j.dl4j.Dl4jRetrainer;
import org.influence4j.model.InfluenceModel;
import org.influence4j.validation.LeaveOneOutValidation;
import org.influence4j.validation.ProximalBregmanRetrainer;
import org.influence4j.validation.ValidationReport;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The command-line tool's way of running the library's leave-one-out validation: builds the {@link Dl4jRetrainer}
 * with a progress bar as its listener and runs {@link LeaveOneOutValidation#runAll} (one parallel prefetch of every
 * removal set, shared by all test points and solvers).
 */
public final class LeaveOneOutRuns {

    private LeaveOneOutRuns() {
    }

    /**
     * The retrainer used and the reports, one per (scores, test point) pair.
     *
     * @param retrainer the retrainer (for its statistics and noise floor)
     * @param reports   the reports, in the order of the pairs
     */
    public record Run(Dl4jRetrainer retrainer, List<ValidationReport> reports) {
    }

    /**
     * The PBRF ground truth's solver and the reports.
     *
     * @param retrainer   the proximal Bregman response solver (for its diagnostics)
     * @param reports     the reports, in the order of the pairs
     */
    public record PbrfRun(ProximalBregmanRetrainer retrainer, List<ValidationReport> reports) {

        /** Number of solves done. */
        public int solves() {
            return retrainer.solves().size();
        }

        /** Solves that missed the tolerance. */
        public long unconverged() {
            return retrainer.unconvergedSolves();
        }
    }

    /**
     * Runs the validation with the proximal Bregman response function as ground truth: the same removals as
     * leave-one-out, each solved around θ̂ with the estimator's damping ({@link ProximalBregmanRetrainer}).
     *
     * @param model      the analysed model (the estimator's)
     * @param train      its training set; not modified
     * @param damping    the estimator's damping λ
     * @param threads    parallel solves
     * @param loo        the validation protocol
     * @param scores     influence scores per pair; not modified
     * @param testPoints test point per pair; not modified
     * @param task       progress bar name
     * @param show       whether to draw a progress bar
     * @return the solver and the reports
     */
    public static PbrfRun runPbrf(InfluenceModel model, DataSet train, double damping, int threads,
                                  LeaveOneOutValidation loo, List<double[]> scores, List<DataSet> testPoints,
                                  String task, boolean show) {
        Set<Integer> removed = removals(loo, scores);
        try (Progress p = Progress.start(task, removed.size(), show)) {
            ProximalBregmanRetrainer r = ProximalBregmanRetrainer.builder(model, train).damping(damping)
                    .threads(threads).listener((solve, completed, total) -> p.step()).build();
            return new PbrfRun(r, loo.runAll(scores, r, testPoints));
        }
    }

    /**
     * Runs the validation.
     *
     * @param retrainer  the retrainer's options (the listener is set here)
     * @param loo        the validation protocol
     * @param scores     influence scores per pair; not modified
     * @param testPoints test point per pair; not modified
     * @param task       progress bar name
     * @param show       whether to draw a progress bar
     * @return the retrainer and the reports
     */
    public static Run run(Dl4jRetrainer.Builder retrainer, LeaveOneOutValidation loo, List<double[]> scores,
                          List<DataSet> testPoints, String task, boolean show) {
        Set<Integer> removed = removals(loo, scores);
        try (Progress p = Progress.start(task, removed.size() + 1L, show)) { // + the baseline
            Dl4jRetrainer r = retrainer.listener((retraining, completed, total) -> p.step()).build();
            return new Run(r, loo.runAll(scores, r, testPoints));
        }
    }

    /** The distinct training indices the protocol removes for any of the score vectors (the baseline not counted). */
    private static Set<Integer> removals(LeaveOneOutValidation loo, List<double[]> scores) {
        Set<Integer> removed = new HashSet<>();
        for (double[] s : scores) {
            loo.selection(s).forEach(sel -> removed.add(sel.index()));
        }
        return removed;
    }
}
