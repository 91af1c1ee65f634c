package org.influence4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

class DataSetsTest {

    private static DataSet data() {
        return new DataSet(Nd4j.linspace(DataType.DOUBLE, 1, 12, 1).reshape(4, 3),
                Nd4j.linspace(DataType.DOUBLE, 1, 4, 1).reshape(4, 1));
    }

    @Test
    void subset_rejectsNullAndEmptyIndices_namingTheArgument() {
        assertThatThrownBy(() -> DataSets.subset(data(), null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("indices");
        assertThatThrownBy(() -> DataSets.subset(data(), new int[0])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("indices is empty");
    }

    @Test
    void without_rejectsNullArguments_namingThem() {
        assertThatThrownBy(() -> DataSets.without(data(), null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("removed");
        assertThatThrownBy(() -> DataSets.without(null, new int[] {0})).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("data");
    }

    @Test
    void subsetAndWithout_copyTheRows_andLeaveTheInputUnchanged() {
        DataSet d = data();
        DataSet s = DataSets.subset(d, new int[] {2, 0});
        assertThat(s.getFeatures().getRow(0).toDoubleVector()).containsExactly(7, 8, 9);
        s.getFeatures().assign(0);
        assertThat(d.getFeatures().getDouble(2, 0)).isEqualTo(7.0);
        DataSet w = DataSets.without(d, new int[] {1, 1});
        assertThat(w.numExamples()).isEqualTo(3);
    }
}
