package dev.pixelflow.engine;

import org.nd4j.imports.converters.DifferentialFunctionClassHolder;
import org.nd4j.linalg.api.ops.impl.layers.convolution.BatchNorm;
import org.nd4j.linalg.api.ops.impl.reduce.Moments;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.reflect.Field;
import java.util.Map;

/**
 * Makes SameDiff build the engine's own op classes when it copies a graph. SameDiff 1.0.0-M2.1 builds the gradient
 * function on a copy of the graph made through FlatBuffers, instantiating each custom op by the native op's hash; an
 * op class of ours whose {@code doDiff} replaces M2.1's must therefore be the class registered for that hash:
 * {@link TrainingBatchNorm} for {@code batchnorm}, {@link TrainingBatchNorm.BatchMoments} for {@code moments} and
 * {@link TrainingRelu} for libnd4j's custom {@code relu} op (for which M2.1 has no class: its ReLU is a legacy op).
 */
final class TrainableOps {
    private static boolean installed;

    private TrainableOps() {
    }

    /** Registers the classes, once per JVM; before any graph using them is built. */
    @SuppressWarnings("unchecked")
    static synchronized void install() {
        if (installed) {
            return;
        }
        try {
            Field f = DifferentialFunctionClassHolder.class.getDeclaredField("customOpHashToClass");
            f.setAccessible(true);
            Map<Long, Class<?>> byHash = (Map<Long, Class<?>>) f.get(DifferentialFunctionClassHolder.getInstance());
            byHash.replaceAll((hash, type) -> type == BatchNorm.class ? TrainingBatchNorm.class
                    : type == Moments.class ? TrainingBatchNorm.BatchMoments.class : type);
            if (!byHash.containsValue(TrainingBatchNorm.class) || !byHash.containsValue(TrainingBatchNorm.BatchMoments.class)) {
                throw new IllegalStateException("SameDiff's op registry has no batchnorm or moments op to replace");
            }
            var relu = Nd4j.getExecutioner().getCustomOperations().get(TrainingRelu.OP_NAME);
            if (relu == null) {
                throw new IllegalStateException("the native library has no custom relu op");
            }
            byHash.put(relu.getHash(), TrainingRelu.class);
            installed = true;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot register the engine's trainable ops with SameDiff " + e, e);
        }
    }
}
