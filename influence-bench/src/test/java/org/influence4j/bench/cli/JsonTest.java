package org.influence4j.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void write_escapesStringsAndMapsNonFiniteNumbersToNull() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "a \"quoted\"\\ line\nnext\u0001");
        m.put("values", List.of(1, 2.5, Double.NaN, 1e-20));
        m.put("empty", List.of());

        String json = Json.write(m);

        assertThat(json).contains("\"name\": \"a \\\"quoted\\\"\\\\ line\\nnext\\u0001\"")
                .contains("1,").contains("2.5").contains("null").contains("1.0E-20").contains("\"empty\": []");
    }
}
