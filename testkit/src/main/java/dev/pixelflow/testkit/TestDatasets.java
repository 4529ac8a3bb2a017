package dev.pixelflow.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the shared image data sets without copying them into the repository: walks up from the working
 * directory (a module dir under Maven, the project root in an IDE) until {@value #DOGS_VS_CATS} exists.
 */
public final class TestDatasets {
    public static final String DOGS_VS_CATS = "shared/datasets/dogs-vs-cats";

    private TestDatasets() {
    }

    /** dogs-vs-cats root (with train/ and test/), or empty if no parent of the working dir has it. */
    public static Optional<Path> findDogsVsCats() {
        return findUpwards(Path.of("").toAbsolutePath(), DOGS_VS_CATS);
    }

    /** Like {@link #findDogsVsCats()}, but fails with a message naming where it looked. */
    public static Path dogsVsCats() {
        return findDogsVsCats().orElseThrow(() -> new IllegalStateException("no " + DOGS_VS_CATS
                + " directory in " + Path.of("").toAbsolutePath() + " or any parent"));
    }

    static Optional<Path> findUpwards(Path start, String relative) {
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(relative);
            if (Files.isDirectory(candidate)) {
                return Optional.of(candidate.normalize());
            }
        }
        return Optional.empty();
    }
}
