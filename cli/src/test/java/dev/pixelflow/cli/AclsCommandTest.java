package dev.pixelflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pixelflow.common.acl.Role;
import dev.pixelflow.common.acl.RoleRights;
import dev.pixelflow.common.config.ConfigSource;
import dev.pixelflow.common.message.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class AclsCommandTest {
    private static final String[] ALL_ROLES = {"--prefix", "team-a.", "--ingest", "User:ingest", "--trainer", "User:trainer",
            "--inference", "User:inference", "--client", "User:client"};

    @Test
    void theListInOperationsMdIsWhatTheCommandPrints() throws Exception {
        String docs = Files.readString(Path.of("..", "docs", "operations.md"), StandardCharsets.UTF_8);
        Matcher block = Pattern.compile("\\$ bin/pixelflow acls (.*?)\\n(.*?)\\n```", Pattern.DOTALL).matcher(docs);
        assertThat(block.find()).as("docs/operations.md shows the command and its output").isTrue();
        assertThat(block.group(1).split(" ")).containsExactly(ALL_ROLES);
        assertThat(run(ALL_ROLES).stripTrailing()).isEqualTo(block.group(2).stripTrailing());
    }

    @Test
    void printsOneKafkaAclsLinePerGrantWithItsOperations() {
        String out = run("--prefix", "p.", "--ingest", "User:ing");
        assertThat(out).contains("$ACLS --add --allow-principal User:ing --operation Read --operation Create --topic p.images.raw\n",
                "$ACLS --add --allow-principal User:ing --operation Write --transactional-id pixelflow-ingest- --resource-pattern-type prefixed\n");
        assertThat(out).doesNotContain("User:trainer", "p.models");
        assertThat(run("--prefix", "p.", "--ingest", "User:ing", "--topics-exist")).doesNotContain("Create")
                .contains("--operation Read --topic p.images.raw\n");
    }

    @Test
    void jsonHasOneObjectPerAclBinding() throws Exception {
        JsonNode acls = Json.MAPPER.readTree(run("--prefix", "p.", "--trainer", "User:t", "--format", "json"));
        RoleRights rights = RoleRights.from(ConfigSource.of(Map.of("PIXELFLOW_TOPIC_PREFIX", "p.")), true);
        assertThat(acls).hasSize(rights.bindings(Role.TRAINER, "User:t").size());
        assertThat(acls).allSatisfy(a -> {
            assertThat(a.get("principal").asText()).isEqualTo("User:t");
            assertThat(a.get("permissionType").asText()).isEqualTo("ALLOW");
        });
        assertThat(acls).anySatisfy(a -> {
            assertThat(a.get("resourceName").asText()).isEqualTo("p.models");
            assertThat(a.get("operation").asText()).isEqualTo("WRITE");
        });
    }

    @Test
    void withoutAPrincipalOrWithABadOneItIsACommandLineError() {
        assertThat(PixelflowCli.run("acls")).isEqualTo(2);
        assertThat(PixelflowCli.run("acls", "--ingest", "ingest")).isEqualTo(2);
        assertThat(PixelflowCli.run("acls", "--ingest", "User:i", "--format", "yaml")).isEqualTo(2);
    }

    private static String run(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            String[] all = new String[args.length + 1];
            all[0] = "acls";
            System.arraycopy(args, 0, all, 1, args.length);
            assertThat(PixelflowCli.run(all)).isZero();
        } finally {
            System.setOut(original);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
