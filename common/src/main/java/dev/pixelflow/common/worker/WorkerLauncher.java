package dev.pixelflow.common.worker;

import dev.pixelflow.common.kafka.ListenerMismatchException;
import dev.pixelflow.common.acl.AccessDenied;
import dev.pixelflow.common.acl.Role;
import dev.pixelflow.common.acl.RoleRights;
import dev.pixelflow.common.config.ConfigException;
import dev.pixelflow.common.config.ConfigSource;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The main() of every worker: read and validate settings, serve /health and /metrics, start the worker, stop
 * it on SIGTERM within the shutdown timeout. Exit codes: 0 stopped, 1 failed, 2 bad configuration, which includes
 * a cluster that refuses the worker's login or one of its rights: a restart cannot help, an operator must act.
 */
public final class WorkerLauncher {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerLauncher.class);
    /** How long a stop waits, beyond the worker's shutdown timeout, for main() to log its end and close HTTP. */
    private static final Duration MAIN_EXIT_GRACE = Duration.ofSeconds(5);

    private WorkerLauncher() {
    }

    public static void run(String role, int defaultHttpPort, Function<WorkerContext, Worker> factory) {
        System.exit(launch(role, defaultHttpPort, ConfigSource.fromEnvironment(), factory));
    }

    /** The one line for a worker of {@code context} failing with {@code error}, if the cluster refused it. */
    public static Optional<String> refusal(WorkerContext context, Throwable error) {
        return AccessDenied.describe(error, context.kafka(), RoleRights.from(context.source(), false),
                Role.of(context.role()).orElse(null));
    }

    private static boolean listenerMismatch(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof ListenerMismatchException) {
                return true;
            }
        }
        return false;
    }

    static int launch(String role, int defaultHttpPort, ConfigSource source, Function<WorkerContext, Worker> factory) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("worker", role);
        new JvmMemoryMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        WorkerContext context;
        Worker worker;
        try {
            context = WorkerContext.create(role, source, defaultHttpPort, registry);
            worker = factory.apply(context);
        } catch (ConfigException e) {
            LOG.error("{} worker: invalid configuration: {}", role, e.getMessage());
            return 2;
        }
        // Counted down once main() is done: the JVM halts as soon as the shutdown hooks return, so the hook waits
        // for the last log line and the HTTP server's close instead of cutting them off.
        CountDownLatch exited = new CountDownLatch(1);
        try (JvmGcMetrics gc = new JvmGcMetrics();
             WorkerHttpServer http = new WorkerHttpServer(context.worker().httpHost(), context.worker().httpPort(), registry,
                     worker::healthy)) {
            gc.bindTo(registry);
            Duration timeout = context.worker().shutdownTimeout();
            Thread hook = new Thread(() -> {
                LOG.info("{} worker: stopping", role);
                worker.stop();
                try {
                    exited.await(timeout.toMillis() + MAIN_EXIT_GRACE.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            LOG.info("{} worker: starting ({}, instance {})", role, context.kafka(), context.worker().instanceId());
            worker.start();
            try {
                while (!worker.awaitFinished(Duration.ofSeconds(1))) {
                    // the worker runs on its own threads until stop() or a fatal error
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Optional<String> refused = worker.failure().flatMap(f -> refusal(context, f));
            if (refused.isPresent()) {
                LOG.error("{} worker: stopped: refused by the cluster: {}", role, refused.get());
                return 2;
            }
            LOG.info("{} worker: stopped{} (shutdown timeout {})", role, worker.healthy() ? "" : " after a failure", timeout);
            return worker.healthy() ? 0 : 1;
        } catch (java.io.IOException e) {
            LOG.error("{} worker: cannot serve HTTP on {}:{}: {}", role, context.worker().httpHost(),
                    context.worker().httpPort(), e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            Optional<String> refused = refusal(context, e);
            if (refused.isPresent()) {
                // One line and no stack trace: this is a setting or an ACL to fix, not a bug. A listener that speaks
                // another protocol refused nothing: the worker could not talk to it.
                LOG.error("{} worker: {} at start: {}", role, listenerMismatch(e) ? "cannot talk to the cluster"
                        : "refused by the cluster", refused.get());
                return 2;
            }
            LOG.error("{} worker: failed to start: {}", role, e.getMessage(), e);
            return 1;
        } finally {
            exited.countDown();
        }
    }
}
