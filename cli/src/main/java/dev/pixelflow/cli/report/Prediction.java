package dev.pixelflow.cli.report;

/**
 * One evaluated image as the report shows it.
 *
 * @param name           where the image came from (file name or request id), shown under the thumbnail
 * @param imageBytes     the encoded image exactly as it was sent for classification
 * @param trueLabel      the label the image really has
 * @param predictedLabel the label the model answered
 * @param confidence     the model's score for {@code predictedLabel}, 0..1
 */
public record Prediction(String name, byte[] imageBytes, String trueLabel, String predictedLabel, double confidence) {
    public Prediction {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("prediction needs a non-blank name");
        }
        if (imageBytes == null || imageBytes.length == 0) {
            throw new IllegalArgumentException("prediction '" + name + "' has no image bytes");
        }
        if (trueLabel == null || trueLabel.isBlank() || predictedLabel == null || predictedLabel.isBlank()) {
            throw new IllegalArgumentException("prediction '" + name + "' needs both a true and a predicted label");
        }
        if (!(confidence >= 0 && confidence <= 1)) {
            throw new IllegalArgumentException("prediction '" + name + "' has confidence " + confidence + ", expected 0..1");
        }
    }

    public boolean correct() {
        return trueLabel.equals(predictedLabel);
    }
}
