package org.influence4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.influence4j.InfluenceEstimator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Transfer learning: a frozen feature extractor with a trainable head. The frozen layer's parameters are constants of
 * the objective, left out of the analysed parameters by default; the scores equal those of the head alone trained on
 * the frozen layer's outputs (the oracle: a separate head-only network fed the extracted features).
 */
class FrozenLayerTest {

    private static NeuralNetConfiguration.ListBuilder base() {
        return new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.DOUBLE).updater(new Sgd(0.1))
                .weightInit(WeightInit.XAVIER).l2(1e-3).list();
    }

    private static OutputLayer head() {
        return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(6).nOut(3).activation(Activation.SOFTMAX)
                .build();
    }

    @Test
    void frozenFeatureExtractor_isAConstantOfTheObjective_scoresEqualTheHeadAlone() {
        MultiLayerConfiguration conf = base()
                .layer(new FrozenLayer(new DenseLayer.Builder().nIn(4).nOut(6).activation(Activation.TANH).build()))
                .layer(head()).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        DataSet train = TestNets.iris();
        for (int i = 0; i < 200; i++) {
            net.fit(train);
        }
        double[] before = TestNets.snapshot(net);
        Dl4jInfluenceModel model = Dl4jInfluenceModel.of(net);
        assertThat(model.numParameters()).isEqualTo(6 * 3 + 3); // the head only
        assertThat(model.describe()).contains("p=21 of 51");

        // the oracle: the head as its own network, on the frozen layer's outputs
        INDArray features = net.feedForwardToLayer(0, train.getFeatures(), false).get(1).dup();
        MultiLayerNetwork headNet = new MultiLayerNetwork(base().layer(head()).build());
        headNet.init();
        headNet.setParams(net.params().get(NDArrayIndex.interval(30, 51)).dup().reshape(1, 21));
        DataSet headTrain = new DataSet(features, train.getLabels());
        DataSet test = train.get(17);
        DataSet headTest = new DataSet(features.getRow(17, true).dup(), train.getLabels().getRow(17, true).dup());

        double[] frozen = InfluenceEstimator.forModel(net).withTrainingData(train).withDamping(0.01)
                .influenceOn(test).toDoubleArray();
        double[] oracle = InfluenceEstimator.forModel(headNet).withTrainingData(headTrain).withDamping(0.01)
                .influenceOn(headTest).toDoubleArray();
        for (int i = 0; i < frozen.length; i++) {
            assertThat(frozen[i]).isCloseTo(oracle[i], org.assertj.core.data.Offset.offset(1e-9 * (1 + Math.abs(oracle[i]))));
        }
        // naming the frozen layer explicitly is an error with the remedy
        assertThatThrownBy(() -> Dl4jInfluenceModel.builder(net).parameters(ParameterSubset.layers("0")).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is frozen")
                .hasMessageContaining("ParameterSubset");
        assertThat(TestNets.snapshot(net)).containsExactly(before);
    }
}
