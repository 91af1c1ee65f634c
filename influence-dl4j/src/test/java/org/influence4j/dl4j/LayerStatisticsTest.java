package org.influence4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.influence4j.internal.Vectors;
import org.influence4j.solver.FisherSampling;
import org.influence4j.solver.LayerBatch;
import org.influence4j.solver.LayerBlock;
import org.influence4j.solver.LayerStatistics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * The DL4J adapter's {@link LayerStatistics} (Kronecker-factored curvature's input), against oracles that do not
 * share its assembly: the per-example gradients of the adapter (verified against DL4J's own backprop in
 * {@link CnnHvpTest} and {@link ObjectiveAndHvpTest}) rebuilt from the blocks' inputs and errors through
 * {@code parameterIndex}; the Gauss–Newton product of the adapter rebuilt from the {@code EXPECTED} draws; the
 * sampled labels' second moments against the exact expectation.
 */
class LayerStatisticsTest {

    // ------------------------------------------------------------------------------------------ fixtures

    /** A network, its model and its data. {@code analysed}: the analysed layer positions (null: all). */
    record Fixture(MultiLayerNetwork net, Dl4jInfluenceModel model, DataSet data, int[] analysed) {
    }

    record Case(String name, Supplier<Fixture> fixture) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Fixture all(MultiLayerNetwork net, DataSet d) {
        return new Fixture(net, Dl4jInfluenceModel.of(net), d, null);
    }

    private static Fixture subset(MultiLayerNetwork net, DataSet d, int... layers) {
        String[] ids = Arrays.stream(layers).mapToObj(String::valueOf).toArray(String[]::new);
        return new Fixture(net, Dl4jInfluenceModel.builder(net).parameters(ParameterSubset.layers(ids)).build(), d,
                layers);
    }

    private static MultiLayerNetwork mlp(long seed, int nIn, int[] hidden, int nOut, Activation out, LossFunction loss,
                                         TestNets.Reg reg) {
        return TestNets.mlp(seed, DataType.DOUBLE, nIn, hidden, nOut, Activation.TANH, out, loss, reg, 1e-2);
    }

    private static Fixture mlpFixture(long seed, int nIn, int[] hidden, int nOut, Activation out, LossFunction loss,
                                      TestNets.Reg reg, int n, int... analysed) {
        MultiLayerNetwork net = mlp(seed, nIn, hidden, nOut, out, loss, reg);
        DataSet d = TestNets.random(seed + 100, n, nIn, nOut, loss);
        return analysed.length == 0 ? all(net, d) : subset(net, d, analysed);
    }

    private static Fixture cnn(int table, int... analysed) {
        CnnNets.Case c = CnnNets.table().get(table);
        MultiLayerNetwork net = c.network().get();
        DataSet d = c.data(net, 300 + table);
        return analysed.length == 0 ? all(net, d) : subset(net, d, analysed);
    }

    /** A frozen dense feature extractor with a trainable dense layer and head: only the last two are analysed. */
    private static Fixture frozen() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3)
                .dataType(DataType.DOUBLE).updater(new Adam(0.01)).weightInit(WeightInit.XAVIER).l2(1e-3).list()
                .layer(new FrozenLayer(new DenseLayer.Builder().nIn(5).nOut(6).activation(Activation.TANH).build()))
                .layer(new DenseLayer.Builder().nIn(6).nOut(4).activation(Activation.SIGMOID).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(4).nOut(3).activation(Activation.SOFTMAX)
                        .build()).build());
        net.init();
        return new Fixture(net, Dl4jInfluenceModel.of(net), TestNets.random(4, 12, 5, 3, LossFunction.MCXENT),
                new int[] {1, 2});
    }

    /** Every network kind: MLPs (DenseChain models) of every head, CNNs, and subsets with fixed layers. */
    static Stream<Arguments> cases() {
        List<Case> cases = new ArrayList<>();
        cases.add(new Case("MLP 7-5-4-3 tanh > softmax+MCXENT, l2", () -> mlpFixture(1, 7, new int[] {5, 4}, 3,
                Activation.SOFTMAX, LossFunction.MCXENT, TestNets.Reg.L2, 13)));
        cases.add(new Case("MLP 6-5-2 tanh > sigmoid+XENT, weightDecay", () -> mlpFixture(2, 6, new int[] {5}, 2,
                Activation.SIGMOID, LossFunction.XENT, TestNets.Reg.WEIGHT_DECAY, 11)));
        cases.add(new Case("MLP 5-4-3 tanh > identity+MSE", () -> mlpFixture(3, 5, new int[] {4}, 3,
                Activation.IDENTITY, LossFunction.MSE, TestNets.Reg.NONE, 12)));
        cases.add(new Case("MLP 5-4-2 tanh > identity+SQUARED_LOSS, l2", () -> mlpFixture(4, 5, new int[] {4}, 2,
                Activation.IDENTITY, LossFunction.SQUARED_LOSS, TestNets.Reg.L2, 10)));
        cases.add(new Case("MLP 7-5-4-3 as a ComputationGraph", () -> {
            MultiLayerNetwork net = mlp(5, 7, new int[] {5, 4}, 3, Activation.SOFTMAX, LossFunction.MCXENT,
                    TestNets.Reg.L2);
            return new Fixture(net, Dl4jInfluenceModel.of(net.toComputationGraph()),
                    TestNets.random(105, 12, 7, 3, LossFunction.MCXENT), null);
        }));
        cases.add(new Case("MLP layers 1,2: layer 0 a fixed feature extractor", () -> mlpFixture(6, 7,
                new int[] {5, 4}, 3, Activation.SOFTMAX, LossFunction.MCXENT, TestNets.Reg.L2, 12, 1, 2)));
        cases.add(new Case("MLP layers 0,2: the middle layer not analysed", () -> mlpFixture(7, 7, new int[] {5, 4},
                3, Activation.SOFTMAX, LossFunction.MCXENT, TestNets.Reg.L2, 12, 0, 2)));
        cases.add(new Case("MLP layer 0 only: the later layers not analysed", () -> mlpFixture(8, 7,
                new int[] {5, 4}, 3, Activation.SIGMOID, LossFunction.XENT, TestNets.Reg.L2, 12, 0)));
        cases.add(new Case("FrozenLayer > dense > softmax, l2", LayerStatisticsTest::frozen));
        List<CnnNets.Case> table = CnnNets.table();
        for (int i = 0; i < table.size(); i++) {
            int t = i;
            cases.add(new Case(table.get(i).name(), () -> cnn(t)));
        }
        cases.add(new Case("CNN layers 2,3: the dense head after a fixed CNN (input through its preprocessor)",
                () -> cnn(0, 2, 3)));
        cases.add(new Case("CNN layers 0,3: the dense layer between conv and output not analysed",
                () -> cnn(0, 0, 3)));
        cases.add(new Case("CNN layer 0 of two convolutions: the second conv not analysed", () -> cnn(9, 0)));
        cases.add(new Case("CNN layers 1,3,4: the first conv a fixed feature extractor", () -> cnn(9, 1, 3, 4)));
        return cases.stream().map(Arguments::of);
    }

    /**
     * EK-FAC's defining identity on every network kind, dense and convolutional: with the expected labels, the
     * eigenvalues of each block are the diagonal of the exact Gauss–Newton block {@code B} (formed column by column
     * from the adapter's Gauss–Newton product, the regulariser removed) in the Kronecker eigenbasis,
     * {@code Λ = diag((Q_G ⊗ Q_A)ᵀ B (Q_G ⊗ Q_A))}; hence also {@code trace(EK-FAC) = trace(B)}.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void ekfacEigenvalues_areTheGaussNewtonBlock_inTheKroneckerBasis(Case c) {
        Fixture f = c.fixture().get();
        Dl4jInfluenceModel.Builder b = Dl4jInfluenceModel.builder(f.net()).hvpMode(HvpMode.GAUSS_NEWTON);
        if (f.analysed() != null) {
            b.parameters(ParameterSubset.layers(Arrays.stream(f.analysed()).mapToObj(String::valueOf)
                    .toArray(String[]::new)));
        }
        Dl4jInfluenceModel gn = b.build();
        org.influence4j.solver.KroneckerFactors factors = org.influence4j.solver.IHVPSolver.ekfac()
                .withSampling(FisherSampling.EXPECTED).factors(f.model().curvature(f.data()));
        var h = gn.hessian(f.data());
        INDArray kappa = kappa(f);
        long p = gn.numParameters();
        for (int k = 0; k < factors.blocks().size(); k++) {
            LayerBlock block = factors.blocks().get(k);
            int[] idx = block.parameterIndex();
            double[][] bm = new double[idx.length][idx.length];
            for (int a = 0; a < idx.length; a++) {
                INDArray e = Nd4j.zeros(DataType.DOUBLE, p);
                e.putScalar(idx[a], 1.0);
                INDArray col = h.apply(e);
                for (int r = 0; r < idx.length; r++) {
                    bm[r][a] = col.getDouble(idx[r]) - (r == a ? kappa.getDouble(idx[a]) : 0);
                }
            }
            INDArray[] q = factors.eigenbasis(k);
            INDArray qt = kron(q[1], q[0]);
            INDArray diag = org.nd4j.linalg.factory.Nd4j.diag(qt.transpose().mmul(Nd4j.createFromArray(bm))
                    .mmul(qt));
            INDArray lambda = factors.eigenvalues(k).reshape(idx.length);
            double scale = Math.max(1e-300, diag.norm2Number().doubleValue());
            assertThat(lambda.sub(diag).norm2Number().doubleValue() / scale).as(block.name()).isLessThan(1e-9);
            double traceB = 0;
            for (int a = 0; a < idx.length; a++) {
                traceB += bm[a][a];
            }
            assertThat(Math.abs(lambda.sumNumber().doubleValue() - traceB)).as(block.name() + " trace")
                    .isLessThan(1e-9 * Math.abs(traceB) + 1e-14);
        }
    }

    private static INDArray kron(INDArray a, INDArray b) {
        long ar = a.rows();
        long br = b.rows();
        double[][] k = new double[(int) (ar * br)][(int) (ar * br)];
        double[][] av = a.toDoubleMatrix();
        double[][] bv = b.toDoubleMatrix();
        for (int i = 0; i < ar; i++) {
            for (int j = 0; j < ar; j++) {
                for (int u = 0; u < br; u++) {
                    for (int v = 0; v < br; v++) {
                        k[(int) (i * br + u)][(int) (j * br + v)] = av[i][j] * bv[u][v];
                    }
                }
            }
        }
        return Nd4j.createFromArray(k);
    }

    // ------------------------------------------------------------------------------------------ helpers

    private static ChainLayerStatistics statistics(Fixture f) {
        LayerStatistics s = f.model().layerStatistics(f.data()).orElseThrow();
        assertThat(s).isInstanceOf(ChainLayerStatistics.class);
        return (ChainLayerStatistics) s;
    }

    /**
     * Every example's gradient per label draw, {@code g[i][d][·]}: {@code dW = Σₜ sₜ aₜᵀ} of every block scattered
     * through its parameter index, from a pass with {@code chunk} examples per chunk on {@code workers} threads.
     * The batches of worker {@code w} are chunks {@code w, w + W, …}, and the accumulators are merged in worker order
     * (the documented assignment), which places each batch.
     */
    static double[][][] gradients(ChainLayerStatistics stats, FisherSampling sampling, long seed, int chunk,
                                  int workers) {
        ChainLayerStatistics s = stats.withChunking(chunk, workers);
        List<LayerBlock> blocks = s.blocks();
        int p = blocks.stream().mapToInt(LayerBlock::size).sum();
        List<double[][][]> batches = s.aggregate(sampling, seed, ArrayList<double[][][]>::new,
                (acc, b) -> acc.add(perExample(blocks, b, p)), (l, r) -> {
                    l.addAll(r);
                    return l;
                });
        return place(batches, s.numExamples(), chunk, workers);
    }

    static <T> T[] place(List<T[]> batches, int n, int chunk, int workers) {
        int chunks = (n + chunk - 1) / chunk;
        int w = Math.min(workers, chunks);
        assertThat(batches).hasSize(chunks);
        T[] out = Arrays.copyOf(batches.get(0), n);
        int k = 0;
        for (int worker = 0; worker < w; worker++) {
            for (int c = worker; c < chunks; c += w) {
                T[] b = batches.get(k++);
                assertThat(b.length).isEqualTo(Math.min(chunk, n - c * chunk));
                System.arraycopy(b, 0, out, c * chunk, b.length);
            }
        }
        return out;
    }

    /** One batch's per-example, per-draw gradients; checks the batch's shapes and bias columns on the way. */
    static double[][][] perExample(List<LayerBlock> blocks, LayerBatch batch, int p) {
        int b = batch.examples();
        int draws = batch.draws();
        assertThat(batch.blocks()).isEqualTo(blocks.size());
        double[][][] g = new double[b][draws][p];
        for (int k = 0; k < blocks.size(); k++) {
            LayerBlock bl = blocks.get(k);
            int t = bl.positions();
            int in = bl.inputs();
            int[] index = bl.parameterIndex();
            INDArray aa = batch.activations(k);
            assertThat(aa.shape()).containsExactly((long) b * t, in);
            assertThat(aa.dataType()).isEqualTo(DataType.DOUBLE);
            assertThat(aa.ordering()).isEqualTo('c');
            double[][] a = aa.toDoubleMatrix();
            if (bl.bias()) {
                for (double[] row : a) {
                    assertThat(row[in - 1]).isEqualTo(1.0);
                }
            }
            for (int d = 0; d < draws; d++) {
                INDArray ss = batch.errors(k, d);
                assertThat(ss.shape()).containsExactly((long) b * t, bl.outputs());
                assertThat(ss.ordering()).isEqualTo('c');
                double[][] s = ss.toDoubleMatrix();
                for (int i = 0; i < b; i++) {
                    for (int r = i * t; r < (i + 1) * t; r++) {
                        for (int o = 0; o < bl.outputs(); o++) {
                            for (int j = 0; j < in; j++) {
                                g[i][d][index[o * in + j]] += s[r][o] * a[r][j];
                            }
                        }
                    }
                }
            }
        }
        return g;
    }

    /** The regulariser's curvature in the model's layout, from DL4J alone (the analysed layers' segments). */
    private static INDArray kappa(Fixture f) {
        INDArray full = Dl4jOracles.regulariserCurvature(Dl4jOracles.inferenceTwin(f.net()));
        if (f.analysed() == null) {
            return full;
        }
        List<INDArray> parts = new ArrayList<>();
        for (int layer : f.analysed()) {
            long off = 0;
            for (int i = 0; i < layer; i++) {
                off += f.net().getLayer(i).numParams();
            }
            parts.add(full.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(off,
                    off + f.net().getLayer(layer).numParams())));
        }
        return Nd4j.concat(0, parts.toArray(INDArray[]::new));
    }

    // ------------------------------------------------------------------------------------------ layout

    /**
     * With the observed labels, each example's {@code Σₜ sₜ aₜᵀ}, scattered through the blocks' parameter indices,
     * is that example's gradient (the adapter's per-example gradients, themselves checked against DL4J): the
     * activations, the errors, the bias column, the conv column order and the index agree. Every analysed parameter
     * is in exactly one block. Chunks of 5 on 2 workers, so several chunks and both workers are used.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void empiricalStatistics_reassembleEachExamplesGradient_throughTheParameterIndex(Case c) {
        Fixture f = c.fixture().get();
        ChainLayerStatistics stats = statistics(f);
        long p = f.model().numParameters();
        assertThat(stats.numExamples()).isEqualTo(f.data().numExamples());

        // coverage: the union of the indices is {0 … p−1}, each once
        int[] seen = new int[(int) p];
        for (LayerBlock b : stats.blocks()) {
            assertThat(b.size()).isEqualTo(b.outputs() * b.inputs());
            for (int i : b.parameterIndex()) {
                seen[i]++;
            }
        }
        assertThat(seen).containsOnly(1);
        assertThat(stats.blocks()).isSameAs(stats.blocks());

        double[][][] g = gradients(stats, FisherSampling.EMPIRICAL, 0, 5, 2);
        INDArray rows = f.model().perExampleGradients(f.data());
        for (int i = 0; i < g.length; i++) {
            assertThat(g[i]).hasNumberOfRows(1);
            INDArray gi = Nd4j.createFromArray(g[i][0]);
            assertThat(TestNets.rel(gi, rows.getRow(i))).as("example %d", i).isLessThan(Tolerances.PER_EXAMPLE);
        }
    }

    /** The block shapes of one CNN, written out: conv with bias, dense after flattening, output. */
    @Test
    void blocks_ofASmallCnn_haveTheKroneckerShapes() {
        // conv3x3 (1→4) on 8×8 → 6×6; maxpool 2/2 → 3×3×4 = 36; dense 36→6; output 6→3
        List<LayerBlock> blocks = statistics(cnn(0)).blocks();
        assertThat(blocks).extracting(LayerBlock::name).containsExactly("conv0", "dense2", "output3");
        assertThat(blocks).extracting(LayerBlock::outputs).containsExactly(4, 6, 3);
        assertThat(blocks).extracting(LayerBlock::inputs).containsExactly(10, 37, 7);
        assertThat(blocks).extracting(LayerBlock::positions).containsExactly(36, 1, 1);
        assertThat(blocks).extracting(LayerBlock::bias).containsExactly(true, true, true);
        // DL4J's conv layout: bias [4] first, then W [O=4, C=1, 3, 3]; column j = (ky·3 + kx)·C + c
        int[] conv = blocks.get(0).parameterIndex();
        assertThat(conv[0]).isEqualTo(4);                  // (o=0, ky=0, kx=0) → W[0,0,0,0]
        assertThat(conv[1]).isEqualTo(5);                  // (o=0, kx=1) → W[0,0,0,1]
        assertThat(conv[3]).isEqualTo(7);                  // (o=0, ky=1) → W[0,0,1,0]
        assertThat(conv[9]).isEqualTo(0);                  // bias of channel 0
        assertThat(conv[10 + 2]).isEqualTo(4 + 9 + 2);     // (o=1, kx=2)
        assertThat(conv[10 + 9]).isEqualTo(1);             // bias of channel 1
        // dense: DL4J's W is 'f'-order [36, 6] at 40, then b [6]
        int[] dense = blocks.get(1).parameterIndex();
        assertThat(dense[0]).isEqualTo(40);
        assertThat(dense[1]).isEqualTo(41);                // (o=0, j=1) → W[1, 0]
        assertThat(dense[37]).isEqualTo(40 + 36);          // (o=1, j=0) → W[0, 1]
        assertThat(dense[36]).isEqualTo(40 + 216);         // bias of unit 0

        // a convolution without bias: 2 channels × 3×3 = 18 columns, no bias column
        LayerBlock noBias = statistics(cnn(4)).blocks().get(0);
        assertThat(noBias.bias()).isFalse();
        assertThat(noBias.inputs()).isEqualTo(18);
        assertThat(noBias.positions()).isEqualTo(16);
    }

    // ------------------------------------------------------------------------------------------ EXPECTED

    /**
     * The exact expectation: {@code (1/N) Σₙ Σ_d g_nd (g_ndᵀ v)} over the weighted draws equals the adapter's
     * Gauss–Newton product without the regulariser, {@code G v − κ ⊙ v}, for every head (softmax, sigmoid, MSE,
     * squared loss) and network kind; κ from DL4J's own regulariser score. Round-off only, so 1e-9.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void expectedStatistics_giveTheGaussNewtonProduct(Case c) {
        Fixture f = c.fixture().get();
        ChainLayerStatistics stats = statistics(f);
        int n = f.data().numExamples();
        double[] v = Vectors.gaussian(new SplittableRandom(41), f.model().numParameters()).toDoubleVector();
        double[][][] g = gradients(stats, FisherSampling.EXPECTED, 0, 5, 2);
        int k = Dl4jOracles.outputWidth(f.net());
        double[] gv = new double[v.length];
        for (double[][] example : g) {
            assertThat(example).hasNumberOfRows(k);
            for (double[] gd : example) {
                double dot = 0;
                for (int j = 0; j < v.length; j++) {
                    dot += gd[j] * v[j];
                }
                for (int j = 0; j < v.length; j++) {
                    gv[j] += gd[j] * dot / n;
                }
            }
        }
        INDArray vv = Nd4j.createFromArray(v);
        INDArray reference = f.model().hessian(f.data(), HvpMode.GAUSS_NEWTON).apply(vv).subi(kappa(f).mul(vv));
        assertThat(TestNets.rel(Nd4j.createFromArray(gv), reference)).isLessThan(Tolerances.EXPECTED_VS_GAUSS_NEWTON);
    }

    // ------------------------------------------------------------------------------------------ SAMPLED

    /** The output block's errors of every example (draw 0), from a pass with the given chunking. */
    private static double[][] headErrors(ChainLayerStatistics stats, FisherSampling sampling, long seed, int chunk,
                                         int workers) {
        ChainLayerStatistics s = stats.withChunking(chunk, workers);
        int last = s.blocks().size() - 1;
        assertThat(s.blocks().get(last).positions()).isEqualTo(1);
        List<double[][]> batches = s.aggregate(sampling, seed, ArrayList<double[][]>::new,
                (acc, b) -> acc.add(b.errors(last, 0).toDoubleMatrix()), (l, r) -> {
                    l.addAll(r);
                    return l;
                });
        return place(batches, s.numExamples(), chunk, workers);
    }

    private static int[] sampledClasses(double[][] softmaxErrors) {
        // s = p − e_ŷ: the one negative entry is the sampled class
        return Arrays.stream(softmaxErrors).mapToInt(row -> {
            int c = 0;
            for (int j = 1; j < row.length; j++) {
                c = row[j] < row[c] ? j : c;
            }
            assertThat(row[c]).isNegative();
            return c;
        }).toArray();
    }

    /** Σ over the data of every block's {@code aᵀa} and {@code sᵀs} (per draw), flattened: what K-FAC accumulates. */
    private static double[] sums(ChainLayerStatistics s, FisherSampling sampling, long seed) {
        List<double[]> acc = s.aggregate(sampling, seed, ArrayList<double[]>::new, (sum, b) -> {
            List<INDArray> grams = new ArrayList<>();
            for (int k = 0; k < b.blocks(); k++) {
                grams.add(b.activations(k).transpose().mmul(b.activations(k)));
                for (int d = 0; d < b.draws(); d++) {
                    grams.add(b.errors(k, d).transpose().mmul(b.errors(k, d)));
                }
            }
            double[] add = grams.stream().flatMap(m -> Arrays.stream(m.toDoubleMatrix())).flatMapToDouble(Arrays::stream)
                    .toArray();
            if (sum.isEmpty()) {
                sum.add(add);
            } else {
                for (int i = 0; i < add.length; i++) {
                    sum.get(0)[i] += add[i];
                }
            }
        }, (l, r) -> {
            for (int i = 0; i < r.get(0).length; i++) {
                l.get(0)[i] += r.get(0)[i];
            }
            return l;
        });
        return acc.get(0);
    }

    /**
     * A sampled label depends on the seed and the example alone: the same classes whatever the chunk size and the
     * number of workers (the gradients agree to round-off, which the chunk size may change in the forward pass's
     * matrix products), the same sums bitwise for the same chunking, other classes for another seed; the other
     * samplings ignore the seed.
     */
    @Test
    void sampledLabels_dependOnTheSeedAndExampleOnly_notOnChunksOrThreads() {
        Fixture f = cnn(0); // softmax head, 12 examples
        ChainLayerStatistics stats = statistics(f);
        int[] classes = sampledClasses(headErrors(stats, FisherSampling.SAMPLED, 17, 12, 1));
        double[][][] g = gradients(stats, FisherSampling.SAMPLED, 17, 12, 1);
        for (int[] chunking : new int[][] {{1, 1}, {5, 2}, {3, 2}, {7, 3}, {4, 1}}) {
            assertThat(sampledClasses(headErrors(stats, FisherSampling.SAMPLED, 17, chunking[0], chunking[1])))
                    .as("chunk %d, %d workers", chunking[0], chunking[1]).containsExactly(classes);
            double[][][] other = gradients(stats, FisherSampling.SAMPLED, 17, chunking[0], chunking[1]);
            for (int i = 0; i < g.length; i++) {
                assertThat(TestNets.rel(Nd4j.createFromArray(other[i][0]), Nd4j.createFromArray(g[i][0])))
                        .isLessThan(1e-12);
            }
        }
        assertThat(sampledClasses(headErrors(stats, FisherSampling.SAMPLED, 18, 12, 1))).isNotEqualTo(classes);
        // bitwise reproducible for a given chunking and worker count, including the default one
        for (ChainLayerStatistics s : List.of(stats, stats.withChunking(3, 2))) {
            assertThat(sums(s, FisherSampling.SAMPLED, 17)).containsExactly(sums(s, FisherSampling.SAMPLED, 17));
            assertThat(sums(s, FisherSampling.SAMPLED, 17)).isNotEqualTo(sums(s, FisherSampling.SAMPLED, 18));
            for (FisherSampling other : new FisherSampling[] {FisherSampling.EXPECTED, FisherSampling.EMPIRICAL}) {
                assertThat(sums(s, other, 1)).containsExactly(sums(s, other, 2));
            }
        }

        // Gaussian draws of a squared-error head do not even depend on the forward pass: bitwise the same
        ChainLayerStatistics mse = statistics(cnn(2));
        double[][] e = headErrors(mse, FisherSampling.SAMPLED, 5, 12, 1);
        assertThat(headErrors(mse, FisherSampling.SAMPLED, 5, 5, 2)).isDeepEqualTo(e);
    }

    static Stream<Arguments> heads() {
        return Stream.of(
                Arguments.of("softmax+MCXENT", Activation.SOFTMAX, LossFunction.MCXENT),
                Arguments.of("sigmoid+XENT", Activation.SIGMOID, LossFunction.XENT),
                Arguments.of("identity+MSE", Activation.IDENTITY, LossFunction.MSE),
                Arguments.of("identity+SQUARED_LOSS", Activation.IDENTITY, LossFunction.SQUARED_LOSS));
    }

    /**
     * The sampled labels follow the model's predictive distribution: the output layer's gradient statistic
     * {@code G = (1/N) Σₙ sₙsₙᵀ}, averaged over S = 300 seeds, matches the exact expectation ({@code EXPECTED}) entry
     * by entry within 5 standard errors ({@code 5·sd/√S}, sd the entry's spread over the seeds): the seeds give
     * independent draws, so by the central limit theorem a correct sampler misses that band with probability about
     * 6e-7 per entry (and the fixed seeds make the outcome deterministic). The band is under 15% of the diagonal, so a
     * sampler with the wrong probabilities (e.g. uniform classes, or the observed labels) would not pass.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("heads")
    void sampledLabels_followThePredictiveDistribution(String name, Activation out, LossFunction loss) {
        int k = 3;
        Fixture f = mlpFixture(21, 4, new int[] {5}, k, out, loss, TestNets.Reg.NONE, 20);
        ChainLayerStatistics stats = statistics(f);
        double[] expected = outputG(stats, FisherSampling.EXPECTED, 0);
        int seeds = 300;
        double[] mean = new double[k * k];
        double[] square = new double[k * k];
        for (int s = 0; s < seeds; s++) {
            double[] g = outputG(stats, FisherSampling.SAMPLED, 1000 + s);
            for (int i = 0; i < g.length; i++) {
                mean[i] += g[i] / seeds;
                square[i] += g[i] * g[i] / seeds;
            }
        }
        for (int i = 0; i < k * k; i++) {
            double sd = Math.sqrt(Math.max(0, square[i] - mean[i] * mean[i]) * seeds / (seeds - 1));
            double band = 5 * sd / Math.sqrt(seeds) + 1e-12;
            assertThat(mean[i]).as("G entry %d", i).isCloseTo(expected[i], within(band));
            if (i % (k + 1) == 0) {
                assertThat(band).as("band of diagonal entry %d", i).isLessThan(0.15 * expected[i]);
            }
        }
    }

    /** {@code (1/N) Σₙ Σ_d sₙd sₙdᵀ} of the output block, flattened. */
    private static double[] outputG(ChainLayerStatistics s, FisherSampling sampling, long seed) {
        int last = s.blocks().size() - 1;
        int k = s.blocks().get(last).outputs();
        double[] g = s.aggregate(sampling, seed, () -> new double[k * k], (acc, b) -> {
            for (int d = 0; d < b.draws(); d++) {
                double[][] e = b.errors(last, d).toDoubleMatrix();
                for (double[] row : e) {
                    for (int i = 0; i < k; i++) {
                        for (int j = 0; j < k; j++) {
                            acc[i * k + j] += row[i] * row[j];
                        }
                    }
                }
            }
        }, (l, r) -> {
            for (int i = 0; i < l.length; i++) {
                l[i] += r[i];
            }
            return l;
        });
        for (int i = 0; i < g.length; i++) {
            g[i] /= s.numExamples();
        }
        return g;
    }

    // ------------------------------------------------------------------------------------------ regulariser

    /**
     * {@code weightCurvature} is the curvature of DL4J's regulariser score on every layer's weights: the l2
     * coefficient, 0 without a regulariser, and for the builder's {@code weightDecay(λ)} 2λ — DL4J 1.0.0-M2.1 lists
     * that {@code WeightDecay} twice for each weight array, so its {@code score()} adds {@code λ‖W‖²}. Checked
     * against {@link Dl4jOracles#regulariserCurvature} (DL4J's own score of unit parameters).
     */
    @Test
    void weightCurvature_isTheNetworksL2OrWeightDecayCoefficient() {
        for (TestNets.Reg reg : TestNets.Reg.values()) {
            MultiLayerNetwork net = TestNets.mlp(9, DataType.DOUBLE, 4, new int[] {5}, 3, Activation.TANH,
                    Activation.SOFTMAX, LossFunction.MCXENT, reg, 3e-3);
            INDArray oracle = Dl4jOracles.regulariserCurvature(Dl4jOracles.inferenceTwin(net));
            List<LayerBlock> blocks = Dl4jInfluenceModel.of(net)
                    .layerStatistics(TestNets.random(1, 6, 4, 3, LossFunction.MCXENT)).orElseThrow().blocks();
            assertThat(blocks).extracting(LayerBlock::name).containsExactly("dense0", "output1");
            double expected = switch (reg) {
                case NONE -> 0.0;
                case L2 -> 3e-3;
                case WEIGHT_DECAY -> 6e-3;
            };
            for (LayerBlock b : blocks) {
                assertThat(b.weightCurvature()).as("%s %s", reg, b.name()).isCloseTo(expected, within(1e-18));
                assertThat(b.weightCurvature()).isEqualTo(oracle.getDouble(b.parameterIndex()[0]));
            }
        }
        // CNN with l2 1e-2 on its conv, dense and output layers
        assertThat(statistics(cnn(0)).blocks()).extracting(LayerBlock::weightCurvature).containsOnly(1e-2);
    }

    /** A regularised bias is not c·I on the weights and 0 on the bias: the statistics refuse it, naming the layer. */
    @Test
    void regularisedBias_isRejected_namingTheLayer() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1)
                .dataType(DataType.DOUBLE).weightInit(WeightInit.XAVIER).l2(1e-3).l2Bias(1e-3).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(5).nOut(3).activation(Activation.SOFTMAX)
                        .build()).build());
        net.init();
        Dl4jInfluenceModel model = Dl4jInfluenceModel.of(net);
        assertThatThrownBy(() -> model.layerStatistics(TestNets.random(1, 6, 4, 3, LossFunction.MCXENT)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dense0").hasMessageContaining("bias");
    }

    // ------------------------------------------------------------------------------------------ misuse

    /** Without exact products (a layer without an R-operator) there are no layer statistics. */
    @Test
    void networkWithoutAnExactChain_hasNoLayerStatistics() {
        MultiLayerNetwork net = CnnNets.init(CnnNets.list(61, TestNets.Reg.L2, 1e-3)
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(3).activation(Activation.TANH).build())
                .layer(new Upsampling2D.Builder(2).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build()),
                InputType.convolutional(6, 6, 1));
        Nd4j.getRandom().setSeed(3);
        DataSet d = new DataSet(Nd4j.randn(DataType.DOUBLE, 4, 1, 6, 6), CnnNets.labels(net, 4, 4));
        assertThat(Dl4jInfluenceModel.of(net).layerStatistics(d)).isEmpty();
        // a model whose operators use finite differences by request still has its exact chain
        MultiLayerNetwork mlp = mlp(1, 4, new int[] {5}, 3, Activation.SOFTMAX, LossFunction.MCXENT,
                TestNets.Reg.NONE);
        assertThat(Dl4jInfluenceModel.builder(mlp).hvpMode(HvpMode.FINITE_DIFFERENCE).build()
                .layerStatistics(TestNets.random(1, 6, 4, 3, LossFunction.MCXENT))).isPresent();
    }

    /**
     * Data that does not fit is rejected as by every other method (naming the argument and both shapes); a pass
     * with every sampling changes neither the user's network (parameters, updater state, configuration) nor the
     * data.
     */
    @Test
    void badData_isRejectedNamingTheShapes_andNothingOfTheUsersIsModified() {
        MultiLayerNetwork net = mlp(11, 4, new int[] {5}, 3, Activation.SOFTMAX, LossFunction.MCXENT, TestNets.Reg.L2);
        DataSet train = TestNets.random(12, 8, 4, 3, LossFunction.MCXENT);
        net.fit(train); // an updater state
        INDArray paramsBefore = net.params().dup();
        INDArray updaterBefore = net.getUpdater().getStateViewArray().dup();
        String confBefore = net.getLayerWiseConfigurations().toJson();
        Dl4jInfluenceModel model = Dl4jInfluenceModel.of(net);

        DataSet wide = TestNets.random(13, 6, 5, 3, LossFunction.MCXENT);
        assertThatThrownBy(() -> model.layerStatistics(wide)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("data features").hasMessageContaining("[6, 5]").hasMessageContaining("[n, 4]");
        DataSet labels = TestNets.random(13, 6, 4, 2, LossFunction.MCXENT);
        assertThatThrownBy(() -> model.layerStatistics(labels)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("data labels").hasMessageContaining("[6, 2]").hasMessageContaining("3 outputs");
        Fixture cnn = cnn(0); // convolutionalFlat(8, 8, 1)
        DataSet image = new DataSet(Nd4j.randn(DataType.DOUBLE, 5, 63), CnnNets.labels(cnn.net(), 5, 1));
        assertThatThrownBy(() -> cnn.model().layerStatistics(image)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("data features").hasMessageContaining("[5, 63]")
                .hasMessageContaining("[n, 64]");
        assertThatThrownBy(() -> model.layerStatistics(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("data");

        INDArray x = train.getFeatures().dup();
        INDArray y = train.getLabels().dup();
        LayerStatistics stats = model.layerStatistics(train).orElseThrow();
        for (FisherSampling s : FisherSampling.values()) {
            sums((ChainLayerStatistics) stats, s, 3);
        }
        assertThat(train.getFeatures()).isEqualTo(x);
        assertThat(train.getLabels()).isEqualTo(y);
        assertThat(net.params()).isEqualTo(paramsBefore);
        assertThat(net.getUpdater().getStateViewArray()).isEqualTo(updaterBefore);
        assertThat(net.getLayerWiseConfigurations().toJson()).isEqualTo(confBefore);
    }

    /** An exception thrown by the consumer ends the pass unchanged, on one thread or several. */
    @Test
    void exceptionFromAdd_propagatesUnchanged() {
        ChainLayerStatistics stats = statistics(cnn(1));
        RuntimeException boom = new IllegalStateException("boom");
        for (int workers : new int[] {1, 2}) {
            assertThatThrownBy(() -> stats.withChunking(3, workers).aggregate(FisherSampling.EXPECTED, 0,
                    () -> new int[1], (acc, b) -> {
                        if (++acc[0] == 2) {
                            throw boom;
                        }
                    }, (l, r) -> l)).isSameAs(boom);
        }
    }

    /** An interrupt of the calling thread ends the pass in a CancellationException, the flag kept. */
    @Test
    void interrupt_cancelsThePass_andKeepsTheFlag() {
        ChainLayerStatistics stats = statistics(cnn(1));
        for (int workers : new int[] {1, 2}) {
            Thread.currentThread().interrupt();
            try {
                assertThatThrownBy(() -> stats.withChunking(3, workers).aggregate(FisherSampling.SAMPLED, 0,
                        () -> new int[1], (acc, b) -> acc[0]++, (l, r) -> l))
                        .isInstanceOf(CancellationException.class).hasMessageContaining("interrupted");
                assertThat(Thread.currentThread().isInterrupted()).isTrue();
            } finally {
                Thread.interrupted();
            }
        }
    }
}
