package org.influence4j.solver;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Fitted Kronecker factors of a model's curvature, one block per layer, in their eigenbases: what
 * {@link KroneckerSolver} inverts in closed form. Damping-independent (one fit serves every λ), immutable and
 * thread-safe; can be {@link #save saved} and {@link #load loaded}.
 *
 * <h2>The approximation</h2>
 * For a layer with parameters {@code W [outputs, inputs]} (bias last column), inputs {@code aₙₜ} and pre-activation
 * gradients {@code sₙₜ} at positions {@code t = 1…T} of example {@code n} (see {@link LayerBlock}), and the labels of
 * {@link FisherSampling}:
 * <pre>
 *   A = (1/N) Σₙ Σₜ aₙₜ aₙₜᵀ                 [inputs × inputs]     (summed over positions)
 *   G = (1/(N·T)) Σₙ Σₜ E[sₙₜ sₙₜᵀ]          [outputs × outputs]   (averaged over positions)
 *   A = Q_A diag(α) Q_Aᵀ,  G = Q_G diag(γ) Q_Gᵀ
 *   K-FAC:   B ≈ G ⊗ A,  eigenvalues Λ[o, j] = γ_o α_j
 *   EK-FAC:  B ≈ (Q_G ⊗ Q_A) diag(Λ) (Q_G ⊗ Q_A)ᵀ,  Λ[o, j] = (1/N) Σₙ E[(Q_Gᵀ dWₙ Q_A)²[o, j]],  dWₙ = Σₜ sₙₜ aₙₜᵀ
 * </pre>
 * where {@code B} is the block of the Gauss–Newton matrix (for the true Fisher) of the mean training loss for that
 * layer, with {@code W} flattened row-major ({@code (o, j)} at {@code o·inputs + j}). Blocks of different layers are
 * independent (block-diagonal). K-FAC (Martens &amp; Grosse 2015; KFC for convolutions, Grosse &amp; Martens 2016)
 * assumes inputs and gradients independent; EK-FAC (George et al. 2018) keeps K-FAC's eigenbasis and refits the
 * eigenvalues by a second pass, which makes {@code Λ = diag(Q̃ᵀ B Q̃)} exactly (with {@link FisherSampling#EXPECTED}):
 * EK-FAC is the closest matrix to {@code B} that is diagonal in that basis, and {@code trace(EK-FAC) = trace(B)}.
 *
 * <h2>The damped inverse</h2>
 * {@code (B + (λ + κ + δ)I)⁻¹ v} per block, with {@code V} the block of {@code v} as a matrix:
 * {@code Q_G [(Q_Gᵀ V Q_A) ⊘ (Λ + λ + κ + δ)] Q_Aᵀ}, where κ is the regulariser's curvature on the layer's weights
 * ({@link LayerBlock#weightCurvature()}, folded into every direction of the block, the bias included — exact for
 * the weights, and the bias directions gain κ as damping) and δ is the optional heuristic damping
 * {@code factor × mean(Λ)} of the block.
 *
 * <h2>File format</h2>
 * {@link #save} writes big-endian binary ({@link DataOutputStream}): the magic {@code "I4JKFAC"} and a version byte
 * 1; the method ({@code "kfac"}/{@code "ekfac"}), the sampling, the seed, {@code N}, the fingerprint of the model
 * and data they were fitted on ({@link Curvature#fingerprint()}, may be empty); the block count; per block its
 * {@link LayerBlock} fields (name, outputs, inputs, bias, positions, weight curvature, parameter index) followed by
 * {@code α} and {@code Q_A} (row-major), {@code γ} and {@code Q_G}, and {@code Λ} (row-major
 * {@code [outputs, inputs]}).
 */
public final class KroneckerFactors implements java.io.Serializable {

    private static final long serialVersionUID = 1L;

    private static final byte[] MAGIC = "I4JKFAC".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int VERSION = 1;

    /** One layer's factors in their eigenbases. */
    static final class Block implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        final LayerBlock layer;
        final double[] alpha;    // eigenvalues of A, ascending, clipped at 0
        final INDArray qa;       // [in, in], eigenvectors as columns
        final double[] gamma;    // eigenvalues of G
        final INDArray qg;       // [out, out]
        final double[] lambda;   // [out * in] row-major: curvature in the Kronecker eigenbasis

        Block(LayerBlock layer, double[] alpha, INDArray qa, double[] gamma, INDArray qg, double[] lambda) {
            this.layer = layer;
            this.alpha = alpha;
            this.qa = qa;
            this.gamma = gamma;
            this.qg = qg;
            this.lambda = lambda;
        }

        double meanEigenvalue() {
            double s = 0;
            for (double l : lambda) {
                s += l;
            }
            return s / lambda.length;
        }
    }

    private final String method;
    private final FisherSampling sampling;
    private final long seed;
    private final int numExamples;
    private final String fingerprint;
    private final List<Block> blocks;
    private final long dimension;
    private final Duration fitTime;

    KroneckerFactors(String method, FisherSampling sampling, long seed, int numExamples, String fingerprint,
                     List<Block> blocks, Duration fitTime) {
        this.method = method;
        this.sampling = sampling;
        this.seed = seed;
        this.numExamples = numExamples;
        this.fingerprint = fingerprint == null ? "" : fingerprint;
        this.blocks = List.copyOf(blocks);
        long d = 0;
        for (Block b : blocks) {
            d += b.layer.size();
        }
        this.dimension = d;
        this.fitTime = fitTime;
    }

    // ------------------------------------------------------------------------------------------------ fitting

    /**
     * Fits the factors from one pass over {@code statistics} (K-FAC) or two (EK-FAC: factors, then the eigenvalue
     * correction in their eigenbasis).
     *
     * @param statistics  the model's layer statistics over its training data
     * @param eigenvalueCorrection true for EK-FAC, false for K-FAC
     * @param sampling    which labels the gradients are taken for
     * @param seed        seed of sampled labels
     * @param fingerprint identity of the model and data (stored with the factors; may be empty)
     * @throws IllegalArgumentException if the blocks do not cover the parameters exactly once
     */
    static KroneckerFactors fit(LayerStatistics statistics, boolean eigenvalueCorrection, FisherSampling sampling,
                                long seed, String fingerprint) {
        long start = System.nanoTime();
        List<LayerBlock> layers = List.copyOf(statistics.blocks());
        int m = layers.size();
        int n = statistics.numExamples();
        // pass 1: A and G
        // the callbacks are Serializable (they capture only serializable values), so that a distributed
        // LayerStatistics may run them on other machines (see LayerStatistics#aggregate)
        INDArray[][] sums = statistics.aggregate(sampling, seed, (java.util.function.Supplier<INDArray[][]>
                & java.io.Serializable) () -> {
            INDArray[][] z = new INDArray[2][m];
            for (int k = 0; k < m; k++) {
                LayerBlock l = layers.get(k);
                z[0][k] = Nd4j.zeros(DataType.DOUBLE, l.inputs(), l.inputs());
                z[1][k] = Nd4j.zeros(DataType.DOUBLE, l.outputs(), l.outputs());
            }
            return z;
        }, (java.util.function.BiConsumer<INDArray[][], LayerBatch> & java.io.Serializable) (acc, batch) -> {
            checkBatch(layers, batch);
            for (int k = 0; k < m; k++) {
                INDArray a = batch.activations(k);
                Nd4j.gemm(a, a, acc[0][k], true, false, 1.0, 1.0);
                for (int d = 0; d < batch.draws(); d++) {
                    INDArray s = batch.errors(k, d);
                    Nd4j.gemm(s, s, acc[1][k], true, false, 1.0, 1.0);
                }
            }
        }, (java.util.function.BinaryOperator<INDArray[][]> & java.io.Serializable) (x, y) -> {
            for (int k = 0; k < m; k++) {
                x[0][k].addi(y[0][k]);
                x[1][k].addi(y[1][k]);
            }
            return x;
        });
        List<Block> blocks = new ArrayList<>(m);
        for (int k = 0; k < m; k++) {
            LayerBlock l = layers.get(k);
            INDArray a = sums[0][k].divi(n);
            INDArray g = sums[1][k].divi((double) n * l.positions());
            SymmetricEigen.Result ea = eigen(a);
            SymmetricEigen.Result eg = eigen(g);
            double[] alpha = clipped(ea.values());
            double[] gamma = clipped(eg.values());
            double[] lambda = new double[l.size()];
            for (int o = 0; o < l.outputs(); o++) {
                for (int j = 0; j < l.inputs(); j++) {
                    lambda[o * l.inputs() + j] = gamma[o] * alpha[j];
                }
            }
            blocks.add(new Block(l, alpha, ea.vectors(), gamma, eg.vectors(), lambda));
        }
        if (eigenvalueCorrection) {
            // pass 2: Λ = (1/N) Σₙ Σ_draws (Q_Gᵀ dWₙ Q_A)², dWₙ = Σₜ sₙₜ aₙₜᵀ
            List<Block> eigenbases = List.copyOf(blocks);  // an immutable, serializable copy for the callbacks
            double[][] corrected = statistics.aggregate(sampling, seed, (java.util.function.Supplier<double[][]>
                    & java.io.Serializable) () -> {
                double[][] z = new double[m][];
                for (int k = 0; k < m; k++) {
                    z[k] = new double[layers.get(k).size()];
                }
                return z;
            }, (java.util.function.BiConsumer<double[][], LayerBatch> & java.io.Serializable) (acc, batch) -> {
                checkBatch(layers, batch);
                for (int k = 0; k < m; k++) {
                    addCorrection(eigenbases.get(k), batch, k, acc[k]);
                }
            }, (java.util.function.BinaryOperator<double[][]> & java.io.Serializable) (x, y) -> {
                for (int k = 0; k < m; k++) {
                    for (int i = 0; i < x[k].length; i++) {
                        x[k][i] += y[k][i];
                    }
                }
                return x;
            });
            for (int k = 0; k < m; k++) {
                Block b = blocks.get(k);
                double[] lambda = corrected[k];
                for (int i = 0; i < lambda.length; i++) {
                    lambda[i] /= n;
                }
                blocks.set(k, new Block(b.layer, b.alpha, b.qa, b.gamma, b.qg, lambda));
            }
        }
        return new KroneckerFactors(eigenvalueCorrection ? "ekfac" : "kfac", sampling, seed, n, fingerprint, blocks,
                Duration.ofNanos(System.nanoTime() - start));
    }

    private static void checkBatch(List<LayerBlock> layers, LayerBatch batch) {
        if (batch.blocks() != layers.size()) {
            throw new IllegalStateException("a layer batch has " + batch.blocks() + " blocks; the statistics declare "
                    + layers.size());
        }
        for (int k = 0; k < layers.size(); k++) {
            LayerBlock l = layers.get(k);
            long rows = (long) batch.examples() * l.positions();
            INDArray a = batch.activations(k);
            if (a.rows() != rows || a.columns() != l.inputs()) {
                throw new IllegalStateException("block " + l.name() + ": activations of shape "
                        + Arrays.toString(a.shape()) + "; expected [" + rows + ", " + l.inputs() + "]");
            }
            for (int d = 0; d < batch.draws(); d++) {
                INDArray s = batch.errors(k, d);
                if (s.rows() != rows || s.columns() != l.outputs()) {
                    throw new IllegalStateException("block " + l.name() + ": errors of shape "
                            + Arrays.toString(s.shape()) + "; expected [" + rows + ", " + l.outputs() + "]");
                }
            }
        }
    }

    /** Adds {@code Σₙ Σ_draws (Q_Gᵀ dWₙ Q_A)²} of the batch to {@code acc} (row-major [out, in]). */
    private static void addCorrection(Block b, LayerBatch batch, int k, double[] acc) {
        LayerBlock l = b.layer;
        int in = l.inputs();
        int out = l.outputs();
        int t = l.positions();
        int examples = batch.examples();
        INDArray ra = batch.activations(k).mmul(b.qa);                 // [B·T, in]
        INDArray sum = Nd4j.zeros(DataType.DOUBLE, out, in);
        for (int d = 0; d < batch.draws(); d++) {
            INDArray rs = batch.errors(k, d).mmul(b.qg);                // [B·T, out]
            if (t == 1) {
                // (s̃ a̋ᵀ)² = s̃² (ã²)ᵀ per example: one product for the batch
                Nd4j.gemm(rs.mul(rs), ra.mul(ra), sum, true, false, 1.0, 1.0);
            } else {
                INDArray m = Nd4j.create(DataType.DOUBLE, out, in);
                for (int e = 0; e < examples; e++) {
                    INDArray se = rs.get(org.nd4j.linalg.indexing.NDArrayIndex.interval((long) e * t, (long) (e + 1) * t),
                            org.nd4j.linalg.indexing.NDArrayIndex.all());
                    INDArray ae = ra.get(org.nd4j.linalg.indexing.NDArrayIndex.interval((long) e * t, (long) (e + 1) * t),
                            org.nd4j.linalg.indexing.NDArrayIndex.all());
                    Nd4j.gemm(se, ae, m, true, false, 1.0, 0.0);
                    sum.addi(m.muli(m));
                }
            }
        }
        double[] s = sum.data().asDouble();
        for (int i = 0; i < acc.length; i++) {
            acc[i] += s[i];
        }
    }

    private static SymmetricEigen.Result eigen(INDArray symmetric) {
        INDArray m = symmetric.add(symmetric.transpose()).muli(0.5).dup('c');
        return SymmetricEigen.decomposeInPlace(m, ExactSolver.Backend.AUTO);
    }

    /** Eigenvalues with rounding below zero set to zero (the factors are positive semi-definite). */
    private static double[] clipped(INDArray values) {
        double[] v = values.toDoubleVector();
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.max(0, v[i]);
        }
        return v;
    }

    // ------------------------------------------------------------------------------------------------ algebra

    /**
     * {@code y = (B̃ + D)⁻¹ x} per block (or {@code B̃ + D} itself when {@code inverse} is false), with
     * {@code D = λ + κ_k + δ_k} per block.
     */
    double[] apply(double[] x, double damping, double dampingFactor, boolean inverse) {
        double[] y = new double[x.length];
        for (Block b : blocks) {
            LayerBlock l = b.layer;
            int in = l.inputs();
            int out = l.outputs();
            int[] idx = l.index();
            double[] v = new double[idx.length];
            for (int i = 0; i < idx.length; i++) {
                v[i] = x[idx[i]];
            }
            INDArray vm = Nd4j.createFromArray(v).reshape(out, in);
            INDArray r = b.qg.transpose().mmul(vm).mmul(b.qa);           // Q_Gᵀ V Q_A
            double[] rv = r.dup('c').data().asDouble();
            double shift = shift(b, damping, dampingFactor);
            for (int i = 0; i < rv.length; i++) {
                double mu = b.lambda[i] + shift;
                rv[i] = inverse ? rv[i] / mu : rv[i] * mu;
            }
            INDArray back = b.qg.mmul(Nd4j.createFromArray(rv).reshape(out, in)).mmul(b.qa.transpose());
            double[] bv = back.dup('c').data().asDouble();
            for (int i = 0; i < idx.length; i++) {
                y[idx[i]] = bv[i];
            }
        }
        return y;
    }

    /** λ + κ + δ of a block. */
    static double shift(Block b, double damping, double dampingFactor) {
        return damping + b.layer.weightCurvature() + (dampingFactor > 0 ? dampingFactor * b.meanEigenvalue() : 0);
    }

    /** Smallest and largest eigenvalue of the damped operator. */
    double[] spectrum(double damping, double dampingFactor) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Block b : blocks) {
            double shift = shift(b, damping, dampingFactor);
            for (double l : b.lambda) {
                lo = Math.min(lo, l + shift);
                hi = Math.max(hi, l + shift);
            }
        }
        return new double[] {lo, hi};
    }

    List<Block> blockList() {
        return blocks;
    }

    // ------------------------------------------------------------------------------------------------ accessors

    /** {@code "kfac"} or {@code "ekfac"}. */
    public String method() {
        return method;
    }

    /** The labels the factors were fitted with. */
    public FisherSampling sampling() {
        return sampling;
    }

    /** The seed of sampled labels. */
    public long seed() {
        return seed;
    }

    /** The training examples {@code N} the factors average over. */
    public int numExamples() {
        return numExamples;
    }

    /** The fingerprint of the model and data they were fitted on (empty if unknown). */
    public String fingerprint() {
        return fingerprint;
    }

    /** The layers, in order. */
    public List<LayerBlock> blocks() {
        return blocks.stream().map(b -> b.layer).toList();
    }

    /** The number of parameters covered. */
    public long dimension() {
        return dimension;
    }

    /** Wall-clock time of the fit (zero for loaded factors). */
    public Duration fitTime() {
        return fitTime;
    }

    /**
     * The curvature of block {@code k} in its Kronecker eigenbasis: {@code Λ [outputs, inputs]} (undamped), a fresh
     * array.
     */
    public INDArray eigenvalues(int k) {
        Block b = blocks.get(k);
        return Nd4j.createFromArray(b.lambda.clone()).reshape(b.layer.outputs(), b.layer.inputs());
    }

    /**
     * Block {@code k}'s eigenbases {@code {Q_A, Q_G}} (eigenvectors as columns, eigenvalues ascending), fresh arrays:
     * the Kronecker eigenbasis of the block is {@code Q_G ⊗ Q_A} in the block's row-major order.
     */
    public INDArray[] eigenbasis(int k) {
        Block b = blocks.get(k);
        return new INDArray[] {b.qa.dup(), b.qg.dup()};
    }

    /** Block {@code k}'s factors {@code A} and {@code G} reassembled from their eigendecompositions (fresh arrays). */
    public INDArray[] factors(int k) {
        Block b = blocks.get(k);
        INDArray a = b.qa.mulRowVector(Nd4j.createFromArray(b.alpha)).mmul(b.qa.transpose());
        INDArray g = b.qg.mulRowVector(Nd4j.createFromArray(b.gamma)).mmul(b.qg.transpose());
        return new INDArray[] {a, g};
    }

    /**
     * The approximate curvature of block {@code k} as an explicit matrix {@code (Q_G ⊗ Q_A) diag(Λ) (Q_G ⊗ Q_A)ᵀ}
     * ({@code [size, size]} in the block's row-major order; for tests and small layers).
     */
    public INDArray blockMatrix(int k) {
        Block b = blocks.get(k);
        INDArray q = kron(b.qg, b.qa);
        return q.mulRowVector(Nd4j.createFromArray(b.lambda)).mmul(q.transpose());
    }

    private static INDArray kron(INDArray a, INDArray b) {
        long ar = a.rows();
        long br = b.rows();
        INDArray k = Nd4j.create(DataType.DOUBLE, ar * br, ar * br);
        for (long i = 0; i < ar; i++) {
            for (long j = 0; j < ar; j++) {
                k.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(i * br, (i + 1) * br),
                        org.nd4j.linalg.indexing.NDArrayIndex.interval(j * br, (j + 1) * br))
                        .assign(b.mul(a.getDouble(i, j)));
            }
        }
        return k;
    }

    @Override
    public String toString() {
        return "KroneckerFactors[" + method + ", " + sampling + ", N=" + numExamples + ", " + blocks() + "]";
    }

    // ------------------------------------------------------------------------------------------------ persistence

    /**
     * Writes the factors to {@code file} (format in the class comment), atomically: a temporary file in the same
     * directory is moved over {@code file} when complete.
     *
     * @param file target path; its directory must exist
     * @throws UncheckedIOException if writing fails (nothing is left at {@code file} then, beyond what was there)
     */
    public void save(Path file) {
        Objects.requireNonNull(file, "file");
        Path dir = file.toAbsolutePath().getParent();
        try {
            // a unique sibling created like any new file (the umask's permissions, unlike createTempFile's 0600)
            Path tmp = dir.resolve("." + file.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
            try {
                try (OutputStream os = Files.newOutputStream(tmp, java.nio.file.StandardOpenOption.CREATE_NEW,
                        java.nio.file.StandardOpenOption.WRITE);
                     DataOutputStream out = new DataOutputStream(new BufferedOutputStream(os, 1 << 16))) {
                    write(out);
                }
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not write Kronecker factors to " + file + ": " + e.getMessage(), e);
        }
    }

    private void write(DataOutputStream out) throws IOException {
        out.write(MAGIC);
        out.writeByte(VERSION);
        out.writeUTF(method);
        out.writeUTF(sampling.name());
        out.writeLong(seed);
        out.writeInt(numExamples);
        out.writeUTF(fingerprint);
        out.writeInt(blocks.size());
        for (Block b : blocks) {
            LayerBlock l = b.layer;
            out.writeUTF(l.name());
            out.writeInt(l.outputs());
            out.writeInt(l.inputs());
            out.writeBoolean(l.bias());
            out.writeInt(l.positions());
            out.writeDouble(l.weightCurvature());
            for (int i : l.index()) {
                out.writeInt(i);
            }
            writeDoubles(out, b.alpha);
            writeDoubles(out, b.qa.dup('c').data().asDouble());
            writeDoubles(out, b.gamma);
            writeDoubles(out, b.qg.dup('c').data().asDouble());
            writeDoubles(out, b.lambda);
        }
    }

    private static void writeDoubles(DataOutputStream out, double[] v) throws IOException {
        for (double d : v) {
            out.writeDouble(d);
        }
    }

    /**
     * Reads factors written by {@link #save}.
     *
     * @throws IllegalArgumentException if the file does not exist, is a directory, or is not a factor file of this
     *                                  format (the message names the file)
     * @throws UncheckedIOException     if it cannot be read
     */
    public static KroneckerFactors load(Path file) {
        Objects.requireNonNull(file, "file");
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException("factor file " + file + " is a directory; pass a file written by "
                    + "KroneckerFactors.save");
        }
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("factor file " + file + " does not exist; pass a file written by "
                    + "KroneckerFactors.save");
        }
        try (InputStream is = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new BufferedInputStream(is, 1 << 16))) {
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new IllegalArgumentException(file + " is not a Kronecker factor file (it does not start with "
                        + "\"I4JKFAC\"); pass a file written by KroneckerFactors.save");
            }
            int version = in.readUnsignedByte();
            if (version != VERSION) {
                throw new IllegalArgumentException(file + " has factor-file version " + version + "; this library "
                        + "reads version " + VERSION + "; fit the factors again");
            }
            String method = in.readUTF();
            FisherSampling sampling = FisherSampling.valueOf(in.readUTF());
            long seed = in.readLong();
            int n = in.readInt();
            String fingerprint = in.readUTF();
            int m = in.readInt();
            if (m < 0 || m > 1_000_000) {
                throw new IllegalArgumentException(file + " declares " + m + " blocks; the file is damaged");
            }
            List<Block> blocks = new ArrayList<>(m);
            for (int k = 0; k < m; k++) {
                String name = in.readUTF();
                int out = in.readInt();
                int inputs = in.readInt();
                boolean bias = in.readBoolean();
                int positions = in.readInt();
                double kappa = in.readDouble();
                long size = (long) out * inputs;
                if (out < 1 || inputs < 1 || size > Integer.MAX_VALUE / 2) {
                    throw new IllegalArgumentException(file + ": block " + name + " declares " + out + "×" + inputs
                            + "; the file is damaged");
                }
                int[] idx = new int[(int) size];
                for (int i = 0; i < idx.length; i++) {
                    idx[i] = in.readInt();
                }
                LayerBlock layer = new LayerBlock(name, out, inputs, bias, positions, kappa, idx);
                double[] alpha = readDoubles(in, inputs);
                INDArray qa = Nd4j.createFromArray(readDoubles(in, (int) ((long) inputs * inputs))).reshape(inputs, inputs);
                double[] gamma = readDoubles(in, out);
                INDArray qg = Nd4j.createFromArray(readDoubles(in, out * out)).reshape(out, out);
                double[] lambda = readDoubles(in, (int) size);
                blocks.add(new Block(layer, alpha, qa, gamma, qg, lambda));
            }
            if (in.read() != -1) {
                throw new IllegalArgumentException(file + " has bytes after its last block; the file is damaged");
            }
            return new KroneckerFactors(method, sampling, seed, n, fingerprint, blocks, Duration.ZERO);
        } catch (EOFException e) {
            throw new IllegalArgumentException(file + " ends early (truncated factor file); fit the factors again", e);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read Kronecker factors from " + file + ": " + e.getMessage(), e);
        }
    }

    private static double[] readDoubles(DataInputStream in, int count) throws IOException {
        double[] v = new double[count];
        for (int i = 0; i < count; i++) {
            v[i] = in.readDouble();
        }
        return v;
    }

    /**
     * Why these factors cannot serve {@code statistics} with the given settings and fingerprint, or null if they can.
     */
    String mismatch(List<LayerBlock> expected, int n, String method, FisherSampling sampling, long seed,
                    String expectedFingerprint) {
        if (!this.method.equals(method)) {
            return "they are " + this.method + " factors, not " + method;
        }
        if (this.sampling != sampling || this.seed != seed) {
            return "they were fitted with " + this.sampling + " labels (seed " + this.seed + "), not " + sampling
                    + " (seed " + seed + ")";
        }
        if (this.numExamples != n) {
            return "they were fitted on " + this.numExamples + " training examples, not " + n;
        }
        if (!expectedFingerprint.isEmpty() && !this.fingerprint.equals(expectedFingerprint)) {
            return "they were fitted for another network or training data (fingerprint " + this.fingerprint
                    + ", this one " + expectedFingerprint + ")";
        }
        if (!blocks().equals(expected)) {
            return "their layers " + blocks() + " are not the network's " + expected;
        }
        return null;
    }
}
