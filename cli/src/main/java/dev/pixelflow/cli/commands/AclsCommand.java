package dev.pixelflow.cli.commands;

import dev.pixelflow.common.acl.Grant;
import dev.pixelflow.common.acl.Role;
import dev.pixelflow.common.acl.RoleRights;
import dev.pixelflow.common.config.ConfigSource;
import dev.pixelflow.common.config.ConsumerGroups;
import dev.pixelflow.common.config.KafkaSettings;
import dev.pixelflow.common.message.Json;
import dev.pixelflow.common.topic.Topics;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code pixelflow acls}: the ACLs each role needs on a cluster with an authorizer, from {@link RoleRights}, as
 * {@code kafka-acls.sh} commands or as JSON for the Admin API. Prints only; it never talks to the cluster.
 */
@Command(name = "acls", mixinStandardHelpOptions = true,
        description = "Print the ACLs each role needs on a secured cluster (kafka-acls commands or JSON).")
public final class AclsCommand implements Callable<Integer> {
    private static final Pattern PRINCIPAL = Pattern.compile("[A-Za-z]+:\\S+");

    @Spec
    CommandSpec spec;

    @Option(names = "--prefix", paramLabel = "PREFIX", description = "topic prefix (default: $" + KafkaSettings.TOPIC_PREFIX_VAR + ", then none)")
    String prefix;

    @Option(names = "--ingest", paramLabel = "PRINCIPAL", description = "principal of the ingest workers, e.g. User:ingest")
    String ingest;

    @Option(names = "--trainer", paramLabel = "PRINCIPAL", description = "principal of the trainers")
    String trainer;

    @Option(names = "--inference", paramLabel = "PRINCIPAL", description = "principal of the inference workers")
    String inference;

    @Option(names = "--client", paramLabel = "PRINCIPAL", description = "principal of the client commands (ingest, train, models, classify, eval, report)")
    String client;

    @Option(names = "--topics-exist", description = "the topics are created beforehand by an administrator: no CREATE")
    boolean topicsExist;

    @Option(names = "--format", paramLabel = "FORMAT", description = "kafka-acls (default) or json")
    String format = "kafka-acls";

    @Override
    public Integer call() {
        Map<Role, String> principals = new LinkedHashMap<>();
        put(principals, Role.INGEST, ingest, "--ingest");
        put(principals, Role.TRAINER, trainer, "--trainer");
        put(principals, Role.INFERENCE, inference, "--inference");
        put(principals, Role.CLIENT, client, "--client");
        if (principals.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "name at least one principal: --ingest, --trainer, --inference or --client");
        }
        if (!format.equals("kafka-acls") && !format.equals("json")) {
            throw new ParameterException(spec.commandLine(), "--format: expected kafka-acls or json, got '" + format + "'");
        }
        ConfigSource env = ConfigSource.fromEnvironment();
        String topicPrefix = prefix != null ? prefix : env.string(KafkaSettings.TOPIC_PREFIX_VAR, "");
        // Validated as the workers would validate it.
        new KafkaSettings(KafkaSettings.DEFAULT_BOOTSTRAP, topicPrefix, Map.of());
        RoleRights rights = new RoleRights(new Topics(topicPrefix), ConsumerGroups.ingest(env), ConsumerGroups.trainer(env),
                ConsumerGroups.inference(env), !topicsExist);
        if (format.equals("json")) {
            printJson(System.out, rights, principals);
        } else {
            printCommands(System.out, rights, principals, topicsExist);
        }
        return 0;
    }

    private void put(Map<Role, String> principals, Role role, String principal, String option) {
        if (principal == null) {
            return;
        }
        if (!PRINCIPAL.matcher(principal).matches()) {
            throw new ParameterException(spec.commandLine(), option + ": expected a principal such as User:NAME, got '" + principal + "'");
        }
        principals.put(role, principal);
    }

    /** Lines for {@code kafka-acls.sh}, one per resource, each after a comment saying what the role does with it. */
    static void printCommands(PrintStream out, RoleRights rights, Map<Role, String> principals, boolean topicsExist) {
        out.println("# pixelflow ACLs for topic prefix '" + rights.topics().prefix() + "'"
                + (topicsExist ? ", topics created beforehand (no CREATE)" : ", topics created at start (CREATE)"));
        out.println("# run with the admin's settings: ACLS='kafka-acls.sh --bootstrap-server HOST:PORT --command-config admin.properties'");
        principals.forEach((role, principal) -> {
            out.println();
            out.println("# " + role.description() + ": " + principal);
            for (Grant g : rights.of(role)) {
                out.println("#   " + g.resource().name() + ": " + g.why());
                StringBuilder line = new StringBuilder("$ACLS --add --allow-principal ").append(principal);
                for (AclOperation op : g.operations()) {
                    line.append(" --operation ").append(camel(op.name()));
                }
                line.append(switch (g.resource().resourceType()) {
                    case TOPIC -> " --topic ";
                    case GROUP -> " --group ";
                    case TRANSACTIONAL_ID -> " --transactional-id ";
                    default -> throw new IllegalStateException("no kafka-acls option for " + g.resource());
                }).append(g.resource().name());
                if (g.resource().patternType() == PatternType.PREFIXED) {
                    line.append(" --resource-pattern-type prefixed");
                }
                out.println(line);
            }
        });
    }

    /** One object per ACL binding, in the Admin API's terms. */
    static void printJson(PrintStream out, RoleRights rights, Map<Role, String> principals) {
        List<Map<String, String>> acls = new ArrayList<>();
        principals.forEach((role, principal) -> rights.of(role).forEach(g -> g.operations().forEach(op -> {
            Map<String, String> acl = new LinkedHashMap<>();
            acl.put("role", role.id());
            acl.put("principal", principal);
            acl.put("host", "*");
            acl.put("operation", op.name());
            acl.put("permissionType", "ALLOW");
            acl.put("resourceType", g.resource().resourceType().name());
            acl.put("resourceName", g.resource().name());
            acl.put("patternType", g.resource().patternType().name());
            acl.put("why", g.why());
            acls.add(acl);
        })));
        try {
            out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(acls));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write the ACLs as JSON", e);
        }
    }

    /** kafka-acls.sh spells operations as in its help: Read, DescribeConfigs. */
    private static String camel(String upper) {
        StringBuilder b = new StringBuilder();
        for (String part : upper.toLowerCase(Locale.ROOT).split("_")) {
            b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return b.toString();
    }
}
