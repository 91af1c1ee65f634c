package org.influence4j.model;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/** The model contract on a multi-label head: sigmoid outputs with binary cross-entropy (0/1 labels), l2. */
class Dl4jSigmoidCrossEntropyContractTest extends Dl4jModelContractFixture {

    @Override
    MultiLayerNetwork network() {
        return mlp(15, new int[] {4, 5, 3}, Activation.TANH, Activation.SIGMOID, LossFunction.XENT, b -> b.l2(0.01));
    }
}
