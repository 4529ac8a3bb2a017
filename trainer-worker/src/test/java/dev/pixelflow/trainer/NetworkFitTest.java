package dev.pixelflow.trainer;

import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.network.NetworkSpec;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NetworkFitTest {
    private final NetworkSpec resnet = NetworkSpec.preset("resnet-small", new ImageShape(150, 150, 3), 2);

    @Test
    void aNetworkThatFitsOrAnUnlimitedEngineIsAccepted() {
        assertThatCode(() -> NetworkFit.check(resnet, 32, 8L << 30)).doesNotThrowAnyException();
        assertThatCode(() -> NetworkFit.check(resnet, 4096, 0)).doesNotThrowAnyException();
    }

    @Test
    void aBatchThatCannotFitIsRefusedWithTheNumbers() {
        assertThatThrownBy(() -> NetworkFit.check(resnet, 4096, 8L << 30))
                .isInstanceOf(JobFailedException.class)
                .hasMessageContaining("network does not fit")
                .hasMessageContaining("150x150x3 at batch 4096")
                .hasMessageContaining("8,192 MiB of native memory")
                .hasMessageContaining("2,795,329 parameters")
                .hasMessageMatching(".*needs about [0-9,]+ MiB.*");
    }
}
