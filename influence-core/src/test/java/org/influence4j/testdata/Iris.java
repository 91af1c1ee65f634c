package org.influence4j.testdata;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.influence4j.model.DataSets;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Fisher's Iris (test resource {@code iris.csv}, see {@code NOTICE-iris.txt}) as an ND4J data set:
 * features standardised per column (z-scores with the population standard deviation over all 150 rows),
 * labels one-hot {@code [150, 3]}, DOUBLE.
 */
public final class Iris {

    public static final int ROWS = 150;
    public static final int FEATURES = 4;
    public static final int CLASSES = 3;

    private Iris() {
    }

    /** All 150 rows in file order. */
    public static DataSet load() {
        double[][] x = new double[ROWS][FEATURES];
        double[][] y = new double[ROWS][CLASSES];
        try (InputStream in = Iris.class.getResourceAsStream("/iris.csv")) {
            if (in == null) {
                throw new IllegalStateException("test resource /iris.csv not found");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            String header = r.readLine();
            if (!header.startsWith("150,4,")) {
                throw new IllegalStateException("unexpected iris.csv header: " + header);
            }
            for (int i = 0; i < ROWS; i++) {
                String[] f = r.readLine().split(",");
                for (int j = 0; j < FEATURES; j++) {
                    x[i][j] = Double.parseDouble(f[j]);
                }
                y[i][Integer.parseInt(f[FEATURES].trim())] = 1.0;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        standardise(x);
        return new DataSet(Nd4j.createFromArray(x), Nd4j.createFromArray(y));
    }

    /**
     * A seeded random split: {@code [train, test]} with {@code testCount} test rows; both keep file order.
     */
    public static DataSet[] split(DataSet all, int testCount, long seed) {
        int n = all.numExamples();
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        boolean[] isTest = new boolean[n];
        for (int i = 0; i < testCount; i++) {
            isTest[perm[i]] = true;
        }
        List<Integer> tr = new ArrayList<>();
        List<Integer> te = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            (isTest[i] ? te : tr).add(i);
        }
        return new DataSet[] {
            DataSets.subset(all, tr.stream().mapToInt(Integer::intValue).toArray()),
            DataSets.subset(all, te.stream().mapToInt(Integer::intValue).toArray())};
    }

    private static void standardise(double[][] x) {
        for (int j = 0; j < FEATURES; j++) {
            double mean = 0;
            for (double[] row : x) {
                mean += row[j] / ROWS;
            }
            double var = 0;
            for (double[] row : x) {
                var += (row[j] - mean) * (row[j] - mean) / ROWS;
            }
            double sd = Math.sqrt(var);
            for (double[] row : x) {
                row[j] = (row[j] - mean) / sd;
            }
        }
    }
}
