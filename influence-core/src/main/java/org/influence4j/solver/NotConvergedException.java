package org.influence4j.solver;

import java.util.Objects;

/** A solver stopped before its tolerance; carries the partial result. */
public class NotConvergedException extends NumericalException {

    private static final long serialVersionUID = 1L;

    private final transient SolverResult partialResult;

    /**
     * @param message       description with the residual reached and a remedy
     * @param partialResult the flagged result the solver produced
     */
    public NotConvergedException(String message, SolverResult partialResult) {
        super(message);
        this.partialResult = Objects.requireNonNull(partialResult, "partialResult");
    }

    /** The result the solver returned, with {@code converged() == false}. */
    public SolverResult partialResult() {
        return partialResult;
    }
}
