package org.influence4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.InfluenceEstimator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/** Softmax cross-entropy heads take only class distributions as labels (one-hot or probability rows). */
class Dl4jLabelCheckTest {

    private static MultiLayerNetwork softmaxMlp() {
        return TestNets.mlp(5, DataType.DOUBLE, 4, new int[] {5}, 3, Activation.TANH, Activation.SOFTMAX,
                LossFunction.MCXENT, TestNets.Reg.L2, 0.01);
    }

    @Test
    void softmaxHead_rejectsRowThatSumsToOneWithANegativeEntry_andModifiesNothing() {
        MultiLayerNetwork net = softmaxMlp();
        double[] params = TestNets.snapshot(net);
        DataSet good = TestNets.random(9, 6, 4, 3, LossFunction.MCXENT);
        INDArray labels = good.getLabels().dup();
        labels.putRow(4, org.nd4j.linalg.factory.Nd4j.createFromArray(1.5, -0.5, 0.0));
        INDArray labelsBefore = labels.dup();
        INDArray featuresBefore = good.getFeatures().dup();
        DataSet bad = new DataSet(good.getFeatures(), labels);

        Dl4jInfluenceModel model = Dl4jInfluenceModel.of(net);
        assertThatThrownBy(() -> InfluenceEstimator.forModel(model).withTrainingData(bad).withDamping(0.01)
                .influenceOn(new DataSet(good.getFeatures().getRows(0), good.getLabels().getRows(0))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("labels row 4 [1.5, -0.5, 0.0] has a negative entry (-0.5)")
                .hasMessageContaining("one-hot rows or probability rows");
        assertThatThrownBy(() -> model.losses(bad)).hasMessageContaining("row 4");
        assertThat(labels).isEqualTo(labelsBefore);
        assertThat(good.getFeatures()).isEqualTo(featuresBefore);
        assertThat(TestNets.snapshot(net)).isEqualTo(params);
    }

    @Test
    void softmaxHead_acceptsProbabilityRows() {
        DataSet good = TestNets.random(9, 6, 4, 3, LossFunction.MCXENT);
        INDArray soft = good.getLabels().mul(0.7).addi(0.1); // rows 0.8/0.1/0.1: a probability row
        assertThat(Dl4jInfluenceModel.of(softmaxMlp()).losses(new DataSet(good.getFeatures(), soft)).length())
                .isEqualTo(6);
    }
}
