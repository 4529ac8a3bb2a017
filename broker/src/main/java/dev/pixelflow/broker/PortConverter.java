package dev.pixelflow.broker;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A TCP port option: 1..65535, or 0 for a free port picked at start. picocli names the option in its message. */
public final class PortConverter implements ITypeConverter<Integer> {
    public static final String FORMS = "a port number in 1..65535, or 0 for a free port";

    @Override
    public Integer convert(String value) {
        try {
            int port = Integer.parseInt(value.strip());
            if (port >= 0 && port <= 65_535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below with the valid forms
        }
        throw new TypeConversionException("expected " + FORMS + ", got '" + value + "'");
    }
}
