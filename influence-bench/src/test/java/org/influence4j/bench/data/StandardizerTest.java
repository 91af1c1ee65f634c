package org.influence4j.bench.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class StandardizerTest {

    @Test
    void fit_usesPopulationStdAndMapsConstantColumnsToZero() {
        INDArray x = Nd4j.createFromArray(new double[][] {{1, 5}, {3, 5}});
        INDArray before = x.dup();

        Standardizer s = Standardizer.fit(x);

        assertThat(s.mean()).containsExactly(2, 5);
        assertThat(s.scale()).containsExactly(1, 1);
        assertThat(s.apply(x).toDoubleMatrix()).isDeepEqualTo(new double[][] {{-1, 0}, {1, 0}});
        assertThat(x).isEqualTo(before);
    }

    @Test
    void apply_rejectsWrongWidth() {
        Standardizer s = new Standardizer(new double[] {0}, new double[] {1});

        assertThatThrownBy(() -> s.apply(Nd4j.zeros(2, 3))).hasMessage("x must be [n, 1], was [2, 3]");
        assertThatThrownBy(() -> new Standardizer(new double[] {0}, new double[] {0}))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
