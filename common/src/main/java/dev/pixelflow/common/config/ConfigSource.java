package dev.pixelflow.common.config;

import dev.pixelflow.common.image.ImageShape;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where settings come from: environment variables, overlaid on an optional properties file that uses the
 * same names ({@code KAFKA_BOOTSTRAP_SERVERS=...}), so there is one vocabulary for containers, shells and files.
 * The file is named by {@code PIXELFLOW_CONFIG}. Every typed getter fails with the variable's name and the
 * expected form, so a bad setting stops a worker at start, not an hour into a job.
 */
public final class ConfigSource {
    public static final String CONFIG_FILE_VAR = "PIXELFLOW_CONFIG";
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");

    private final Map<String, String> values;

    private ConfigSource(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    /** Environment plus the file named by {@code PIXELFLOW_CONFIG}; the environment wins. */
    public static ConfigSource fromEnvironment() {
        return of(System.getenv());
    }

    /** For tests and embedding: the given map is the environment. */
    public static ConfigSource of(Map<String, String> env) {
        Map<String, String> merged = new HashMap<>();
        String file = env.get(CONFIG_FILE_VAR);
        if (file != null && !file.isBlank()) {
            merged.putAll(readFile(Path.of(file)));
        }
        env.forEach((k, v) -> {
            if (v != null) {
                merged.put(k, v);
            }
        });
        return new ConfigSource(merged);
    }

    /** A copy with some settings replaced, as command-line flags do. */
    public ConfigSource with(Map<String, String> overrides) {
        Map<String, String> merged = new HashMap<>(values);
        overrides.forEach((k, v) -> {
            if (v != null) {
                merged.put(k, v);
            }
        });
        return new ConfigSource(merged);
    }

    private static Map<String, String> readFile(Path path) {
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(path)) {
            props.load(reader);
        } catch (IOException e) {
            throw new ConfigException(CONFIG_FILE_VAR + ": cannot read properties file " + path + ": " + e.getMessage());
        }
        Map<String, String> out = new HashMap<>();
        props.stringPropertyNames().forEach(k -> out.put(k.trim(), props.getProperty(k).trim()));
        return out;
    }

    public Optional<String> optional(String name) {
        String v = values.get(name);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    public String string(String name, String defaultValue) {
        return optional(name).orElse(defaultValue);
    }

    public String required(String name, String expected) {
        return optional(name).orElseThrow(() -> new ConfigException(name + " is required: expected " + expected));
    }

    public int intIn(String name, int defaultValue, int min, int max) {
        Optional<String> v = optional(name);
        if (v.isEmpty()) {
            return defaultValue;
        }
        try {
            int parsed = Integer.parseInt(v.get());
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException ignored) {
            // reported below with the expected form
        }
        throw new ConfigException(name + ": expected an integer " + min + ".." + max + ", got '" + v.get() + "'");
    }

    public long longIn(String name, long defaultValue, long min, long max) {
        Optional<String> v = optional(name);
        if (v.isEmpty()) {
            return defaultValue;
        }
        try {
            long parsed = Long.parseLong(v.get());
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException ignored) {
            // reported below with the expected form
        }
        throw new ConfigException(name + ": expected an integer " + min + ".." + max + ", got '" + v.get() + "'");
    }

    public double doubleIn(String name, double defaultValue, double min, double max) {
        Optional<String> v = optional(name);
        if (v.isEmpty()) {
            return defaultValue;
        }
        try {
            double parsed = Double.parseDouble(v.get());
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException ignored) {
            // reported below with the expected form
        }
        throw new ConfigException(name + ": expected a number " + min + ".." + max + ", got '" + v.get() + "'");
    }

    public boolean bool(String name, boolean defaultValue) {
        Optional<String> v = optional(name);
        if (v.isEmpty()) {
            return defaultValue;
        }
        return switch (v.get().toLowerCase()) {
            case "true", "yes", "1", "on" -> true;
            case "false", "no", "0", "off" -> false;
            default -> throw new ConfigException(name + ": expected true or false, got '" + v.get() + "'");
        };
    }

    /** Durations as {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}; a bare number is milliseconds. */
    public Duration duration(String name, Duration defaultValue) {
        Optional<String> v = optional(name);
        if (v.isEmpty()) {
            return defaultValue;
        }
        return parseDuration(name, v.get());
    }

    public static Duration parseDuration(String name, String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase());
        if (!m.matches()) {
            throw new ConfigException(name + ": expected a duration like 500ms, 30s, 5m or 1h, got '" + text + "'");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "ms" : m.group(2);
        return switch (unit) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofMillis(n);
        };
    }

    public ImageShape shape(String name, ImageShape defaultValue) {
        Optional<String> v = optional(name);
        if (v.isEmpty()) {
            return defaultValue;
        }
        try {
            return ImageShape.parse(v.get());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(name + ": " + e.getMessage());
        }
    }

    /** All settings whose name starts with the prefix, sorted, for pass-through groups such as KAFKA_*. */
    public Map<String, String> withPrefix(String prefix) {
        Map<String, String> out = new TreeMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(prefix) && v != null && !v.isBlank()) {
                out.put(k, v.trim());
            }
        });
        return out;
    }
}
