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
                List.of("--port", "19092", "--controller-port=19099", "--data-dir", "/tmp/pf broker"));

        assertThat(arguments).isEqualTo(new BrokerArguments(19092, 19099, Path.of("/tmp/pf broker"), false));
    }

    @Test
    void controllerPortFollowsTheClientPortUnlessGiven() {
        assertThat(BrokerArguments.parse(List.of("--port", "19094")).controllerPort()).isEqualTo(19095);
        assertThat(BrokerArguments.parse(List.of("--port", "19094", "--controller-port", "0")).controllerPort()).isZero();
        assertThat(BrokerArguments.parse(List.of("--port", "0")).controllerPort()).isZero();
        assertThatThrownBy(() -> BrokerArguments.parse(List.of("--port", "65535")))
                .hasMessageContaining("give --controller-port");
        assertThat(BrokerArguments.parse(List.of("--port", "65535", "--controller-port", "65534")).controllerPort())
                .isEqualTo(65534);
    }

    @Test
    void helpWins() {
        assertThat(BrokerArguments.parse(List.of("--port", "1", "--help")).help()).isTrue();
        assertThat(BrokerArguments.parse(List.of("-h")).help()).isTrue();
        assertThat(BrokerArguments.usage()).contains("--port", "--controller-port", "--data-dir", "--set");
    }

    @Test
    void badArgumentsFailWithOneLineNamingTheArgument() {
        assertThatThrownBy(() -> BrokerArguments.parse(List.of("--bogus")))
                .hasMessage("Unknown option: '--bogus'");
        assertThatThrownBy(() -> BrokerArguments.parse(List.of("--port")))
                .hasMessageStartingWith("Missing required parameter for option '--port'");
        assertThatThrownBy(() -> BrokerArguments.parse(List.of("--port", "abc")))
                .hasMessage("Invalid value for option '--port': expected a port number in 1..65535, or 0 for a free port,"
                        + " got 'abc'");
        assertThatThrownBy(() -> BrokerArguments.parse(List.of("--controller-port", "70000")))
                .hasMessage("Invalid value for option '--controller-port': expected a port number in 1..65535,"
                        + " or 0 for a free port, got '70000'");
        assertThatThrownBy(() -> BrokerArguments.parse(List.of("--port", "9093", "--controller-port", "9093")))
                .hasMessage("--port and --controller-port must differ, both are 9093");
        assertThatThrownBy(() -> BrokerArguments.parse(List.of("--data-dir", " ")))
                .hasMessage("--data-dir must not be empty");
    }

    @Test
    void aBrokerInAContainerBindsEveryInterfaceAndAdvertisesTheNamesClientsUse() {
        BrokerArguments compose = BrokerArguments.parse(List.of("--listen-address", "0.0.0.0", "--advertised-host", "broker",
                "--external-listener", "9094=localhost:19094"));
        assertThat(compose.clientListeners()).isEqualTo(new ClientListeners("0.0.0.0", "broker", 9094, "localhost:19094"));

        assertThat(BrokerArguments.parse(List.of("--listen-address", "0.0.0.0")).clientListeners())
                .as("0.0.0.0 is no address a client can use; a published port is reached as localhost")
                .isEqualTo(new ClientListeners("0.0.0.0", "localhost", 0, null));
        assertThat(BrokerArguments.parse(List.of()).clientListeners()).isEqualTo(ClientListeners.LOOPBACK);
        assertThat(BrokerArguments.usage()).contains("--listen-address", "--advertised-host", "--external-listener");
    }

    @Test
    void badListenerArgumentsAreNamed() {
        assertThatThrownBy(() -> BrokerArguments.parse(List.of("--external-listener", "9094")))
                .hasMessageContaining("--external-listener must be PORT=HOST:PORT");
        assertThatThrownBy(() -> BrokerArguments.parse(List.of("--external-listener", "9093=localhost:9093")))
                .hasMessage("--external-listener port 9093 must differ from --port and --controller-port");
        assertThatThrownBy(() -> BrokerArguments.parse(List.of("--advertised-host", "broker:9092")))
                .hasMessageContaining("advertisedHost must be a host name");
    }
}
