package dev.pixelflow.common.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pixelflow.common.image.AugmentSettings;
import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.message.Json;
import dev.pixelflow.common.message.TrainingRequest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecipeTest {

    @Test
    void theTutorialRecipeIsTheReferenceExactly() {
        Recipe tutorial = Recipe.named("tutorial");
        assertThat(tutorial.preset()).isEqualTo("small-vgg");
        assertThat(tutorial.input()).isEqualTo(new ImageShape(150, 150, 3));
        assertThat(tutorial.optimizer()).isEqualTo(new OptimizerSpec("rmsprop", 1e-4));
        assertThat(tutorial.batchSize()).isEqualTo(32);
        assertThat(tutorial.epochs()).isEqualTo(64);
        assertThat(tutorial.augmentation()).isEqualTo(AugmentSettings.defaults());
        assertThat(tutorial.tta()).isFalse();
    }

    @Test
    void everyRecipeListsItsInputSizeOnOneLine() {
        assertThat(Recipe.all()).extracting(Recipe::name)
                .containsExactly("tutorial", "photos-1h", "photos-3h", "fashion-mnist");
        for (Recipe r : Recipe.all()) {
            assertThat(r.describe()).doesNotContain("\n").contains(r.name()).contains(r.input().toString());
        }
    }

    @Test
    void aRecipeWithFlipTtaMustTrainOnMirroredImages() {
        Recipe photos = Recipe.named("photos-1h");
        assertThatThrownBy(() -> new Recipe("mirror", "x", photos.preset(), photos.input(), null, null, photos.optimizer(),
                photos.batchSize(), photos.epochs(), AugmentSettings.none(), true))
                .hasMessageContaining("recipe mirror answers with flip TTA but never trains on mirrored images");
        assertThat(Recipe.all()).allMatch(r -> !r.tta() || r.augmentation().horizontalFlip());
    }

    @Test
    void anUnknownRecipeIsRefusedWithTheValidOnes() {
        assertThatThrownBy(() -> Recipe.named("photos-2h"))
                .hasMessageContaining("unknown recipe 'photos-2h'")
                .hasMessageContaining("tutorial, photos-1h, photos-3h, fashion-mnist");
    }

    @Test
    void aRequestWithTheNewFieldsReadsBackAndAnOldOneReadsWithDefaults() throws Exception {
        String old = "{\"schemaVersion\":1,\"jobId\":\"j\",\"model\":\"m\",\"preset\":\"small-cnn\",\"inputShape\":\"28x28x1\","
                + "\"optimizer\":{\"name\":\"adam\",\"learningRate\":0.001},\"batchSize\":32,\"epochs\":3,"
                + "\"augmentation\":{\"rotationDeg\":0.0,\"widthShift\":0.0,\"heightShift\":0.0,\"shearDeg\":0.0,"
                + "\"zoom\":0.0,\"horizontalFlip\":false,\"fill\":\"NEAREST\"},\"seed\":42}";
        TrainingRequest fromOld = Json.MAPPER.readValue(old, TrainingRequest.class);
        assertThat(fromOld.tta()).isFalse();
        assertThat(fromOld.augmentation()).isEqualTo(AugmentSettings.none());
        assertThat(fromOld.optimizer()).isEqualTo(new OptimizerSpec("adam", 1e-3));

        Recipe photos = Recipe.named("photos-1h");
        TrainingRequest modern = new TrainingRequest(1, "j", "m", photos.preset(), null, photos.input(), null,
                photos.optimizer(), photos.batchSize(), photos.epochs(), photos.augmentation(), 7, null, null, null, true,
                photos.trainSize());
        TrainingRequest back = Json.MAPPER.readValue(Json.MAPPER.writeValueAsString(modern), TrainingRequest.class);
        assertThat(back).isEqualTo(modern);
        assertThat(back.tta()).isTrue();
        assertThat(back.trainingShape()).isEqualTo(new ImageShape(112, 112, 3));
        assertThat(fromOld.trainingShape()).isEqualTo(fromOld.inputShape());
    }

    @Test
    void aRecipeMayTrainOnSmallerCropsOnlyOfANetworkEndingInPooling() {
        Recipe photos = Recipe.named("photos-1h");
        assertThat(photos.describe()).contains("128x128x3").contains("trained on crops growing from 72x72x3 to 112x112x3");
        assertThat(Recipe.named("photos-3h").describe()).contains("128x128x3").contains("trained on crops growing from 72x72x3 to 112x112x3");
        assertThatThrownBy(() -> new Recipe("flat", "x", "small-vgg", new ImageShape(150, 150, 3), new ImageShape(128, 128, 3),
                null, photos.optimizer(), 32, 1, AugmentSettings.defaults(), false))
                .hasMessageContaining("takes only 150x150x3 images");
        assertThatThrownBy(() -> new Recipe("big", "x", photos.preset(), photos.input(), new ImageShape(136, 136, 3),
                null, photos.optimizer(), 32, 1, photos.augmentation(), false))
                .hasMessageContaining("the crops must be smaller");
        assertThatThrownBy(() -> new TrainingRequest(1, "j", "m", photos.preset(), null, photos.input(), null,
                photos.optimizer(), 64, 1, photos.augmentation(), 7, null, null, null, true, new ImageShape(96, 96, 1)))
                .hasMessageContaining("field 'trainSize' (96x96x1) must fit inside 'inputShape' (128x128x3)");
    }

    @Test
    void growingCropsStartAtTheFirstSizeAndReachTheLastByThreeQuartersOfTheEpochs() throws Exception {
        Recipe photos = Recipe.named("photos-1h");
        TrainingRequest growing = new TrainingRequest(1, "j", "m", photos.preset(), null, photos.input(), null,
                photos.optimizer(), 64, 40, photos.augmentation(), 7, null, null, null, true, new ImageShape(96, 96, 3),
                new ImageShape(64, 64, 3));
        List<Integer> sides = new ArrayList<>();
        for (int epoch = 1; epoch <= 40; epoch++) {
            ImageShape at = growing.trainingShapeAt(epoch);
            assertThat(at.width()).isEqualTo(at.height());
            assertThat(at.channels()).isEqualTo(3);
            sides.add(at.height());
        }
        assertThat(sides.get(0)).isEqualTo(64);
        assertThat(sides).isSorted().allMatch(side -> side % 8 == 0);
        assertThat(sides.subList(29, 40)).containsOnly(96); // epoch 30 = three quarters of 40
        assertThat(sides.get(28)).isLessThan(96);
        assertThat(sides).containsSubsequence(64, 72, 80, 88, 96);
        // A function of the epoch alone: a resumed job trains each epoch at the same size. It survives the topic.
        TrainingRequest back = Json.MAPPER.readValue(Json.MAPPER.writeValueAsString(growing), TrainingRequest.class);
        assertThat(back).isEqualTo(growing);
        assertThat(back.trainingShapeAt(17)).isEqualTo(growing.trainingShapeAt(17));
        assertThat(growing.trainingShape()).isEqualTo(new ImageShape(96, 96, 3));
    }

    @Test
    void cropsThatDoNotGrowTrainEveryEpochAtOneSize() {
        Recipe photos = Recipe.named("photos-1h");
        TrainingRequest fixed = new TrainingRequest(1, "j", "m", photos.preset(), null, photos.input(), null,
                photos.optimizer(), 64, 3, photos.augmentation(), 7, null, null, null, true, new ImageShape(96, 96, 3));
        assertThat(List.of(fixed.trainingShapeAt(1), fixed.trainingShapeAt(3))).containsOnly(new ImageShape(96, 96, 3));
        TrainingRequest single = new TrainingRequest(1, "j", "m", photos.preset(), null, photos.input(), null,
                photos.optimizer(), 64, 1, photos.augmentation(), 7, null, null, null, true, null,
                new ImageShape(64, 64, 3));
        assertThat(single.trainingShapeAt(1)).isEqualTo(photos.input()); // one epoch: the final size at once
    }

    @Test
    void growingCropsMustStartSmallerThanTheyEndAndFitTheNetwork() {
        Recipe photos = Recipe.named("photos-1h");
        assertThatThrownBy(() -> new TrainingRequest(1, "j", "m", photos.preset(), null, photos.input(), null,
                photos.optimizer(), 64, 4, photos.augmentation(), 7, null, null, null, true, new ImageShape(96, 96, 3),
                new ImageShape(104, 104, 3)))
                .hasMessageContaining("field 'trainSizeFrom' (104x104x3) must fit inside the size the crops grow to (96x96x3)");
        Recipe growing = new Recipe("grow", "x", photos.preset(), photos.input(), new ImageShape(96, 96, 3),
                new ImageShape(64, 64, 3), photos.optimizer(), 64, 40, photos.augmentation(), true);
        assertThat(growing.describe()).contains("trained on crops growing from 64x64x3 to 96x96x3");
        assertThatThrownBy(() -> new Recipe("tiny", "x", photos.preset(), photos.input(), null, new ImageShape(8, 8, 3),
                photos.optimizer(), 64, 40, photos.augmentation(), true))
                .hasMessageContaining("too small");
        assertThatThrownBy(() -> new Recipe("flat", "x", "small-vgg", new ImageShape(150, 150, 3), null,
                new ImageShape(128, 128, 3), photos.optimizer(), 32, 1, AugmentSettings.defaults(), false))
                .hasMessageContaining("takes only 150x150x3 images");
    }
}
