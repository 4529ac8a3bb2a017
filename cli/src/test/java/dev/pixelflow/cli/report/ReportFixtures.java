package dev.pixelflow.cli.report;

import dev.pixelflow.imaging.ImagePreprocessor;
import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.image.PreprocessFingerprint;
import dev.pixelflow.common.message.ClassMetrics;
import dev.pixelflow.common.message.EpochMetrics;
import dev.pixelflow.common.message.ModelVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** A hand-made model version and predictions on real photos of the shared dataset (never copied into the repository). */
final class ReportFixtures {
    private ReportFixtures() {
    }

    /** Walks up from the working directory to the first {@code shared/datasets/dogs-vs-cats}. */
    static Path dataset() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared/datasets/dogs-vs-cats");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no shared/datasets/dogs-vs-cats above " + Path.of("").toAbsolutePath());
    }

    static ModelVersion modelVersion(int epochs) {
        ImageShape shape = new ImageShape(150, 150, 3);
        List<EpochMetrics> history = new ArrayList<>();
        for (int e = 1; e <= epochs; e++) {
            // A plausible learning curve: training keeps improving, validation flattens out.
            double trainAcc = 0.5 + 0.4 * (1 - Math.exp(-e / 4.0));
            double valAcc = 0.5 + 0.3 * (1 - Math.exp(-e / 3.0));
            history.add(new EpochMetrics(e, 0.69 * Math.exp(-e / 6.0), trainAcc, 0.69 * Math.exp(-e / 9.0) + 0.02 * e / epochs,
                    valAcc, Map.of("cat", new ClassMetrics(valAcc, valAcc - 0.02, 400), "dog", new ClassMetrics(valAcc - 0.01, valAcc + 0.01, 400)),
                    150.0, 21.3));
        }
        return new ModelVersion(ModelVersion.SCHEMA_VERSION, "dogs-cats", 3, Instant.parse("2026-11-28T05:00:00Z"), "job-1",
                "samediff", "{\"model\":\"dogs-cats\"}", Map.of(0, 1333L, 1, 1334L, 2, 1333L), epochs, history,
                List.of("cat", "dog"), shape, ImagePreprocessor.fingerprint(shape), "a".repeat(64), 13_800_000L, 27);
    }

    /** The first {@code perClass} cats and dogs of the test folder, in name order (cats first). */
    static List<Path> photos(int perClass) {
        List<Path> out = new ArrayList<>();
        for (String label : List.of("cat", "dog")) {
            try (Stream<Path> files = Files.list(dataset().resolve("test"))) {
                files.filter(p -> p.getFileName().toString().startsWith(label + ".")).sorted().limit(perClass).forEach(out::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    /**
     * Predictions on real photos from a pretend model: every {@code wrongEvery}-th image is answered with the other
     * class, and the confidences spread over 0.5..1 so the grid's order and the bars have something to show.
     */
    static List<Prediction> predictions(List<Path> photos, int wrongEvery) {
        List<Prediction> out = new ArrayList<>();
        for (int i = 0; i < photos.size(); i++) {
            Path photo = photos.get(i);
            String name = photo.getFileName().toString();
            String truth = name.substring(0, name.indexOf('.'));
            boolean wrong = i % wrongEvery == wrongEvery - 1;
            String predicted = wrong ? (truth.equals("cat") ? "dog" : "cat") : truth;
            double confidence = 0.5 + ((i * 37) % 50) / 100.0;
            try {
                out.add(new Prediction(name, Files.readAllBytes(photo), truth, predicted, confidence));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }
}
