/**
 * Inverse Hessian-vector product solvers ({@link org.influence4j.solver.IHVPSolver}): conjugate gradient,
 * LiSSA and exact eigendecomposition, their {@link org.influence4j.solver.SolverResult} diagnostics, and
 * the numerical exception family rooted at {@link org.influence4j.solver.NumericalException}.
 */
package org.influence4j.solver;
