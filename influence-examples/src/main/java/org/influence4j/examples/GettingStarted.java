package org.influence4j.examples;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.influence4j.InfluenceDiagnostics;
import org.influence4j.InfluenceEstimator;
import org.influence4j.InfluenceScores;
import org.influence4j.dl4j.Dl4jRetrainer;
import org.influence4j.validation.LeaveOneOutValidation;
import org.influence4j.validation.ValidationReport;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * The program of docs/getting-started.md: trains a small DL4J network on Iris-like data with a few labels flipped on
 * purpose, finds them by self-influence, explains one prediction, checks whether the scores can be trusted and
 * validates them against leave-one-out retraining. With a directory argument it also saves the network and the data
 * there for the command-line tool.
 */
public final class GettingStarted {

    /** Training labels flipped on purpose: self-influence should rank them first. */
    static final int[] FLIPPED = {7, 31, 64, 88, 113, 140};
    /** Full-batch training iterations, and retraining iterations per left-out example (warm-started). */
    static final int ITERATIONS = 1500, RETRAIN_ITERATIONS = 150;

    /** What the program found. */
    public record Outcome(int[] flipped, int[] suspects, int testIndex, int[] helpful, int[] harmful,
                          double[] helpfulScores, double objectiveGradientNorm, InfluenceDiagnostics diagnostics,
                          ValidationReport validation) {
    }

    /** Runs the example; with an argument, saves my.zip, train.csv and test.csv into that directory. */
    public static void main(String[] args) throws IOException {
        run(args.length > 0 ? Path.of(args[0]) : null);
    }

    /**
     * Runs the example and returns what it found.
     *
     * @param saveTo directory for the network and the data (for the command-line tool), or null
     */
    public static Outcome run(Path saveTo) throws IOException {
        // 1. Data: three classes of four features (like Iris), 150 training and 60 test examples
        DataSet train = threeClasses(150, 1);
        DataSet test = threeClasses(60, 2);
        for (int i : FLIPPED) {                       // mislabel a few training examples on purpose
            int label = train.getLabels().getRow(i).argMax().getInt(0);
            train.getLabels().putRow(i, Nd4j.zeros(DataType.DOUBLE, 3).putScalar((label + 1) % 3, 1.0));
        }

        // 2. A small network 4-8-3, trained full batch close to a minimum of mean loss + L2
        MultiLayerNetwork net = network();
        for (int i = 0; i < ITERATIONS; i++) {
            net.fit(train);
        }
        if (saveTo != null) {
            save(net, train, test, saveTo);
        }

        // 3. Mislabelled data: the most self-influential training examples, largest ∇ℓᵀ(H+λI)⁻¹∇ℓ first
        InfluenceEstimator estimator = InfluenceEstimator.forModel(net)
                .withTrainingData(train)
                .withDamping(0.01);
        int[] suspects = estimator.selfInfluence().mostSelfInfluential(10);
        System.out.println("flipped on purpose:     " + Arrays.toString(FLIPPED));
        System.out.println("most self-influential:  " + Arrays.toString(suspects));

        // 4. Explain a prediction: which training examples made the model predict test example t?
        int t = highestLoss(net, test);
        DataSet testPoint = test.get(t);
        InfluenceScores scores = estimator.influenceOn(testPoint);
        int[] helpful = scores.mostHelpful(5);          // removing them is predicted to raise the test loss
        int[] harmful = scores.mostHarmful(5);          // removing them is predicted to lower it
        double[] helpfulScores = new double[helpful.length];
        System.out.println("test example " + t + ": most helpful " + Arrays.toString(helpful)
                + ", most harmful " + Arrays.toString(harmful));
        for (int k = 0; k < helpful.length; k++) {
            helpfulScores[k] = scores.value(helpful[k]);
            System.out.printf("  remove %3d: I_up,loss %+.4f, predicted test-loss change %+.6f%n", helpful[k],
                    scores.value(helpful[k]), scores.predictedLossChangeOnRemoval(helpful[k]));
        }
        System.out.println(scores.solverResult());      // solver, stop reason, iterations, true residual

        // 5. Can the scores be trusted? Stationarity of θ̂, the Hessian's spectrum, conditioning
        InfluenceDiagnostics diagnostics = estimator.diagnose();
        System.out.println(diagnostics);

        // 6. Ground truth: retrain without each of the top-10 and 5 random examples (warm-started from θ̂, the
        //    network's own updater), compare the predicted and the actual changes of the test loss
        Dl4jRetrainer retrainer = Dl4jRetrainer.builder(net, train).iterations(RETRAIN_ITERATIONS).build();
        ValidationReport validation = LeaveOneOutValidation.defaults()
                .withTopK(10)
                .withRandomSample(5)
                .run(scores.toDoubleArray(), retrainer, testPoint);
        System.out.println("leave-one-out: " + validation.all());

        return new Outcome(FLIPPED.clone(), suspects, t, helpful, harmful, helpfulScores,
                scores.objectiveGradientNorm(), diagnostics, validation);
    }

    /**
     * A 4-8-3 tanh network in DOUBLE with L2 weight decay. Plain SGD with momentum: DL4J adds {@code l2} to the
     * gradient before the updater, so its fixed point is a stationary point of the objective influence differentiates.
     */
    static MultiLayerNetwork network() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(42)
                .dataType(DataType.DOUBLE)
                .l2(1e-2)
                .updater(new Nesterovs(0.3, 0.9))
                .weightInit(WeightInit.XAVIER)
                .list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(8).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(8).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        return net;
    }

    /** {@code n} examples, a third per class, from Gaussian clusters around three centres (seeded). */
    static DataSet threeClasses(int n, long seed) {
        double[][] centres = {{-1.5, 1.0, -1.3, -1.2}, {0.1, -0.8, 0.3, 0.2}, {1.2, -0.2, 1.0, 1.1}};
        Random random = new Random(seed);
        double[][] x = new double[n][4];
        double[][] y = new double[n][3];
        for (int i = 0; i < n; i++) {
            int c = i % 3;
            for (int j = 0; j < 4; j++) {
                x[i][j] = centres[c][j] + 0.5 * random.nextGaussian();
            }
            y[i][c] = 1.0;
        }
        return new DataSet(Nd4j.createFromArray(x), Nd4j.createFromArray(y));
    }

    /** Saves the network (DL4J's ModelSerializer) and the data as CSV: four features, then the class 0, 1 or 2. */
    static void save(MultiLayerNetwork net, DataSet train, DataSet test, Path dir) throws IOException {
        Files.createDirectories(dir);
        ModelSerializer.writeModel(net, dir.resolve("my.zip").toFile(), false);
        writeCsv(train, dir.resolve("train.csv"));
        writeCsv(test, dir.resolve("test.csv"));
        System.out.println("saved my.zip, train.csv and test.csv in " + dir);
    }

    static void writeCsv(DataSet data, Path file) throws IOException {
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(file))) {
            for (int i = 0; i < data.numExamples(); i++) {
                double[] x = data.getFeatures().getRow(i).toDoubleVector();
                StringBuilder line = new StringBuilder();
                for (double v : x) {
                    line.append(v).append(',');
                }
                out.println(line.append(data.getLabels().getRow(i).argMax().getInt(0)));
            }
        }
    }

    /** Index of the test example with the highest cross-entropy loss. */
    static int highestLoss(MultiLayerNetwork net, DataSet test) {
        INDArray p = net.output(test.getFeatures());
        INDArray loss = Transforms.log(p.mul(test.getLabels()).sum(1)).negi();
        return loss.argMax().getInt(0);
    }
}
