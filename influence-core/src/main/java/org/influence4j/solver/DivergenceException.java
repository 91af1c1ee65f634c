package org.influence4j.solver;

/**
 * An iteration blew up (LiSSA's recursion grew without bound or became NaN). The message says to increase
 * the scale or the damping.
 */
public class DivergenceException extends NumericalException {

    private static final long serialVersionUID = 1L;

    /** @param message description with the iteration, the norm reached and the remedy */
    public DivergenceException(String message) {
        super(message);
    }
}
