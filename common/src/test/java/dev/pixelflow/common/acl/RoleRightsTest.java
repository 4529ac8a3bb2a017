package dev.pixelflow.common.acl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pixelflow.common.config.ConfigSource;
import dev.pixelflow.common.topic.Topic;
import dev.pixelflow.common.topic.Topics;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

class RoleRightsTest {
    private final RoleRights created = RoleRights.from(ConfigSource.of(Map.of("PIXELFLOW_TOPIC_PREFIX", "team-a.")), true);
    private final RoleRights beforehand = RoleRights.from(ConfigSource.of(Map.of("PIXELFLOW_TOPIC_PREFIX", "team-a.")), false);

    @Test
    void theIngestWorkerReadsRawImagesAndWritesTensorsAndDeadLettersOnly() {
        assertThat(ops(created.of(Role.INGEST))).containsExactly(
                "TOPIC:team-a.images.raw=[READ, CREATE]",
                "TOPIC:team-a.tensors=[WRITE, CREATE]",
                "TOPIC:team-a.images.dlq=[WRITE, CREATE]",
                "GROUP:pixelflow-ingest=[READ]",
                "TRANSACTIONAL_ID:pixelflow-ingest-*=[WRITE]");
    }

    @Test
    void onlyTheTrainerWritesModelsAndOnlyTheInferenceWorkerWritesResults() {
        for (Role role : Role.values()) {
            boolean writesModels = created.of(role).stream().anyMatch(g -> g.resource().name().equals("team-a.models")
                    && g.operations().contains(AclOperation.WRITE));
            boolean writesResults = created.of(role).stream().anyMatch(g -> g.resource().name().equals("team-a.classify.results")
                    && g.operations().contains(AclOperation.WRITE));
            assertThat(writesModels).as(role + " writes models").isEqualTo(role == Role.TRAINER);
            assertThat(writesResults).as(role + " writes classify.results").isEqualTo(role == Role.INFERENCE);
        }
    }

    @Test
    void topicsCreatedBeforehandTakeTheCreateOperationsAwayAndNothingElse() {
        for (Role role : Role.values()) {
            List<AclBinding> withCreate = created.bindings(role, "User:x");
            List<AclBinding> without = beforehand.bindings(role, "User:x");
            assertThat(without).noneMatch(b -> b.entry().operation() == AclOperation.CREATE);
            assertThat(withCreate.stream().filter(b -> b.entry().operation() != AclOperation.CREATE).toList())
                    .containsExactlyElementsOf(without);
            Set<String> createdTopics = withCreate.stream().filter(b -> b.entry().operation() == AclOperation.CREATE)
                    .map(b -> b.pattern().name()).collect(Collectors.toSet());
            assertThat(createdTopics).as("CREATE exactly on the topics the role creates at start")
                    .isEqualTo(RoleRights.topicsOf(role, new Topics("team-a.")).stream().map(Topic::name).collect(Collectors.toSet()));
        }
    }

    @Test
    void bindingsAllowOnePrincipalFromAnyHostAndNameTopicsExactly() {
        List<AclBinding> bindings = created.bindings(Role.INFERENCE, "User:inference");
        assertThat(bindings).allSatisfy(b -> {
            assertThat(b.entry().principal()).isEqualTo("User:inference");
            assertThat(b.entry().host()).isEqualTo("*");
            assertThat(b.entry().permissionType()).isEqualTo(AclPermissionType.ALLOW);
        });
        assertThat(bindings).filteredOn(b -> b.pattern().resourceType() == ResourceType.TOPIC)
                .allMatch(b -> b.pattern().patternType() == PatternType.LITERAL && b.pattern().name().startsWith("team-a."));
        assertThat(bindings).filteredOn(b -> b.pattern().resourceType() == ResourceType.TRANSACTIONAL_ID)
                .singleElement().satisfies(b -> assertThat(b.pattern().name()).isEqualTo(Role.INFERENCE.transactionalId("")));
    }

    @Test
    void groupNamesComeFromTheWorkersSettings() {
        RoleRights custom = RoleRights.from(ConfigSource.of(Map.of("PIXELFLOW_INGEST_GROUP", "ing", "PIXELFLOW_TRAINER_GROUP", "tr",
                "PIXELFLOW_INFERENCE_GROUP", "inf")), false);
        assertThat(ops(custom.of(Role.TRAINER))).contains("GROUP:tr=[READ]");
        assertThat(ops(custom.of(Role.INFERENCE))).contains("GROUP:inf=[READ]", "TOPIC:models=[READ]");
        assertThat(ops(custom.of(Role.CLIENT))).contains("GROUP:ing=[DESCRIBE]");
    }

    @Test
    void theTrainersIngestWarningNeedsNoRight() {
        // It reads images.raw's end offsets and the ingest group's offsets when it can, and goes on when it cannot:
        // a right whose removal makes nothing fail is not listed (EachAclIT tries each removal).
        RoleRights rights = RoleRights.from(ConfigSource.of(Map.of()), true);
        assertThat(ops(rights.of(Role.TRAINER))).noneMatch(op -> op.startsWith("GROUP:pixelflow-ingest") || op.startsWith("TOPIC:images.raw"));
    }

    private static List<String> ops(List<Grant> grants) {
        return grants.stream().map(g -> g.resource().resourceType() + ":" + g.resource().name()
                + (g.resource().patternType() == PatternType.PREFIXED ? "*" : "") + "=" + g.operations()).toList();
    }
}
