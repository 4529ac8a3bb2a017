package dev.pixelflow.bench;

import dev.pixelflow.common.image.ImageShape;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.RmsProp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The reference network in DL4J's default API, MultiLayerNetwork (NCHW, its im2col convolution path): the
 * "before" column that the SameDiff engine replaced. Same layers, loss and optimizer as the SameDiff engine and
 * the PyTorch script; random inputs, since speed does not depend on the pixel values.
 */
final class MlnReference implements AutoCloseable {
    private final MultiLayerNetwork net;
    private final INDArray[] features;
    private final INDArray[] labels;
    private final int batch;

    MlnReference(ImageShape shape, int batch) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(42)
                .updater(new RmsProp(1e-4, 0.9, 1e-7))
                .weightInit(WeightInit.XAVIER_UNIFORM)
                .convolutionMode(ConvolutionMode.Truncate)
                .list()
                .layer(conv(shape.channels(), 32))
                .layer(pool())
                .layer(conv(32, 64))
                .layer(pool())
                .layer(conv(64, 128))
                .layer(pool())
                .layer(conv(128, 128))
                .layer(pool())
                .layer(new DropoutLayer.Builder(0.5).build())
                .layer(new DenseLayer.Builder().nOut(512).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.XENT).nOut(1).activation(Activation.SIGMOID).build())
                .setInputType(InputType.convolutional(shape.height(), shape.width(), shape.channels()))
                .build();
        this.batch = batch;
        net = new MultiLayerNetwork(conf);
        net.init();
        Nd4j.getRandom().setSeed(42);
        features = new INDArray[4];
        labels = new INDArray[4];
        for (int i = 0; i < features.length; i++) {
            features[i] = Nd4j.rand(DataType.FLOAT, batch, shape.channels(), shape.height(), shape.width());
            float[][] y = new float[batch][1];
            for (int j = 0; j < batch; j++) {
                y[j][0] = (i + j) % 2;
            }
            labels[i] = Nd4j.createFromArray(y);
        }
    }

    private static ConvolutionLayer conv(int in, int out) {
        return new ConvolutionLayer.Builder(3, 3).nIn(in).nOut(out).stride(1, 1).activation(Activation.RELU).build();
    }

    private static SubsamplingLayer pool() {
        return new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build();
    }

    long parameterCount() {
        return net.numParams();
    }

    /** {@code warmup} untimed fit steps, then timed ones until {@code minBatches} and {@code minSeconds}; images/s. */
    double train(int warmup, int minBatches, double minSeconds) {
        return Timed.rate(i -> net.fit(features[i % 4], labels[i % 4]), batch, warmup, minBatches, minSeconds);
    }

    /** {@code warmup} untimed inference calls, then timed ones until {@code minBatches} and {@code minSeconds}; images/s. */
    double infer(int warmup, int minBatches, double minSeconds) {
        return Timed.rate(i -> net.output(features[i % 4], false).close(), batch, warmup, minBatches, minSeconds);
    }

    @Override
    public void close() {
        for (INDArray a : features) {
            a.close();
        }
        for (INDArray a : labels) {
            a.close();
        }
        net.close();
    }
}
