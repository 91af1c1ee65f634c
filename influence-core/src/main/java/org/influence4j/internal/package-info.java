/**
 * Helpers shared by influence4j's own modules (argument checks, vector arithmetic, power iteration, seeded sampling,
 * the curvature cache rule). <b>Not part of the public API</b>: the classes are public only because Java has no
 * access level for "this library's other modules" on the class path; they may change or disappear in any release
 * and are left out of the published Javadoc. Do not use them from application code.
 */
package org.influence4j.internal;
