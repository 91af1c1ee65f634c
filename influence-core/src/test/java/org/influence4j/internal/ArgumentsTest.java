package org.influence4j.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ArgumentsTest {

    private static INDArray rows(double[][] y) {
        return Nd4j.createFromArray(y);
    }

    @Test
    void checkClassLabels_rejectsRowSummingToOneWithNegativeEntry_namingRowValuesAndRemedy() {
        INDArray y = rows(new double[][] {{1, 0, 0}, {0, 1, 0}, {1.5, -0.5, 0}});
        INDArray before = y.dup();
        assertThatThrownBy(() -> Arguments.checkClassLabels("training data labels", y))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("training data labels row 2 [1.5, -0.5, 0.0]")
                .hasMessageContaining("negative entry (-0.5)")
                .hasMessageContaining("one-hot rows or probability rows");
        assertThat(y).isEqualTo(before);
    }

    @Test
    void checkClassLabels_rejectsRowNotSummingToOne() {
        INDArray y = rows(new double[][] {{0.5, 0.5}, {0.7, 0.7}});
        assertThatThrownBy(() -> Arguments.checkClassLabels("testPoint labels", y))
                .hasMessageContaining("testPoint labels row 1 [0.7, 0.7] sums to 1.4")
                .hasMessageContaining("sum to 1 within 1.0E-6");
    }

    @Test
    void checkClassLabels_acceptsOneHotAndProbabilityRowsWithinTolerance_inFloatToo() {
        INDArray y = rows(new double[][] {{1, 0, 0}, {0.2, 0.3, 0.5}, {1 - 5e-7, 0, 0}, {-5e-7, 0.5, 0.5 + 5e-7}});
        assertThat(Arguments.checkClassLabels("y", y)).isSameAs(y);
        INDArray f = y.castTo(DataType.FLOAT);
        assertThat(Arguments.checkClassLabels("y", f)).isSameAs(f);
    }

    @Test
    void checkClassLabels_rejectsNonFiniteLabels() {
        INDArray y = rows(new double[][] {{Double.NaN, 1}});
        assertThatThrownBy(() -> Arguments.checkClassLabels("y", y)).hasMessageContaining("NaN");
    }

    @Test
    void checkSoftLabels_acceptsAnyMassButRejectsNegativeEntries() {
        assertThat(Arguments.checkSoftLabels("y", rows(new double[][] {{2, 0.5}, {0, 0}}))).isNotNull();
        assertThatThrownBy(() -> Arguments.checkSoftLabels("train labels", rows(new double[][] {{2, 0.5}, {1, -1}})))
                .hasMessageContaining("train labels row 1 [1.0, -1.0] has a negative entry (-1.0)")
                .hasMessageContaining("non-negative soft labels");
    }

    @Test
    void checkClassLabels_abbreviatesWideRows() {
        double[][] y = new double[1][12];
        y[0][0] = 2;
        assertThatThrownBy(() -> Arguments.checkClassLabels("y", rows(y)))
                .hasMessageContaining("(12 entries)]").hasMessageContaining("sums to 2.0");
    }

    @Test
    void formatBytes_usesReadableUnitsAndNeverZeroPointZero() {
        assertThat(Arguments.formatBytes(0)).isEqualTo("0 bytes");
        assertThat(Arguments.formatBytes(1)).isEqualTo("1 byte");
        assertThat(Arguments.formatBytes(312)).isEqualTo("312 bytes");
        assertThat(Arguments.formatBytes(1023)).isEqualTo("1023 bytes");
        assertThat(Arguments.formatBytes(1024)).isEqualTo("1.0 KiB");
        assertThat(Arguments.formatBytes(1536)).isEqualTo("1.5 KiB");
        assertThat(Arguments.formatBytes(8L << 20)).isEqualTo("8.0 MiB");
        assertThat(Arguments.formatBytes((long) (2.3 * (1L << 30)))).isEqualTo("2.3 GiB");
        // 1024 * 1024 - 1 bytes would round to "1024.0 KiB": the next unit instead
        assertThat(Arguments.formatBytes((1L << 20) - 1)).isEqualTo("1.0 MiB");
        assertThat(Arguments.formatBytes(Long.MAX_VALUE)).isEqualTo("8.0 EiB");
        assertThatThrownBy(() -> Arguments.formatBytes(-1)).hasMessage("bytes (-1) must be >= 0");
    }
}
