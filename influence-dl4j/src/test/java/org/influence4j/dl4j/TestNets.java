package org.influence4j.dl4j;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Data and networks for the tests, all seeded. */
final class TestNets {

    private TestNets() {
    }

    /** Iris (150 × 4, one-hot 3 classes), features standardised, DOUBLE, in file order. */
    static DataSet iris() {
        List<double[]> rows = new ArrayList<>();
        try (var in = TestNets.class.getResourceAsStream("/iris.csv");
             var r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            r.readLine(); // header: 150,4,setosa,versicolor,virginica
            for (String line; (line = r.readLine()) != null; ) {
                if (!line.isBlank()) {
                    String[] f = line.split(",");
                    double[] row = new double[5];
                    for (int i = 0; i < 5; i++) {
                        row[i] = Double.parseDouble(f[i]);
                    }
                    rows.add(row);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int n = rows.size();
        INDArray x = Nd4j.create(DataType.DOUBLE, n, 4);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, n, 3);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 4; j++) {
                x.putScalar(i, j, rows.get(i)[j]);
            }
            y.putScalar(i, (int) rows.get(i)[4], 1.0);
        }
        INDArray mean = x.mean(0);
        INDArray std = x.std(0);
        x.subiRowVector(mean).diviRowVector(std);
        return new DataSet(x, y);
    }

    /** Every {@code step}-th Iris example starting at {@code offset}. */
    static DataSet irisEvery(int step, int offset) {
        DataSet all = iris();
        List<Integer> idx = new ArrayList<>();
        for (int i = offset; i < all.numExamples(); i += step) {
            idx.add(i);
        }
        return org.influence4j.model.DataSets.subset(all, idx.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Random regression/classification data: features N(0,1), labels per the output kind. */
    static DataSet random(long seed, int n, int nIn, int nOut, LossFunctions.LossFunction loss) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.DOUBLE, n, nIn);
        INDArray y;
        switch (loss) {
            case MCXENT, NEGATIVELOGLIKELIHOOD -> {
                y = Nd4j.zeros(DataType.DOUBLE, n, nOut);
                java.util.Random r = new java.util.Random(seed);
                for (int i = 0; i < n; i++) {
                    y.putScalar(i, r.nextInt(nOut), 1.0);
                }
            }
            case XENT -> {
                y = Nd4j.zeros(DataType.DOUBLE, n, nOut);
                java.util.Random r = new java.util.Random(seed);
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < nOut; j++) {
                        y.putScalar(i, j, r.nextBoolean() ? 1.0 : 0.0);
                    }
                }
            }
            default -> y = Nd4j.randn(DataType.DOUBLE, n, nOut);
        }
        return new DataSet(x, y);
    }

    /** Regulariser configuration of a test network. */
    enum Reg { NONE, L2, WEIGHT_DECAY }

    /** An MLP {@code nIn - hidden... - nOut}, initialised (not trained). */
    static MultiLayerNetwork mlp(long seed, DataType type, int nIn, int[] hidden, int nOut, Activation hiddenAct,
                                 Activation outAct, LossFunctions.LossFunction loss, Reg reg, double coefficient) {
        NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder().seed(seed).dataType(type)
                .updater(new Adam(0.01)).weightInit(WeightInit.XAVIER);
        if (reg == Reg.L2) {
            b.l2(coefficient);
        } else if (reg == Reg.WEIGHT_DECAY) {
            b.weightDecay(coefficient);
        }
        var list = b.list();
        int in = nIn;
        for (int h : hidden) {
            list.layer(new DenseLayer.Builder().nIn(in).nOut(h).activation(hiddenAct).build());
            in = h;
        }
        list.layer(new OutputLayer.Builder(loss).nIn(in).nOut(nOut).activation(outAct).build());
        MultiLayerConfiguration conf = list.build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** The 4-5-3 tanh/softmax Iris MLP with l2, trained full batch for {@code iterations} Adam steps. */
    static MultiLayerNetwork irisMlp(DataType type, int iterations) {
        MultiLayerNetwork net = mlp(42, type, 4, new int[] {5}, 3, Activation.TANH, Activation.SOFTMAX,
                LossFunctions.LossFunction.MCXENT, Reg.L2, 1e-3);
        DataSet train = iris();
        for (int i = 0; i < iterations; i++) {
            net.fit(train);
        }
        return net;
    }

    /** Sgd-trained variant (for reproducibility checks). */
    static NeuralNetConfiguration.Builder sgd(long seed) {
        return new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.DOUBLE).updater(new Sgd(0.1))
                .weightInit(WeightInit.XAVIER);
    }

    /** The full flat parameter vector of a network, copied (for bitwise before/after comparisons). */
    static double[] snapshot(org.deeplearning4j.nn.api.Model net) {
        return net.params().dup().castTo(DataType.DOUBLE).toDoubleVector();
    }

    /** Relative error ‖a − b‖ / max(‖b‖, tiny). */
    static double rel(INDArray a, INDArray b) {
        INDArray aa = a.castTo(DataType.DOUBLE).reshape(a.length());
        INDArray bb = b.castTo(DataType.DOUBLE).reshape(b.length());
        return aa.sub(bb).norm2Number().doubleValue() / Math.max(bb.norm2Number().doubleValue(), 1e-300);
    }
}
