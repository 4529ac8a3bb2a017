package dev.pixelflow.cli.stack;

import dev.pixelflow.common.message.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** What {@code up} started, so that {@code down} (from any shell) can stop exactly those processes. */
public record StackFile(String bootstrap, List<Entry> services) {
    /** One process of the stack. */
    public record Entry(String name, long pid, String log, int httpPort) {
    }

    public static Path defaultDir() {
        return LocalStack.home().resolve(".pixelflow").resolve("stack");
    }

    public static Optional<StackFile> read(Path dir) throws IOException {
        Path f = dir.resolve("stack.json");
        return Files.exists(f) ? Optional.of(Json.MAPPER.readValue(f.toFile(), StackFile.class)) : Optional.empty();
    }

    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("stack.json").toFile(), this);
    }

    /** The processes of this stack that are still running (a pid reused by another program is not ours: check the command). */
    public List<ProcessHandle> alive() {
        return services.stream().map(e -> ProcessHandle.of(e.pid())).flatMap(Optional::stream).filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().map(c -> c.contains("pixelflow")).orElse(true)).toList();
    }
}
