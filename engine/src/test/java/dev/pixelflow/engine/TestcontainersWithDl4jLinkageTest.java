package dev.pixelflow.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.MountableFile;

/**
 * Testcontainers 2.x is compiled against commons-compress 1.28 (generic putArchiveEntry(TarArchiveEntry)) and
 * the newer commons-io/lang3 it pulls in. DL4J drags in old commons-* versions; if Maven mediation picks
 * those, Testcontainers fails at run time with NoSuchMethodError while copying files into a container.
 * This runs that very tar code path without Docker, here with DL4J on the classpath as every worker has it.
 */
class TestcontainersWithDl4jLinkageTest {

    @Test
    void dl4jIsOnThisClasspath() throws ClassNotFoundException {
        assertThat(Class.forName("org.nd4j.autodiff.samediff.SameDiff")).isNotNull();
    }

    @Test
    void testcontainersClassesLoad() throws ClassNotFoundException {
        for (String name : List.of("org.testcontainers.DockerClientFactory", "org.testcontainers.utility.MountableFile",
                "org.testcontainers.kafka.KafkaContainer", "org.testcontainers.images.builder.Transferable")) {
            assertThat(Class.forName(name)).as(name).isNotNull();
        }
    }

    @Test
    void commonsCompressHasTheTypedPutArchiveEntryTestcontainersCalls() throws NoSuchMethodException {
        Method put = TarArchiveOutputStream.class.getMethod("putArchiveEntry", TarArchiveEntry.class);

        assertThat(put.getDeclaringClass()).isEqualTo(TarArchiveOutputStream.class);
    }

    @Test
    void commonsLibrariesAreAtLeastThePinnedVersions() {
        assertAtLeast(TarArchiveOutputStream.class, "1.28.0");
        assertAtLeast(org.apache.commons.io.IOUtils.class, "2.20.0");
        assertAtLeast(org.apache.commons.lang3.StringUtils.class, "3.18.0");
        assertAtLeast(org.apache.commons.codec.binary.Hex.class, "1.19.0");
    }

    @Test
    void testcontainersWritesATarWithThePinnedCommons() throws IOException {
        ByteArrayOutputStream tarBytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(tarBytes)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            Transferable.of("hello container".getBytes(StandardCharsets.UTF_8)).transferTo(tar, "etc/hello.txt");
            MountableFile.forClasspathResource("linkage/probe.txt").transferTo(tar, "probe.txt");
            tar.finish();
        }

        Map<String, String> entries = new LinkedHashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tarBytes.toByteArray()))) {
            for (TarArchiveEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                if (entry.isFile()) {
                    entries.put(entry.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
        }
        assertThat(entries)
                .containsEntry("etc/hello.txt", "hello container")
                .containsEntry("probe.txt", "pixelflow tar probe\n");
    }

    private static void assertAtLeast(Class<?> type, String minimum) {
        String actual = type.getPackage().getImplementationVersion();
        assertThat(actual).as("Implementation-Version of the jar holding %s", type.getName()).isNotNull();
        assertThat(compareVersions(actual, minimum))
                .as("%s comes from version %s, older than the pinned %s", type.getName(), actual, minimum)
                .isGreaterThanOrEqualTo(0);
    }

    private static int compareVersions(String a, String b) {
        String[] left = a.split("[.-]");
        String[] right = b.split("[.-]");
        for (int i = 0; i < Math.max(left.length, right.length); i++) {
            int l = i < left.length ? numeric(left[i]) : 0;
            int r = i < right.length ? numeric(right[i]) : 0;
            if (l != r) {
                return Integer.compare(l, r);
            }
        }
        return 0;
    }

    private static int numeric(String part) {
        return part.chars().allMatch(Character::isDigit) && !part.isEmpty() ? Integer.parseInt(part) : 0;
    }
}
