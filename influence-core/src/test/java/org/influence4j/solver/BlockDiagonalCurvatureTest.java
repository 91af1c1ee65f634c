package org.influence4j.solver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.testdata.DenseOracle;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link Curvature#blockDiagonal(List)} against the masked matrix formed by hand: products, block-wise inverses
 * (each block's system solved by a dense LU), the cache kept apart from the base's, and the refusals of
 * blocks that are not a partition.
 */
class BlockDiagonalCurvatureTest {

    private static final int P = 12;
    /** Non-contiguous blocks, so that a solver working on index ranges would fail. */
    private static final List<int[]> BLOCKS = List.of(new int[] {0, 3, 5, 7}, new int[] {2, 1},
            new int[] {4, 6, 8, 9, 10, 11});

    private static final SolverFixtures.Problem PROBLEM = SolverFixtures.spd(P, 100, 5);

    /** The problem's matrix with every entry between two blocks set to zero. */
    private static double[][] masked() {
        double[][] h = PROBLEM.matrix().toDoubleMatrix();
        int[] owner = owners();
        for (int i = 0; i < P; i++) {
            for (int j = 0; j < P; j++) {
                if (owner[i] != owner[j]) {
                    h[i][j] = 0;
                }
            }
        }
        return h;
    }

    private static int[] owners() {
        int[] owner = new int[P];
        for (int b = 0; b < BLOCKS.size(); b++) {
            for (int i : BLOCKS.get(b)) {
                owner[i] = b;
            }
        }
        return owner;
    }

    private static double[] times(double[][] a, double[] v) {
        double[] y = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            for (int j = 0; j < v.length; j++) {
                y[i] += a[i][j] * v[j];
            }
        }
        return y;
    }

    /** {@code (A + λI)⁻¹ b} by the project's dense oracle (LU with partial pivoting). */
    private static double[] solve(double[][] a, double lambda, double[] b) {
        return DenseOracle.solve(Nd4j.createFromArray(a), lambda, Nd4j.createFromArray(b)).toDoubleVector();
    }

    private static double rel(double[] x, double[] y) {
        double d = 0;
        double n = 0;
        for (int i = 0; i < x.length; i++) {
            d += (x[i] - y[i]) * (x[i] - y[i]);
            n += y[i] * y[i];
        }
        return Math.sqrt(d / n);
    }

    @Test
    void product_equalsMaskedMatrix_withOneBaseProductPerBlock_andLeavesInputUnmodified() {
        SolverFixtures.Counting counting = new SolverFixtures.Counting(PROBLEM.operator());
        Curvature bd = Curvature.of(counting).blockDiagonal(BLOCKS);
        INDArray v = SolverFixtures.gaussian(P, 7);
        double[] before = SolverFixtures.bits(v);

        INDArray y = bd.hessian().apply(v);

        assertThat(rel(y.toDoubleVector(), times(masked(), v.toDoubleVector()))).isLessThan(1e-14);
        assertThat(counting.products()).isEqualTo(BLOCKS.size());
        assertThat(SolverFixtures.bits(v)).isEqualTo(before);
        assertThat(bd.dimension()).isEqualTo(P);
    }

    @Test
    void contiguousBlocks_inAnyOrder_equalTheMaskedMatrix_forEveryVectorShapeAndType() {
        // ranges of indices, listed out of order: the product works on array views (the layer blocks' case)
        List<int[]> ranges = List.of(new int[] {9, 10, 11}, new int[] {2, 0, 1}, new int[] {3, 4, 5, 6, 7, 8});
        double[][] h = PROBLEM.matrix().toDoubleMatrix();
        double[][] oracle = new double[P][P];
        for (int i = 0; i < P; i++) {
            for (int j = 0; j < P; j++) {
                oracle[i][j] = range(i) == range(j) ? h[i][j] : 0;
            }
        }
        SolverFixtures.Counting counting = new SolverFixtures.Counting(PROBLEM.operator());
        HessianVectorProduct bd = Curvature.of(counting).blockDiagonal(ranges).hessian();
        INDArray v = SolverFixtures.gaussian(P, 21);
        double[] before = SolverFixtures.bits(v);
        double[] expected = times(oracle, v.toDoubleVector());

        INDArray y = bd.apply(v);

        assertThat(y.shape()).containsExactly(P);
        assertThat(rel(y.toDoubleVector(), expected)).isLessThan(1e-14);
        assertThat(counting.products()).isEqualTo(3);
        assertThat(SolverFixtures.bits(v)).isEqualTo(before);
        INDArray row = v.reshape(1, P).dup();
        INDArray column = v.reshape(P, 1).dup();
        assertThat(bd.apply(row).toDoubleVector()).isEqualTo(y.toDoubleVector());
        assertThat(bd.apply(column).toDoubleVector()).isEqualTo(y.toDoubleVector());
        INDArray single = v.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
        assertThat(rel(bd.apply(single).toDoubleVector(), expected)).isLessThan(1e-6);
        // a vector that is zero outside the middle range costs one product
        double[] e = new double[P];
        e[4] = 1;
        e[8] = -3;
        long products = counting.products();
        assertThat(rel(bd.apply(Nd4j.createFromArray(e)).toDoubleVector(), times(oracle, e))).isLessThan(1e-14);
        assertThat(counting.products() - products).isEqualTo(1);
        assertThat(bd.apply(Nd4j.zeros(P)).toDoubleVector()).containsOnly(0.0);
    }

    private static int range(int i) {
        return i < 3 ? 0 : i < 9 ? 1 : 2;
    }

    @Test
    void denseMatrix_ofAnExplicitBase_isTheMaskedMatrix() {
        Curvature bd = Curvature.of(PROBLEM.operator()).blockDiagonal(BLOCKS);
        double[][] dense = bd.hessian().denseMatrix().orElseThrow().toDoubleMatrix();
        assertThat(dense).isDeepEqualTo(masked());
    }

    @Test
    void exactCgAndLissa_solveEachBlockOnItsOwn() {
        double lambda = 0.1;
        INDArray b = SolverFixtures.gaussian(P, 8);
        double[] bb = b.toDoubleVector();
        // oracle: each block's system (H_bb + λI) x_b = b_b on its own
        double[] oracle = new double[P];
        double[][] h = PROBLEM.matrix().toDoubleMatrix();
        for (int[] block : BLOCKS) {
            double[][] sub = new double[block.length][block.length];
            double[] rhs = new double[block.length];
            for (int i = 0; i < block.length; i++) {
                rhs[i] = bb[block[i]];
                for (int j = 0; j < block.length; j++) {
                    sub[i][j] = h[block[i]][block[j]];
                }
            }
            double[] x = solve(sub, lambda, rhs);
            for (int i = 0; i < block.length; i++) {
                oracle[block[i]] = x[i];
            }
        }
        // and it differs from the full solve: the test would not notice a curvature that ignored the blocks
        assertThat(rel(solve(h, lambda, bb), oracle)).isGreaterThan(0.1);

        Curvature bd = Curvature.of(new SolverFixtures.Counting(PROBLEM.operator())).blockDiagonal(BLOCKS);
        double[] exact = IHVPSolver.exact().prepare(bd, lambda).solve(b).solution().toDoubleVector();
        double[] cg = IHVPSolver.conjugateGradient().withTolerance(1e-12).prepare(bd, lambda).solve(b).solution()
                .toDoubleVector();
        SolverResult lissa = IHVPSolver.lissa().withDepth(20_000).withSeed(3).prepare(bd, lambda).solve(b);

        assertThat(rel(exact, oracle)).isLessThan(1e-12 * 100);
        assertThat(rel(cg, oracle)).isLessThan(1e-10);
        assertThat(rel(lissa.solution().toDoubleVector(), oracle)).isLessThan(SolverFixtures.LISSA_RELATIVE_ERROR);
    }

    @Test
    void cache_keepsTheBlockFactorisationApartFromTheBase() {
        double lambda = 0.5;
        INDArray b = SolverFixtures.gaussian(P, 9);
        Curvature base = Curvature.of(new SolverFixtures.Counting(PROBLEM.operator()));
        double[] full = IHVPSolver.exact().prepare(base, lambda).solve(b).solution().toDoubleVector();
        double[] block = IHVPSolver.exact().prepare(base.blockDiagonal(BLOCKS), lambda).solve(b).solution()
                .toDoubleVector();
        double[] fullAgain = IHVPSolver.exact().prepare(base, lambda).solve(b).solution().toDoubleVector();

        assertThat(rel(full, solve(PROBLEM.matrix().toDoubleMatrix(), lambda, b.toDoubleVector()))).isLessThan(1e-10);
        assertThat(rel(block, solve(masked(), lambda, b.toDoubleVector()))).isLessThan(1e-10);
        assertThat(fullAgain).isEqualTo(full);
    }

    @Test
    void twoPartitionsOfOneBase_keepTheirOwnFactorisations() {
        double lambda = 0.5;
        INDArray b = SolverFixtures.gaussian(P, 12);
        Curvature base = Curvature.of(new SolverFixtures.Counting(PROBLEM.operator()));
        List<int[]> halves = List.of(new int[] {0, 1, 2, 3, 4, 5}, new int[] {6, 7, 8, 9, 10, 11});
        double[] first = IHVPSolver.exact().prepare(base.blockDiagonal(BLOCKS), lambda).solve(b).solution()
                .toDoubleVector();
        double[] second = IHVPSolver.exact().prepare(base.blockDiagonal(halves), lambda).solve(b).solution()
                .toDoubleVector();
        double[][] h = PROBLEM.matrix().toDoubleMatrix();
        double[][] halvesMasked = new double[P][P];
        for (int i = 0; i < P; i++) {
            for (int j = 0; j < P; j++) {
                halvesMasked[i][j] = (i < 6) == (j < 6) ? h[i][j] : 0;
            }
        }
        assertThat(rel(first, solve(masked(), lambda, b.toDoubleVector()))).isLessThan(1e-10);
        assertThat(rel(second, solve(halvesMasked, lambda, b.toDoubleVector()))).isLessThan(1e-10);
        // the same blocks in another order and another order within a block are the same partition: same matrix
        List<int[]> reordered = List.of(new int[] {11, 10, 9, 8, 6, 4}, new int[] {1, 2}, new int[] {7, 5, 3, 0});
        double[] again = IHVPSolver.exact().prepare(base.blockDiagonal(reordered), lambda).solve(b).solution()
                .toDoubleVector();
        assertThat(again).isEqualTo(first);
    }

    @Test
    void productOfAVectorOnOneBlock_costsOneBaseProduct() {
        SolverFixtures.Counting counting = new SolverFixtures.Counting(PROBLEM.operator());
        Curvature bd = Curvature.of(counting).blockDiagonal(BLOCKS);
        double[] e = new double[P];
        e[1] = 1;
        e[2] = -2;
        INDArray y = bd.hessian().apply(Nd4j.createFromArray(e));
        assertThat(counting.products()).isEqualTo(1);
        assertThat(rel(y.toDoubleVector(), times(masked(), e))).isLessThan(1e-14);
    }

    @Test
    void miniBatchProducts_useOneBatchForEveryBlock() {
        SolverFixtures.RidgeMiniBatch ridge = SolverFixtures.RidgeMiniBatch.random(40, P, 0.1, 5, 13);
        Curvature bd = Curvature.of(ridge).blockDiagonal(BLOCKS);
        INDArray v = SolverFixtures.gaussian(P, 14);
        int[] owner = owners();
        // oracle: the batch that the same generator state draws, formed densely and masked
        double[][] batch = org.influence4j.hvp.Hvps.toDense(ridge.sampleBatch(new java.util.SplittableRandom(15)))
                .toDoubleMatrix();
        for (int i = 0; i < P; i++) {
            for (int j = 0; j < P; j++) {
                batch[i][j] = owner[i] == owner[j] ? batch[i][j] : 0;
            }
        }
        double[] expected = times(batch, v.toDoubleVector());
        var mb = bd.miniBatches(5);
        double[] sampled = mb.sampleBatch(new java.util.SplittableRandom(15)).apply(v).toDoubleVector();
        double[] applied = mb.applySampled(new java.util.SplittableRandom(15), v).toDoubleVector();
        assertThat(rel(sampled, expected)).isLessThan(1e-13);
        assertThat(applied).isEqualTo(sampled);
        assertThat(mb.batchSize()).isEqualTo(5);
        // damping keeps it a mini-batch operator, each batch damped
        var damped = (org.influence4j.hvp.MiniBatchHessianVectorProduct) mb.damped(0.25);
        double[] dampedBatch = damped.sampleBatch(new java.util.SplittableRandom(15)).apply(v).toDoubleVector();
        double[] vv = v.toDoubleVector();
        for (int i = 0; i < P; i++) {
            expected[i] += 0.25 * vv[i];
        }
        assertThat(rel(dampedBatch, expected)).isLessThan(1e-13);
    }

    @Test
    void oneBlock_isTheBaseCurvature() {
        int[] all = new int[P];
        for (int i = 0; i < P; i++) {
            all[i] = P - 1 - i;
        }
        INDArray v = SolverFixtures.gaussian(P, 10);
        INDArray y = Curvature.of(PROBLEM.operator()).blockDiagonal(List.of(all)).hessian().apply(v);
        assertThat(rel(y.toDoubleVector(), PROBLEM.operator().apply(v).toDoubleVector())).isLessThan(1e-14);
    }

    @Test
    void blocksThatAreNotAPartition_areRefusedWithTheIndex() {
        Curvature c = Curvature.of(PROBLEM.operator());
        int[] rest = {4, 6, 8, 9, 10, 11};
        assertThatThrownBy(() -> c.blockDiagonal(List.of(new int[] {0, 3, 5, 7, 1}, new int[] {2, 1}, rest)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("parameter index 1 is in blocks[0] and blocks[1]").hasMessageContaining("overlap");
        assertThatThrownBy(() -> c.blockDiagonal(List.of(new int[] {0, 3, 5, 7}, new int[] {2}, rest)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("parameter index 1 is in no block");
        assertThatThrownBy(() -> c.blockDiagonal(List.of(new int[] {0, 3, 5, 7, 12}, new int[] {2, 1}, rest)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("blocks[0] contains index 12, outside 0 … 11");
        assertThatThrownBy(() -> c.blockDiagonal(List.of(new int[] {0, 3, 5, 7}, new int[0], new int[] {2, 1},
                rest))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blocks[1] is empty");
        assertThatThrownBy(() -> c.blockDiagonal(List.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("blocks is empty");
    }

    @Test
    void curvatureWithoutLayers_isRefusedWithTheRemedy() {
        Curvature c = Curvature.of(PROBLEM.operator());
        assertThatThrownBy(c::blockDiagonal).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no layer structure").hasMessageContaining("blockDiagonal(List<int[]>)");
    }

    @Test
    void nonFiniteInput_isRefused() {
        HessianVectorProduct h = Curvature.of(PROBLEM.operator()).blockDiagonal(BLOCKS).hessian();
        INDArray v = SolverFixtures.gaussian(P, 11);
        v.putScalar(3, Double.NaN);
        assertThatThrownBy(() -> h.apply(v)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("v");
        assertThatThrownBy(() -> h.apply(Nd4j.zeros(P + 1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("v");
    }
}
