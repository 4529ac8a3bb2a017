package dev.pixelflow.common.topic;

import dev.pixelflow.common.config.KafkaSettings;
import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.kafka.ListenerMismatchException;
import dev.pixelflow.common.kafka.ListenerProbe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import dev.pixelflow.common.acl.OperationRefusedException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates topics idempotently at worker start: existing topics are left as they are. On a cluster of three or more
 * brokers new topics get replication factor 3 and min.insync.replicas 2 (unless the topic sets its own), so that
 * acks=all writes survive the loss of a broker whatever the cluster's defaults; smaller clusters keep their defaults.
 */
public final class TopicAdmin {
    private static final Logger LOG = LoggerFactory.getLogger(TopicAdmin.class);
    static final int REPLICATED_BROKERS = 3;
    /** How long a cluster may take to answer at first before the listener probe asks whether TLS is the problem. */
    private static final Duration QUICK_ANSWER = Duration.ofSeconds(5);
    /** How long the listener probe may take once the cluster gave no answer. */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

    private TopicAdmin() {
    }

    /**
     * Waits until every partition of fresh topics has a leader. An idempotent producer that sends before that
     * can have a first request fail with NOT_LEADER_OR_FOLLOWER and then stall on OUT_OF_ORDER_SEQUENCE until its
     * delivery timeout (KAFKA-15591, still in 4.4).
     */
    private static void awaitLeaders(Admin admin, List<String> names, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            boolean ready;
            try {
                ready = admin.describeTopics(names).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                        .values().stream().allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
            } catch (ExecutionException e) {
                // A just-created topic can be unknown to the broker answering for a moment (metadata not yet
                // propagated; seen on a loaded machine): that is "not ready yet", not a failure.
                if (e.getCause() instanceof TopicAuthorizationException refused) {
                    throw new OperationRefusedException("DESCRIBE", ResourceType.TOPIC, refusedTopic(admin, names, timeout), refused);
                }
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
                ready = false;
            }
            if (ready) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("partitions of " + names + " have no leader after " + timeout.toSeconds() + " s");
            }
            Thread.sleep(100); // metadata propagation; there is no event to wait on through the Admin API
        }
    }

    /**
     * Which of {@code names} this principal may not describe: Kafka's error for a describe names none. It exists (its
     * creation said so) but is invisible, so the principal holds none of READ, WRITE or DESCRIBE on it.
     */
    private static String refusedTopic(Admin admin, List<String> names, Duration timeout) throws InterruptedException {
        for (var entry : admin.describeTopics(names).topicNameValues().entrySet()) {
            try {
                entry.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                if (e.getCause() instanceof TopicAuthorizationException) {
                    return entry.getKey();
                }
            }
        }
        return String.join(", ", names);
    }

    /**
     * A cluster that has not answered within {@link #QUICK_ANSWER} is asked, by {@link ListenerProbe}, whether its
     * listener speaks TLS: a client on the other side of that is told at once, rather than after the full timeout.
     * Anything else (a cluster still starting, a refusal) is left to the listing that follows.
     */
    private static void probeListener(Admin admin, KafkaSettings settings) {
        Throwable silent;
        try {
            admin.describeCluster().clusterId().get(QUICK_ANSWER.toMillis(), TimeUnit.MILLISECONDS);
            return;
        } catch (TimeoutException e) {
            silent = e;
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException)) {
                return;
            }
            silent = e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reaching the Kafka cluster", e);
        }
        Optional<String> mismatch = ListenerProbe.transportMismatch(settings, PROBE_TIMEOUT);
        if (mismatch.isPresent()) {
            throw new ListenerMismatchException(mismatch.get(), silent);
        }
    }

    /**
     * The cluster did not answer: a listener expecting another security protocol when the probe finds one (it drops
     * such a client without an error the client could read), else a cluster that is away.
     */
    private static RuntimeException noAnswer(KafkaSettings settings, Duration timeout, Throwable cause) {
        Optional<String> mismatch = settings == null ? Optional.empty() : ListenerProbe.mismatch(settings, PROBE_TIMEOUT);
        if (mismatch.isPresent()) {
            return new ListenerMismatchException(mismatch.get(), cause);
        }
        return new IllegalStateException("no answer from the Kafka cluster within " + timeout.toSeconds()
                + " s while listing topics (is it running, is the bootstrap address right, and does its listener expect the "
                + "KAFKA_SECURITY_PROTOCOL this client uses?)", cause);
    }

    /** {@link #ensure(Admin, Collection, Duration) Ensures} every topic of {@code topics} with an admin client of its own. */
    public static void ensureAll(KafkaClients clients, Topics topics, Duration timeout) {
        ensure(clients, topics.all(), timeout);
    }

    /**
     * {@link #ensure(Admin, Collection, Duration) Ensures} {@code topics} with an admin client of its own; a role
     * ensures the topics it uses ({@link dev.pixelflow.common.acl.RoleRights#topicsOf}), the ones its ACLs cover.
     */
    public static void ensure(KafkaClients clients, Collection<Topic<?, ?>> topics, Duration timeout) {
        Admin admin = clients.admin();
        try {
            ensure(admin, clients.settings(), topics, timeout);
        } finally {
            // close() without a timeout waits for the calls still pending: another 30 s when the cluster never answered.
            admin.close(Duration.ofSeconds(5));
        }
    }

    public static void ensure(Admin admin, Collection<Topic<?, ?>> topics, Duration timeout) {
        ensure(admin, null, topics, timeout);
    }

    /**
     * As {@link #ensure(Admin, Collection, Duration)}; when the cluster gives no answer, {@code settings} (those
     * {@code admin} was made with) let {@link ListenerProbe} tell a listener that expects another security protocol,
     * thrown as a {@link ListenerMismatchException}, from a cluster that is away.
     */
    public static void ensure(Admin admin, KafkaSettings settings, Collection<Topic<?, ?>> topics, Duration timeout) {
        if (settings != null) {
            probeListener(admin, settings);
        }
        try {
            Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            List<NewTopic> missing = new ArrayList<>();
            boolean replicated = false;
            for (Topic<?, ?> t : topics) {
                if (!existing.contains(t.name())) {
                    if (missing.isEmpty()) {
                        replicated = admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS).size()
                                >= REPLICATED_BROKERS;
                    }
                    java.util.Map<String, String> configs = new java.util.HashMap<>(t.configs());
                    if (replicated) {
                        configs.putIfAbsent("min.insync.replicas", "2");
                    }
                    missing.add(new NewTopic(t.name(), java.util.Optional.of(t.partitions()),
                            replicated ? java.util.Optional.of((short) REPLICATED_BROKERS) : java.util.Optional.empty())
                            .configs(configs));
                }
            }
            if (missing.isEmpty()) {
                return;
            }
            admin.createTopics(missing).values().forEach((name, future) -> {
                try {
                    future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                    LOG.info("created topic {}", name);
                } catch (ExecutionException e) {
                    // Another worker starting at the same moment created it first: that is the idempotent case.
                    if (e.getCause() instanceof TopicAuthorizationException) {
                        // No CREATE right; also what a principal gets for an existing topic it may not DESCRIBE (it cannot see it).
                        throw new OperationRefusedException("CREATE", ResourceType.TOPIC, name, e.getCause());
                    }
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + name + ": " + e.getCause().getMessage(), e.getCause());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while creating topic " + name, e);
                } catch (TimeoutException e) {
                    throw new IllegalStateException("timed out creating topic " + name, e);
                }
            });
            awaitLeaders(admin, missing.stream().map(NewTopic::name).toList(), timeout);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw noAnswer(settings, timeout, e.getCause());
            }
            throw new IllegalStateException("cannot list topics: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing topics", e);
        } catch (TimeoutException e) {
            throw noAnswer(settings, timeout, e);
        }
    }
}
