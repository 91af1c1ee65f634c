package org.influence4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.stream.Stream;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.model.DataSets;
import org.influence4j.model.RidgeRegression;
import org.influence4j.model.SoftmaxRegression;
import org.influence4j.solver.ConjugateGradientSolver;
import org.influence4j.solver.Curvature;
import org.influence4j.solver.IHVPSolver;
import org.influence4j.solver.InverseHvp;
import org.influence4j.solver.KroneckerFactors;
import org.influence4j.solver.KroneckerSolver;
import org.influence4j.solver.LissaSolver;
import org.influence4j.validation.Correlations;
import org.influence4j.validation.LeaveOneOutValidation;
import org.influence4j.validation.LinearDatamodelingScore;
import org.influence4j.validation.Measurement;
import org.influence4j.validation.Retrainer;
import org.influence4j.validation.SubsetTrainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The misuse suite of influence-core: every public entry point × each bad-input class that applies to it (null,
 * NaN, ±Inf, empty, wrong width, out of range, wrong data type, unsupported input, a call out of order). Each case
 * asserts the exception type, that the message names the argument and the offending value, and that nothing the
 * caller passed in changed: every fixture array and data set bitwise, the model's parameters, and every file in the
 * fixture directory byte for byte. FLOAT arrays where DOUBLE is expected are not misuse (they are widened, see
 * {@link #floatArrays_areWidened_notRejected()}); integer arrays are.
 */
class MisuseSuiteTest {

    /** The bad-input classes of the suite. */
    enum Bad { NULL, NAN, INFINITE, EMPTY, WRONG_WIDTH, OUT_OF_RANGE, WRONG_DTYPE, UNSUPPORTED, OUT_OF_ORDER }

    /**
     * One case.
     *
     * @param entry     the entry point, e.g. {@code "InfluenceEstimator.withDamping"}
     * @param bad       its bad-input class
     * @param what      the bad value, for the display name
     * @param call      the call
     * @param type      the expected exception type
     * @param fragments text the message must contain: the argument's name and the offending value
     */
    record Case(String entry, Bad bad, String what, ThrowingCallable call, Class<? extends Throwable> type,
                List<String> fragments) {
        @Override
        public String toString() {
            return entry + " [" + bad + "] " + what;
        }
    }

    // ------------------------------------------------------------------------------------------------ fixtures

    static final int N = 40;
    static final int D = 5;
    static final int K = 3;
    static final Path DIR;
    static final Path EXISTING;     // an output file that exists
    static final Path NOT_FACTORS;  // a file that is not a factor file
    static final Path TRUNCATED;    // a factor file cut short
    static final Path MISSING_DIR;  // a directory that does not exist

    static {
        try {
            DIR = Files.createTempDirectory("misuse-core");
            EXISTING = Files.writeString(DIR.resolve("existing.csv"), "train_index,query_0\n0,1.5\n");
            NOT_FACTORS = Files.writeString(DIR.resolve("not-factors.bin"), "I4JINFL1 these are scores\n");
            TRUNCATED = DIR.resolve("truncated.kfac");
            MISSING_DIR = DIR.resolve("no-such-dir");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static final DataSet TRAIN = data(1, N);
    static final DataSet TEST = data(2, 2);
    static final SoftmaxRegression MODEL = SoftmaxRegression.fit(TRAIN, 0.01).model();
    static final int P = (int) MODEL.numParameters();
    static final InfluenceEstimator EST = InfluenceEstimator.forModel(MODEL).withTrainingData(TRAIN).withDamping(0.01);
    static final InfluenceEstimator NO_DATA = InfluenceEstimator.forModel(MODEL);
    static final PreparedInfluence PREPARED = EST.prepare(TEST.get(0));
    static final InfluenceScores SCORES = PREPARED.scores();
    static final InfluenceMatrix MATRIX = EST.influenceOnEach(TEST);
    static final Curvature CURVATURE = EST.curvature();
    static final HessianVectorProduct H = MODEL.hessian(TRAIN);
    static final InverseHvp EXACT = EST.inverse();
    static final InverseHvp CG = IHVPSolver.conjugateGradient().prepare(CURVATURE, 0.01);
    static final InverseHvp IDENTITY = IHVPSolver.identity().prepare(CURVATURE, 0.01);
    static final InverseHvp KFAC = IHVPSolver.kfac().prepare(CURVATURE, 0.01);
    static final DataSet REG = new DataSet(TRAIN.getFeatures().dup(), TRAIN.getLabels().getColumn(0, true)
            .reshape(N, 1).dup());
    static final RidgeRegression RIDGE = RidgeRegression.fit(REG, 0.1, true);
    static final DataSet SOFT_TEST = new DataSet(TEST.getFeatures().dup(), Nd4j.valueArrayOf(new long[] {2, K},
            1.0 / K));
    static final Retrainer RETRAINER = MODEL.retrainer(TRAIN);
    static final double[] FINITE = TRAIN.getFeatures().getColumn(0).toDoubleVector();

    // bad vectors of the parameter dimension
    static final INDArray GOOD = Nd4j.linspace(DataType.DOUBLE, 1, P, P);
    static final INDArray NAN = with(GOOD, 3, Double.NaN);
    static final INDArray POS_INF = with(GOOD, 2, Double.POSITIVE_INFINITY);
    static final INDArray NEG_INF = with(GOOD, 5, Double.NEGATIVE_INFINITY);
    static final INDArray SHORT = Nd4j.linspace(DataType.DOUBLE, 1, P - 1, P - 1);
    static final INDArray EMPTY_V = Nd4j.create(DataType.DOUBLE, 0);
    static final INDArray INTS = Nd4j.ones(DataType.INT32, P);
    static final INDArray MATRIX_2P = Nd4j.ones(DataType.DOUBLE, 2, P);
    static final INDArray ZERO_DIAGONAL = with(GOOD, 0, 0.0);
    // bad matrices of gradient rows
    static final INDArray ROWS_WIDE = Nd4j.ones(DataType.DOUBLE, 2, P + 1);
    static final INDArray ROWS_NAN = with2(Nd4j.ones(DataType.DOUBLE, 2, P), 1, 4, Double.NaN);
    static final INDArray ROWS_INF = with2(Nd4j.ones(DataType.DOUBLE, 2, P), 0, 7, Double.POSITIVE_INFINITY);
    static final INDArray ROWS_INT = Nd4j.ones(DataType.INT32, 2, P);
    // bad data sets
    static final DataSet EMPTY = new DataSet(Nd4j.create(DataType.DOUBLE, 0, D), Nd4j.create(DataType.DOUBLE, 0, K));
    static final DataSet WIDE = new DataSet(Nd4j.ones(DataType.DOUBLE, 1, D + 1), TEST.getLabels().getRow(0, true).dup());
    static final DataSet X_NAN = withFeature(Double.NaN);
    static final DataSet X_POS_INF = withFeature(Double.POSITIVE_INFINITY);
    static final DataSet X_NEG_INF = withFeature(Double.NEGATIVE_INFINITY);
    static final DataSet Y_NAN = new DataSet(TEST.getFeatures().getRow(0, true).dup(),
            Nd4j.createFromArray(new double[][] {{Double.NaN, 1, 0}}));
    static final DataSet Y_NOT_DISTRIBUTION = new DataSet(TEST.getFeatures().getRow(0, true).dup(),
            Nd4j.createFromArray(new double[][] {{1.5, -0.5, 0}}));
    static final DataSet Y_WIDE = new DataSet(TEST.getFeatures().getRow(0, true).dup(),
            Nd4j.createFromArray(new double[][] {{1, 0, 0, 0}}));
    static final DataSet X_INT = new DataSet(Nd4j.ones(DataType.INT32, 1, D), TEST.getLabels().getRow(0, true).dup());
    static final DataSet ROWS_MISMATCH = new DataSet(TEST.getFeatures().dup(), TEST.getLabels().getRow(0, true).dup());
    static final DataSet NO_LABELS = new DataSet(TEST.getFeatures().dup(), null);
    static final INDArray SQUARE_ASYMMETRIC = Nd4j.createFromArray(new double[][] {{1, 2}, {0, 1}});
    static final INDArray NOT_SQUARE = Nd4j.ones(DataType.DOUBLE, 2, 3);
    static final INDArray SQUARE_NAN = Nd4j.createFromArray(new double[][] {{1, Double.NaN}, {Double.NaN, 1}});

    static DataSet data(long seed, int n) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] x = new double[n][D];
        double[][] y = new double[n][K];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < D; j++) {
                x[i][j] = rng.nextGaussian();
            }
            y[i][rng.nextInt(K)] = 1.0;
        }
        return new DataSet(Nd4j.createFromArray(x), Nd4j.createFromArray(y));
    }

    static INDArray with(INDArray v, int i, double value) {
        INDArray c = v.dup();
        c.putScalar(i, value);
        return c;
    }

    static INDArray with2(INDArray m, int r, int c, double value) {
        m.putScalar(r, c, value);
        return m;
    }

    static DataSet withFeature(double value) {
        INDArray x = TEST.getFeatures().getRow(0, true).dup();
        x.putScalar(0, 2, value);
        return new DataSet(x, TEST.getLabels().getRow(0, true).dup());
    }

    /** Every array the cases pass in, snapshotted around each case. */
    static Object[] fixtures() {
        return new Object[] {TRAIN, TEST, GOOD, NAN, POS_INF, NEG_INF, SHORT, EMPTY_V, INTS, MATRIX_2P, ZERO_DIAGONAL,
            ROWS_WIDE, ROWS_NAN, ROWS_INF, ROWS_INT, WIDE, X_NAN, X_POS_INF, X_NEG_INF, Y_NAN, Y_NOT_DISTRIBUTION,
            Y_WIDE, X_INT, ROWS_MISMATCH, SQUARE_ASYMMETRIC, NOT_SQUARE, SQUARE_NAN, MODEL.parameters(), REG, SOFT_TEST};
    }

    /**
     * The raw bits of every fixture array's whole buffer, its data type and shape — a Java copy of the buffer, which
     * keeps the 400 cases fast ({@code testdata.Snapshot} does the same through ND4J operations, four per array).
     */
    static List<long[]> bits() {
        List<long[]> out = new ArrayList<>();
        for (Object o : fixtures()) {
            for (INDArray a : o instanceof DataSet d ? List.of(d.getFeatures(), d.getLabels()) : List.of((INDArray) o)) {
                double[] v = a.data().asDouble();
                long[] b = new long[v.length + a.rank() + 1];
                for (int i = 0; i < v.length; i++) {
                    b[i] = Double.doubleToRawLongBits(v[i]);
                }
                System.arraycopy(a.shape(), 0, b, v.length, a.rank());
                b[b.length - 1] = a.dataType().ordinal();
                out.add(b);
            }
        }
        return out;
    }

    @AfterAll
    static void deleteFixtureFiles() throws IOException {
        try (Stream<Path> files = Files.walk(DIR)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    static Map<String, byte[]> files() {
        Map<String, byte[]> m = new TreeMap<>();
        try (Stream<Path> files = Files.walk(DIR)) {
            for (Path f : files.toList()) {
                m.put(DIR.relativize(f).toString(), Files.isRegularFile(f) ? Files.readAllBytes(f) : new byte[0]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return m;
    }

    // ------------------------------------------------------------------------------------------------ the table

    static Case c(String entry, Bad bad, String what, ThrowingCallable call, Class<? extends Throwable> type,
                  String... fragments) {
        return new Case(entry, bad, what, call, type, List.of(fragments));
    }

    static final Class<IllegalArgumentException> IAE = IllegalArgumentException.class;
    static final Class<NullPointerException> NPE = NullPointerException.class;
    static final Class<IllegalStateException> ISE = IllegalStateException.class;
    static final Class<IndexOutOfBoundsException> IOOBE = IndexOutOfBoundsException.class;

    /** The bad data sets for an argument named {@code name}, each with the expected message fragments. */
    static void dataSetCases(List<Case> cs, String entry, String name, java.util.function.Consumer<DataSet> call,
                             boolean labelsChecked) {
        cs.add(c(entry, Bad.NULL, "null", () -> call.accept(null), NPE, name));
        cs.add(c(entry, Bad.EMPTY, "0 rows", () -> call.accept(EMPTY), IAE, name, "empty"));
        cs.add(c(entry, Bad.NAN, "NaN feature", () -> call.accept(X_NAN), IAE, name + " features", "NaN",
                "flat index 2"));
        cs.add(c(entry, Bad.INFINITE, "+Inf feature", () -> call.accept(X_POS_INF), IAE, name + " features",
                "Infinity"));
        cs.add(c(entry, Bad.INFINITE, "-Inf feature", () -> call.accept(X_NEG_INF), IAE, name + " features",
                "-Infinity"));
        cs.add(c(entry, Bad.NAN, "NaN label", () -> call.accept(Y_NAN), IAE, name + " labels", "NaN"));
        cs.add(c(entry, Bad.WRONG_WIDTH, "6 features", () -> call.accept(WIDE), IAE, name, "6", "5"));
        cs.add(c(entry, Bad.WRONG_WIDTH, "4 label columns", () -> call.accept(Y_WIDE), IAE, name, "4", "3"));
        cs.add(c(entry, Bad.WRONG_WIDTH, "2 feature rows, 1 label row", () -> call.accept(ROWS_MISMATCH), IAE, name,
                "2 feature rows"));
        cs.add(c(entry, Bad.WRONG_DTYPE, "INT features", () -> call.accept(X_INT), IAE, name, "INT"));
        cs.add(c(entry, Bad.EMPTY, "no labels", () -> call.accept(NO_LABELS), IAE, name, "labels missing"));
        if (labelsChecked) {
            cs.add(c(entry, Bad.OUT_OF_RANGE, "label row [1.5, -0.5, 0]", () -> call.accept(Y_NOT_DISTRIBUTION), IAE,
                    name, "labels row 0", "-0.5"));
        }
    }

    /** The bad right-hand sides of {@code solve(b)}. */
    static void vectorCases(List<Case> cs, String entry, String name, java.util.function.Consumer<INDArray> call) {
        cs.add(c(entry, Bad.NULL, "null", () -> call.accept(null), NPE, name));
        cs.add(c(entry, Bad.NAN, "NaN at 3", () -> call.accept(NAN), IAE, name, "NaN", "flat index 3"));
        cs.add(c(entry, Bad.INFINITE, "+Inf at 2", () -> call.accept(POS_INF), IAE, name, "Infinity", "flat index 2"));
        cs.add(c(entry, Bad.INFINITE, "-Inf at 5", () -> call.accept(NEG_INF), IAE, name, "-Infinity",
                "flat index 5"));
        cs.add(c(entry, Bad.WRONG_WIDTH, "length p-1", () -> call.accept(SHORT), IAE, name,
                "[" + (P - 1) + "]", String.valueOf(P)));
        cs.add(c(entry, Bad.WRONG_WIDTH, "matrix [2, p]", () -> call.accept(MATRIX_2P), IAE, name, "[2, " + P + "]"));
        cs.add(c(entry, Bad.EMPTY, "length 0", () -> call.accept(EMPTY_V), IAE, name, "[0]"));
        cs.add(c(entry, Bad.WRONG_DTYPE, "INT", () -> call.accept(INTS), IAE, name, "INT"));
    }

    /** The bad gradient-row matrices of {@code quadraticForms(rows)}. */
    static void rowsCases(List<Case> cs, String entry, InverseHvp inverse) {
        cs.add(c(entry, Bad.NULL, "null", () -> inverse.quadraticForms(null), NPE, "rows"));
        cs.add(c(entry, Bad.WRONG_WIDTH, "[2, p+1]", () -> inverse.quadraticForms(ROWS_WIDE), IAE, "rows",
                "[2, " + (P + 1) + "]", String.valueOf(P)));
        cs.add(c(entry, Bad.WRONG_WIDTH, "rank 1", () -> inverse.quadraticForms(GOOD), IAE, "rows", "[" + P + "]"));
        cs.add(c(entry, Bad.NAN, "NaN at [1, 4]", () -> inverse.quadraticForms(ROWS_NAN), IAE, "NaN"));
        cs.add(c(entry, Bad.INFINITE, "+Inf at [0, 7]", () -> inverse.quadraticForms(ROWS_INF), IAE, "Infinity"));
        cs.add(c(entry, Bad.WRONG_DTYPE, "INT", () -> inverse.quadraticForms(ROWS_INT), IAE, "rows", "INT"));
    }

    static Stream<Case> cases() {
        List<Case> cs = new ArrayList<>();
        estimatorCases(cs);
        resultCases(cs);
        solverCases(cs);
        sinkAndFileCases(cs);
        validationCases(cs);
        datamodelingCases(cs);
        operatorAndModelCases(cs);
        return cs.stream();
    }

    static void estimatorCases(List<Case> cs) {
        String e = "InfluenceEstimator.forModel";
        cs.add(c(e, Bad.NULL, "null InfluenceModel", () -> InfluenceEstimator.forModel((org.influence4j.model
                .InfluenceModel) null), NPE, "model"));
        cs.add(c(e, Bad.NULL, "null Object", () -> InfluenceEstimator.forModel((Object) null), NPE, "model"));
        cs.add(c(e, Bad.UNSUPPORTED, "a String", () -> InfluenceEstimator.forModel((Object) "net"), IAE,
                "java.lang.String", "ModelAdapter"));
        e = "InfluenceEstimator.withTrainingData";
        dataSetCases(cs, e, "training data", EST::withTrainingData, true);
        cs.add(c(e, Bad.NULL, "null iterator", () -> EST.withTrainingData(
                (org.nd4j.linalg.dataset.api.iterator.DataSetIterator) null), NPE, "iterator"));
        e = "InfluenceEstimator.withDamping";
        cs.add(c(e, Bad.NAN, "NaN", () -> EST.withDamping(Double.NaN), IAE, "damping", "NaN"));
        cs.add(c(e, Bad.INFINITE, "+Inf", () -> EST.withDamping(Double.POSITIVE_INFINITY), IAE, "damping",
                "Infinity"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "-0.1", () -> EST.withDamping(-0.1), IAE, "damping", "-0.1"));
        cs.add(c(e, Bad.INFINITE, "-Inf", () -> EST.withDamping(Double.NEGATIVE_INFINITY), IAE, "damping",
                "-Infinity"));
        cs.add(c("InfluenceEstimator.withSolver", Bad.NULL, "null", () -> EST.withSolver(null), NPE, "solver"));
        e = "InfluenceEstimator.withCurvature";
        cs.add(c(e, Bad.NULL, "null", () -> EST.withCurvature(null), NPE, "curvature"));
        cs.add(c(e, Bad.WRONG_WIDTH, "dimension 2", () -> EST.withCurvature(Curvature.of(
                HessianVectorProduct.ofMatrix(Nd4j.eye(2).castTo(DataType.DOUBLE)))), IAE, "curvature has dimension 2",
                String.valueOf(P)));
        cs.add(c(e, Bad.OUT_OF_ORDER, "before training data", () -> NO_DATA.withCurvature(CURVATURE), ISE,
                "training data", "withTrainingData"));
        e = "InfluenceEstimator.withTimeBudget";
        cs.add(c(e, Bad.OUT_OF_RANGE, "zero", () -> EST.withTimeBudget(Duration.ZERO), IAE, "timeBudget", "PT0S"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "negative", () -> EST.withTimeBudget(Duration.ofSeconds(-3)), IAE,
                "timeBudget", "PT-3S"));
        cs.add(c("InfluenceEstimator.withProgressListener", Bad.NULL, "null", () -> EST.withProgressListener(null),
                NPE, "listener"));
        dataSetCases(cs, "InfluenceEstimator.influenceOn", "testPoint", EST::influenceOn, true);
        dataSetCases(cs, "InfluenceEstimator.prepare", "testPoint", EST::prepare, true);
        dataSetCases(cs, "InfluenceEstimator.influenceOnEach(testPoints)", "testPoints", EST::influenceOnEach, true);
        InfluenceSinks.TopK top = InfluenceSinks.topK(2);
        dataSetCases(cs, "InfluenceEstimator.influenceOnEach(testPoints, sink)", "testPoints",
                t -> EST.influenceOnEach(t, top), true);
        cs.add(c("InfluenceEstimator.influenceOnEach(testPoints, sink)", Bad.NULL, "null sink",
                () -> EST.influenceOnEach(TEST, null), NPE, "sink"));
        dataSetCases(cs, "InfluenceEstimator.influenceOnParameters", "example", EST::influenceOnParameters, true);
        // calls that need training data, made before it is set
        String needs = "withTrainingData";
        cs.add(c("InfluenceEstimator.influenceOn", Bad.OUT_OF_ORDER, "no training data",
                () -> NO_DATA.influenceOn(TEST), ISE, needs));
        cs.add(c("InfluenceEstimator.influenceOnEach(testPoints)", Bad.OUT_OF_ORDER, "no training data",
                () -> NO_DATA.influenceOnEach(TEST), ISE, needs));
        cs.add(c("InfluenceEstimator.selfInfluence", Bad.OUT_OF_ORDER, "no training data", NO_DATA::selfInfluence,
                ISE, needs));
        cs.add(c("InfluenceEstimator.diagnose", Bad.OUT_OF_ORDER, "no training data", NO_DATA::diagnose, ISE, needs));
        cs.add(c("InfluenceEstimator.inverse", Bad.OUT_OF_ORDER, "no training data", NO_DATA::inverse, ISE, needs));
        cs.add(c("InfluenceEstimator.curvature", Bad.OUT_OF_ORDER, "no training data", NO_DATA::curvature, ISE,
                needs));
        cs.add(c("InfluenceEstimator.trainingData", Bad.OUT_OF_ORDER, "no training data", NO_DATA::trainingData, ISE,
                needs));
        cs.add(c("InfluenceEstimator.dampedHessian", Bad.OUT_OF_ORDER, "no training data", NO_DATA::dampedHessian,
                ISE, needs));
        cs.add(c("InfluenceEstimator.objectiveGradientNorm", Bad.OUT_OF_ORDER, "no training data",
                NO_DATA::objectiveGradientNorm, ISE, needs));
        // a solver that cannot serve this curvature, chosen by the user
        cs.add(c("InfluenceEstimator.influenceOn", Bad.UNSUPPORTED, "K-FAC on a bare operator's curvature",
                () -> EST.withCurvature(Curvature.of(H)).withSolver(IHVPSolver.kfac()).influenceOn(TEST), IAE,
                "kfac", "per-layer statistics"));
        cs.add(c("InfluenceEstimator.influenceOn", Bad.UNSUPPORTED, "exact solver over its memory limit",
                () -> EST.withSolver(IHVPSolver.exact().withMaxBytes(64)).influenceOn(TEST), IAE, "64",
                "maxBytes"));
    }

    static void resultCases(List<Case> cs) {
        dataSetCases(cs, "PreparedInfluence.scoresFor", "examples", PREPARED::scoresFor, true);
        String e = "InfluenceScores.value";
        cs.add(c(e, Bad.OUT_OF_RANGE, "-1", () -> SCORES.value(-1), IOOBE, "index -1", "[0, " + N + ")"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "n", () -> SCORES.value(N), IOOBE, "index " + N, "[0, " + N + ")"));
        cs.add(c("InfluenceScores.regularizerTerm", Bad.OUT_OF_RANGE, "n", () -> SCORES.regularizerTerm(N), IOOBE,
                "index " + N));
        cs.add(c("InfluenceScores.predictedLossChangeOnRemoval(int)", Bad.OUT_OF_RANGE, "-1",
                () -> SCORES.predictedLossChangeOnRemoval(-1), IOOBE, "index -1"));
        cs.add(c("InfluenceScores.predictedLossChangeOnRenormalizedRemoval", Bad.OUT_OF_RANGE, "n",
                () -> SCORES.predictedLossChangeOnRenormalizedRemoval(N), IOOBE, "index " + N));
        e = "InfluenceScores.predictedLossChangeOnRemoval(int[])";
        cs.add(c(e, Bad.NULL, "null", () -> SCORES.predictedLossChangeOnRemoval((int[]) null), NPE, "group"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "{1, n}", () -> SCORES.predictedLossChangeOnRemoval(new int[] {1, N}), IOOBE,
                "index " + N));
        cs.add(c(e, Bad.OUT_OF_RANGE, "{3, 3}", () -> SCORES.predictedLossChangeOnRemoval(new int[] {3, 3}), IAE,
                "group", "3 twice"));
        cs.add(c("InfluenceScores.mostHelpful", Bad.OUT_OF_RANGE, "-1", () -> SCORES.mostHelpful(-1), IAE, "k (-1)"));
        cs.add(c("InfluenceScores.mostHarmful", Bad.OUT_OF_RANGE, "n+1", () -> SCORES.mostHarmful(N + 1), IAE,
                "k (" + (N + 1) + ")", "[0, " + N + "]"));
        cs.add(c("InfluenceScores.mostInfluential", Bad.OUT_OF_RANGE, "-2", () -> SCORES.mostInfluential(-2), IAE,
                "k (-2)"));
        cs.add(c("InfluenceScores.mostSelfInfluential", Bad.UNSUPPORTED, "test-influence scores",
                () -> SCORES.mostSelfInfluential(1), ISE, "TEST_INFLUENCE", "selfInfluence()"));
        e = "InfluenceMatrix.value";
        cs.add(c(e, Bad.OUT_OF_RANGE, "query 2", () -> MATRIX.value(2, 0), IOOBE, "query 2", "0..1"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "query -1", () -> MATRIX.value(-1, 0), IOOBE, "query -1"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "example n", () -> MATRIX.value(0, N), IOOBE, "example " + N,
                "0.." + (N - 1)));
        cs.add(c("InfluenceMatrix.scores", Bad.OUT_OF_RANGE, "query 2", () -> MATRIX.scores(2), IOOBE, "query 2",
                "0..1"));
        cs.add(c("InfluenceMatrix.scores", Bad.OUT_OF_RANGE, "query -1", () -> MATRIX.scores(-1), IOOBE,
                "query -1"));
        cs.add(c("InfluenceQueries.solverResult", Bad.OUT_OF_RANGE, "query 2", () -> MATRIX.diagnostics()
                .solverResult(2), IOOBE, "query 2"));
        cs.add(c("InfluenceQueries.regularizerTerm", Bad.OUT_OF_RANGE, "query -1", () -> MATRIX.diagnostics()
                .regularizerTerm(-1), IOOBE, "query -1"));
    }

    static void solverCases(List<Case> cs) {
        ConjugateGradientSolver cg = IHVPSolver.conjugateGradient();
        String e = "ConjugateGradientSolver.withTolerance";
        cs.add(c(e, Bad.NAN, "NaN", () -> cg.withTolerance(Double.NaN), IAE, "tolerance", "NaN"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "0", () -> cg.withTolerance(0), IAE, "tolerance (0.0)"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "-1e-8", () -> cg.withTolerance(-1e-8), IAE, "tolerance (-1.0E-8)"));
        cs.add(c(e, Bad.INFINITE, "+Inf", () -> cg.withTolerance(Double.POSITIVE_INFINITY), IAE, "tolerance",
                "Infinity"));
        e = "ConjugateGradientSolver.withMaxIterations";
        cs.add(c(e, Bad.OUT_OF_RANGE, "0", () -> cg.withMaxIterations(0), IAE, "maxIterations (0)"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "-5", () -> cg.withMaxIterations(-5), IAE, "maxIterations (-5)"));
        e = "ConjugateGradientSolver.withJacobiPreconditioner";
        cs.add(c(e, Bad.NULL, "null", () -> cg.withJacobiPreconditioner(null), NPE, "diagonal"));
        cs.add(c(e, Bad.NAN, "NaN at 3", () -> cg.withJacobiPreconditioner(NAN), IAE, "diagonal", "NaN",
                "flat index 3"));
        cs.add(c(e, Bad.INFINITE, "+Inf at 2", () -> cg.withJacobiPreconditioner(POS_INF), IAE, "diagonal",
                "Infinity"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "an entry 0", () -> cg.withJacobiPreconditioner(ZERO_DIAGONAL), IAE,
                "diagonal", "0.0", "> 0"));
        cs.add(c(e, Bad.WRONG_DTYPE, "INT", () -> cg.withJacobiPreconditioner(INTS), IAE, "diagonal", "INT"));
        cs.add(c(e, Bad.WRONG_WIDTH, "matrix [2, p]", () -> cg.withJacobiPreconditioner(MATRIX_2P), IAE, "diagonal",
                "[2, " + P + "]"));
        cs.add(c(e, Bad.EMPTY, "length 0", () -> cg.withJacobiPreconditioner(EMPTY_V), IAE, "diagonal", "[0]"));
        cs.add(c("ConjugateGradientSolver.solve", Bad.WRONG_WIDTH, "preconditioner of length p-1",
                () -> cg.withJacobiPreconditioner(SHORT).solve(H, GOOD), IAE, "Jacobi diagonal has length " + (P - 1),
                String.valueOf(P)));
        cs.add(c("ConjugateGradientSolver.withListener", Bad.NULL, "null", () -> cg.withListener(null), NPE,
                "listener"));
        e = "ConjugateGradientSolver.withInitialGuess";
        cs.add(c(e, Bad.NAN, "NaN at 3", () -> cg.withInitialGuess(NAN), IAE, "x0", "NaN"));
        cs.add(c(e, Bad.INFINITE, "-Inf at 5", () -> cg.withInitialGuess(NEG_INF), IAE, "x0", "-Infinity"));
        cs.add(c(e, Bad.WRONG_DTYPE, "INT", () -> cg.withInitialGuess(INTS), IAE, "x0", "INT"));
        cs.add(c("ConjugateGradientSolver.solve", Bad.WRONG_WIDTH, "initial guess of length p-1",
                () -> cg.withInitialGuess(SHORT).solve(H, GOOD), IAE, "x0 has length " + (P - 1), String.valueOf(P)));
        solveCases(cs, "ConjugateGradientSolver", cg);

        LissaSolver lissa = IHVPSolver.lissa();
        e = "LissaSolver.withScale";
        cs.add(c(e, Bad.NAN, "NaN", () -> lissa.withScale(Double.NaN), IAE, "scale", "NaN"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "0", () -> lissa.withScale(0), IAE, "scale (0.0)"));
        cs.add(c(e, Bad.INFINITE, "+Inf", () -> lissa.withScale(Double.POSITIVE_INFINITY), IAE, "scale",
                "Infinity"));
        e = "LissaSolver.withScaleSafety";
        cs.add(c(e, Bad.OUT_OF_RANGE, "0.5", () -> lissa.withScaleSafety(0.5), IAE, "safety (0.5)", ">= 1"));
        cs.add(c(e, Bad.NAN, "NaN", () -> lissa.withScaleSafety(Double.NaN), IAE, "safety (NaN)"));
        cs.add(c(e, Bad.INFINITE, "+Inf", () -> lissa.withScaleSafety(Double.POSITIVE_INFINITY), IAE, "safety",
                "Infinity"));
        cs.add(c("LissaSolver.withDepth", Bad.OUT_OF_RANGE, "0", () -> lissa.withDepth(0), IAE, "depth (0)"));
        cs.add(c("LissaSolver.withDepth", Bad.OUT_OF_RANGE, "-3", () -> lissa.withDepth(-3), IAE, "depth (-3)"));
        cs.add(c("LissaSolver.withRepeats", Bad.OUT_OF_RANGE, "0", () -> lissa.withRepeats(0), IAE, "repeats (0)"));
        e = "LissaSolver.withTolerance";
        cs.add(c(e, Bad.OUT_OF_RANGE, "-1", () -> lissa.withTolerance(-1), IAE, "tolerance (-1.0)"));
        cs.add(c(e, Bad.NAN, "NaN", () -> lissa.withTolerance(Double.NaN), IAE, "tolerance (NaN)"));
        cs.add(c(e, Bad.INFINITE, "+Inf", () -> lissa.withTolerance(Double.POSITIVE_INFINITY), IAE, "tolerance",
                "Infinity"));
        cs.add(c("LissaSolver.withListener", Bad.NULL, "null", () -> lissa.withListener(null), NPE, "listener"));
        cs.add(c("LissaSolver.withBatchSize", Bad.OUT_OF_RANGE, "0", () -> lissa.withBatchSize(0), IAE,
                "batchSize (0)"));
        cs.add(c("LissaSolver.withBatchSize", Bad.OUT_OF_RANGE, "-64", () -> lissa.withBatchSize(-64), IAE,
                "batchSize (-64)"));
        solveCases(cs, "LissaSolver", lissa);

        var exact = IHVPSolver.exact();
        cs.add(c("ExactSolver.withPolicy", Bad.NULL, "null", () -> exact.withPolicy(null), NPE, "policy"));
        e = "ExactSolver.withClipThreshold";
        cs.add(c(e, Bad.OUT_OF_RANGE, "0", () -> exact.withClipThreshold(0), IAE, "clipThreshold (0.0)", "(0, 1)"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "1", () -> exact.withClipThreshold(1), IAE, "clipThreshold (1.0)"));
        cs.add(c(e, Bad.NAN, "NaN", () -> exact.withClipThreshold(Double.NaN), IAE, "clipThreshold (NaN)"));
        cs.add(c("ExactSolver.withMaxBytes", Bad.OUT_OF_RANGE, "0", () -> exact.withMaxBytes(0), IAE,
                "maxBytes (0)"));
        cs.add(c("ExactSolver.withMaxBytes", Bad.OUT_OF_RANGE, "-1", () -> exact.withMaxBytes(-1), IAE,
                "maxBytes (-1)"));
        cs.add(c("ExactSolver.withBackend", Bad.NULL, "null", () -> exact.withBackend(null), NPE, "backend"));
        cs.add(c("ExactSolver.factorize(HessianVectorProduct)", Bad.NULL, "null",
                () -> exact.factorize((HessianVectorProduct) null), NPE, "h"));
        cs.add(c("ExactSolver.factorize(Curvature)", Bad.NULL, "null", () -> exact.factorize((Curvature) null), NPE,
                "curvature"));
        cs.add(c("ExactSolver.factorize(Curvature)", Bad.OUT_OF_RANGE, "maxBytes 64",
                () -> exact.withMaxBytes(64).factorize(CURVATURE), IAE, "64", "maxBytes"));
        solveCases(cs, "ExactSolver", exact);

        for (KroneckerSolver k : List.of(IHVPSolver.kfac(), IHVPSolver.ekfac())) {
            String m = "KroneckerSolver(" + k.method() + ")";
            cs.add(c(m + ".withSampling", Bad.NULL, "null", () -> k.withSampling(null), NPE, "sampling"));
            cs.add(c(m + ".withHeuristicDamping", Bad.OUT_OF_RANGE, "-0.1", () -> k.withHeuristicDamping(-0.1), IAE,
                    "factor (-0.1)"));
            cs.add(c(m + ".withHeuristicDamping", Bad.NAN, "NaN", () -> k.withHeuristicDamping(Double.NaN), IAE,
                    "factor (NaN)"));
            cs.add(c(m + ".withHeuristicDamping", Bad.INFINITE, "+Inf",
                    () -> k.withHeuristicDamping(Double.POSITIVE_INFINITY), IAE, "factor (Infinity)"));
            cs.add(c(m + ".withFactorFile", Bad.UNSUPPORTED, "a directory", () -> k.withFactorFile(DIR), IAE,
                    "factorFile", DIR.toString(), "is a directory"));
            cs.add(c(m + ".withFactorFile", Bad.UNSUPPORTED, "in a missing directory",
                    () -> k.withFactorFile(MISSING_DIR.resolve("f.kfac")), IAE, "factorFile",
                    MISSING_DIR.toString(), "does not exist"));
            cs.add(c(m + ".prepare", Bad.UNSUPPORTED, "a factor file that is not one",
                    () -> k.withFactorFile(NOT_FACTORS).prepare(CURVATURE, 0.01), IAE, NOT_FACTORS.toString(),
                    "not a Kronecker factor file"));
            cs.add(c(m + ".solve", Bad.UNSUPPORTED, "a bare operator", () -> k.solve(H, GOOD), IAE, k.method(),
                    "layer statistics"));
            cs.add(c(m + ".prepare", Bad.UNSUPPORTED, "a curvature without layer statistics",
                    () -> k.prepare(Curvature.of(H), 0.01), IAE, k.method(), "per-layer statistics"));
            cs.add(c(m + ".prepare", Bad.NULL, "null curvature", () -> k.prepare(null, 0.01), NPE, "curvature"));
            cs.add(c(m + ".prepare", Bad.OUT_OF_RANGE, "damping -1", () -> k.prepare(CURVATURE, -1), IAE,
                    "damping (-1.0)"));
            cs.add(c(m + ".prepare", Bad.NAN, "damping NaN", () -> k.prepare(CURVATURE, Double.NaN), IAE,
                    "damping (NaN)"));
            cs.add(c(m + ".factors", Bad.NULL, "null", () -> k.factors(null), NPE, "curvature"));
        }
        var identity = IHVPSolver.identity();
        cs.add(c("IdentitySolver.solve", Bad.NULL, "null operator", () -> identity.solve(null, GOOD), NPE, "h"));
        vectorCases(cs, "IdentitySolver.solve", "b", b -> identity.solve(H, b));
        cs.add(c("IdentitySolver.prepare", Bad.NULL, "null curvature", () -> identity.prepare(null, 0.1), NPE,
                "curvature"));
        cs.add(c("IdentitySolver.prepare", Bad.OUT_OF_RANGE, "damping -1", () -> identity.prepare(CURVATURE, -1), IAE,
                "damping (-1.0)"));

        for (var inv : Map.of("exact", EXACT, "CG", CG, "identity", IDENTITY, "kfac", KFAC).entrySet()) {
            vectorCases(cs, "InverseHvp(" + inv.getKey() + ").solve", "b", b -> inv.getValue().solve(b));
            rowsCases(cs, "InverseHvp(" + inv.getKey() + ").quadraticForms", inv.getValue());
        }
    }

    /** {@code solve(h, b)} and {@code prepare(curvature, λ)} of a solver. */
    static void solveCases(List<Case> cs, String name, IHVPSolver s) {
        cs.add(c(name + ".solve", Bad.NULL, "null operator", () -> s.solve(null, GOOD), NPE, "h"));
        vectorCases(cs, name + ".solve", "b", b -> s.solve(H, b));
        cs.add(c(name + ".prepare", Bad.NULL, "null curvature", () -> s.prepare(null, 0.1), NPE, "curvature"));
        cs.add(c(name + ".prepare", Bad.OUT_OF_RANGE, "damping -1", () -> s.prepare(CURVATURE, -1), IAE,
                "damping (-1.0)"));
        cs.add(c(name + ".prepare", Bad.NAN, "damping NaN", () -> s.prepare(CURVATURE, Double.NaN), IAE,
                "damping (NaN)"));
        cs.add(c(name + ".prepare", Bad.INFINITE, "damping +Inf",
                () -> s.prepare(CURVATURE, Double.POSITIVE_INFINITY), IAE, "damping (Infinity)"));
    }

    static void sinkAndFileCases(List<Case> cs) {
        cs.add(c("InfluenceSinks.topK", Bad.OUT_OF_RANGE, "0", () -> InfluenceSinks.topK(0), IAE, "k (0)"));
        cs.add(c("InfluenceSinks.topK", Bad.OUT_OF_RANGE, "-3", () -> InfluenceSinks.topK(-3), IAE, "k (-3)"));
        cs.add(c("InfluenceSinks.TopK.result", Bad.OUT_OF_ORDER, "before influenceOnEach",
                () -> InfluenceSinks.topK(3).result(), ISE, "no result yet", "influenceOnEach"));
        String e = "InfluenceSinks.csv";
        cs.add(c(e, Bad.NULL, "null file", () -> InfluenceSinks.csv(null, null, true), NPE, "file"));
        cs.add(c(e, Bad.UNSUPPORTED, "existing file, no overwrite", () -> InfluenceSinks.csv(EXISTING, null, false),
                IAE, EXISTING.toString(), "already exists"));
        cs.add(c(e, Bad.UNSUPPORTED, "a directory", () -> InfluenceSinks.csv(DIR, null, true), IAE, DIR.toString(),
                "is a directory"));
        cs.add(c(e, Bad.UNSUPPORTED, "in a missing directory",
                () -> InfluenceSinks.csv(MISSING_DIR.resolve("s.csv"), null, true), IAE, MISSING_DIR.toString(),
                "does not exist"));
        cs.add(c(e, Bad.WRONG_WIDTH, "1 name for 2 test points", () -> EST.influenceOnEach(TEST,
                InfluenceSinks.csv(EXISTING, List.of("only"), true)), IAE, "queryNames has 1", "2 test points"));
        cs.add(c(e, Bad.NULL, "a null name", () -> InfluenceSinks.csv(EXISTING, Arrays.asList("a", null), true), NPE,
                "queryNames", "1"));
        e = "InfluenceSinks.binary";
        cs.add(c(e, Bad.NULL, "null file", () -> InfluenceSinks.binary(null, true), NPE, "file"));
        cs.add(c(e, Bad.UNSUPPORTED, "existing file, no overwrite", () -> InfluenceSinks.binary(EXISTING, false),
                IAE, EXISTING.toString(), "already exists"));
        cs.add(c(e, Bad.UNSUPPORTED, "a directory", () -> InfluenceSinks.binary(DIR, true), IAE, DIR.toString(),
                "is a directory"));
        cs.add(c(e, Bad.UNSUPPORTED, "in a missing directory",
                () -> InfluenceSinks.binary(MISSING_DIR.resolve("s.bin"), true), IAE, MISSING_DIR.toString(),
                "does not exist"));
        e = "KroneckerFactors.load";
        cs.add(c(e, Bad.NULL, "null", () -> KroneckerFactors.load(null), NPE, "file"));
        cs.add(c(e, Bad.UNSUPPORTED, "a missing file", () -> KroneckerFactors.load(DIR.resolve("none.kfac")), IAE,
                DIR.resolve("none.kfac").toString(), "does not exist"));
        cs.add(c(e, Bad.UNSUPPORTED, "a directory", () -> KroneckerFactors.load(DIR), IAE, DIR.toString(),
                "is a directory"));
        cs.add(c(e, Bad.UNSUPPORTED, "not a factor file", () -> KroneckerFactors.load(NOT_FACTORS), IAE,
                NOT_FACTORS.toString(), "not a Kronecker factor file"));
        cs.add(c(e, Bad.EMPTY, "a truncated factor file", () -> KroneckerFactors.load(TRUNCATED), IAE,
                TRUNCATED.toString(), "ends early"));
    }

    static void validationCases(List<Case> cs) {
        LeaveOneOutValidation v = LeaveOneOutValidation.defaults();
        cs.add(c("LeaveOneOutValidation.withTopK", Bad.OUT_OF_RANGE, "-1", () -> v.withTopK(-1), IAE, "topK (-1)"));
        cs.add(c("LeaveOneOutValidation.withRandomSample", Bad.OUT_OF_RANGE, "-2", () -> v.withRandomSample(-2), IAE,
                "randomSample (-2)"));
        String e = "LeaveOneOutValidation.withIndices";
        cs.add(c(e, Bad.NULL, "null", () -> v.withIndices((int[]) null), NPE, "indices"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "{4, 4}", () -> v.withIndices(4, 4), IAE, "indices [4, 4]", "duplicates"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "{2, -1}", () -> v.withIndices(2, -1), IAE, "indices", "-1"));
        cs.add(c("LeaveOneOutValidation.withListener", Bad.NULL, "null", () -> v.withListener(null), NPE,
                "listener"));
        double[] scores = SCORES.toDoubleArray();
        e = "LeaveOneOutValidation.run(double[])";
        cs.add(c(e, Bad.NULL, "null scores", () -> v.run((double[]) null, RETRAINER, TEST), NPE, "scores"));
        cs.add(c(e, Bad.EMPTY, "no scores", () -> v.run(new double[0], RETRAINER, TEST), IAE, "scores is empty"));
        cs.add(c(e, Bad.NAN, "NaN score", () -> v.run(withValue(scores, 7, Double.NaN), RETRAINER, TEST), IAE,
                "scores contains NaN at index 7"));
        cs.add(c(e, Bad.INFINITE, "-Inf score", () -> v.run(withValue(scores, 0, Double.NEGATIVE_INFINITY),
                RETRAINER, TEST), IAE, "scores contains -Infinity at index 0"));
        cs.add(c(e, Bad.NULL, "null retrainer", () -> v.run(scores, null, TEST), NPE, "retrainer"));
        cs.add(c(e, Bad.NULL, "null test point", () -> v.run(scores, RETRAINER, null), NPE, "testPoint"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "topK + randomSample > n", () -> v.withTopK(N).withRandomSample(1)
                .run(scores, RETRAINER, TEST), IAE, "topK", String.valueOf(N)));
        cs.add(c(e, Bad.OUT_OF_RANGE, "explicit index n", () -> v.withIndices(1, N).run(scores, RETRAINER, TEST),
                IAE, "index " + N, String.valueOf(N)));
        e = "LeaveOneOutValidation.run(INDArray)";
        cs.add(c(e, Bad.NULL, "null scores", () -> v.run((INDArray) null, RETRAINER, TEST), NPE, "scores"));
        cs.add(c(e, Bad.NAN, "NaN score", () -> v.run(NAN, RETRAINER, TEST), IAE, "scores", "NaN", "flat index 3"));
        cs.add(c(e, Bad.WRONG_DTYPE, "INT scores", () -> v.run(INTS, RETRAINER, TEST), IAE, "scores", "INT"));
        cs.add(c(e, Bad.WRONG_WIDTH, "matrix [2, p]", () -> v.run(MATRIX_2P, RETRAINER, TEST), IAE, "scores",
                "[2, " + P + "]"));
        e = "LeaveOneOutValidation.runAll";
        cs.add(c(e, Bad.WRONG_WIDTH, "2 score vectors, 1 test point", () -> v.runAll(List.of(scores, scores),
                RETRAINER, List.of(TEST)), IAE, "scores has 2", "testPoints has 1"));
        cs.add(c(e, Bad.NULL, "null scores", () -> v.runAll(null, RETRAINER, List.of(TEST)), NPE, "scores"));
        cs.add(c(e, Bad.NAN, "NaN in the second vector", () -> v.runAll(List.of(scores,
                withValue(scores, 2, Double.NaN)), RETRAINER, List.of(TEST, TEST)), IAE, "scores contains NaN"));
        cs.add(c("LeaveOneOutValidation.selection", Bad.NULL, "null", () -> v.selection(null), NPE, "scores"));
        cs.add(c("LeaveOneOutValidation.selection", Bad.EMPTY, "no scores", () -> v.selection(new double[0]), IAE,
                "scores is empty"));

        double[] two = {1, 2, 3};
        for (String f : List.of("pearson", "spearman", "kendallTauB")) {
            java.util.function.BiFunction<double[], double[], Double> fn = switch (f) {
                case "pearson" -> Correlations::pearson;
                case "spearman" -> Correlations::spearman;
                default -> Correlations::kendallTauB;
            };
            e = "Correlations." + f;
            cs.add(c(e, Bad.NULL, "null x", () -> fn.apply(null, two), NPE, "x"));
            cs.add(c(e, Bad.NULL, "null y", () -> fn.apply(two, null), NPE, "y"));
            cs.add(c(e, Bad.WRONG_WIDTH, "lengths 3 and 2", () -> fn.apply(two, new double[] {1, 2}), IAE, "3", "2"));
            cs.add(c(e, Bad.NAN, "NaN in y", () -> fn.apply(two, new double[] {1, Double.NaN, 3}), IAE, "y", "NaN",
                    "index 1"));
            cs.add(c(e, Bad.INFINITE, "+Inf in x", () -> fn.apply(new double[] {Double.POSITIVE_INFINITY, 1, 2}, two),
                    IAE, "x", "Infinity", "index 0"));
        }
        cs.add(c("Correlations.ranks", Bad.NULL, "null", () -> Correlations.ranks(null), NPE, "x"));
        cs.add(c("Correlations.ranks", Bad.NAN, "NaN", () -> Correlations.ranks(new double[] {1, Double.NaN}), IAE,
                "x", "NaN", "index 1"));
    }

    static void datamodelingCases(List<Case> cs) {
        LinearDatamodelingScore d = LinearDatamodelingScore.defaults().withSubsets(4).withBootstrap(0);
        String e = "LinearDatamodelingScore.withSubsets";
        cs.add(c(e, Bad.OUT_OF_RANGE, "2", () -> d.withSubsets(2), IAE, "subsets (2)", ">= 3"));
        e = "LinearDatamodelingScore.withFraction";
        cs.add(c(e, Bad.OUT_OF_RANGE, "0", () -> d.withFraction(0), IAE, "fraction (0.0)", "(0, 1)"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "1", () -> d.withFraction(1), IAE, "fraction (1.0)"));
        cs.add(c(e, Bad.NAN, "NaN", () -> d.withFraction(Double.NaN), IAE, "fraction (NaN)"));
        cs.add(c("LinearDatamodelingScore.withSeedsPerSubset", Bad.OUT_OF_RANGE, "0", () -> d.withSeedsPerSubset(0),
                IAE, "seedsPerSubset (0)"));
        cs.add(c("LinearDatamodelingScore.withBootstrap", Bad.OUT_OF_RANGE, "-1", () -> d.withBootstrap(-1), IAE,
                "bootstrap resamples (-1)"));
        e = "LinearDatamodelingScore.withConfidence";
        cs.add(c(e, Bad.OUT_OF_RANGE, "0", () -> d.withConfidence(0), IAE, "confidence (0.0)"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "1", () -> d.withConfidence(1), IAE, "confidence (1.0)"));
        cs.add(c(e, Bad.NAN, "NaN", () -> d.withConfidence(Double.NaN), IAE, "confidence (NaN)"));
        cs.add(c("LinearDatamodelingScore.withThreads", Bad.OUT_OF_RANGE, "0", () -> d.withThreads(0), IAE,
                "threads (0)"));
        cs.add(c("LinearDatamodelingScore.withMeasurement", Bad.NULL, "null", () -> d.withMeasurement(null), NPE,
                "measurement"));
        cs.add(c("LinearDatamodelingScore.withListener", Bad.NULL, "null", () -> d.withListener(null), NPE,
                "listener"));
        e = "LinearDatamodelingScore.subsetSize";
        cs.add(c(e, Bad.OUT_OF_RANGE, "fraction 0.01 of 40", () -> d.withFraction(0.01).subsetSize(N), IAE,
                "fraction (0.01)", "n = " + N, "raise the fraction"));

        double[][] scores = MATRIX.values().toDoubleMatrix(); // [2, N]: one row per test point
        SubsetTrainer trainer = MODEL.subsetTrainer(TRAIN);
        e = "LinearDatamodelingScore.run(double[][])";
        cs.add(c(e, Bad.NULL, "null scores", () -> d.run((double[][]) null, trainer, TEST), NPE, "scores"));
        cs.add(c(e, Bad.NULL, "null trainer", () -> d.run(scores, null, TEST), NPE, "trainer"));
        cs.add(c(e, Bad.WRONG_WIDTH, "3 score rows, 2 test rows", () -> d.run(new double[][] {scores[0], scores[1],
            scores[0]}, trainer, TEST), IAE, "scores has 3 rows", "testPoints has 2"));
        cs.add(c(e, Bad.WRONG_WIDTH, "ragged rows", () -> d.run(new double[][] {scores[0], Arrays.copyOf(scores[1],
                N - 1)}, trainer, TEST), IAE, "scores row 1 has length " + (N - 1), "length " + N));
        cs.add(c(e, Bad.NAN, "NaN score", () -> d.run(new double[][] {scores[0], withValue(scores[1], 7, Double.NaN)},
                trainer, TEST), IAE, "scores contains NaN at [1, 7]"));
        cs.add(c(e, Bad.INFINITE, "+Inf score", () -> d.run(new double[][] {withValue(scores[0], 0,
                Double.POSITIVE_INFINITY), scores[1]}, trainer, TEST), IAE, "scores contains Infinity at [0, 0]"));
        cs.add(c(e, Bad.EMPTY, "rows of length 1", () -> d.run(new double[][] {{1.0}}, trainer, TEST.get(0)), IAE,
                "scores rows have length 1"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "fraction 0.01 of 40", () -> d.withFraction(0.01).run(scores, trainer, TEST),
                IAE, "fraction (0.01)", "n = " + N));
        cs.add(c(e, Bad.NULL, "null testPoints", () -> d.run(scores, trainer, null), NPE, "testPoints"));
        cs.add(c(e, Bad.EMPTY, "0 test rows", () -> d.run(new double[0][], trainer, EMPTY), IAE, "testPoints",
                "empty"));
        cs.add(c(e, Bad.NAN, "NaN test feature", () -> d.run(new double[][] {scores[0]}, trainer, X_NAN), IAE,
                "testPoints features", "NaN"));
        cs.add(c(e, Bad.NAN, "NaN test label", () -> d.run(new double[][] {scores[0]}, trainer, Y_NAN), IAE,
                "testPoints labels", "NaN"));
        cs.add(c(e, Bad.WRONG_WIDTH, "2 test feature rows, 1 label row", () -> d.run(scores, trainer, ROWS_MISMATCH),
                IAE, "testPoints", "2 feature rows"));
        cs.add(c(e, Bad.WRONG_WIDTH, "6 test features", () -> d.run(new double[][] {scores[0]}, trainer, WIDE), IAE,
                "testPoints", "6", "5"));
        cs.add(c(e, Bad.UNSUPPORTED, "trainer returns 1 value for 2 test rows", () -> d.run(scores,
                (s, seed, t, m) -> new double[] {0.5}, TEST), ISE, "returned 1 values", "subset ", "seed ",
                "expected 2"));
        cs.add(c(e, Bad.NAN, "trainer returns NaN", () -> d.run(scores, (s, seed, t, m) -> new double[] {0.5,
            Double.NaN}, TEST), ISE, "returned NaN for test example 1", "seed "));
        cs.add(c(e, Bad.UNSUPPORTED, "checkpoint in a missing directory", () -> d.withCheckpoint(
                MISSING_DIR.resolve("lds.txt")).run(scores, trainer, TEST), IAE, MISSING_DIR.toString(),
                "does not exist"));
        cs.add(c(e, Bad.UNSUPPORTED, "checkpoint is a directory", () -> d.withCheckpoint(DIR).run(scores, trainer,
                TEST), IAE, DIR.toString(), "is a directory"));
        cs.add(c(e, Bad.UNSUPPORTED, "checkpoint is another file", () -> d.withCheckpoint(NOT_FACTORS).run(scores,
                trainer, TEST), IAE, NOT_FACTORS.toString(), "not a linear datamodeling checkpoint"));
        e = "LinearDatamodelingScore.run(INDArray)";
        cs.add(c(e, Bad.NULL, "null scores", () -> d.run((INDArray) null, trainer, TEST), NPE, "scores"));
        cs.add(c(e, Bad.WRONG_WIDTH, "rank 1", () -> d.run(GOOD, trainer, TEST), IAE, "scores has shape [" + P + "]"));
        cs.add(c(e, Bad.NAN, "NaN at [1, 4]", () -> d.run(ROWS_NAN, trainer, TEST), IAE, "scores", "NaN"));
        cs.add(c(e, Bad.WRONG_DTYPE, "INT", () -> d.run(ROWS_INT, trainer, TEST), IAE, "scores", "INT"));

        dataSetCases(cs, "SoftmaxRegression.subsetTrainer", "train", MODEL::subsetTrainer, true);
        e = "SoftmaxRegression.subsetTrainer.measure";
        int[] half = java.util.stream.IntStream.range(0, N / 2).toArray();
        cs.add(c(e, Bad.UNSUPPORTED, "margin of soft labels", () -> trainer.measure(half, 0, SOFT_TEST,
                Measurement.MARGIN), IAE, "testPoints labels row 0", "not one-hot"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "index n", () -> trainer.measure(new int[] {0, N}, 0, TEST, Measurement.LOSS),
                IAE, "index " + N));
        cs.add(c(e, Bad.WRONG_WIDTH, "6 test features", () -> trainer.measure(half, 0, WIDE, Measurement.LOSS), IAE,
                "testPoints", "6", "5"));
        e = "RidgeRegression.subsetTrainer";
        cs.add(c(e, Bad.NULL, "null", () -> RIDGE.subsetTrainer(null), NPE, "train"));
        cs.add(c(e, Bad.WRONG_WIDTH, "3 target columns", () -> RIDGE.subsetTrainer(TRAIN), IAE, "train", "3"));
        cs.add(c("RidgeRegression.subsetTrainer.measure", Bad.UNSUPPORTED, "margin", () -> RIDGE.subsetTrainer(REG)
                .measure(half, 0, REG, Measurement.MARGIN), IAE, "MARGIN", "no margin"));
    }

    static void operatorAndModelCases(List<Case> cs) {
        String e = "HessianVectorProduct.ofMatrix";
        cs.add(c(e, Bad.NULL, "null", () -> HessianVectorProduct.ofMatrix(null), NPE, "matrix"));
        cs.add(c(e, Bad.WRONG_WIDTH, "[2, 3]", () -> HessianVectorProduct.ofMatrix(NOT_SQUARE), IAE, "[2, 3]",
                "square"));
        cs.add(c(e, Bad.UNSUPPORTED, "asymmetric", () -> HessianVectorProduct.ofMatrix(SQUARE_ASYMMETRIC), IAE,
                "symmetr"));
        cs.add(c(e, Bad.NAN, "NaN entry", () -> HessianVectorProduct.ofMatrix(SQUARE_NAN), IAE, "matrix", "NaN"));
        cs.add(c(e, Bad.WRONG_DTYPE, "INT", () -> HessianVectorProduct.ofMatrix(Nd4j.eye(2).castTo(DataType.INT32)),
                IAE, "matrix", "INT"));
        vectorCases(cs, "HessianVectorProduct.apply", "v", H::apply);
        e = "HessianVectorProduct.damped";
        cs.add(c(e, Bad.OUT_OF_RANGE, "-1", () -> H.damped(-1), IAE, "-1.0"));
        cs.add(c(e, Bad.NAN, "NaN", () -> H.damped(Double.NaN), IAE, "NaN"));
        cs.add(c("Curvature.of", Bad.NULL, "null", () -> Curvature.of(null), NPE, "hessian"));
        // the reference models
        vectorCases(cs, "SoftmaxRegression.perExampleGradientDots", "v",
                v -> MODEL.perExampleGradientDots(TRAIN, v));
        dataSetCases(cs, "SoftmaxRegression.meanLossGradient", "data", MODEL::meanLossGradient, true);
        e = "SoftmaxRegression.fit";
        cs.add(c(e, Bad.OUT_OF_RANGE, "l2 -1", () -> SoftmaxRegression.fit(TRAIN, -1), IAE, "l2 (-1.0)"));
        cs.add(c(e, Bad.NAN, "l2 NaN", () -> SoftmaxRegression.fit(TRAIN, Double.NaN), IAE, "l2 (NaN)"));
        cs.add(c(e, Bad.EMPTY, "0 rows", () -> SoftmaxRegression.fit(EMPTY, 0.1), IAE, "train", "empty"));
        cs.add(c(e, Bad.NAN, "NaN feature", () -> SoftmaxRegression.fit(X_NAN, 0.1), IAE, "train", "NaN"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "label row [1.5, -0.5, 0]", () -> SoftmaxRegression.fit(Y_NOT_DISTRIBUTION,
                0.1), IAE, "train labels", "-0.5"));
        e = "SoftmaxRegression.at";
        cs.add(c(e, Bad.NULL, "null theta", () -> SoftmaxRegression.at(null, K, 0.1), NPE, "theta"));
        cs.add(c(e, Bad.WRONG_WIDTH, "length p-1", () -> SoftmaxRegression.at(SHORT, K, 0.1), IAE, "theta",
                String.valueOf(P - 1)));
        cs.add(c(e, Bad.NAN, "NaN", () -> SoftmaxRegression.at(NAN, K, 0.1), IAE, "theta", "NaN"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "1 class", () -> SoftmaxRegression.at(GOOD, 1, 0.1), IAE, "numClasses", "1"));
        e = "RidgeRegression.fit";
        cs.add(c(e, Bad.NULL, "null", () -> RidgeRegression.fit(null, 0.1, true), NPE, "train"));
        cs.add(c(e, Bad.OUT_OF_RANGE, "l2 -1", () -> RidgeRegression.fit(TRAIN, -1, true), IAE, "l2 (-1.0)"));
        cs.add(c(e, Bad.INFINITE, "+Inf feature", () -> RidgeRegression.fit(X_POS_INF, 0.1, true), IAE, "train",
                "Infinity"));
        cs.add(c(e, Bad.WRONG_WIDTH, "3 target columns", () -> RidgeRegression.fit(TRAIN, 0.1, true), IAE, "train",
                "3"));
        e = "DataSets.subset";
        cs.add(c(e, Bad.OUT_OF_RANGE, "index n", () -> DataSets.subset(TRAIN, new int[] {0, N}), IAE,
                "index " + N, "[0, " + N + ")"));
        cs.add(c(e, Bad.EMPTY, "no indices", () -> DataSets.subset(TRAIN, new int[0]), IAE, "indices is empty"));
        cs.add(c("DataSets.without", Bad.OUT_OF_RANGE, "index -1", () -> DataSets.without(TRAIN, new int[] {-1}), IAE,
                "removed index -1"));
    }

    static double[] withValue(double[] a, int i, double value) {
        double[] c = a.clone();
        c[i] = value;
        return c;
    }

    // ------------------------------------------------------------------------------------------------ the runner

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void badInput_isRejectedWithAMessageNamingIt_andChangesNothing(Case c) throws IOException {
        writeTruncatedFactorFile();
        List<long[]> before = bits();
        Map<String, byte[]> files = files();

        Throwable t = catchThrowable(c.call());

        assertThat(t).as(c.toString()).isInstanceOf(c.type());
        assertThat(t).as(c + ": not a cancellation").isNotInstanceOf(CancellationException.class);
        for (String f : c.fragments()) {
            assertThat(t.getMessage()).as(c + ": message names " + f).contains(f);
        }
        List<long[]> afterBits = bits();
        for (int i = 0; i < before.size(); i++) {
            assertThat(afterBits.get(i)).as(c + ": fixture array " + i + " (bitwise, with its shape)")
                    .containsExactly(before.get(i));
        }
        Map<String, byte[]> after = files();
        assertThat(after.keySet()).as(c + ": files").isEqualTo(files.keySet());
        for (var e : files.entrySet()) {
            assertThat(after.get(e.getKey())).as(c + ": " + e.getKey()).isEqualTo(e.getValue());
        }
    }

    /** A factor file of this curvature cut in half (written once). */
    static synchronized void writeTruncatedFactorFile() throws IOException {
        if (!Files.exists(TRUNCATED)) {
            Path full = DIR.resolve("full.tmp");
            IHVPSolver.kfac().factors(CURVATURE).save(full);
            byte[] b = Files.readAllBytes(full);
            Files.write(TRUNCATED, Arrays.copyOf(b, b.length / 2));
            Files.delete(full);
        }
    }

    @Test
    void theTable_coversEveryBadInputClass_andCountsItsCases() {
        List<Case> all = cases().toList();
        Map<Bad, Integer> perClass = new EnumMap<>(Bad.class);
        for (Case c : all) {
            perClass.merge(c.bad(), 1, Integer::sum);
        }
        assertThat(perClass.keySet()).containsExactlyInAnyOrder(Bad.values());
        assertThat(all.stream().map(Case::toString).distinct().count()).as("case names are unique")
                .isEqualTo(all.size());
        org.slf4j.LoggerFactory.getLogger(MisuseSuiteTest.class).info("core misuse suite: {} cases, {} entry points, "
                + "{}", all.size(), all.stream().map(Case::entry).distinct().count(), perClass);
    }

    @Test
    void floatArrays_areWidened_notRejected() {
        INDArray b = GOOD.castTo(DataType.FLOAT);
        assertThat(EXACT.solve(b).solution().dataType()).isEqualTo(DataType.DOUBLE);
        DataSet floatPoint = new DataSet(TEST.getFeatures().castTo(DataType.FLOAT), TEST.getLabels()
                .castTo(DataType.FLOAT));
        double[] f = EST.influenceOn(floatPoint).toDoubleArray();
        double[] d = EST.influenceOn(new DataSet(floatPoint.getFeatures().castTo(DataType.DOUBLE),
                floatPoint.getLabels().castTo(DataType.DOUBLE))).toDoubleArray();
        assertThat(f).containsExactly(d); // the same DOUBLE values after widening
    }
}
