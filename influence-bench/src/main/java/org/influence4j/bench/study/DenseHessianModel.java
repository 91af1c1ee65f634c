package org.influence4j.bench.study;

import java.util.Objects;

import org.influence4j.hvp.HessianVectorProduct;
import org.influence4j.model.InfluenceModel;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * An {@link InfluenceModel} that answers Hessian-vector products over the training set from a dense Hessian the
 * study has already formed (for its eigenvalues and the exact solver), and delegates everything else. Conjugate
 * gradient and full-batch LiSSA then multiply by a {@code p × p} matrix instead of running the network's R-operator
 * pass (full-batch LiSSA samples the whole training set, so the default
 * {@link InfluenceModel#miniBatchHessian} returns this operator too; smaller batches go to the model) — the same
 * operator up to rounding (the dense matrix is built from those HVPs and symmetrised), so the
 * solvers' iterates, residuals and stop reasons are unchanged while a depth-2000 LiSSA solve on a 253-parameter
 * network drops from seconds to a fraction of one. Only the study uses it; its solve times are therefore those of
 * a dense operator (see docs/reproduction.md).
 */
final class DenseHessianModel implements InfluenceModel {

    private final InfluenceModel model;
    private final DataSet train;
    private final HessianVectorProduct hessian;

    /**
     * @param model   the model; not modified
     * @param train   the training set the Hessian was formed over (matched by identity)
     * @param hessian the dense Hessian of the objective over {@code train}; not modified
     */
    DenseHessianModel(InfluenceModel model, DataSet train, INDArray hessian) {
        this.model = Objects.requireNonNull(model, "model");
        this.train = Objects.requireNonNull(train, "train");
        this.hessian = HessianVectorProduct.ofMatrix(hessian);
        if (this.hessian.dimension() != model.numParameters()) {
            throw new IllegalArgumentException("hessian is " + hessian.rows() + " x " + hessian.columns() + " but the"
                    + " model has " + model.numParameters() + " parameters");
        }
    }

    @Override
    public long numParameters() {
        return model.numParameters();
    }

    @Override
    public INDArray parameters() {
        return model.parameters();
    }

    @Override
    public double objective(DataSet data) {
        return model.objective(data);
    }

    @Override
    public INDArray objectiveGradient(DataSet data) {
        return model.objectiveGradient(data);
    }

    @Override
    public INDArray losses(DataSet data) {
        return model.losses(data);
    }

    @Override
    public INDArray meanLossGradient(DataSet data) {
        return model.meanLossGradient(data);
    }

    @Override
    public INDArray perExampleGradientDots(DataSet data, INDArray v) {
        return model.perExampleGradientDots(data, v);
    }

    @Override
    public INDArray perExampleGradients(DataSet data) {
        return model.perExampleGradients(data);
    }

    @Override
    public HessianVectorProduct hessian(DataSet data) {
        return data == train ? hessian : model.hessian(data);
    }

    @Override
    public String describe() {
        return model.describe() + " with a dense Hessian over the training set";
    }
}
