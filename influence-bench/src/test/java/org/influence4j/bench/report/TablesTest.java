package org.influence4j.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TablesTest {

    @TempDir
    Path dir;

    @Test
    void csvTable_quotesSpecialFieldsAndWritesNumbersExactly() throws IOException {
        CsvTable table = CsvTable.withHeader("index", "name", "influence")
                .row(3, "a,b", -1.0E-7)
                .row(4, "say \"hi\"", null);

        Path file = table.write(dir.resolve("out/scores.csv"));

        assertThat(Files.readString(file)).isEqualTo(
                "index,name,influence\n3,\"a,b\",-1.0E-7\n4,\"say \"\"hi\"\"\",\n");
        assertThat(table.size()).isEqualTo(2);
        assertThatThrownBy(() -> table.row(1)).hasMessageContaining("row has 1 cells but the table has 3 columns");
    }

    @Test
    void markdownTable_padsColumnsAndRightAlignsNumbers() {
        String md = MarkdownTable.withHeader("depth", "spearman", "note")
                .row(1, 0.70123, "a|b")
                .row(8, Double.NaN, "")
                .toString();

        assertThat(md).isEqualTo("""
                | depth | spearman | note |
                | ----: | -------: | ---- |
                |     1 |   0.7012 | a\\|b |
                |     8 |      n/a |      |
                """);
        assertThat(MarkdownTable.format(1.5e-5)).isEqualTo("1.500e-05");
    }
}
