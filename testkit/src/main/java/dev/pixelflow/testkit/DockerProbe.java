package dev.pixelflow.testkit;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

/**
 * Asks Testcontainers whether Docker answers, with a hard time bound: the check can block forever on a
 * half-configured Docker host, and a test JVM must not hang on it.
 */
final class DockerProbe {
    private static final Logger LOG = LoggerFactory.getLogger(DockerProbe.class);
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    private DockerProbe() {
    }

    /**
     * Testcontainers logs a multi-line ERROR when it finds no Docker, which on Docker-less machines would open
     * every module's test output; its discovery logger is muted for the probe (unless configured explicitly)
     * and one INFO line says what happened. {@code -Dpixelflow.testkit.broker=testcontainers} shows the details.
     */
    static boolean dockerAvailable() {
        ch.qos.logback.classic.Logger discovery = unconfiguredLogbackLogger("org.testcontainers.dockerclient");
        if (discovery != null) {
            discovery.setLevel(Level.OFF);
        }
        try {
            boolean available = answers(() -> DockerClientFactory.instance().isDockerAvailable(), TIMEOUT);
            if (!available) {
                LOG.info("No Docker environment found (checked for at most {} s); tests use the in-process Kafka "
                        + "broker (-D{}=testcontainers shows why Docker was not found)",
                        TIMEOUT.toSeconds(), BrokerSelection.MODE_PROPERTY);
            }
            return available;
        } finally {
            if (discovery != null) {
                discovery.setLevel(null);
            }
        }
    }

    private static ch.qos.logback.classic.Logger unconfiguredLogbackLogger(String name) {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            ch.qos.logback.classic.Logger logger = context.getLogger(name);
            return logger.getLevel() == null ? logger : null;
        }
        return null;
    }

    /** Runs {@code check} on a daemon thread; false if it fails, says no, or takes longer than {@code timeout}. */
    static boolean answers(BooleanSupplier check, Duration timeout) {
        ExecutorService executor = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "pixelflow-docker-probe");
            thread.setDaemon(true); // a hung check must not keep the JVM alive
            return thread;
        });
        Future<Boolean> answer = executor.submit(check::getAsBoolean);
        try {
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.debug("Docker check did not answer within {}", timeout);
            answer.cancel(true);
            return false;
        } catch (ExecutionException e) {
            LOG.debug("Docker check failed: {}", e.getCause().toString());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            executor.shutdownNow();
        }
    }
}
