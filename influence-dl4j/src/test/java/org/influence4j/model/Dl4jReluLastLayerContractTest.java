package org.influence4j.model;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.dl4j.Dl4jInfluenceModel;
import org.influence4j.dl4j.ParameterSubset;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * The contract on a 4-8-6-3 ReLU/softmax MLP with {@code l2(0.01)}, analysing only the output layer
 * ({@link ParameterSubset#lastLayer()}, p = 6·3 + 3 = 21; the ReLU layers are a fixed feature extractor). No tolerance
 * is loosened.
 */
class Dl4jReluLastLayerContractTest extends Dl4jModelContractFixture {

    @Override
    MultiLayerNetwork network() {
        return mlp(13, new int[] {4, 8, 6, 3}, Activation.RELU, Activation.SOFTMAX, LossFunction.MCXENT,
                b -> b.l2(0.01));
    }

    @Override
    Dl4jInfluenceModel.Builder options(Dl4jInfluenceModel.Builder b) {
        return b.parameters(ParameterSubset.lastLayer());
    }
}
