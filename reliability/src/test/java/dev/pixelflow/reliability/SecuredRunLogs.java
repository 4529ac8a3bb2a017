package dev.pixelflow.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import dev.pixelflow.testkit.SecuredTestBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.LoggerFactory;

/**
 * Every log of a secured-cluster test class, for the search for secrets: what this JVM logs (the broker, the test's
 * clients, workers run in-process) with Kafka's loggers at INFO, since their logged settings are what could leak a
 * password, and the log files of the processes it starts, which get the same levels from {@link #processConfig()}.
 */
final class SecuredRunLogs implements AutoCloseable {
    private static final String[] KAFKA_LOGGERS = {"org.apache.kafka", "kafka", "state.change.logger"};

    private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
    private final Map<String, Level> levelsBefore = new HashMap<>();
    private final Path directory;
    private final Path processConfig;

    private SecuredRunLogs(Path directory) throws IOException {
        this.directory = Files.createDirectories(directory);
        this.processConfig = Files.writeString(directory.resolve("logback-secured.xml"), """
                <configuration>
                  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{0} - %msg%n</pattern></encoder>
                  </appender>
                  <logger name="org.apache.kafka" level="INFO"/>
                  <logger name="dev.pixelflow" level="INFO"/>
                  <logger name="org.nd4j" level="WARN"/>
                  <root level="WARN"><appender-ref ref="OUT"/></root>
                </configuration>
                """);
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        captured.setContext(context);
        captured.start();
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(captured);
        for (String name : KAFKA_LOGGERS) {
            Logger logger = context.getLogger(name);
            levelsBefore.put(name, logger.getLevel());
            // Captured at INFO, but not printed: the broker's INFO lines would flood the console.
            logger.setLevel(Level.INFO);
            logger.setAdditive(false);
            logger.addAppender(captured);
        }
    }

    /** Starts capturing this JVM's logs; process logs go to {@code directory}. */
    static SecuredRunLogs capture(Path directory) throws IOException {
        return new SecuredRunLogs(directory);
    }

    /** The directory for the log files of the processes a test starts. */
    Path directory() {
        return directory;
    }

    /** The logback configuration for those processes ({@code -Dlogback.configurationFile=}). */
    Path processConfig() {
        return processConfig;
    }

    /** Every log text so far: each process's file and each event captured in this JVM, with its stack trace. */
    List<String> texts() {
        List<String> texts = new ArrayList<>();
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path f : files.filter(p -> Files.isRegularFile(p) && p.toString().endsWith(".log")).toList()) {
                texts.add(Files.readString(f, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        synchronized (captured) {
            for (ILoggingEvent e : captured.list) {
                texts.add(e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(e.getThrowableProxy())));
            }
        }
        return texts;
    }

    /** No secret, and no JAAS line, in any log; and the logs are there to search (Kafka's hidden values among them). */
    void assertNoneContains(Collection<String> secrets, int atLeast) {
        List<String> texts = texts();
        assertThat(texts).as("logs of the processes and of this JVM (broker included)").hasSizeGreaterThan(atLeast);
        assertThat(String.join("\n", texts)).as("Kafka's client settings are logged, secrets hidden").contains("[hidden]");
        for (String secret : secrets) {
            assertThat(texts).noneMatch(t -> t.contains(secret));
        }
        assertThat(texts).noneMatch(t -> t.contains("ScramLoginModule required username"));
        assertThat(texts).noneMatch(t -> t.contains("PlainLoginModule required username"));
    }

    /** Stops capturing and deletes the directory, as the broker's own files are deleted: nothing of the run is left. */
    /**
     * Closes the class's secured broker, checks that nothing it made is left, then closes the logs (either may be null
     * when the class failed to start).
     */
    static void closeAll(SecuredTestBroker broker, SecuredRunLogs logs) {
        try {
            if (broker != null) {
                Path dir = broker.directory();
                broker.close();
                assertThat(dir).as("everything the secured broker made is deleted").doesNotExist();
            }
        } finally {
            if (logs != null) {
                logs.close();
            }
        }
    }

    @Override
    public void close() {
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + directory, e);
        } finally {
            stopCapturing();
        }
    }

    private void stopCapturing() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(captured);
        for (String name : KAFKA_LOGGERS) {
            Logger logger = context.getLogger(name);
            logger.detachAppender(captured);
            logger.setAdditive(true);
            logger.setLevel(levelsBefore.get(name));
        }
        captured.stop();
    }
}
