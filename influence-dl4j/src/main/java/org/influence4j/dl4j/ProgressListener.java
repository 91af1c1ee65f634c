package org.influence4j.dl4j;

/**
 * Receives progress of long per-example loops (the fallback for per-example gradients of layers without a batched
 * closed form). Called on the computing thread, at most about 100 times per loop and once at the end.
 */
@FunctionalInterface
public interface ProgressListener {

    /**
     * @param done  examples processed so far
     * @param total examples in the loop
     */
    void onProgress(long done, long total);
}
