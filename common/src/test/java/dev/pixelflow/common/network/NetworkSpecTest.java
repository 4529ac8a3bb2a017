package dev.pixelflow.common.network;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.message.Json;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NetworkSpecTest {
    private static final ImageShape CATS = ImageShape.parse("150x150x3");

    @Test
    void smallVggAt150x150x3BinaryHasTheKerasParameterCount() {
        NetworkSpec spec = NetworkSpec.preset("small-vgg", CATS, 2);

        assertThat(spec.parameterCount()).isEqualTo(3_453_121L);
        assertThat(spec.binary()).isTrue();
        assertThat(spec.outputUnits()).isEqualTo(1);
        // 148 -> 74 -> 72 -> 36 -> 34 -> 17 -> 15 -> 7, as with Keras' VALID padding and floor pooling
        assertThat(spec.layerOutputs().get(7).toString()).isEqualTo("7x7x128");
        assertThat(spec.layerOutputs().get(8).toString()).isEqualTo("6272");
    }

    @Test
    void smallCnnFitsFashionMnistShape() {
        NetworkSpec spec = NetworkSpec.preset("small-cnn", ImageShape.parse("28x28x1"), 10);

        assertThat(spec.outputUnits()).isEqualTo(10);
        // conv 320 + conv 18,496 + dense 1600*128+128 + output 128*10+10
        assertThat(spec.parameterCount()).isEqualTo(320 + 18_496 + 204_928 + 1_290);
    }

    @Test
    void unknownPresetListsTheValidOnes() {
        assertThatThrownBy(() -> NetworkSpec.preset("resnet", CATS, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("resnet")
                .hasMessageContaining("small-cnn")
                .hasMessageContaining("small-vgg");
        assertThat(NetworkSpec.presetNames()).containsExactly("resnet-mini", "resnet-small", "small-cnn", "small-vgg", "vgg-mini");
    }

    @Test
    void tooSmallInputForThePoolsIsAClearError() {
        assertThatThrownBy(() -> NetworkSpec.preset("small-vgg", ImageShape.parse("28x28x1"), 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("small-vgg")
                .hasMessageContaining("28x28x1 is too small")
                .hasMessageContaining("layer 6 (conv 3x3x128 relu) gets 1x1x128");
    }

    @Test
    void theResidualPresetsHaveTheirParameterCountsAndShrinkAsStridesSay() {
        NetworkSpec photos = NetworkSpec.preset("resnet-small", ImageShape.parse("96x96x3"), 2);
        assertThat(photos.parameterCount()).isBetween(2_700_000L, 2_900_000L); // the anchor's ResNet: 2.8 M
        assertThat(photos.layerOutputs().get(0).toString()).isEqualTo("48x48x32");
        assertThat(photos.layerOutputs().get(9).toString()).isEqualTo("6x6x256");
        assertThat(NetworkSpec.preset("resnet-small", ImageShape.parse("150x150x3"), 2).layerOutputs().get(9).toString())
                .isEqualTo("10x10x256");
        NetworkSpec fashion = NetworkSpec.preset("resnet-mini", ImageShape.parse("28x28x1"), 10);
        assertThat(fashion.layerOutputs().get(4).toString()).isEqualTo("7x7x64");
        assertThat(fashion.layerOutputs().get(5).toString()).isEqualTo("64");
    }

    @Test
    void anInputTooSmallForTheDownsamplingIsRefusedWithTheNumbers() {
        assertThatThrownBy(() -> new NetworkSpec(ImageShape.parse("2x2x1"), 2, List.of(
                LayerSpec.residual(4, 2), LayerSpec.residual(4, 2), LayerSpec.residual(4, 2), LayerSpec.gap()), 1))
                .hasMessageContaining("2x2x1 is too small")
                .hasMessageContaining("layer 1 (residual 4 stride 2) gets 1x1x4, smaller than its 2x2 window");
    }

    @Test
    void layerOrderIsChecked() {
        ImageShape shape = ImageShape.parse("16x16x1");
        assertThatThrownBy(() -> new NetworkSpec(shape, 2, List.of(LayerSpec.dense(8, "relu")), 1))
                .hasMessageContaining("needs a flatten or gap layer before it");
        assertThatThrownBy(() -> new NetworkSpec(shape, 2, List.of(LayerSpec.conv(4, 3, "relu")), 1))
                .hasMessageContaining("must contain a flatten or gap layer");
        assertThatThrownBy(() -> new NetworkSpec(shape, 2,
                List.of(LayerSpec.flatten(), LayerSpec.conv(4, 3, "relu")), 1))
                .hasMessageContaining("comes after the network became flat");
        assertThatThrownBy(() -> new NetworkSpec(shape, 2,
                List.of(LayerSpec.gap(), LayerSpec.batchnorm(null)), 1))
                .hasMessageContaining("only dense and dropout layers may follow flatten or gap");
        assertThatThrownBy(() -> new NetworkSpec(shape, 1, List.of(LayerSpec.flatten()), 1))
                .hasMessageContaining("at least 2 classes");
    }

    @Test
    void layerFieldsThatDoNotApplyAreRejected() {
        assertThatThrownBy(() -> new LayerSpec(LayerSpec.Type.CONV, 32, 3, 10, 0, "relu"))
                .hasMessageContaining("conv layer does not take units");
        assertThatThrownBy(() -> LayerSpec.dropout(1.0)).hasMessageContaining("[0, 1)");
        assertThatThrownBy(() -> LayerSpec.dense(8, "softmax")).hasMessageContaining("relu, tanh or linear");
        assertThatThrownBy(() -> new LayerSpec(LayerSpec.Type.MAXPOOL, 0, 2, 0, 0, "relu"))
                .hasMessageContaining("does not take an activation");
        assertThat(LayerSpec.conv(8, 3, " ReLU ").activation()).isEqualTo("relu");
    }

    @Test
    void jsonRoundTripKeepsEverything() throws Exception {
        ObjectMapper json = Json.MAPPER;
        NetworkSpec spec = NetworkSpec.preset("small-vgg", CATS, 3).withSeed(7);

        String text = json.writeValueAsString(spec);
        NetworkSpec back = json.readValue(text, NetworkSpec.class);

        assertThat(back).isEqualTo(spec);
        assertThat(text).contains("\"type\":\"conv\"").contains("\"seed\":7").doesNotContain("parameterCount");
        assertThat(text).contains("{\"type\":\"maxpool\",\"kernel\":2}").contains("{\"type\":\"dropout\",\"rate\":0.5}");
    }

    @Test
    void jsonWithABadLayerFailsWithTheReason() {
        String text = """
                {"input":{"height":28,"width":28,"channels":1},"classes":10,"seed":1,
                 "layers":[{"type":"conv","filters":8,"kernel":3,"activation":"relu"},{"type":"flatten"},
                           {"type":"dropout","rate":1.5}]}""";
        assertThatThrownBy(() -> Json.MAPPER.readValue(text, NetworkSpec.class))
                .hasMessageContaining("dropout rate must be in [0, 1)");
    }

    @Test
    void trainingMemoryEstimateGrowsWithBatchAndCountsTheParameters() {
        NetworkSpec resnet = NetworkSpec.preset("resnet-small", new ImageShape(96, 96, 3), 2);
        long one = resnet.trainingBytes(1);
        long sixtyFour = resnet.trainingBytes(64);
        long parameterBytes = 4L * resnet.parameterCount() * Float.BYTES;
        // Per image: the stem's 48x48x32 activations alone are 73,728 values; the blocks keep several times that.
        assertThat(one - parameterBytes).isGreaterThan(2L * 73_728 * Float.BYTES);
        assertThat(sixtyFour - parameterBytes).isEqualTo(64 * (one - parameterBytes));
        // The trainer at batch 64 holds well under a gigabyte of activations here; the estimate errs high, not absurdly.
        assertThat(sixtyFour).isBetween(500L << 20, 2L << 30);
        assertThatThrownBy(() -> resnet.trainingBytes(0)).hasMessageContaining("batch size must be at least 1");
    }
}
