package org.influence4j.internal;

import java.util.random.RandomGenerator;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Small vector helpers shared by the modules. <b>Not public API.</b> */
public final class Vectors {

    private Vectors() {
    }

    /** {@code xᵀy} for two vectors of equal length (any shapes with that many elements). */
    public static double dot(INDArray x, INDArray y) {
        if (x.length() != y.length()) {
            throw new IllegalArgumentException("dot of vectors of lengths " + x.length() + " and " + y.length());
        }
        INDArray a = x.rank() == 1 ? x : x.reshape(x.length());
        INDArray b = y.rank() == 1 ? y : y.reshape(y.length());
        return Nd4j.getBlasWrapper().dot(a, b);
    }

    /** {@code ‖x‖₂}: ND4J's reduction (as {@code norm2Number()}), its scalar result freed at once. */
    public static double norm2(INDArray x) {
        return scalar(x.norm2(Integer.MAX_VALUE));
    }

    /** {@code ‖x‖₁}: ND4J's reduction (as {@code norm1Number()}), its scalar result freed at once. */
    public static double norm1(INDArray x) {
        return scalar(x.norm1(Integer.MAX_VALUE));
    }

    /**
     * The value of a fresh scalar array, which is then closed: loops that reduce once per step (a solver's norms)
     * would otherwise leave one small off-heap buffer per reduction to the garbage collector.
     */
    private static double scalar(INDArray r) {
        double value = r.getDouble(0);
        r.close();
        return value;
    }

    /** A rank-1 DOUBLE vector of standard normal draws from {@code rng} (reproducible for a seeded rng). */
    public static INDArray gaussian(RandomGenerator rng, long length) {
        double[] d = new double[Math.toIntExact(length)];
        for (int i = 0; i < d.length; i++) {
            d[i] = rng.nextGaussian();
        }
        return Nd4j.createFromArray(d);
    }

    /** A rank-1 DOUBLE vector of zeros. */
    public static INDArray zeros(long length) {
        return Nd4j.zeros(DataType.DOUBLE, length);
    }

    /** Whether every entry of {@code x} is finite (its 2-norm is finite). */
    public static boolean isFiniteVector(INDArray x) {
        return Double.isFinite(norm2(x));
    }
}
