package dev.pixelflow.common.network;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.message.TrainingRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Layers are written without their zero fields ({"type":"maxpool","kernel":2}); a request with custom layers must
 * still read back. Found by the reliability suite: the trainer refused every request that listed its own layers.
 */
class LayerSpecJsonTest {

    @Test
    void aTrainingRequestWithCustomLayersReadsBackAsWritten() {
        List<LayerSpec> layers = List.of(LayerSpec.conv(4, 3, LayerSpec.RELU), LayerSpec.maxpool(2), LayerSpec.flatten(),
                LayerSpec.dropout(0.25), LayerSpec.dense(8, LayerSpec.RELU));
        TrainingRequest request = new TrainingRequest(TrainingRequest.SCHEMA_VERSION, "job-1", "pets", null, layers,
                new ImageShape(32, 32, 3), null, OptimizerSpec.defaults(), 32, 2, null, 7L, null, Instant.EPOCH);

        byte[] json = TrainingRequest.SERDE.serialize("t", request);

        assertThat(new String(json, StandardCharsets.UTF_8)).contains("{\"type\":\"maxpool\",\"kernel\":2}");
        assertThat(TrainingRequest.SERDE.deserialize("t", json).layers()).isEqualTo(layers);
    }
}
