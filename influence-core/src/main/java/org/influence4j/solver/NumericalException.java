package org.influence4j.solver;

/**
 * Base of influence4j's numerical failures: problems of the mathematics (an indefinite Hessian, a solver
 * that did not converge or diverged), as opposed to caller mistakes, which are
 * {@link IllegalArgumentException}s. Unchecked.
 */
public class NumericalException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** @param message what failed, with the values involved and a remedy */
    public NumericalException(String message) {
        super(message);
    }

    /** @param message what failed; @param cause the underlying failure */
    public NumericalException(String message, Throwable cause) {
        super(message, cause);
    }
}
