package org.influence4j.dl4j;

import java.util.ArrayList;
import java.util.List;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The analysed parameters as segments of DL4J's flat parameter vector, concatenated in flat order: maps between
 * full vectors (length {@code P}, DL4J layout) and subset vectors (length {@code p}). Immutable.
 */
final class ParameterLayout {

    /** One layer's parameters: {@code [fullOffset, fullOffset + length)} in the full vector, at {@code subOffset}. */
    record Segment(int position, long fullOffset, long length, long subOffset) {
    }

    private final List<Segment> segments;
    private final long fullLength;
    private final long length;

    ParameterLayout(List<NetworkCopy.LayerSpec> layers, long fullLength) {
        List<Segment> s = new ArrayList<>();
        long sub = 0;
        for (NetworkCopy.LayerSpec l : layers) {
            s.add(new Segment(l.position(), l.offset(), l.numParams(), sub));
            sub += l.numParams();
        }
        this.segments = List.copyOf(s);
        this.fullLength = fullLength;
        this.length = sub;
    }

    List<Segment> segments() {
        return segments;
    }

    long length() {
        return length;
    }

    boolean isFull() {
        return length == fullLength;
    }

    /** The subset offset of the layer at {@code position}, or -1 if the layer is not analysed. */
    long subOffsetOf(int position) {
        for (Segment s : segments) {
            if (s.position() == position) {
                return s.subOffset();
            }
        }
        return -1;
    }

    /** The subset entries of a full vector, a fresh DOUBLE rank-1 array. */
    INDArray gather(INDArray full) {
        if (isFull()) {
            return full.castTo(DataType.DOUBLE).dup().reshape(full.length());
        }
        INDArray out = Nd4j.create(DataType.DOUBLE, length);
        for (Segment s : segments) {
            out.get(NDArrayIndex.interval(s.subOffset(), s.subOffset() + s.length()))
                    .assign(full.get(NDArrayIndex.interval(s.fullOffset(), s.fullOffset() + s.length())));
        }
        return out;
    }

    /** A copy of {@code full} with the subset entries replaced by {@code sub}. */
    INDArray scatter(INDArray full, INDArray sub) {
        INDArray out = full.dup();
        for (Segment s : segments) {
            out.get(NDArrayIndex.interval(s.fullOffset(), s.fullOffset() + s.length()))
                    .assign(sub.get(NDArrayIndex.interval(s.subOffset(), s.subOffset() + s.length())));
        }
        return out;
    }
}
