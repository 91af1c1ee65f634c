/**
 * Inverse Hessian-vector product solvers ({@link org.influence4j.solver.IHVPSolver}): conjugate gradient
 * ({@link org.influence4j.solver.ConjugateGradientSolver}, optionally Jacobi-preconditioned), LiSSA
 * ({@link org.influence4j.solver.LissaSolver}, with true damping and mini-batch Hessians) and exact
 * eigendecomposition ({@link org.influence4j.solver.ExactSolver}, whose
 * {@link org.influence4j.solver.EigenFactorization} serves every damping and right-hand side); their
 * {@link org.influence4j.solver.SolverResult} diagnostics (true residual, HVP count, stop reason), the
 * {@link org.influence4j.solver.EigenvaluePolicy} for indefinite operators, and the numerical exception family
 * rooted at {@link org.influence4j.solver.NumericalException}.
 *
 * <p>All solvers are immutable ({@code withX} copies), stateless and thread-safe; none modifies its
 * arguments. The LAPACKE {@code dsyevd} binding is touched only by a package-private class that is loaded
 * after a run-time check, so this package needs no ND4J backend to load.
 */
package org.influence4j.solver;
