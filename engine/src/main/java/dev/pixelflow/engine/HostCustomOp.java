package dev.pixelflow.engine;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.DynamicCustomOp;

/**
 * A custom op that runs in Java ({@link EngineSession}), with all its arguments numeric: SameDiff's graph copies keep
 * those, and M2.1 looks named properties up in libnd4j's op descriptors, which have none for an op of ours.
 */
abstract class HostCustomOp extends DynamicCustomOp implements EngineSession.HostOp {
    HostCustomOp() {
    }

    HostCustomOp(SameDiff sd, SDVariable[] inputs) {
        super(sd, inputs);
    }

    @Override
    public final Map<String, Object> propertiesForFunction() {
        return new HashMap<>();
    }

    @Override
    public final void setPropertiesForFunction(Map<String, Object> properties) {
    }

    /** A host op with one output of the first input's type. */
    abstract static class SingleOutput extends HostCustomOp {
        SingleOutput() {
        }

        SingleOutput(SameDiff sd, SDVariable[] inputs) {
            super(sd, inputs);
        }

        @Override
        public final int getNumOutputs() {
            return 1;
        }

        @Override
        public final List<DataType> calculateOutputDataTypes(List<DataType> inputTypes) {
            return List.of(inputTypes.get(0));
        }
    }
}
