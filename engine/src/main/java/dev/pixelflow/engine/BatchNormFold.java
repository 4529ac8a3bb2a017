package dev.pixelflow.engine;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Objects;

/**
 * A convolution followed by batch normalisation on running statistics, folded into one convolution for answering:
 * {@code gamma (conv(x, W) + b - mean) / sqrt(var + eps) + beta} is {@code conv(x, W s) + (b - mean) s + beta} with
 * {@code s = gamma / sqrt(var + eps)} per output channel. The folded arrays are the graph's constants; {@link #refresh}
 * recomputes them from the trained ones in place, after training changed those and before the next answer.
 *
 * <p>Why: answering then runs one oneDNN convolution (its bias added inside) where it ran a convolution and a pass of
 * batch normalisation over every activation.
 */
final class BatchNormFold {
    private final INDArray weights;
    private final INDArray bias;
    private final INDArray gamma;
    private final INDArray beta;
    private final INDArray runningMean;
    private final INDArray runningVar;
    private final double epsilon;
    private final INDArray foldedWeights;
    private final INDArray foldedBias;

    /**
     * @param weights the convolution's weights, output channels on the last axis (YXIO)
     * @param bias    the convolution's bias, or null when it has none
     */
    BatchNormFold(INDArray weights, INDArray bias, INDArray gamma, INDArray beta, INDArray runningMean,
                  INDArray runningVar, double epsilon) {
        this.weights = Objects.requireNonNull(weights, "weights");
        this.bias = bias;
        this.gamma = Objects.requireNonNull(gamma, "gamma");
        this.beta = Objects.requireNonNull(beta, "beta");
        this.runningMean = Objects.requireNonNull(runningMean, "runningMean");
        this.runningVar = Objects.requireNonNull(runningVar, "runningVar");
        this.epsilon = epsilon;
        long channels = gamma.length();
        if (weights.size(weights.rank() - 1) != channels) {
            throw new IllegalArgumentException("weights of shape " + java.util.Arrays.toString(weights.shape())
                    + " do not end in the batch norm's " + channels + " channels");
        }
        this.foldedWeights = Nd4j.create(DataType.FLOAT, weights.shape(), 'c');
        this.foldedBias = Nd4j.create(DataType.FLOAT, channels);
    }

    /** The folded weights, the same shape as the convolution's. */
    INDArray weights() {
        return foldedWeights;
    }

    /** The folded bias, one value per output channel. */
    INDArray bias() {
        return foldedBias;
    }

    /** Recomputes the folded arrays from the current weights and statistics. */
    void refresh() {
        INDArray std = Transforms.sqrt(runningVar.add(epsilon), false);
        INDArray scale = gamma.div(std);
        Nd4j.getExecutioner().exec(new BroadcastMulOp(weights, scale, foldedWeights, weights.rank() - 1));
        INDArray shifted = bias == null ? runningMean.neg() : bias.sub(runningMean);
        foldedBias.assign(shifted.muli(scale).addi(beta));
        StepArrayPool.closeQuietly(std);
        StepArrayPool.closeQuietly(scale);
        StepArrayPool.closeQuietly(shifted);
    }

    /** Frees the folded arrays (the others belong to the engine). */
    void close() {
        StepArrayPool.closeQuietly(foldedWeights);
        StepArrayPool.closeQuietly(foldedBias);
    }
}
