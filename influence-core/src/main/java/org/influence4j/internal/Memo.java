package org.influence4j.internal;

import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

import com.google.common.base.Suppliers;

/** The cache rule of every {@code Curvature}: compute each key at most once, outside the map's lock. */
public final class Memo {

    private Memo() {
    }

    /**
     * The value for {@code key}: one memoising supplier per key is created atomically and evaluated outside the
     * map's lock, so that a computation may itself use the cache under another key; a computation that throws
     * leaves nothing cached (also one that throws a checked exception undeclared, as Spark does).
     */
    @SuppressWarnings("unchecked")
    public static <T> T get(Map<Object, Supplier<?>> cache, Object key, Supplier<T> compute) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(compute, "compute");
        Supplier<?> s = cache.computeIfAbsent(key, k -> Suppliers.memoize(compute::get));
        try {
            return (T) s.get();
        } catch (Throwable e) {
            cache.remove(key, s);
            throw e;
        }
    }
}
