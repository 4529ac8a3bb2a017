package dev.pixelflow.cli.commands;

import dev.pixelflow.cli.stack.LocalStack;
import dev.pixelflow.cli.stack.StackFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pixelflow down}: stops what {@code up} started, workers first, the broker last. */
@Command(name = "down", mixinStandardHelpOptions = true, description = "Stop the local stack started by 'up'.")
public final class DownCommand implements Callable<Integer> {
    @Option(names = "--dir", description = "the stack's directory (default: .pixelflow/stack)")
    Path dir;

    @Override
    public Integer call() throws Exception {
        Path stackDir = dir != null ? dir : StackFile.defaultDir();
        Optional<StackFile> file = StackFile.read(stackDir);
        if (file.isEmpty()) {
            System.out.println("nothing to stop: no stack was started from " + stackDir);
            return 0;
        }
        List<StackFile.Entry> entries = new ArrayList<>(file.get().services());
        List<ProcessHandle> alive = file.get().alive();
        // Reverse start order: workers finish their batch while the broker is still there.
        List<ProcessHandle> workers = new ArrayList<>();
        List<ProcessHandle> broker = new ArrayList<>();
        for (ProcessHandle p : alive) {
            boolean isBroker = entries.stream().anyMatch(e -> e.pid() == p.pid() && e.name().equals("broker"));
            (isBroker ? broker : workers).add(p);
        }
        LocalStack.stopAll(workers, Duration.ofSeconds(15));
        LocalStack.stopAll(broker, Duration.ofSeconds(20));
        Files.deleteIfExists(stackDir.resolve("stack.json"));
        System.out.printf("stopped %d process(es); data and logs stay in %s%n", alive.size(), stackDir);
        return 0;
    }
}
