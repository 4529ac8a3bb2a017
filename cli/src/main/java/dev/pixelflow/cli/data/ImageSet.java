package dev.pixelflow.cli.data;

import dev.pixelflow.imaging.ImageEncoder;
import dev.pixelflow.imaging.ImageEncoder;
import dev.pixelflow.common.image.ImageFormat;
import dev.pixelflow.common.image.ImageProbe;
import dev.pixelflow.common.image.ImageShape;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

/**
 * The images named on a command line: files, folders walked recursively (links followed, loops reported), and
 * IDX image files with their labels file. Items are read lazily so a 60,000-image set never sits in memory.
 * What cannot be used is listed in {@link #skipped()} with the reason, never thrown.
 */
public final class ImageSet {
    /** A path that was passed over, and why. */
    public record Skipped(String path, String reason) {
    }

    private sealed interface Entry permits FileEntry, IdxEntry {
    }

    private record FileEntry(Path file, String label) implements Entry {
    }

    private record IdxEntry(Path source, IdxFiles.Images images, byte[] labels, List<String> classNames, int index) implements Entry {
    }

    private final List<Entry> entries = new ArrayList<>();
    private final List<Skipped> skipped = Collections.synchronizedList(new ArrayList<>());

    private ImageSet() {
    }

    /**
     * @param fixedLabel  label for every file when not null (overrides the rule)
     * @param classNames  names for IDX label indices, or null for the file's defaults
     */
    public static ImageSet scan(List<Path> paths, LabelRule rule, String fixedLabel, List<String> classNames) throws IOException {
        return scan(paths, rule, fixedLabel, classNames, 0);
    }

    /**
     * As {@link #scan(List, LabelRule, String, List)}, keeping only the first {@code limitPerClass} images of each
     * label (0 = all), in the order of the paths given and, within a folder, natural order of file names
     * ({@code cat.2.jpg} before {@code cat.10.jpg}), as the Dogs vs. Cats tutorial picks its subset.
     */
    public static ImageSet scan(List<Path> paths, LabelRule rule, String fixedLabel, List<String> classNames, int limitPerClass)
            throws IOException {
        if (limitPerClass < 0) {
            throw new IllegalArgumentException("--limit-per-class must be positive, got " + limitPerClass);
        }
        ImageSet set = new ImageSet();
        for (Path p : paths) {
            if (!Files.exists(p)) {
                throw new IOException("no such file or folder: " + p);
            }
            if (Files.isDirectory(p)) {
                set.walk(p, rule, fixedLabel);
            } else if (IdxFiles.isImagesFile(p)) {
                set.addIdx(p, classNames);
            } else {
                set.entries.add(new FileEntry(p, fixedLabel != null ? fixedLabel : rule.labelOf(p)));
            }
        }
        if (limitPerClass > 0) {
            set.keepFirstPerClass(limitPerClass);
        }
        return set;
    }

    private void keepFirstPerClass(int limit) {
        Map<String, Integer> taken = new HashMap<>();
        entries.removeIf(e -> taken.merge(String.valueOf(labelOf(e)), 1, Integer::sum) > limit);
    }

    private static String labelOf(Entry e) {
        if (e instanceof FileEntry f) {
            return f.label();
        }
        IdxEntry x = (IdxEntry) e;
        return x.labels() == null ? null : Integer.toString(x.labels()[x.index()] & 0xFF);
    }

    private void walk(Path root, LabelRule rule, String fixedLabel) throws IOException {
        List<Path> files = new ArrayList<>();
        Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) {
                    files.add(file);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                String reason = e instanceof FileSystemLoopException ? "symlink loop"
                        : e instanceof AccessDeniedException ? "permission denied" : "unreadable: " + e.getMessage();
                skipped.add(new Skipped(file.toString(), reason));
                return FileVisitResult.CONTINUE;
            }
        });
        files.sort(Comparator.comparing(Path::toString, NaturalOrder.INSTANCE));
        for (Path f : files) {
            if (IdxFiles.isImagesFile(f)) {
                addIdx(f, null);
            } else if (!f.getFileName().toString().contains("labels-idx1-ubyte")) {
                entries.add(new FileEntry(f, fixedLabel != null ? fixedLabel : rule.labelOf(f)));
            }
        }
    }

    private void addIdx(Path images, List<String> classNames) throws IOException {
        Path labelsFile = IdxFiles.labelsFileFor(images);
        IdxFiles.Images data = IdxFiles.readImages(images);
        byte[] labels = null;
        if (Files.exists(labelsFile)) {
            labels = IdxFiles.readLabels(labelsFile);
            if (labels.length != data.count()) {
                throw new IOException(labelsFile + " has " + labels.length + " labels for " + data.count() + " images");
            }
        } else {
            skipped.add(new Skipped(labelsFile.toString(), "labels file missing: images sent without labels"));
        }
        List<String> names = classNames != null ? classNames : IdxFiles.defaultClassNames(images);
        for (int i = 0; i < data.count(); i++) {
            entries.add(new IdxEntry(images, data, labels, names, i));
        }
    }

    public int size() {
        return entries.size();
    }

    public List<Skipped> skipped() {
        return List.copyOf(skipped);
    }

    /** The i-th image, or null when it turned out unusable (then recorded in {@link #skipped()}). Thread-safe. */
    public LabeledImage get(int i) {
        Entry e = entries.get(i);
        if (e instanceof FileEntry f) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(f.file());
            } catch (IOException ex) {
                skipped.add(new Skipped(f.file().toString(), "unreadable: " + ex.getMessage()));
                return null;
            }
            Optional<ImageFormat> format = ImageProbe.format(bytes);
            if (format.isEmpty()) {
                skipped.add(new Skipped(f.file().toString(), bytes.length == 0 ? "empty file" : "not an image (JPEG, PNG, BMP or GIF)"));
                return null;
            }
            return new LabeledImage(f.file().toString(), bytes, f.label(), -1, format.get().contentType());
        }
        IdxEntry x = (IdxEntry) e;
        byte[] png = ImageEncoder.png(x.images().image(x.index()), new ImageShape(x.images().rows(), x.images().cols(), 1));
        String label = null;
        int index = -1;
        if (x.labels() != null) {
            index = x.labels()[x.index()] & 0xFF;
            if (index >= x.classNames().size()) {
                skipped.add(new Skipped(x.source() + "#" + x.index(), "label " + index + " has no class name"));
                return null;
            }
            label = x.classNames().get(index);
        }
        return new LabeledImage(x.source().getFileName() + "#" + x.index(), png, label, index, ImageFormat.PNG.contentType());
    }
}
