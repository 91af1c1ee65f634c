package org.influence4j.bench.jmh;

import java.util.concurrent.TimeUnit;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.influence4j.InfluenceEstimator;
import org.influence4j.InfluenceQueries;
import org.influence4j.InfluenceSinks;
import org.influence4j.bench.data.Datasets;
import org.influence4j.bench.study.Networks;
import org.influence4j.dl4j.Dl4jInfluenceModel;
import org.influence4j.solver.IHVPSolver;
import org.influence4j.solver.InverseHvp;
import org.influence4j.solver.KroneckerFactors;
import org.influence4j.solver.SolverResult;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Kronecker-factored curvature and many test points on the LeNet-style network ({@link Networks#lenet}, p = 25,010,
 * DOUBLE, l2 1e-3) over the first {@code batch} images of the bundled small MNIST, next to the adapter's batch
 * gradient on the same images — read every time as a multiple of {@link #gradient} measured in the same run:
 * <ul>
 *   <li>{@link #gradient}: the baseline, the adapter's mean-loss gradient over the batch (one forward and one
 *       backward pass);</li>
 *   <li>{@link #fitKfac}: K-FAC's factors (one statistics pass with sampled labels, the {@code aᵀa} and {@code sᵀs}
 *       products, the eigendecompositions), on a fresh curvature each time;</li>
 *   <li>{@link #fitEkfac}: EK-FAC (the same, plus the eigenvalue-correction pass);</li>
 *   <li>{@link #fitEkfacExpected}: EK-FAC with the expected labels (ten backward passes per pass);</li>
 *   <li>{@link #inverse}: one application of the prepared EK-FAC inverse to a vector (per test point);</li>
 *   <li>{@link #scoreOneQuery} and {@link #scoreSixteenQueries}: {@code influenceOnEach} with the prepared EK-FAC
 *       inverse — the test gradients, the solves and ONE scoring pass of per-example gradients over the batch — for
 *       1 and 16 test points (the difference divided by 15 is the marginal cost of a test point).</li>
 * </ul>
 * The weights are the seeded initialisation (costs do not depend on their values).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class KroneckerBenchmark {

    /** The network: only {@code "lenet"}. */
    @Param({"lenet"})
    public String cnn;

    /** Training examples. */
    @Param({"256", "1024"})
    public int batch;

    private Dl4jInfluenceModel model;
    private Dl4jInfluenceModel forGradient;
    private DataSet data;
    private InverseHvp inverse;
    private InfluenceEstimator estimator;
    private DataSet one;
    private DataSet sixteen;
    private INDArray v;

    /** Builds the network, the data, and an estimator whose EK-FAC inverse is prepared. */
    @Setup
    public void setup() {
        if (!"lenet".equals(cnn)) {
            throw new IllegalArgumentException("cnn (" + cnn + ") must be lenet");
        }
        MultiLayerNetwork net = Networks.lenet(28, 28, 10, 1e-3, 42, new Sgd(0.1));
        DataSet all = Datasets.smallMnist().train().data();
        DataSet test = Datasets.smallMnist().test().data();
        if (batch < 1 || batch > all.numExamples()) {
            throw new IllegalArgumentException("batch (" + batch + ") must be in [1, " + all.numExamples() + "]");
        }
        data = new DataSet(rows(all.getFeatures(), 0, batch), rows(all.getLabels(), 0, batch));
        one = new DataSet(rows(test.getFeatures(), 0, 1), rows(test.getLabels(), 0, 1));
        sixteen = new DataSet(rows(test.getFeatures(), 0, 16), rows(test.getLabels(), 0, 16));
        model = Dl4jInfluenceModel.builder(net).build();
        forGradient = Dl4jInfluenceModel.builder(net).build();
        estimator = InfluenceEstimator.forModel(model).withTrainingData(data).withDamping(1e-3)
                .withSolver(IHVPSolver.ekfac());
        inverse = estimator.inverse();
        v = BenchNets.direction(model.numParameters(), 3);
    }

    private static INDArray rows(INDArray x, long from, long count) {
        return x.get(NDArrayIndex.interval(from, from + count), NDArrayIndex.all()).dup('c')
                .castTo(DataType.DOUBLE);
    }

    /** Baseline: the adapter's mean-loss gradient over the batch. */
    @Benchmark
    public INDArray gradient() {
        return forGradient.meanLossGradient(data);
    }

    /** K-FAC factors on a fresh curvature (one statistics pass, sampled labels). */
    @Benchmark
    public KroneckerFactors fitKfac() {
        return IHVPSolver.kfac().factors(model.curvature(data));
    }

    /** EK-FAC factors on a fresh curvature (two statistics passes, sampled labels). */
    @Benchmark
    public KroneckerFactors fitEkfac() {
        return IHVPSolver.ekfac().factors(model.curvature(data));
    }

    /** EK-FAC factors with the expected labels (ten weighted draws per example and pass). */
    @Benchmark
    public KroneckerFactors fitEkfacExpected() {
        return IHVPSolver.ekfac().withSampling(org.influence4j.solver.FisherSampling.EXPECTED)
                .factors(model.curvature(data));
    }

    /** One application of the prepared EK-FAC inverse. */
    @Benchmark
    public SolverResult inverse() {
        return inverse.solve(v);
    }

    /** One test point: its gradient, its solve and one scoring pass over the batch. */
    @Benchmark
    public InfluenceQueries scoreOneQuery() {
        return estimator.influenceOnEach(one, InfluenceSinks.topK(10));
    }

    /** Sixteen test points: their gradients, 16 solves and one scoring pass over the batch for all of them. */
    @Benchmark
    public InfluenceQueries scoreSixteenQueries() {
        return estimator.influenceOnEach(sixteen, InfluenceSinks.topK(10));
    }
}
