package org.influence4j.model;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * The contract on a 4-5-3 tanh/softmax MLP with {@code weightDecay(0.01)} instead of l2 (p = 43), all parameters,
 * exact R-operator HVP. No tolerance is loosened.
 */
class Dl4jWeightDecayContractTest extends Dl4jModelContractFixture {

    @Override
    MultiLayerNetwork network() {
        return mlp(12, new int[] {4, 5, 3}, Activation.TANH, Activation.SOFTMAX, LossFunction.MCXENT,
                b -> b.weightDecay(0.01));
    }
}
