package org.influence4j.testdata;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/** Bit-for-bit snapshot of arrays and data sets, to prove that a call did not modify its arguments. */
public final class Snapshot {

    private record Entry(String name, INDArray array, DataType type, long[] shape, long[] bits) {
    }

    private final List<Entry> entries = new ArrayList<>();

    private Snapshot() {
    }

    /** Snapshots every {@link INDArray} and {@link DataSet} (features and labels) among {@code things}. */
    public static Snapshot of(Object... things) {
        Snapshot s = new Snapshot();
        for (int i = 0; i < things.length; i++) {
            Object o = things[i];
            if (o instanceof INDArray a) {
                s.add("arg" + i, a);
            } else if (o instanceof DataSet d) {
                s.add("arg" + i + ".features", d.getFeatures());
                s.add("arg" + i + ".labels", d.getLabels());
            } else {
                throw new IllegalArgumentException("cannot snapshot " + o);
            }
        }
        return s;
    }

    private void add(String name, INDArray a) {
        entries.add(new Entry(name, a, a.dataType(), a.shape().clone(), bits(a)));
    }

    /** Asserts that every snapshotted array still has the same type, shape and bits. */
    public void assertUnchanged() {
        for (Entry e : entries) {
            assertThat(e.array.dataType()).as(e.name + " data type").isEqualTo(e.type);
            assertThat(e.array.shape()).as(e.name + " shape").containsExactly(e.shape);
            assertThat(Arrays.equals(bits(e.array), e.bits)).as(e.name + " contents (bitwise)").isTrue();
        }
    }

    private static long[] bits(INDArray a) {
        // FLOAT → DOUBLE is exact, so comparing the widened bits is bitwise on the original
        double[] d = a.dup('c').castTo(DataType.DOUBLE).reshape(a.length()).toDoubleVector();
        long[] b = new long[d.length];
        for (int i = 0; i < d.length; i++) {
            b[i] = Double.doubleToRawLongBits(d[i]);
        }
        return b;
    }
}
