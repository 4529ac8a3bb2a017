package dev.pixelflow.cli.convert;

import dev.pixelflow.common.image.ImageShape;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code HxWxC} options such as {@code --size 150x150x3}; picocli names the option in front of the message. */
public final class ShapeConverter implements ITypeConverter<ImageShape> {
    @Override
    public ImageShape convert(String value) {
        try {
            return ImageShape.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
