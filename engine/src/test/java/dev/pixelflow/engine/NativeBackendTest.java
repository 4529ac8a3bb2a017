package dev.pixelflow.engine;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class NativeBackendTest {
    private static final String EPYC_AVX2 = """
            processor	: 0
            vendor_id	: AuthenticAMD
            model name	: AMD EPYC 7B13
            flags		: fpu vme de pse tsc msr pae sse sse2 ht syscall nx fma cx16 sse4_1 sse4_2 avx f16c avx2 bmi2
            bugs		: sysret_ss_attrs

            processor	: 1
            flags		: fpu vme
            """;
    private static final String XEON_AVX512 = "flags\t\t: sse sse2 avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl\n";

    @Test
    void picksTheBestBuildTheFlagsAllow() {
        assertThat(NativeBackend.selectFromCpuInfo(XEON_AVX512)).isEqualTo("-onednn-avx512");
        assertThat(NativeBackend.selectFromCpuInfo(EPYC_AVX2)).isEqualTo("-onednn-avx2");
        assertThat(NativeBackend.selectFromCpuInfo("flags : sse2 avx\n")).isEqualTo("-onednn");
    }

    @Test
    void partialAvx512OrAvx2WithoutFmaFallsBack() {
        // Knights Landing has avx512f but not bw/dq/vl, which the avx512 build needs.
        assertThat(NativeBackend.selectFromCpuInfo("flags : avx2 fma avx512f avx512cd\n")).isEqualTo("-onednn-avx2");
        assertThat(NativeBackend.selectFromCpuInfo("flags : avx avx2\n")).isEqualTo("-onednn");
    }

    @Test
    void unreadableOrEmptyCpuinfoGivesTheGenericBuild() {
        assertThat(NativeBackend.selectFromCpuInfo("")).isEqualTo("-onednn");
        assertThat(NativeBackend.selectFromCpuInfo(null)).isEqualTo("-onednn");
        assertThat(NativeBackend.selectFromCpuInfo("model name : flagship avx2 fma\n")).isEqualTo("-onednn");
    }

    @Test
    void onlyTheFirstFlagsLineCounts() {
        assertThat(NativeBackend.cpuFlags(EPYC_AVX2)).contains("avx2", "fma").doesNotContain("bugs");
    }

    @Test
    void userValuesAreNormalised() {
        assertThat(NativeBackend.normalise("none", "test")).isEmpty();
        assertThat(NativeBackend.normalise(" onednn-avx2 ", "test")).isEqualTo("-onednn-avx2");
        assertThat(NativeBackend.normalise("-onednn", "test")).isEqualTo("-onednn");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> NativeBackend.normalise("-avx9", "TEST_VAR"))
                .hasMessageContaining("TEST_VAR").hasMessageContaining("-avx9");
    }

    @Test
    void describeNamesTheLoadedBuild() {
        NativeBackend.Choice choice = NativeBackend.configure();
        String text = NativeBackend.describe();

        assertThat(text).contains("requested").contains("loaded").contains("OPENBLAS_CORETYPE");
        String loaded = NativeBackend.loadedExtension();
        if (loaded != null && loaded.startsWith("-onednn")) {
            assertThat(NativeBackend.onednnBuilt()).isTrue();
        }
        if (loaded != null && loaded.equals(choice.extension())) {
            assertThat(text).doesNotContain("WARNING");
        }
    }
}
