package dev.pixelflow.cli.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TemplateTest {
    private static final Map<String, Template> PARTS = Template.parts("report-parts.html");

    @Test
    void textIsEscapedAndMarkupIsNot() {
        String cell = PARTS.get("column").render(Map.of("name", "<b>&"));
        assertThat(cell).isEqualTo("<th>&lt;b&gt;&amp;</th>");
        String row = PARTS.get("matrix-row").render(Map.of("label", "cat", "cells", cell, "support", "3"));
        assertThat(row).isEqualTo("<tr><th>cat</th><th>&lt;b&gt;&amp;</th><td class=\"total\">3</td></tr>");
    }

    @Test
    void partsRunToTheNextMarkerWithoutTheirLastNewline() {
        assertThat(PARTS.get("footer-job").render(Map.of("job", "j1"))).isEqualTo(" · training job j1");
        assertThat(PARTS.get("tile-no-picture").render(Map.of())).isEqualTo("<div class=\"noimg\">cannot display this format</div>");
    }

    @Test
    void aMissingOrAnUnusedValueIsAnError() {
        Template chip = PARTS.get("chip");
        assertThatThrownBy(() -> chip.render(Map.of("key", "k"))).hasMessageContaining("no value for {{value}}");
        assertThatThrownBy(() -> chip.render(Map.of("key", "k", "value", "v", "extra", "x")))
                .hasMessageContaining("no placeholder for [extra]");
    }
}
