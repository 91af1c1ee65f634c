package org.influence4j.internal;

import java.util.SplittableRandom;

/** Seeded sampling shared by the library (mini-batches, random validation samples). */
public final class Sampling {

    private Sampling() {
    }

    /**
     * The first {@code k} entries of a uniformly random permutation of {@code 0 … n−1} (partial Fisher–Yates with
     * {@code rng}): {@code k} distinct indices, in sampling order.
     */
    public static int[] sampleWithoutReplacement(int n, int k, SplittableRandom rng) {
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        for (int i = 0; i < k; i++) {
            int j = i + rng.nextInt(n - i);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        return java.util.Arrays.copyOf(perm, k);
    }
}
