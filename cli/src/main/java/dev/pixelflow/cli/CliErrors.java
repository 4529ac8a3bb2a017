package dev.pixelflow.cli;

import dev.pixelflow.common.acl.AccessDenied;
import dev.pixelflow.common.acl.Role;
import dev.pixelflow.common.acl.RoleRights;
import dev.pixelflow.common.config.ConfigException;
import dev.pixelflow.common.config.ConfigSource;
import dev.pixelflow.common.config.KafkaSettings;
import java.util.Optional;
import java.util.concurrent.ExecutionException;

/** Turns an exception into the one line a user reads. */
public final class CliErrors {
    private CliErrors() {
    }

    public static String message(Throwable e) {
        Throwable t = e;
        while ((t instanceof ExecutionException || t.getMessage() == null) && t.getCause() != null) {
            t = t.getCause();
        }
        String msg = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return msg.replace('\n', ' ');
    }

    /**
     * As {@link #message(Throwable)}, but a refusal by the cluster names the principal, the resource and what the
     * client commands need there.
     *
     * @param kafka the command's Kafka options, or null for the environment's settings
     */
    public static String message(Throwable e, KafkaOptions kafka) {
        return refusal(e, kafka).orElseGet(() -> message(e));
    }

    private static Optional<String> refusal(Throwable e, KafkaOptions kafka) {
        ConfigSource source;
        KafkaSettings settings;
        try {
            source = kafka != null ? kafka.source() : ConfigSource.fromEnvironment();
            settings = KafkaSettings.from(source);
        } catch (ConfigException invalid) {
            return Optional.empty();
        }
        return AccessDenied.describe(e, settings, RoleRights.from(source, false), Role.CLIENT);
    }
}
