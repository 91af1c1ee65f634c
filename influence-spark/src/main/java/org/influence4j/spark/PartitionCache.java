package org.influence4j.spark;

import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;

/**
 * Per-JVM caches of executor-side state that several Spark jobs of one computation reuse: the Hessian operators of
 * each block (their forward state is computed once per block and solve, not once per product). Soft values, so that
 * memory pressure frees them, and entries unused for ten minutes expire (the engine also drops a computation's
 * entries on every executor when the computation ends); a freed entry is rebuilt from the persisted block (deterministically), so a lost cache
 * or a retried task gives the same result.
 */
final class PartitionCache {

    private static final Cache<Object, Object> CACHE = CacheBuilder.newBuilder().maximumSize(1 << 14).softValues()
            .expireAfterAccess(java.time.Duration.ofMinutes(10)).build();

    private PartitionCache() {
    }

    /** The value for {@code key}, computed once while it stays cached. */
    @SuppressWarnings("unchecked")
    static <T> T get(Object key, Supplier<T> compute) {
        try {
            return (T) CACHE.get(key, compute::get);
        } catch (ExecutionException | com.google.common.util.concurrent.UncheckedExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) {
                throw r;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(c);
        }
    }

    /** Drops every entry whose key satisfies {@code owner} (called when a computation releases its state). */
    static void invalidate(java.util.function.Predicate<Object> owner) {
        CACHE.asMap().keySet().removeIf(owner);
    }
}
