package dev.pixelflow.cli.data;

import java.nio.file.Path;
import java.util.Locale;

/** How a file's label is found: Kaggle's {@code dog.123.jpg}, ImageFolder's {@code train/dogs/x.jpg}, or not at all. */
public enum LabelRule {
    FILENAME, FOLDER, NONE;

    public static LabelRule parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("expected filename, folder or none, got '" + s + "'");
        }
    }

    /** The label of a file, or null when the rule gives none. */
    public String labelOf(Path file) {
        return switch (this) {
            case FILENAME -> {
                String name = file.getFileName().toString();
                int dot = name.indexOf('.');
                yield dot > 0 ? name.substring(0, dot) : null;
            }
            case FOLDER -> file.getParent() == null || file.getParent().getFileName() == null ? null
                    : file.getParent().getFileName().toString();
            case NONE -> null;
        };
    }
}
