package dev.pixelflow.cli.convert;

import dev.pixelflow.cli.data.LabelRule;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code --labels filename|folder|none}, in any case. */
public final class LabelRuleConverter implements ITypeConverter<LabelRule> {
    @Override
    public LabelRule convert(String value) {
        try {
            return LabelRule.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
