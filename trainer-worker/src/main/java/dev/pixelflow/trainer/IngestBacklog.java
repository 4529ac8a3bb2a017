package dev.pixelflow.trainer;

import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.topic.GroupLag;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Raw images the ingest workers have not turned into tensors yet. {@code pixelflow ingest} returns once the images
 * are on {@code images.raw}, not once they are tensors, so a job started right after it may take its dataset while
 * the ingest group is still behind: it then trains on part of the data, which deserves a warning.
 */
final class IngestBacklog {
    private static final Logger LOG = LoggerFactory.getLogger(IngestBacklog.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final KafkaClients clients;
    private final String rawTopic;
    private final String ingestGroup;

    IngestBacklog(KafkaClients clients, String rawTopic, String ingestGroup) {
        this.clients = clients;
        this.rawTopic = rawTopic;
        this.ingestGroup = ingestGroup;
    }

    /**
     * The warning for a job taking its dataset now, if the ingest group has raw images left; empty when it has
     * caught up or when its lag cannot be read (the job goes on either way; that is logged).
     */
    Optional<String> warning(String jobId) {
        Map<TopicPartition, Long> lag;
        try (Admin admin = clients.admin()) {
            lag = GroupLag.of(admin, rawTopic, ingestGroup, TIMEOUT);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.info("job {}: cannot tell whether ingest group {} has finished {} ({}); not checking", jobId, ingestGroup,
                    rawTopic, e.toString());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        long behind = lag.values().stream().mapToLong(Long::longValue).sum();
        if (behind == 0) {
            return Optional.empty();
        }
        String message = "ingest is not finished: " + behind + " raw images on " + rawTopic + " are not tensors yet "
                + "(group " + ingestGroup + "); this job trains on the dataset as it is now, without them";
        LOG.warn("job {}: {} (lag per partition {})", jobId, message, lag);
        return Optional.of(message);
    }
}
