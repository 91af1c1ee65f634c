package org.influence4j.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.influence4j.InfluenceSinks;

/**
 * The {@code k} most helpful (most negative) and most harmful (most positive) scores per test point seen so far, as
 * bounded heaps; mergeable, serializable. Ordering as {@link InfluenceSinks.TopK}'s: stronger first, ties broken by
 * the smaller example index — so the merged result of any partitioning equals the single-machine sink's.
 */
final class TopKAccumulator implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int k;
    private final Heap[] helpful;
    private final Heap[] harmful;

    TopKAccumulator(int queries, int k) {
        this.k = k;
        this.helpful = new Heap[queries];
        this.harmful = new Heap[queries];
        for (int q = 0; q < queries; q++) {
            helpful[q] = new Heap(k, true);
            harmful[q] = new Heap(k, false);
        }
    }

    /** Offers the scores of examples {@code first …}, row-major {@code [rows, Q]}. */
    void offer(long first, double[] scores, int rows) {
        int queries = helpful.length;
        for (int r = 0; r < rows; r++) {
            for (int q = 0; q < queries; q++) {
                double s = scores[r * queries + q];
                helpful[q].offer(first + r, s);
                harmful[q].offer(first + r, s);
            }
        }
    }

    /** Merges {@code other} into this accumulator and returns it. */
    TopKAccumulator merge(TopKAccumulator other) {
        for (int q = 0; q < helpful.length; q++) {
            helpful[q].mergeFrom(other.helpful[q]);
            harmful[q].mergeFrom(other.harmful[q]);
        }
        return this;
    }

    /** The result per test point, strongest first. */
    List<InfluenceSinks.TopInfluences> result() {
        List<InfluenceSinks.TopInfluences> out = new ArrayList<>(helpful.length);
        for (int q = 0; q < helpful.length; q++) {
            int[] hp = helpful[q].sortedPositions();
            int[] mp = harmful[q].sortedPositions();
            out.add(new InfluenceSinks.TopInfluences(q, helpful[q].indicesAt(hp), helpful[q].scoresAt(hp),
                    harmful[q].indicesAt(mp), harmful[q].scoresAt(mp)));
        }
        return List.copyOf(out);
    }

    /** A bounded max-heap of the k strongest entries (root: the weakest kept), as parallel arrays. */
    private static final class Heap implements Serializable {
        private static final long serialVersionUID = 1L;
        private final int k;
        private final boolean helpful;   // stronger = smaller score; else larger
        private final long[] index;
        private final double[] score;
        private int size;

        Heap(int k, boolean helpful) {
            this.k = k;
            this.helpful = helpful;
            this.index = new long[k];
            this.score = new double[k];
        }

        /** Negative if (i1, s1) is stronger than (i2, s2). */
        private int strength(long i1, double s1, long i2, double s2) {
            int c = helpful ? Double.compare(s1, s2) : Double.compare(s2, s1);
            return c != 0 ? c : Long.compare(i1, i2);
        }

        void offer(long i, double s) {
            if (size < k) {
                index[size] = i;
                score[size] = s;
                up(size++);
            } else if (strength(i, s, index[0], score[0]) < 0) {
                index[0] = i;
                score[0] = s;
                down(0);
            }
        }

        void mergeFrom(Heap other) {
            for (int j = 0; j < other.size; j++) {
                offer(other.index[j], other.score[j]);
            }
        }

        /** Keeps the weakest at the root: a parent is weaker than (compares after) its children. */
        private boolean weaker(int a, int b) {
            return strength(index[a], score[a], index[b], score[b]) > 0;
        }

        private void up(int j) {
            while (j > 0) {
                int parent = (j - 1) / 2;
                if (!weaker(j, parent)) {
                    return;
                }
                swap(j, parent);
                j = parent;
            }
        }

        private void down(int j) {
            while (true) {
                int l = 2 * j + 1;
                int r = l + 1;
                int w = j;
                if (l < size && weaker(l, w)) {
                    w = l;
                }
                if (r < size && weaker(r, w)) {
                    w = r;
                }
                if (w == j) {
                    return;
                }
                swap(j, w);
                j = w;
            }
        }

        private void swap(int a, int b) {
            long ti = index[a];
            index[a] = index[b];
            index[b] = ti;
            double ts = score[a];
            score[a] = score[b];
            score[b] = ts;
        }

        /** Heap positions, strongest entry first. */
        int[] sortedPositions() {
            Integer[] order = new Integer[size];
            for (int j = 0; j < size; j++) {
                order[j] = j;
            }
            Arrays.sort(order, (a, b) -> strength(index[a], score[a], index[b], score[b]));
            return Arrays.stream(order).mapToInt(Integer::intValue).toArray();
        }

        int[] indicesAt(int[] positions) {
            return Arrays.stream(positions).map(j -> Math.toIntExact(index[j])).toArray();
        }

        double[] scoresAt(int[] positions) {
            return Arrays.stream(positions).mapToDouble(j -> score[j]).toArray();
        }
    }
}
