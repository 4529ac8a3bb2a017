package dev.pixelflow.cli.convert;

import dev.pixelflow.common.config.ConfigException;
import dev.pixelflow.common.config.ConfigSource;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Duration options ({@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}), read as the workers read their variables. */
public final class DurationConverter implements ITypeConverter<Duration> {
    private static final String NAME = "duration";

    @Override
    public Duration convert(String value) {
        try {
            return ConfigSource.parseDuration(NAME, value);
        } catch (ConfigException e) {
            // parseDuration puts a variable's name first; picocli puts the option's name there instead.
            throw new TypeConversionException(e.getMessage().substring(NAME.length() + 2));
        }
    }
}
