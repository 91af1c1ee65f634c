/**
 * Hessian-vector products: the symmetric linear operator {@link org.influence4j.hvp.HessianVectorProduct}
 * ({@code dimension()}, {@code apply(v)}), explicit and damped operators, central finite differences of a
 * gradient function, mini-batch (stochastic) operators for LiSSA, and a self-check against finite
 * differences. Nothing here knows about models or solvers.
 */
package org.influence4j.hvp;
