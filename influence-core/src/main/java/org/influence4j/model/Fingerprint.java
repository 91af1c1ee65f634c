package org.influence4j.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * SHA-256 digests identifying a model's parameters and its training data, so that persisted work (factor files,
 * checkpoint files) is reused only for what it was computed from.
 */
public final class Fingerprint {

    private Fingerprint() {
    }

    /**
     * The digest of the model's description, parameter count and parameters (as doubles), then the data's features
     * and labels (shapes and values as doubles), in hexadecimal.
     */
    static String of(InfluenceModel model, DataSet data) {
        MessageDigest md = sha256();
        md.update(model.describe().getBytes(StandardCharsets.UTF_8));
        update(md, model.parameters());
        update(md, data.getFeatures());
        update(md, data.getLabels());
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * The digest of a text (e.g. a configuration) followed by arrays (shapes and values as doubles; a null array
     * counts as one zero byte), in hexadecimal (64 characters).
     *
     * @param text   any text; not null
     * @param arrays the arrays, in order; not modified
     * @return the digest
     */
    public static String of(String text, INDArray... arrays) {
        MessageDigest md = sha256();
        md.update(text.getBytes(StandardCharsets.UTF_8));
        for (INDArray a : arrays) {
            update(md, a);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    private static void update(MessageDigest md, INDArray a) {
        if (a == null) {
            md.update((byte) 0);
            return;
        }
        ByteBuffer head = ByteBuffer.allocate(8 * (a.rank() + 1)).order(ByteOrder.BIG_ENDIAN);
        head.putLong(a.rank());
        for (long s : a.shape()) {
            head.putLong(s);
        }
        md.update(head.array());
        INDArray d = a.castTo(DataType.DOUBLE).dup('c');
        long len = d.length();
        int block = 1 << 16;
        ByteBuffer buf = ByteBuffer.allocate(8 * block).order(ByteOrder.BIG_ENDIAN);
        INDArray flat = d.reshape(len);
        for (long from = 0; from < len; from += block) {
            int cnt = (int) Math.min(block, len - from);
            double[] v = flat.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, from + cnt)).toDoubleVector();
            buf.clear();
            for (double x : v) {
                buf.putDouble(x);
            }
            md.update(buf.array(), 0, 8 * cnt);
        }
    }
}
