package dev.pixelflow.common.acl;

import dev.pixelflow.common.config.ConfigSource;
import dev.pixelflow.common.config.ConsumerGroups;
import dev.pixelflow.common.config.KafkaSettings;
import dev.pixelflow.common.topic.Topic;
import dev.pixelflow.common.topic.Topics;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The rights each role needs on a cluster with an authorizer, and nothing more: written once here, printed by
 * {@code pixelflow acls}, applied by the secured-cluster test. Topics are named exactly (literal patterns, with
 * the topic prefix), consumer groups exactly, transactional ids by their role's prefix.
 *
 * <p>Each role creates the topics it reads or writes when they are missing ({@link #topicsOf}); that needs CREATE
 * on them. When an administrator creates the topics beforehand, the CREATE operations are left out and nothing
 * else changes: seeing that a topic exists only takes DESCRIBE, which READ and WRITE imply.
 */
public final class RoleRights {
    private final Topics topics;
    private final String ingestGroup;
    private final String trainerGroup;
    private final String inferenceGroup;
    private final boolean topicsCreatedAtStart;

    /** What a role does with one topic. */
    private record TopicUse(Topic<?, ?> topic, List<AclOperation> operations, String why) {
        boolean ensured() {
            return operations.contains(AclOperation.READ) || operations.contains(AclOperation.WRITE);
        }
    }

    /**
     * @param topicsCreatedAtStart true when the workers and commands create missing topics (the default), false when
     *                             an administrator has created them beforehand
     */
    public RoleRights(Topics topics, String ingestGroup, String trainerGroup, String inferenceGroup,
                      boolean topicsCreatedAtStart) {
        this.topics = topics;
        this.ingestGroup = ingestGroup;
        this.trainerGroup = trainerGroup;
        this.inferenceGroup = inferenceGroup;
        this.topicsCreatedAtStart = topicsCreatedAtStart;
    }

    /** The topic prefix and group names the workers would use with these settings. */
    public static RoleRights from(ConfigSource src, boolean topicsCreatedAtStart) {
        return new RoleRights(new Topics(src.string(KafkaSettings.TOPIC_PREFIX_VAR, "")), ConsumerGroups.ingest(src),
                ConsumerGroups.trainer(src), ConsumerGroups.inference(src), topicsCreatedAtStart);
    }

    public Topics topics() {
        return topics;
    }

    /** Every grant of {@code role}: topics first, then consumer groups, then transactional ids. */
    public List<Grant> of(Role role) {
        List<Grant> grants = new ArrayList<>();
        for (TopicUse use : uses(role, topics)) {
            List<AclOperation> ops = new ArrayList<>(use.operations());
            if (topicsCreatedAtStart && use.ensured()) {
                ops.add(AclOperation.CREATE);
            }
            grants.add(new Grant(literal(ResourceType.TOPIC, use.topic().name()), ops, use.why()));
        }
        switch (role) {
            case INGEST -> grants.add(group(ingestGroup, AclOperation.READ, "its consumer group; offsets committed in its transactions"));
            // The trainer's warning that a job started before ingest was done reads images.raw's end offsets and the
            // ingest group's offsets, but goes without them (it logs that it cannot tell): no right is listed for it,
            // since removing one would make nothing fail (EachAclIT).
            case TRAINER -> grants.add(group(trainerGroup, AclOperation.READ, "its consumer group; offsets committed with each published version"));
            case INFERENCE -> grants.add(group(inferenceGroup, AclOperation.READ, "its consumer group; offsets committed in its transactions"));
            case CLIENT -> grants.add(group(ingestGroup, AclOperation.DESCRIBE, "ingest: waits until the ingest group has taken the images"));
        }
        role.transactionalIdPrefix().ifPresent(prefix -> grants.add(new Grant(
                new ResourcePattern(ResourceType.TRANSACTIONAL_ID, prefix, PatternType.PREFIXED),
                List.of(AclOperation.WRITE), "exactly-once transactions, one id per instance (" + prefix + "INSTANCE_ID)")));
        return List.copyOf(grants);
    }

    /** The ACL bindings of {@code role} for {@code principal} (e.g. {@code User:ingest}), as createAcls takes them. */
    public List<AclBinding> bindings(Role role, String principal) {
        return of(role).stream().flatMap(g -> g.bindings(principal).stream()).toList();
    }

    /** The topics {@code role} reads or writes: the ones it creates at start when they are missing. */
    public static List<Topic<?, ?>> topicsOf(Role role, Topics topics) {
        return uses(role, topics).stream().filter(TopicUse::ensured).<Topic<?, ?>>map(TopicUse::topic).toList();
    }

    private static List<TopicUse> uses(Role role, Topics t) {
        AclOperation read = AclOperation.READ;
        AclOperation write = AclOperation.WRITE;
        return switch (role) {
            case INGEST -> List.of(
                    new TopicUse(t.imagesRaw, List.of(read), "raw images to convert"),
                    new TopicUse(t.tensors, List.of(write), "the tensors it makes"),
                    new TopicUse(t.imagesDlq, List.of(write), "dead letters: images it cannot convert"));
            case TRAINER -> List.of(
                    new TopicUse(t.trainingRequests, List.of(read), "training jobs"),
                    new TopicUse(t.tensors, List.of(read), "the dataset"),
                    new TopicUse(t.models, List.of(read, write), "publishes versions; reads the published ones to number the next"),
                    new TopicUse(t.trainingMetrics, List.of(write), "job events: progress, epochs, versions, failures"),
                    new TopicUse(t.modelsRollout, List.of(read, write), "rule better/manual: reads the rollout state, writes its decision with the version"));
            case INFERENCE -> List.of(
                    new TopicUse(t.classifyRequests, List.of(read), "classification requests"),
                    new TopicUse(t.classifyResults, List.of(write), "answers (a requester's own reply-to topic needs WRITE too)"),
                    new TopicUse(t.models, List.of(read), "the versions it serves"),
                    new TopicUse(t.modelsRollout, List.of(read), "the rollout state it routes by: production, canary, shadow"),
                    new TopicUse(t.classifyShadow, List.of(write), "the shadow version's answers"));
            case CLIENT -> List.of(
                    new TopicUse(t.imagesRaw, List.of(write), "ingest: sends images"),
                    new TopicUse(t.imagesDlq, List.of(read), "ingest: reports the dead letters of its images"),
                    new TopicUse(t.trainingRequests, List.of(write), "train: sends the request"),
                    new TopicUse(t.trainingMetrics, List.of(read), "train: follows the job"),
                    new TopicUse(t.models, List.of(read), "models, report: lists and exports versions"),
                    new TopicUse(t.classifyRequests, List.of(write), "classify, eval, report: sends images"),
                    new TopicUse(t.classifyResults, List.of(read), "classify, eval, report: reads the answers"),
                    new TopicUse(t.modelsRollout, List.of(read, write), "models promote, rollback, canary, shadow, rule, status"),
                    new TopicUse(t.classifyShadow, List.of(read), "models status: the shadow's agreement with production"));
        };
    }

    private static Grant group(String name, AclOperation op, String why) {
        return new Grant(literal(ResourceType.GROUP, name), List.of(op), why);
    }

    private static ResourcePattern literal(ResourceType type, String name) {
        return new ResourcePattern(type, name, PatternType.LITERAL);
    }
}
