package dev.pixelflow.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

class BrokerArgumentsTest {

    @Test
    void defaultsMatchTheDocumentedCommandLine() {
        BrokerArguments arguments = BrokerArguments.parse(List.of());

        assertThat(arguments).isEqualTo(new BrokerArguments(9092, 9093, Path.of(".pixelflow", "broker"), false));
    }

    @Test
    void acceptsSeparateAndInlineValues() {
        BrokerArguments arguments = BrokerArguments.parse(
                List.of("--port", "19092", "--controller-port=19093", "--data-dir", "/tmp/pf broker"));

        assertThat(arguments).isEqualTo(new BrokerArguments(19092, 19093, Path.of("/tmp/pf broker"), false));
    }

    @Test
    void helpWins() {
        assertThat(BrokerArguments.parse(List.of("--port", "1", "--help")).help()).isTrue();
        assertThat(BrokerArguments.parse(List.of("-h")).help()).isTrue();
    }

    @Test
    void badArgumentsFailWithOneLineNamingTheArgument() {
        assertThatThrownBy(() -> BrokerArguments.parse(List.of("--bogus")))
                .hasMessage("unknown argument '--bogus'");
        assertThatThrownBy(() -> BrokerArguments.parse(List.of("--port")))
                .hasMessage("--port needs a value");
        assertThatThrownBy(() -> BrokerArguments.parse(List.of("--port", "abc")))
                .hasMessage("--port must be a port number in 1..65535, got 'abc'");
        assertThatThrownBy(() -> BrokerArguments.parse(List.of("--controller-port", "0")))
                .hasMessage("--controller-port must be a port number in 1..65535, got '0'");
        assertThatThrownBy(() -> BrokerArguments.parse(List.of("--port", "9093")))
                .hasMessage("--port and --controller-port must differ, both are 9093");
        assertThatThrownBy(() -> BrokerArguments.parse(List.of("--data-dir", " ")))
                .hasMessage("--data-dir must not be empty");
    }
}
