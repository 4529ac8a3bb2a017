package dev.pixelflow.engine;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.impl.layers.convolution.BatchNorm;
import org.nd4j.linalg.api.ops.impl.layers.convolution.BatchNormDerivative;
import org.nd4j.linalg.api.ops.impl.reduce.Moments;

import org.nd4j.linalg.api.buffer.DataType;

import java.util.Collections;
import java.util.List;

/**
 * libnd4j's fused batch normalisation, made trainable on batch statistics.
 *
 * <p>SameDiff 1.0.0-M2.1's own {@code BatchNorm.doDiff} throws ("axis must be specified"): SameDiff builds the
 * gradient function on a copy of the graph made through FlatBuffers, the copy's op has lost its Java fields, and the
 * backward op is built from them. This class reads the axis and epsilon from the op's native arguments, which the copy
 * keeps, and {@link TrainableOps#install} makes SameDiff build copies of {@code batchnorm} ops as this class.
 *
 * <p>The native backward op computes the input's gradient for statistics taken from that same batch, the paths
 * through the mean and the variance included; so the gradients it hands on to the mean and variance inputs are zero
 * here: they are already counted, and the ops that computed the statistics must not count them twice.
 */
public final class TrainingBatchNorm extends BatchNorm {
    /** For SameDiff's op registry, which instantiates ops by class when it copies a graph. */
    public TrainingBatchNorm() {
    }

    TrainingBatchNorm(SameDiff sd, SDVariable input, SDVariable mean, SDVariable variance, SDVariable gamma,
                      SDVariable beta, double epsilon, int axis) {
        super(sd, input, mean, variance, gamma, beta, epsilon, new int[]{axis});
    }

    /**
     * The batch's mean and (biased) variance per channel, in one op, as inputs of this op. The backward pass does not
     * differentiate the reductions: the batch-norm backward op already counts the paths through them.
     */
    static SDVariable[] batchMoments(SameDiff sd, SDVariable input, int[] axes) {
        return new BatchMoments(sd, input, axes).outputVariables();
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradients) {
        SDVariable[] in = args(); // input, mean, variance, gamma, beta
        SDVariable[] withGradient = {in[0], in[1], in[2], in[3], in[4], gradients.get(0)};
        long[] ints = iArgs(); // applyGamma, applyBeta, axis...
        int[] axis = new int[ints.length - 2];
        for (int i = 2; i < ints.length; i++) {
            axis[i - 2] = (int) ints[i];
        }
        double epsilon = tArgs()[0];
        SDVariable[] out = new Backward(sameDiff, withGradient, epsilon, axis).outputVariables();
        return List.of(out[0], sameDiff.zerosLike(in[1]), sameDiff.zerosLike(in[2]), out[3], out[4]);
    }

    /** libnd4j's {@code moments}, whose outputs feed only a batch norm's statistics inputs (see {@link #batchMoments}). */
    public static final class BatchMoments extends Moments {
        /** For SameDiff's op registry. */
        public BatchMoments() {
        }

        BatchMoments(SameDiff sd, SDVariable input, int[] axes) {
            super(sd, input, axes, false);
        }

        /**
         * Adds nothing to the input's gradient: the batch norm's backward op gives the input its whole gradient. A
         * zero gradient returned from {@code doDiff} would cost SameDiff a full-size fill and a full-size add per
         * batch norm and step; skipping {@code doDiff} here leaves the input with the batch norm's gradient alone,
         * whichever of the two ops SameDiff differentiates first.
         */
        @Override
        public List<SDVariable> diff(List<SDVariable> gradients) {
            return List.of();
        }
    }

    /**
     * libnd4j's {@code batchnorm_bp}: gradients of input, mean, variance, scale and shift. M2.1's Java class takes its
     * output types from the forward op, which refuses the backward op's six inputs, and declares three outputs where
     * the native op writes five.
     */
    private static final class Backward extends BatchNormDerivative {
        Backward(SameDiff sd, SDVariable[] inputs, double epsilon, int[] axis) {
            super(sd, inputs, null, null, false, true, true, epsilon, axis);
        }

        @Override
        public int getNumOutputs() {
            return 5;
        }

        @Override
        public List<DataType> calculateOutputDataTypes(List<DataType> inputTypes) {
            return Collections.nCopies(inputTypes.size() - 1, inputTypes.get(0));
        }
    }
}
