package org.influence4j.model;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * The contract on a 4-5-3 tanh/softmax MLP with {@code l2(0.01)} (p = 43), all parameters, {@code HvpMode.AUTO}
 * (resolves to the exact R-operator HVP). No tolerance is loosened.
 */
class Dl4jTanhL2ContractTest extends Dl4jModelContractFixture {

    @Override
    MultiLayerNetwork network() {
        return mlp(11, new int[] {4, 5, 3}, Activation.TANH, Activation.SOFTMAX, LossFunction.MCXENT,
                b -> b.l2(0.01));
    }
}
