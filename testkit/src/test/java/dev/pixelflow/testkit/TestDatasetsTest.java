package dev.pixelflow.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestDatasetsTest {
    @TempDir
    Path root;

    @Test
    void findsTheDatasetInAnAncestorOfTheStartDirectory() throws IOException {
        Path dataset = Files.createDirectories(root.resolve(TestDatasets.DOGS_VS_CATS));
        Path module = Files.createDirectories(root.resolve("project/trainer-worker"));

        assertThat(TestDatasets.findUpwards(module, TestDatasets.DOGS_VS_CATS)).contains(dataset);
        assertThat(TestDatasets.findUpwards(root.resolve("project"), "shared/nope")).isEmpty();
    }
}
