package dev.pixelflow.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The Dogs-vs-Cats photos the benchmarks run on, found without copying them into the repository: walking up
 * from {@code PIXELFLOW_HOME} (the launcher exports the project root) and then from the working directory until
 * a {@value #DOGS_VS_CATS} directory appears.
 */
final class Photos {
    static final String DOGS_VS_CATS = "shared/datasets/dogs-vs-cats";

    /** One photo in memory: its file name, its label from the Kaggle naming rule, and its encoded bytes. */
    record Photo(String name, String label, byte[] bytes) {
        int labelIndex() {
            return label.equals("cat") ? 0 : 1;
        }
    }

    private Photos() {
    }

    static Path dogsVsCats() {
        List<Path> starts = new ArrayList<>();
        String home = System.getenv("PIXELFLOW_HOME");
        if (home != null && !home.isBlank()) {
            starts.add(Path.of(home).toAbsolutePath());
        }
        starts.add(Path.of("").toAbsolutePath());
        for (Path start : starts) {
            Optional<Path> found = findUpwards(start, DOGS_VS_CATS);
            if (found.isPresent()) {
                return found.get();
            }
        }
        throw new IllegalStateException("no " + DOGS_VS_CATS + " directory in " + starts
                + " or any of their parents; the benchmarks need the Dogs-vs-Cats photos there");
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

    /**
     * Up to {@code limit} photos of {@code train} or {@code test}, cats and dogs alternating (the sorted listing
     * has every cat first, and a benchmark on a prefix should still see both classes).
     */
    static List<Photo> load(String split, int limit) {
        Path dir = dogsVsCats().resolve(split);
        List<Path> cats;
        List<Path> dogs;
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> all = s.filter(p -> p.getFileName().toString().endsWith(".jpg")).sorted().toList();
            cats = all.stream().filter(p -> p.getFileName().toString().startsWith("cat.")).toList();
            dogs = all.stream().filter(p -> p.getFileName().toString().startsWith("dog.")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        List<Photo> out = new ArrayList<>();
        for (int i = 0; out.size() < limit && (i < cats.size() || i < dogs.size()); i++) {
            if (i < cats.size()) {
                out.add(read(cats.get(i), "cat"));
            }
            if (i < dogs.size() && out.size() < limit) {
                out.add(read(dogs.get(i), "dog"));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("no cat.*.jpg or dog.*.jpg photos in " + dir);
        }
        return out;
    }

    private static Photo read(Path file, String label) {
        try {
            return new Photo(file.getFileName().toString(), label, Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
