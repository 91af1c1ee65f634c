package org.influence4j.bench.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class CsvLoaderTest {

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(CsvLoaderTest.class.getResource(name).toURI());
    }

    private static ClassificationData load(String text, CsvFormat format) throws IOException {
        return CsvLoader.load(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), "mem.csv", format);
    }

    @Test
    void load_mapsClassNamesInOrderOfFirstAppearance_withHeaderAndBlankLine() throws Exception {
        ClassificationData data = CsvLoader.load(fixture("with-header.csv"), CsvFormat.defaults().withHeader(true));

        assertThat(data.numExamples()).isEqualTo(4);
        assertThat(data.numFeatures()).isEqualTo(2);
        assertThat(data.classNames()).containsExactly("cat", "dog", "bird");
        assertThat(data.labelIndices()).containsExactly(0, 1, 0, 2);
        assertThat(data.data().getFeatures().dataType()).isEqualTo(DataType.DOUBLE);
        assertThat(data.data().getFeatures().getRow(2).toDoubleVector()).containsExactly(-5, 6);
        assertThat(data.name()).endsWith("with-header.csv");
    }

    @Test
    void load_readsIntegerLabelsAsClassIndices_withoutHeader() throws Exception {
        ClassificationData data = CsvLoader.load(fixture("no-header.csv"), CsvFormat.defaults());

        assertThat(data.classNames()).containsExactly("0", "1", "2");
        assertThat(data.labelIndices()).containsExactly(0, 2, 1, 2);
        assertThat(data.data().getFeatures().getRow(3).toDoubleVector()).containsExactly(1.0, 1.1, 1.2);
    }

    @Test
    void load_honoursLabelColumnDelimiterAndQuotes() throws Exception {
        CsvFormat format = CsvFormat.defaults().withHeader(true).withLabelColumn(0).withDelimiter(';');

        ClassificationData data = CsvLoader.load(fixture("label-first.csv"), format);

        assertThat(data.classNames()).containsExactly("b", "a");
        assertThat(data.labelIndices()).containsExactly(0, 1, 0);
        assertThat(data.data().getFeatures().getRow(1).toDoubleVector()).containsExactly(3, 4);
    }

    @Test
    void load_mapsLabelsToFixedClassNames_byNameOrIndex() throws IOException {
        CsvFormat format = CsvFormat.defaults().withClassNames(List.of("x", "y"));

        assertThat(load("1,y\n2,x\n3,1\n", format).labelIndices()).containsExactly(1, 0, 1);
        assertThatThrownBy(() -> load("1,y\n2,z\n", format))
                .isInstanceOf(MalformedDataException.class)
                .hasMessageStartingWith("mem.csv:2:2: label 'z' is not one of the classes [x, y]");
    }

    @Test
    void load_readsGzippedText() throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(bytes)) {
            gz.write("1,2,a\n3,4,b\n".getBytes(StandardCharsets.UTF_8));
        }

        ClassificationData data = CsvLoader.load(new ByteArrayInputStream(bytes.toByteArray()), "x.csv.gz",
                CsvFormat.defaults());

        assertThat(data.classNames()).containsExactly("a", "b");
        assertThat(data.data().getFeatures().getRow(1).toDoubleVector()).containsExactly(3, 4);
    }

    @Test
    void load_rejectsNonIntegerLabel_inIndexMode() {
        CsvFormat format = CsvFormat.defaults().withLabelMode(CsvFormat.LabelMode.INDEX);

        assertThatThrownBy(() -> load("1,0\n\n2,cat\n", format))
                .isInstanceOf(MalformedDataException.class)
                .hasMessageStartingWith("mem.csv:3:2: label 'cat' is not an integer: integer class labels must be"
                        + " in [0, k)");
    }

    @Test
    void load_rejectsNegativeLabelInNumericColumn_insteadOfSwitchingToClassNames() {
        assertThatThrownBy(() -> load("1,2,0\n3,4,1\n5,6,2\n\n7,8,-1\n", CsvFormat.defaults()))
                .isInstanceOf(MalformedDataException.class)
                .hasMessage("mem.csv:5:3: label -1 is negative: integer class labels must be in [0, k) for k classes"
                        + " (here [0, 3), from the largest label 2); fix the label or remove the row")
                .satisfies(e -> assertThat(((MalformedDataException) e).line()).isEqualTo(5));
    }

    @Test
    void load_rejectsFractionalLabelInNumericColumn() {
        assertThatThrownBy(() -> load("1,2,0\n3,4,1.5\n", CsvFormat.defaults()))
                .hasMessageStartingWith("mem.csv:2:3: label 1.5 is not an integer: integer class labels must be in "
                        + "[0, k) for k classes (here [0, 1), from the largest label 0)");
    }

    @Test
    void load_usesClassNamesOnlyWhenTheLabelColumnIsNotNumeric() throws IOException {
        ClassificationData mixed = load("1,2,-1\n3,4,cat\n5,6,-1\n", CsvFormat.defaults());

        assertThat(mixed.classNames()).containsExactly("-1", "cat");
        assertThat(mixed.labelIndices()).containsExactly(0, 1, 0);
    }

    @Test
    void load_rejectsOutOfRangeLabelAgainstFixedClasses_namingLineValueAndRange() {
        CsvFormat threeClasses = CsvFormat.defaults().withClassNames(List.of("0", "1", "2"));

        assertThatThrownBy(() -> load("1,2,0\n3,4,5\n", threeClasses))
                .isInstanceOf(MalformedDataException.class)
                .hasMessage("mem.csv:2:3: label 5 is out of range: expected an integer class index in [0, 3) for "
                        + "the 3 classes [0, 1, 2]; fix the label or remove the row");
        assertThatThrownBy(() -> load("1,2,-1\n", threeClasses))
                .hasMessageStartingWith("mem.csv:1:3: label -1 is not a class index: expected an integer class "
                        + "index in [0, 3)");
        assertThatThrownBy(() -> load("1,2,dog\n", threeClasses))
                .hasMessageStartingWith("mem.csv:1:3: label 'dog' is not one of the classes [0, 1, 2]");
    }

    @Test
    void load_skipsUtf8ByteOrderMark_withAndWithoutHeader() throws IOException {
        ClassificationData plain = load("\uFEFF1.5,2,0\n3,4,1\n", CsvFormat.defaults());
        ClassificationData header = load("\uFEFFx,y,label\n1.5,2,0\n", CsvFormat.defaults().withHeader(true));

        assertThat(plain.data().getFeatures().getRow(0).toDoubleVector()).containsExactly(1.5, 2);
        assertThat(plain.classNames()).containsExactly("0", "1");
        assertThat(header.numExamples()).isEqualTo(1);
    }

    @Test
    void load_rejectsNonNumericCell_namingFileLineAndColumn() throws Exception {
        Path file = fixture("non-numeric.csv");

        assertThatThrownBy(() -> CsvLoader.load(file, CsvFormat.defaults().withHeader(true)))
                .isInstanceOf(MalformedDataException.class)
                .hasMessage(file + ":4:2: 'abc' is not a number")
                .satisfies(e -> {
                    MalformedDataException m = (MalformedDataException) e;
                    assertThat(m.line()).isEqualTo(4);
                    assertThat(m.column()).isEqualTo(2);
                    assertThat(m.source()).isEqualTo(file.toString());
                });
    }

    @Test
    void load_rejectsWrongColumnCount_namingLine() throws Exception {
        Path file = fixture("wrong-columns.csv");

        assertThatThrownBy(() -> CsvLoader.load(file, CsvFormat.defaults()))
                .isInstanceOf(MalformedDataException.class)
                .hasMessage(file + ":3: expected 4 columns (as in the first data row), found 3");
    }

    @Test
    void load_rejectsNonFiniteAndJavaSpecificNumbers() {
        assertThatThrownBy(() -> load("1,2,0\nNaN,1,1\n", CsvFormat.defaults()))
                .hasMessageStartingWith("mem.csv:2:1: 'NaN' is not a number");
        assertThatThrownBy(() -> load("1,1e999,0\n", CsvFormat.defaults()))
                .hasMessageStartingWith("mem.csv:1:2: '1e999' is not finite");
        assertThatThrownBy(() -> load("1,2d,0\n", CsvFormat.defaults()))
                .hasMessageStartingWith("mem.csv:1:2: '2d' is not a number");
        assertThatThrownBy(() -> load("1,,0\n", CsvFormat.defaults()))
                .hasMessageStartingWith("mem.csv:1:2: empty cell is not a number");
    }

    @Test
    void load_rejectsEmptyFileAndMissingLabelColumn() {
        assertThatThrownBy(() -> load("a,b\n\n", CsvFormat.defaults().withHeader(true)))
                .hasMessage("mem.csv: no data rows after the header");
        assertThatThrownBy(() -> load("1,2\n", CsvFormat.defaults().withLabelColumn(5)))
                .hasMessageStartingWith("mem.csv:1: label column 5 does not exist");
    }

    @Test
    void format_rejectsBadDelimiterAndDuplicateClassNames() {
        assertThatThrownBy(() -> CsvFormat.defaults().withDelimiter('.')).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CsvFormat.defaults().withClassNames(List.of("a", "a")))
                .hasMessageContaining("must be distinct");
    }

    private static byte[] gzip(String text) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(bytes)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    @Test
    void load_reportsTruncatedGzip_atTheLineBeingRead() throws IOException {
        // once java.io.EOFException: Unexpected end of ZLIB input stream, naming neither file nor line
        byte[] gz = gzip("1,2,0\n3,4,1\n5,6,0\n");
        // the trailer (CRC and size) is gone: all 3 lines decode, the end of the stream is missing at line 4
        byte[] cut = java.util.Arrays.copyOf(gz, gz.length - 8);

        assertThatThrownBy(() -> CsvLoader.load(new ByteArrayInputStream(cut), "cut.csv.gz", CsvFormat.defaults()))
                .isInstanceOf(MalformedDataException.class)
                .hasMessageStartingWith("cut.csv.gz:4: gzip data is truncated")
                .hasMessageEndingWith("(decoded byte 18)");
    }

    @Test
    void load_reportsCorruptGzipHeader_atLineOne() throws IOException {
        // once java.util.zip.ZipException: Unsupported compression method
        byte[] gz = gzip("1,2,0\n");
        gz[2] = 7;

        assertThatThrownBy(() -> CsvLoader.load(new ByteArrayInputStream(gz), "bad.csv.gz", CsvFormat.defaults()))
                .isInstanceOf(MalformedDataException.class)
                .hasMessageStartingWith("bad.csv.gz:1: gzip data is corrupt (Unsupported compression method)");
    }

    @Test
    void load_rejectsIntegerLabelImplyingTooManyClasses_namingLineAndColumn() {
        // once 10^9 class names and an n·10^9 one-hot matrix: OutOfMemoryError
        assertThatThrownBy(() -> load("1,0\n2,999999999\n", CsvFormat.defaults()))
                .isInstanceOf(MalformedDataException.class)
                .hasMessageStartingWith("mem.csv:2:2: label 999999999 is too large")
                .hasMessageContaining("exceed the limit of 65536");
    }
}
