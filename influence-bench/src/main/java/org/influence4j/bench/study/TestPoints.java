package org.influence4j.bench.study;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Chooses test examples by their loss under the trained model, as Koh &amp; Liang and Basu et al. do: the
 * highest-loss example (the model's worst mistake), the median-loss one (a typical prediction), and seeded random
 * ones.
 */
public final class TestPoints {

    private TestPoints() {
    }

    /** How a test point was chosen. */
    public enum Kind {
        /** The largest loss (ties: lowest index). */
        HIGHEST_LOSS,
        /** The lower median of the losses (ties: lowest index). */
        MEDIAN_LOSS,
        /** Uniformly at random (seeded). */
        RANDOM,
        /** Given by index. */
        INDEX,
        /** One of the {@code N} highest losses other than the highest ({@link #highestLosses}). */
        HIGH_LOSS;

        /** Lower-case, hyphenated name ({@code highest-loss}). */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * A chosen test example.
     *
     * @param index its row in the test set
     * @param kind  how it was chosen
     * @param loss  its loss under the trained model
     */
    public record Choice(int index, Kind kind, double loss) {
    }

    /** Index of the highest loss. */
    public static int highestLoss(double[] losses) {
        return order(losses)[losses.length - 1];
    }

    /** Index of the lower-median loss. */
    public static int medianLoss(double[] losses) {
        return order(losses)[(losses.length - 1) / 2];
    }

    /**
     * The {@code count} highest-loss test points, highest first (ties: lowest index first): the first is the
     * {@link Kind#HIGHEST_LOSS} point ({@link #highestLoss}), the others {@link Kind#HIGH_LOSS}.
     *
     * @param losses per-example test losses; not modified
     * @param count  how many, {@code 1 ≤ count ≤ losses.length}
     * @return the choices, in that order
     */
    public static List<Choice> highestLosses(double[] losses, int count) {
        if (count < 1 || count > losses.length) {
            throw new IllegalArgumentException("test point count (" + count + ") must be between 1 and the test set "
                    + "size (" + losses.length + ")");
        }
        int[] order = order(losses); // ascending; among equal losses the lowest index last
        List<Choice> out = new ArrayList<>(count);
        for (int r = 0; r < count; r++) {
            int i = order[losses.length - 1 - r];
            out.add(new Choice(i, r == 0 ? Kind.HIGHEST_LOSS : Kind.HIGH_LOSS, losses[i]));
        }
        return out;
    }

    /**
     * {@code count} distinct test points: the highest-loss one, then the median-loss one, then random ones.
     *
     * @param losses per-example test losses; not modified
     * @param count  how many, {@code 1 ≤ count ≤ losses.length}
     * @param seed   seed of the random ones
     * @return the choices, in that order
     */
    public static List<Choice> several(double[] losses, int count, long seed) {
        if (count < 1 || count > losses.length) {
            throw new IllegalArgumentException("test point count (" + count + ") must be between 1 and the test set "
                    + "size (" + losses.length + ")");
        }
        LinkedHashSet<Integer> chosen = new LinkedHashSet<>();
        List<Choice> out = new ArrayList<>();
        add(out, chosen, highestLoss(losses), Kind.HIGHEST_LOSS, losses);
        if (count > 1) {
            add(out, chosen, medianLoss(losses), Kind.MEDIAN_LOSS, losses);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        while (out.size() < count) {
            add(out, chosen, rng.nextInt(losses.length), Kind.RANDOM, losses);
        }
        return out;
    }

    private static void add(List<Choice> out, LinkedHashSet<Integer> chosen, int i, Kind kind, double[] losses) {
        if (chosen.add(i)) {
            out.add(new Choice(i, kind, losses[i]));
        }
    }

    private static int[] order(double[] losses) {
        if (losses.length == 0) {
            throw new IllegalArgumentException("the test set is empty");
        }
        return IntStream.range(0, losses.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> losses[i]).thenComparing(i -> -i))
                .mapToInt(Integer::intValue).toArray();
    }
}
