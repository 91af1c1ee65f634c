package org.influence4j.bench.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Property-based fuzzing of {@link CsvLoader} and {@link IdxReader}: whatever the bytes, a loader returns data or
 * throws {@link MalformedDataException} whose message starts with the source name and the line (CSV) or byte
 * offset (IDX); never another exception type and never a hang (each try runs under {@link #TIMEOUT}; inputs are a
 * few kilobytes at most). The number of tries per property is jqwik's default, set by the {@code fuzz.tries}
 * Maven property (200 in {@code mvn verify}, 5,000 with {@code -Pfuzz}).
 */
class LoaderFuzzTest {

    /** Far above any one try (milliseconds); only a hang or runaway allocation reaches it. */
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final String CSV = "fuzz.csv";
    private static final String IDX = "fuzz.idx";

    /** Cells that stress the number parsing: huge, tiny, negative, non-finite, hexadecimal, suffixed, quoted. */
    private static final List<String> CELLS = List.of("0", "1", "2", "-1", "3.5", "1e308", "1e400", "-1e400",
            "4.9e-325", "NaN", "-NaN", "Infinity", "-Infinity", "inf", "0x1p3", "1d", "1f", "+1", "-0", ".5", "5.",
            "99999999999", "999999999", "65535", "65536", "2147483648", "-2147483649", "\"7\"", "\"\"", "\"a,b\"",
            "", " ", "a", "cat", "\u00e9", "\uFEFF1", "1 2", "--1", "1e", "e1", "\u0000");
    private static final List<String> SEPARATORS = List.of(",", ",", ",", ";", "\t", "\n", "\r\n", "\r", "\n\n");

    @BeforeContainer
    static void loadNd4j() throws IOException {
        // ND4J's first array takes seconds to load native code: outside the per-try timeout
        CsvLoader.load(new ByteArrayInputStream("1,0\n".getBytes(StandardCharsets.UTF_8)), CSV, CsvFormat.defaults());
    }

    // ------------------------------------------------------------------------------------------------- CSV

    @Property
    void csv_randomBytes_yieldDataOrMalformedAtLine(@ForAll @Size(max = 2_000) byte[] bytes,
            @ForAll("formats") CsvFormat format) {
        assertCsvDataOrMalformed(bytes, format);
    }

    @Property
    void csv_tokenSoup_yieldsDataOrMalformedAtLine(@ForAll("tokenSoup") String text, @ForAll boolean bom,
            @ForAll boolean gzip, @ForAll("formats") CsvFormat format) {
        byte[] bytes = ((bom ? "\uFEFF" : "") + text).getBytes(StandardCharsets.UTF_8);
        assertCsvDataOrMalformed(gzip ? gzip(bytes) : bytes, format);
    }

    @Property
    void csv_truncatedValidFile_yieldsDataOrMalformedAtLine(@ForAll("validCsv") String text, @ForAll boolean gzip,
            @ForAll @IntRange(min = 0, max = 1_000) int cutPermille) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (gzip) {
            bytes = gzip(bytes);
        }
        assertCsvDataOrMalformed(Arrays.copyOf(bytes, (int) ((long) bytes.length * cutPermille / 1_000)),
                CsvFormat.defaults());
    }

    @Property
    void csv_gzipWithOneByteChanged_yieldsDataOrMalformedAtLine(@ForAll("validCsv") String text,
            @ForAll @IntRange(min = 0, max = 1_000) int atPermille, @ForAll byte xor) {
        byte[] bytes = gzip(text.getBytes(StandardCharsets.UTF_8));
        int at = Math.min(bytes.length - 1, (int) ((long) bytes.length * atPermille / 1_000));
        bytes[at] ^= xor == 0 ? 1 : xor;
        assertCsvDataOrMalformed(bytes, CsvFormat.defaults());
    }

    @Property
    void csv_validRowsWithMixedLineEndingsAndBom_loadExactly(@ForAll("rows") List<List<Integer>> rows,
            @ForAll("lineEndings") List<String> endings, @ForAll boolean bom, @ForAll boolean gzip) throws IOException {
        StringBuilder text = new StringBuilder(bom ? "\uFEFF" : "");
        for (int i = 0; i < rows.size(); i++) {
            List<Integer> row = rows.get(i);
            for (int j = 0; j < row.size(); j++) {
                text.append(j == 0 ? "" : ",").append(j < row.size() - 1 ? row.get(j) : Math.floorMod(row.get(j), 3));
            }
            text.append(endings.get(i % endings.size()));
        }
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        ClassificationData data = CsvLoader.load(new ByteArrayInputStream(gzip ? gzip(bytes) : bytes), CSV,
                CsvFormat.defaults());

        assertThat(data.numExamples()).isEqualTo(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            List<Integer> row = rows.get(i);
            double[] expected = row.subList(0, row.size() - 1).stream().mapToDouble(Integer::doubleValue).toArray();
            assertThat(data.data().getFeatures().getRow(i).toDoubleVector()).containsExactly(expected);
            assertThat(data.labelIndices()[i]).isEqualTo(Math.floorMod(row.get(row.size() - 1), 3));
        }
    }

    // ------------------------------------------------------------------------------------------------- IDX

    @Property
    void idx_randomBytes_yieldDataOrMalformedAtOffset(@ForAll @Size(max = 2_000) byte[] bytes) {
        assertIdxDataOrMalformed(bytes, true);
        assertIdxDataOrMalformed(bytes, false);
    }

    @Property
    void idx_headerWithAnyMagicAndDimensions_yieldsDataOrMalformedAtOffset(@ForAll("magics") int magic,
            @ForAll("dimensions") int count, @ForAll("dimensions") int rows, @ForAll("dimensions") int cols,
            @ForAll @IntRange(min = 0, max = 4_096) int bodyLength, @ForAll boolean gzip) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        try {
            out.writeInt(magic);
            out.writeInt(count);
            out.writeInt(rows);
            out.writeInt(cols);
            out.write(new byte[bodyLength]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] file = gzip ? gzip(bytes.toByteArray()) : bytes.toByteArray();
        assertIdxDataOrMalformed(file, true);
        assertIdxDataOrMalformed(file, false);
    }

    @Property
    void idx_truncatedValidFile_yieldsDataOrMalformedAtOffset(@ForAll @IntRange(min = 1, max = 20) int count,
            @ForAll @IntRange(min = 1, max = 8) int side, @ForAll boolean gzip,
            @ForAll @IntRange(min = 0, max = 1_000) int cutPermille) {
        ByteArrayOutputStream images = new ByteArrayOutputStream();
        ByteArrayOutputStream labels = new ByteArrayOutputStream();
        try {
            DataOutputStream img = new DataOutputStream(images);
            img.writeInt(IdxReader.IMAGES_MAGIC);
            img.writeInt(count);
            img.writeInt(side);
            img.writeInt(side);
            for (int i = 0; i < count * side * side; i++) {
                img.writeByte(i * 31);
            }
            DataOutputStream lab = new DataOutputStream(labels);
            lab.writeInt(IdxReader.LABELS_MAGIC);
            lab.writeInt(count);
            for (int i = 0; i < count; i++) {
                lab.writeByte(i % 10);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (byte[] valid : List.of(images.toByteArray(), labels.toByteArray())) {
            byte[] bytes = gzip ? gzip(valid) : valid;
            byte[] cut = Arrays.copyOf(bytes, (int) ((long) bytes.length * cutPermille / 1_000));
            assertIdxDataOrMalformed(cut, valid == images.toByteArray() || valid.length == images.size());
            assertIdxDataOrMalformed(cut, valid.length != images.size());
        }
    }

    // ------------------------------------------------------------------------------------------ generators

    @Provide
    Arbitrary<CsvFormat> formats() {
        Arbitrary<List<String>> classNames = Arbitraries.oneOf(Arbitraries.just(null),
                Arbitraries.of("a", "b", "cat", "0", "1", "x").list().ofMinSize(1).ofMaxSize(4).uniqueElements());
        return Combinators.combine(Arbitraries.of(true, false), Arbitraries.integers().between(-4, 4),
                Arbitraries.of(',', ';', '\t', ' '), Arbitraries.of(CsvFormat.LabelMode.class), classNames)
                .as(CsvFormat::new);
    }

    @Provide
    Arbitrary<String> tokenSoup() {
        return Arbitraries.oneOf(Arbitraries.of(CELLS), Arbitraries.of(SEPARATORS)).list().ofMaxSize(200)
                .map(tokens -> String.join("", tokens));
    }

    @Provide
    Arbitrary<String> validCsv() {
        return rows().map(rows -> {
            StringBuilder text = new StringBuilder();
            for (List<Integer> row : rows) {
                for (int j = 0; j < row.size(); j++) {
                    int cell = row.get(j);
                    text.append(j == 0 ? "" : ",").append(j < row.size() - 1 ? cell : Math.floorMod(cell, 5));
                }
                text.append('\n');
            }
            return text.toString();
        });
    }

    /** 1 to 30 rows of the same width (2 to 6 columns, the last becomes a label). */
    @Provide
    Arbitrary<List<List<Integer>>> rows() {
        return Arbitraries.integers().between(2, 6).flatMap(width -> Arbitraries.integers()
                .list().ofSize(width).list().ofMinSize(1).ofMaxSize(30));
    }

    @Provide
    Arbitrary<List<String>> lineEndings() {
        return Arbitraries.of("\n", "\r\n", "\r", "\n\n", "\r\n\r\n").list().ofMinSize(1).ofMaxSize(5);
    }

    @Provide
    Arbitrary<Integer> magics() {
        return Arbitraries.oneOf(Arbitraries.of(IdxReader.IMAGES_MAGIC, IdxReader.LABELS_MAGIC, 0x00000802,
                0x00000903, 0x08030000, 0x1f8b0803, -1, 0), Arbitraries.integers());
    }

    @Provide
    Arbitrary<Integer> dimensions() {
        return Arbitraries.oneOf(Arbitraries.integers().between(-2, 70), Arbitraries.of(Integer.MAX_VALUE,
                Integer.MAX_VALUE - 16, Integer.MIN_VALUE, 46_341, 65_536, 1 << 20), Arbitraries.integers());
    }

    // ----------------------------------------------------------------------------------------- the property

    private static void assertCsvDataOrMalformed(byte[] bytes, CsvFormat format) {
        MalformedDataException e = loadOrMalformed(() -> CsvLoader.load(new ByteArrayInputStream(bytes), CSV,
                format));
        if (e != null) {
            assertThat(e.source()).isEqualTo(CSV);
            if (e.line() >= 1) {
                assertThat(e.getMessage()).startsWith(CSV + ":" + e.line() + ":");
            } else {
                // a whole-file problem: only "no data rows" concerns no single line
                assertThat(e.getMessage()).startsWith(CSV + ": no data rows");
            }
        }
    }

    private static void assertIdxDataOrMalformed(byte[] bytes, boolean images) {
        MalformedDataException e = loadOrMalformed(() -> images ? IdxReader.readImagesRaw(new ByteArrayInputStream(
                bytes), IDX) : IdxReader.readLabels(new ByteArrayInputStream(bytes), IDX));
        if (e != null) {
            assertThat(e.source()).isEqualTo(IDX);
            assertThat(e.offset()).isBetween(0L, (long) Integer.MAX_VALUE + 16);
            assertThat(e.getMessage()).startsWith(IDX + "@" + e.offset() + ": ");
        }
    }

    private interface Load {
        Object run() throws IOException;
    }

    /** Runs the loader under the timeout; returns its {@link MalformedDataException} or null; anything else fails. */
    private static MalformedDataException loadOrMalformed(Load load) {
        return assertTimeoutPreemptively(TIMEOUT, () -> {
            try {
                assertThat(load.run()).isNotNull();
                return null;
            } catch (MalformedDataException e) {
                return e;
            }
        });
    }

    private static byte[] gzip(byte[] plain) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(plain);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
