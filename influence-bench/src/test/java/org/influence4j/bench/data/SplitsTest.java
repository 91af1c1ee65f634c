package org.influence4j.bench.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

class SplitsTest {

    @Test
    void apportion_sumsToTotal_withLargestRemainders() {
        assertThat(Splits.apportion(new int[] {50, 50, 50}, 50)).containsExactly(17, 17, 16);
        assertThat(Splits.apportion(new int[] {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978}, 1000))
                .containsExactly(100, 113, 99, 103, 98, 86, 102, 107, 94, 98);
        assertThat(Splits.apportion(new int[] {1, 0, 9}, 3)).containsExactly(0, 0, 3);
    }

    @Test
    void stratifiedIndices_partitionsRowsInAscendingOrder() {
        int[] labels = IntStream.range(0, 40).map(i -> i % 4 == 0 ? 1 : 0).toArray();

        Splits.SplitIndices split = Splits.stratifiedIndices(labels, 2, 8, 3L);

        int[] all = IntStream.concat(Arrays.stream(split.train()), Arrays.stream(split.test())).sorted().toArray();
        assertThat(all).isEqualTo(IntStream.range(0, 40).toArray());
        assertThat(split.test()).isSorted().hasSize(8);
        assertThat(Arrays.stream(split.test()).filter(i -> labels[i] == 1).count()).isEqualTo(2);
        assertThat(Splits.stratifiedIndices(labels, 2, 8, 3L)).isEqualTo(split);
    }

    @Test
    void stratifiedIndices_rejectsBadCounts() {
        assertThatThrownBy(() -> Splits.stratifiedIndices(new int[] {0, 1}, 2, 2, 1))
                .hasMessage("testCount (2) must be in [1, 1] for 2 rows");
        assertThatThrownBy(() -> Splits.stratifiedIndices(new int[] {0, 3}, 2, 1, 1))
                .hasMessage("labels[1] (3) must be in [0, 2)");
    }
}
