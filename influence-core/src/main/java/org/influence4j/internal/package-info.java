/**
 * Internal helpers shared by influence4j's modules (argument checks). Not part of the public API.
 */
package org.influence4j.internal;
