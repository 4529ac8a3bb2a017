package dev.pixelflow.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BenchArgsTest {

    @Test
    void takesTheBenchAndFlagsInAnyOrder() {
        assertThat(BenchArgs.parse("ingest")).isEqualTo(new BenchArgs("ingest", false, false));
        assertThat(BenchArgs.parse("--json", "train", "--quick")).isEqualTo(new BenchArgs("train", true, true));
        assertThat(BenchArgs.parse("INFER", "--quick")).isEqualTo(new BenchArgs("infer", true, false));
        assertThat(BenchArgs.parse("engine", "--quick", "--quick").quick()).isTrue();
    }

    @Test
    void refusesWhatItCannotRunNamingTheProblem() {
        assertThatThrownBy(BenchArgs::parse).isInstanceOf(BenchArgs.UsageException.class).hasMessageContaining("which benchmark");
        assertThatThrownBy(() -> BenchArgs.parse("--quick")).hasMessageContaining("which benchmark");
        assertThatThrownBy(() -> BenchArgs.parse("training")).hasMessageContaining("unknown benchmark 'training'")
                .hasMessageContaining("ingest, train, infer, engine");
        assertThatThrownBy(() -> BenchArgs.parse("train", "--fast")).hasMessageContaining("Unknown option: '--fast'");
        assertThatThrownBy(() -> BenchArgs.parse("train", "infer")).hasMessageContaining("one benchmark at a time");
    }

    @Test
    void helpIsAskedForByFlagOrByNoArguments() {
        assertThat(BenchArgs.wantsHelp()).isTrue();
        assertThat(BenchArgs.wantsHelp("--help")).isTrue();
        assertThat(BenchArgs.wantsHelp("train", "-h")).isTrue();
        assertThat(BenchArgs.wantsHelp("train", "--quick")).isFalse();
    }
}
