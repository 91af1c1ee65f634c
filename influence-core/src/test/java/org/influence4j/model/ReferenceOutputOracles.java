package org.influence4j.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link InfluenceModelContractTest.OutputOracle}s of the reference models, written from their definitions in plain
 * loops over {@code parameters()} (not with the models' own code): softmax regression's logits, loss
 * {@code sᵢ·lse(z) − yᵀz} and gradient {@code sᵢ·softmax(z) − y}; ridge regression's predictions, loss {@code ½(z − y)²}
 * and gradient {@code z − y}.
 */
final class ReferenceOutputOracles {

    private ReferenceOutputOracles() {
    }

    /** Softmax regression with {@code k} classes (parameters: {@code W} in 'f' order, then {@code b}). */
    static InfluenceModelContractTest.OutputOracle softmax(int k) {
        return new InfluenceModelContractTest.OutputOracle() {
            @Override
            public INDArray outputs(InfluenceModel m, DataSet data) {
                double[] t = m.parameters().toDoubleVector();
                double[][] x = data.getFeatures().toDoubleMatrix();
                int d = x[0].length;
                double[][] z = new double[x.length][k];
                for (int i = 0; i < x.length; i++) {
                    for (int j = 0; j < k; j++) {
                        z[i][j] = t[d * k + j];
                        for (int a = 0; a < d; a++) {
                            z[i][j] += x[i][a] * t[j * d + a];
                        }
                    }
                }
                return Nd4j.createFromArray(z);
            }

            @Override
            public INDArray losses(INDArray zArray, INDArray labels) {
                double[][] z = zArray.toDoubleMatrix();
                double[][] y = labels.toDoubleMatrix();
                double[] out = new double[z.length];
                for (int i = 0; i < z.length; i++) {
                    double lse = logSumExp(z[i]);
                    for (int j = 0; j < k; j++) {
                        out[i] += y[i][j] * (lse - z[i][j]);
                    }
                }
                return Nd4j.createFromArray(out);
            }

            @Override
            public INDArray lossGradient(INDArray zArray, INDArray labels) {
                double[][] z = zArray.toDoubleMatrix();
                double[][] y = labels.toDoubleMatrix();
                double[][] g = new double[z.length][k];
                for (int i = 0; i < z.length; i++) {
                    double lse = logSumExp(z[i]);
                    double s = 0;
                    for (int j = 0; j < k; j++) {
                        s += y[i][j];
                    }
                    for (int j = 0; j < k; j++) {
                        g[i][j] = s * Math.exp(z[i][j] - lse) - y[i][j];
                    }
                }
                return Nd4j.createFromArray(g);
            }
        };
    }

    /** Ridge regression; {@code intercept} says whether the last parameter is the intercept. */
    static InfluenceModelContractTest.OutputOracle ridge(boolean intercept) {
        return new InfluenceModelContractTest.OutputOracle() {
            @Override
            public INDArray outputs(InfluenceModel m, DataSet data) {
                double[] t = m.parameters().toDoubleVector();
                double[][] x = data.getFeatures().toDoubleMatrix();
                double[][] z = new double[x.length][1];
                for (int i = 0; i < x.length; i++) {
                    z[i][0] = intercept ? t[x[i].length] : 0;
                    for (int a = 0; a < x[i].length; a++) {
                        z[i][0] += x[i][a] * t[a];
                    }
                }
                return Nd4j.createFromArray(z);
            }

            @Override
            public INDArray losses(INDArray z, INDArray labels) {
                INDArray r = z.sub(labels.reshape(z.shape()));
                return r.muli(r).muli(0.5).reshape(z.size(0));
            }

            @Override
            public INDArray lossGradient(INDArray z, INDArray labels) {
                return z.sub(labels.reshape(z.shape()));
            }
        };
    }

    private static double logSumExp(double[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double s = 0;
        for (double v : z) {
            s += Math.exp(v - max);
        }
        return max + Math.log(s);
    }
}
