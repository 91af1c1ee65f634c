package org.influence4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.influence4j.dl4j.Dl4jInfluenceModel;
import org.junit.jupiter.api.AfterEach;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * {@link InfluenceModelContractTest} on {@link Dl4jInfluenceModel}: a small seeded DOUBLE network (Xavier
 * initialisation, not trained: generic parameters) and {@value #N} random examples. {@link #at} adapts a clone of the
 * network with the analysed parameters set to θ (the analysed parameters are the trailing segment of DL4J's flat
 * vector: all of them, or the last layer); the original network is never changed, checked after every test.
 */
abstract class Dl4jModelContractFixture extends InfluenceModelContractTest {

    /** Examples: enough for a full-rank curvature term, few enough for p² finite-difference gradients. */
    static final int N = 30;

    private final MultiLayerNetwork net = network();
    private final double[] netBefore = net.params().dup().toDoubleVector();
    private final DataSet data = randomData(7, N, net);

    /** The network under test (built once per test instance, never modified). */
    abstract MultiLayerNetwork network();

    /** The adapter's options for this fixture (mode, parameter subset); default: none. */
    Dl4jInfluenceModel.Builder options(Dl4jInfluenceModel.Builder b) {
        return b;
    }

    MultiLayerNetwork originalNetwork() {
        return net;
    }

    @Override
    InfluenceModel model() {
        return options(Dl4jInfluenceModel.builder(net)).build();
    }

    @Override
    InfluenceModel at(INDArray theta) {
        return options(Dl4jInfluenceModel.builder(withAnalysedParameters(theta))).build();
    }

    /** A clone of the network whose trailing {@code theta.length()} parameters are {@code theta} (not modified). */
    MultiLayerNetwork withAnalysedParameters(INDArray theta) {
        MultiLayerNetwork copy = net.clone();
        long total = copy.numParams();
        INDArray flat = copy.params().dup().reshape(total);
        flat.get(NDArrayIndex.interval(total - theta.length(), total)).assign(theta.reshape(theta.length()));
        copy.setParams(flat.reshape(1, total));
        return copy;
    }

    @Override
    DataSet data() {
        return data;
    }

    /** {@code at} is this fixture's scaffolding (a cloned network), not a library factory: nothing to validate. */
    @Override
    protected boolean atValidatesTheta() {
        return false;
    }

    /**
     * DL4J's own view of the output layer: {@code z = a·W + b} from the input {@code a} of the output layer (DL4J's
     * {@code feedForward} of a clone at the model's parameters), and the configured {@code ILossFunction}'s
     * per-example score and gradient with respect to {@code z} — none of it the adapter's code. Every fixture here
     * ends in a canonical pair; one that does not overrides this with an empty optional.
     */
    @Override
    protected java.util.Optional<OutputOracle> outputOracle() {
        var conf = (org.deeplearning4j.nn.conf.layers.BaseOutputLayer) net.getOutputLayer().conf().getLayer();
        var loss = conf.getLossFn();
        var activation = conf.getActivationFn();
        return java.util.Optional.of(new OutputOracle() {
            @Override
            public INDArray outputs(InfluenceModel m, DataSet d) {
                MultiLayerNetwork at = withAnalysedParameters(m.parameters());
                int last = at.getnLayers() - 1;
                INDArray in = at.feedForward(d.getFeatures(), false).get(last).castTo(DataType.DOUBLE);
                INDArray w = at.getLayer(last).getParam("W").castTo(DataType.DOUBLE);
                INDArray b = at.getLayer(last).getParam("b").castTo(DataType.DOUBLE);
                return in.mmul(w).addiRowVector(b.reshape(b.length()));
            }

            @Override
            public INDArray losses(INDArray z, INDArray labels) {
                return loss.computeScoreArray(labels.dup(), z.dup(), activation, null).reshape(z.size(0));
            }

            @Override
            public INDArray lossGradient(INDArray z, INDArray labels) {
                return loss.computeGradient(labels.dup(), z.dup(), activation, null);
            }
        });
    }

    @AfterEach
    void originalNetwork_isBitwiseUnchanged() {
        assertThat(net.params().dup().toDoubleVector()).isEqualTo(netBefore);
    }

    /** A seeded DOUBLE MLP {@code widths[0] - … - widths[last]}, Xavier-initialised, with the given regulariser. */
    static MultiLayerNetwork mlp(long seed, int[] widths, Activation hidden, Activation out, LossFunction loss,
                                 java.util.function.UnaryOperator<NeuralNetConfiguration.Builder> regulariser) {
        NeuralNetConfiguration.Builder b = regulariser.apply(new NeuralNetConfiguration.Builder().seed(seed)
                .dataType(DataType.DOUBLE).updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER));
        var list = b.list();
        for (int i = 1; i + 1 < widths.length; i++) {
            list.layer(new DenseLayer.Builder().nIn(widths[i - 1]).nOut(widths[i]).activation(hidden).build());
        }
        list.layer(new OutputLayer.Builder(loss).nIn(widths[widths.length - 2]).nOut(widths[widths.length - 1])
                .activation(out).build());
        MultiLayerNetwork n = new MultiLayerNetwork(list.build());
        n.init();
        return n;
    }

    /**
     * {@code n} examples for {@code network}: standard-normal features; one-hot labels for a softmax head, independent
     * 0/1 labels for a sigmoid head, else standard-normal targets.
     */
    static DataSet randomData(long seed, int n, MultiLayerNetwork network) {
        long nIn = network.layerInputSize(0);
        long nOut = network.layerSize(network.getnLayers() - 1);
        SplittableRandom rng = new SplittableRandom(seed);
        INDArray x = Nd4j.create(DataType.DOUBLE, n, nIn);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, n, nOut);
        String activation = network.getOutputLayer().conf().getLayer() instanceof OutputLayer o
                ? o.getActivationFn().toString().toLowerCase(java.util.Locale.ROOT) : "";
        boolean softmax = activation.contains("softmax");
        boolean sigmoid = activation.contains("sigmoid");
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < nIn; j++) {
                x.putScalar(i, j, rng.nextGaussian());
            }
            if (softmax) {
                y.putScalar(i, rng.nextInt((int) nOut), 1.0);
            } else {
                for (int k = 0; k < nOut; k++) {
                    y.putScalar(i, k, sigmoid ? rng.nextInt(2) : rng.nextGaussian());
                }
            }
        }
        return new DataSet(x, y);
    }
}
