package dev.pixelflow.cli.commands;

import dev.pixelflow.cli.stack.LocalStack;
import dev.pixelflow.cli.stack.StackFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pixelflow up}: the local stack (embedded broker and three workers) in the background. */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Start the local stack in the background: embedded broker on 127.0.0.1 and the three workers.")
public final class UpCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "9092", description = "broker port (default ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--dir", description = "state, data and logs (default: .pixelflow/stack)")
    Path dir;

    @Override
    public Integer call() throws Exception {
        Path stackDir = dir != null ? dir : StackFile.defaultDir();
        var existing = StackFile.read(stackDir);
        if (existing.isPresent() && !existing.get().alive().isEmpty()) {
            throw new IllegalStateException("the stack is already up (bootstrap " + existing.get().bootstrap()
                    + "); stop it with: bin/pixelflow down");
        }
        LocalStack stack = new LocalStack(stackDir);
        List<StackFile.Entry> entries = new ArrayList<>();
        try {
            System.out.printf("starting the broker on 127.0.0.1:%d ...%n", port);
            String bootstrap = stack.startBroker(port, stackDir.resolve("broker"), Duration.ofSeconds(90));
            Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", bootstrap,
                    "PIXELFLOW_STATE_DIR", stackDir.resolve("trainer").toAbsolutePath().toString());
            for (String role : List.of("ingest", "trainer", "inference")) {
                System.out.printf("starting the %s worker ...%n", role);
                stack.startWorker(role, env, Duration.ofSeconds(120));
            }
            for (LocalStack.Service s : stack.services()) {
                entries.add(new StackFile.Entry(s.name(), s.process().pid(), s.log().toString(), s.httpPort()));
            }
            new StackFile(bootstrap, entries).write(stackDir);
            System.out.printf("%npixelflow is up: bootstrap %s, logs in %s%n", bootstrap, stackDir.resolve("logs"));
            for (LocalStack.Service s : stack.services()) {
                System.out.printf("  %-10s pid %-8d %s%n", s.name(), s.process().pid(),
                        s.httpPort() > 0 ? "http://127.0.0.1:" + s.httpPort() + "/metrics" : "");
            }
            System.out.println("""

                    use it from any shell:
                      bin/pixelflow ingest ../shared/datasets/dogs-vs-cats/train --size 150x150x3
                      bin/pixelflow train --model dogs-cats --size 150x150x3 --epochs 10
                      bin/pixelflow models
                      bin/pixelflow classify ../shared/datasets/dogs-vs-cats/test/cat.2000.jpg
                      bin/pixelflow eval ../shared/datasets/dogs-vs-cats/test
                      kcat -b 127.0.0.1:%d -L
                    stop it with: bin/pixelflow down""".formatted(port));
            return 0;
        } catch (Exception e) {
            stack.close();
            throw e;
        }
    }
}
