package dev.pixelflow.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ModelRefTest {
    @Test
    void parsesNameAndPinnedVersion() {
        assertThat(ModelRef.parse("cats-vs-dogs")).isEqualTo(new ModelRef("cats-vs-dogs", null));
        assertThat(ModelRef.parse(" cats-vs-dogs:12 ")).isEqualTo(new ModelRef("cats-vs-dogs", 12));
        assertThat(ModelRef.parse("m:3").pinned()).isTrue();
        assertThat(ModelRef.parse("m").pinned()).isFalse();
        assertThat(ModelRef.parse("m:3")).hasToString("m:3");
    }

    @Test
    void rejectsMalformedReferencesWithTheExpectedForm() {
        for (String bad : new String[] {"", ":3", "m:", "m:x", "m:0", "m:1:2", "a b", "m:-1"}) {
            assertThatThrownBy(() -> ModelRef.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageMatching(".*(NAME|version).*");
        }
    }

    @Test
    void parsesAliases() {
        assertThat(ModelRef.parse("cats@production")).isEqualTo(new ModelRef("cats", null, ModelRef.PRODUCTION));
        assertThat(ModelRef.parse("cats@canary")).hasToString("cats@canary");
        assertThat(ModelRef.parse("cats@canary").pinned()).isFalse();
        assertThatThrownBy(() -> ModelRef.parse("cats@shadow")).hasMessageContaining("@production or @canary");
        assertThatThrownBy(() -> ModelRef.parse("cats@")).hasMessageContaining("NAME@production|canary");
    }
}
