package org.influence4j.bench.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class IdxReaderTest {

    @TempDir
    Path dir;

    /** 3 images of 2x2 pixels: image i has pixels (i*10, i*10+1, 255, 0). */
    private static byte[] images(int count, int rows, int cols, int pixelBytes) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(IdxReader.IMAGES_MAGIC);
        out.writeInt(count);
        out.writeInt(rows);
        out.writeInt(cols);
        for (int i = 0; i < pixelBytes; i++) {
            int img = i / 4;
            int p = i % 4;
            out.writeByte(p == 0 ? img * 10 : p == 1 ? img * 10 + 1 : p == 2 ? 255 : 0);
        }
        return bytes.toByteArray();
    }

    private static byte[] labels(int magic, int... values) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(magic);
        out.writeInt(values.length);
        for (int v : values) {
            out.writeByte(v);
        }
        return bytes.toByteArray();
    }

    private Path write(String name, byte[] content, boolean gzip) throws IOException {
        Path file = dir.resolve(name);
        OutputStream plain = Files.newOutputStream(file);
        try (OutputStream out = gzip ? new GZIPOutputStream(plain) : plain) {
            out.write(content);
        }
        return file;
    }

    @Test
    void read_scalesPixelsAndOneHotsLabels_forPlainAndGzippedFiles() throws IOException {
        for (boolean gzip : new boolean[] {false, true}) {
            Path img = write("x-images-idx3-ubyte" + gzip, images(3, 2, 2, 12), gzip);
            Path lab = write("x-labels-idx1-ubyte" + gzip, labels(IdxReader.LABELS_MAGIC, 2, 0, 1), gzip);

            ClassificationData data = IdxReader.read(img, lab, List.of("a", "b", "c"));

            INDArray x = data.data().getFeatures();
            assertThat(x.dataType()).isEqualTo(DataType.DOUBLE);
            assertThat(x.shape()).containsExactly(3, 4);
            assertThat(x.getRow(1).toDoubleVector()).containsExactly(10 / 255.0, 11 / 255.0, 1.0, 0.0);
            assertThat(data.labelIndices()).containsExactly(2, 0, 1);
            assertThat(data.data().getLabels().getRow(0).toDoubleVector()).containsExactly(0, 0, 1);
            assertThat(data.classNames()).containsExactly("a", "b", "c");
        }
    }

    @Test
    void read_infersDigitClassNames_whenNoneGiven() throws IOException {
        Path img = write("images", images(3, 2, 2, 12), false);
        Path lab = write("labels", labels(IdxReader.LABELS_MAGIC, 2, 0, 1), false);

        assertThat(IdxReader.read(img, lab, null).classNames()).containsExactly("0", "1", "2");
    }

    @Test
    void readImages_rejectsWrongMagic_namingFileAndOffset() throws IOException {
        Path lab = write("labels-as-images", labels(IdxReader.LABELS_MAGIC, 1, 2), false);

        assertThatThrownBy(() -> IdxReader.readImages(lab))
                .isInstanceOf(MalformedDataException.class)
                .hasMessageStartingWith(lab + "@0: magic number 0x00000801 is not 0x00000803")
                .hasMessageContaining("looks like a label file");
    }

    @Test
    void readLabels_rejectsWrongMagic() throws IOException {
        Path bad = write("bad", labels(0x0000_0802, 1), true);

        assertThatThrownBy(() -> IdxReader.readLabels(bad))
                .isInstanceOf(MalformedDataException.class)
                .hasMessageContaining(bad.toString()).hasMessageContaining("magic number 0x00000802");
    }

    @Test
    void readImages_rejectsTruncatedPixels() throws IOException {
        Path img = write("short", images(3, 2, 2, 10), true);

        assertThatThrownBy(() -> IdxReader.readImages(img))
                .isInstanceOf(MalformedDataException.class)
                .hasMessageStartingWith(img + "@26: truncated")
                .hasMessageContaining("12 bytes").hasMessageContaining("only 10 bytes follow");
    }

    @Test
    void readImages_rejectsTruncatedHeader() throws IOException {
        Path img = write("header", new byte[] {0, 0, 8, 3, 0, 0}, false);

        assertThatThrownBy(() -> IdxReader.readImages(img))
                .isInstanceOf(MalformedDataException.class)
                .hasMessageContaining("ends inside the header");
    }

    @Test
    void readImages_rejectsTrailingData() throws IOException {
        Path img = write("long", images(3, 2, 2, 13), false);

        assertThatThrownBy(() -> IdxReader.readImages(img))
                .isInstanceOf(MalformedDataException.class)
                .hasMessageStartingWith(img + "@28: unexpected data");
    }

    @Test
    void readImages_rejectsZeroDimension() throws IOException {
        Path img = write("zero", images(3, 0, 2, 0), false);

        assertThatThrownBy(() -> IdxReader.readImages(img))
                .isInstanceOf(MalformedDataException.class)
                .hasMessageContaining("row count 0 must be positive");
    }

    @Test
    void read_rejectsCountMismatch() throws IOException {
        Path img = write("img", images(3, 2, 2, 12), false);
        Path lab = write("lab", labels(IdxReader.LABELS_MAGIC, 1, 0), false);

        assertThatThrownBy(() -> IdxReader.read(img, lab, List.of("a", "b")))
                .isInstanceOf(MalformedDataException.class)
                .hasMessageContaining("3 images but " + lab + " has 2 labels");
    }

    @Test
    void read_rejectsLabelOutsideClasses() throws IOException {
        Path img = write("img", images(3, 2, 2, 12), false);
        Path lab = write("lab", labels(IdxReader.LABELS_MAGIC, 1, 0, 7), false);

        assertThatThrownBy(() -> IdxReader.read(img, lab, List.of("a", "b")))
                .isInstanceOf(MalformedDataException.class)
                .hasMessageStartingWith(lab + "@10: label 7 of example 2");
    }

    @Test
    void readImages_rejectsDimensionsWhoseProductOverflowsLong_asTooLarge() throws IOException {
        // 2^21 · 2^21 · 2^21 = 2^63 wraps to Long.MIN_VALUE, whose int cast is 0: once a header-only file was
        // accepted as data; other wrapped products threw NegativeArraySizeException
        Path img = write("overflow", images(1 << 21, 1 << 21, 1 << 21, 0), false);

        assertThatThrownBy(() -> IdxReader.readImages(img))
                .isInstanceOf(MalformedDataException.class)
                .hasMessageStartingWith(img + "@4: 2097152 images of 2097152x2097152 pixels is too large to load")
                .hasMessageContaining("9223372036854775808 bytes");
    }

    @Test
    void readLabels_reportsHugeDeclaredCountAsTruncated_withoutAllocatingIt() throws IOException {
        // once new byte[Integer.MAX_VALUE]: OutOfMemoryError ("Requested array size exceeds VM limit")
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(IdxReader.LABELS_MAGIC);
        out.writeInt(Integer.MAX_VALUE);
        out.write(new byte[] {1, 2, 3});
        Path lab = write("huge-count", bytes.toByteArray(), false);

        assertThatThrownBy(() -> IdxReader.readLabels(lab))
                .isInstanceOf(MalformedDataException.class)
                .hasMessageStartingWith(lab + "@11: truncated: the header announces 2147483647 labels")
                .hasMessageContaining("only 3 bytes follow");
    }

    @Test
    void readImages_reportsTruncatedGzip_atTheDecodedOffset() throws IOException {
        // once java.io.EOFException: Unexpected end of ZLIB input stream, naming no file
        byte[] gz = java.nio.file.Files.readAllBytes(write("full", images(3, 2, 2, 12), true));
        Path img = write("cut.gz", java.util.Arrays.copyOf(gz, gz.length - 12), false);

        assertThatThrownBy(() -> IdxReader.readImages(img))
                .isInstanceOf(MalformedDataException.class)
                .hasMessageMatching(java.util.regex.Pattern.quote(img.toString())
                        + "@\\d+: gzip data is truncated \\(Unexpected end of ZLIB input stream\\).*");
    }

    @Test
    void readLabels_reportsCorruptGzipHeader_atOffsetZero() throws IOException {
        // once java.util.zip.ZipException: Unsupported compression method
        byte[] gz = java.nio.file.Files.readAllBytes(write("full", labels(IdxReader.LABELS_MAGIC, 1, 2), true));
        gz[2] = 7; // compression method: only 8 (deflate) exists
        Path lab = write("bad-method.gz", gz, false);

        assertThatThrownBy(() -> IdxReader.readLabels(lab))
                .isInstanceOf(MalformedDataException.class)
                .hasMessageStartingWith(lab + "@0: gzip data is corrupt (Unsupported compression method)");
    }
}
