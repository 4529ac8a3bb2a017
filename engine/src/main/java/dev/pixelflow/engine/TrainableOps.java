package dev.pixelflow.engine;

import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.imports.converters.DifferentialFunctionClassHolder;
import org.nd4j.imports.converters.ImportClassMapping;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.reflect.Field;
import java.util.Map;

/**
 * Makes SameDiff build and run the engine's own op classes. SameDiff 1.0.0-M2.1 builds the gradient function on a
 * copy of the graph made through FlatBuffers, instantiating each custom op by the native op's hash, or by name when
 * libnd4j has no such op; an op class of ours must therefore be the class registered for its hash or name:
 * {@link TrainingRelu} for libnd4j's custom {@code relu} op (for which M2.1 has no class: its ReLU is a legacy op),
 * {@link TrainingBatchNorm}'s, {@link TrainingConv}'s and {@link TrainingAddRelu}'s ops, {@link AnsweringConv} and
 * {@link Relayout} by their own names. Those run in Java, so SameDiff's sessions must be {@link EngineSession}s.
 */
final class TrainableOps {
    private static boolean installed;

    private TrainableOps() {
    }

    /** Registers the classes and the session, once per JVM; before any graph using them is built. */
    @SuppressWarnings("unchecked")
    static synchronized void install() {
        if (installed) {
            return;
        }
        try {
            Field f = DifferentialFunctionClassHolder.class.getDeclaredField("customOpHashToClass");
            f.setAccessible(true);
            Map<Long, Class<?>> byHash = (Map<Long, Class<?>>) f.get(DifferentialFunctionClassHolder.getInstance());
            var relu = Nd4j.getExecutioner().getCustomOperations().get(TrainingRelu.OP_NAME);
            if (relu == null) {
                throw new IllegalStateException("the native library has no custom relu op");
            }
            byHash.put(relu.getHash(), TrainingRelu.class);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot register the engine's trainable ops with SameDiff " + e, e);
        }
        Map<String, DifferentialFunction> byName = ImportClassMapping.getOpNameMapping();
        byName.put(TrainingBatchNorm.Forward.OP_NAME, new TrainingBatchNorm.Forward());
        byName.put(TrainingBatchNorm.Backward.OP_NAME, new TrainingBatchNorm.Backward());
        byName.put(TrainingConv.Forward.OP_NAME, new TrainingConv.Forward());
        byName.put(TrainingConv.Backward.OP_NAME, new TrainingConv.Backward());
        byName.put(TrainingAddRelu.Forward.OP_NAME, new TrainingAddRelu.Forward());
        byName.put(TrainingAddRelu.Backward.OP_NAME, new TrainingAddRelu.Backward());
        byName.put(AnsweringConv.OP_NAME, new AnsweringConv());
        byName.put(Relayout.OP_NAME, new Relayout());
        SameDiff.bindInferenceFactory(EngineSession::new);
        installed = true;
    }
}
