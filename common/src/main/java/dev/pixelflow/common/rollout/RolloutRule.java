package dev.pixelflow.common.rollout;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Whether a newly published version of a model becomes its production version: always ({@code newest}, what a
 * name that never had a rule does), only when its validation accuracy beats production's by the margin
 * ({@code better}), or never on its own ({@code manual}).
 */
public enum RolloutRule {
    NEWEST, BETTER, MANUAL;

    @JsonValue
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static RolloutRule parse(String text) {
        for (RolloutRule r : values()) {
            if (r.word().equals(text == null ? "" : text.trim().toLowerCase(Locale.ROOT))) {
                return r;
            }
        }
        throw new IllegalArgumentException("rule must be one of " + Arrays.stream(values()).map(RolloutRule::word)
                .collect(Collectors.joining(", ")) + ", got '" + text + "'");
    }
}
