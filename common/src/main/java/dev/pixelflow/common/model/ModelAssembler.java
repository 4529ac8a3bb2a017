package dev.pixelflow.common.model;

import dev.pixelflow.common.message.ContentHash;
import dev.pixelflow.common.message.ModelVersion;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds model versions from the records of {@code models}, in offset order: chunks are held until their
 * manifest arrives, then checked (every chunk present, sha256 and size equal to the manifest's). Only verified
 * versions reach the listener; a broken one is logged and reported, never served.
 */
public final class ModelAssembler {
    private static final Logger LOG = LoggerFactory.getLogger(ModelAssembler.class);

    /** Receives what the topic holds. */
    public interface Listener {
        /** A complete, verified version; {@code artifact} is null when the assembler was asked for manifests only. */
        void onVersion(ModelVersion version, byte[] artifact);

        default void onBroken(String ref, String reason) {
        }
    }

    private final Map<String, Map<Integer, byte[]>> pending = new HashMap<>();
    private final Listener listener;
    private final boolean keepArtifacts;

    /** @param keepArtifacts false to only list versions (chunks are still verified, then dropped) */
    public ModelAssembler(Listener listener, boolean keepArtifacts) {
        this.listener = listener;
        this.keepArtifacts = keepArtifacts;
    }

    public void accept(ConsumerRecord<String, byte[]> record) {
        String key = record.key();
        if (key == null || record.value() == null) {
            return;
        }
        if (key.startsWith("chunk/")) {
            int slash = key.lastIndexOf('/');
            String ref = key.substring("chunk/".length(), slash);
            int index;
            try {
                index = Integer.parseInt(key.substring(slash + 1));
            } catch (NumberFormatException e) {
                LOG.warn("models: ignoring record with malformed chunk key '{}'", key);
                return;
            }
            pending.computeIfAbsent(ref, r -> new HashMap<>()).put(index, record.value());
        } else if (key.startsWith("manifest/")) {
            ModelVersion manifest;
            try {
                manifest = ModelVersion.SERDE.deserialize(record.topic(), record.value());
            } catch (RuntimeException e) {
                LOG.warn("models: ignoring unreadable manifest {} at offset {}: {}", key, record.offset(), e.getMessage());
                listener.onBroken(key, e.getMessage());
                return;
            }
            String ref = manifest.name() + "/" + manifest.version();
            Map<Integer, byte[]> chunks = pending.remove(ref);
            String problem = verify(manifest, chunks);
            if (problem != null) {
                LOG.warn("models: ignoring broken version {}: {}", manifest.ref(), problem);
                listener.onBroken(manifest.ref(), problem);
                return;
            }
            listener.onVersion(manifest, keepArtifacts ? join(manifest, chunks) : null);
        }
    }

    private static String verify(ModelVersion m, Map<Integer, byte[]> chunks) {
        if (chunks == null) {
            return "no chunks found";
        }
        MessageDigest sha = sha256();
        long size = 0;
        for (int i = 0; i < m.chunkCount(); i++) {
            byte[] c = chunks.get(i);
            if (c == null) {
                return "chunk " + i + " of " + m.chunkCount() + " is missing";
            }
            sha.update(c);
            size += c.length;
        }
        if (size != m.artifactSize()) {
            return "artifact is " + size + " bytes, manifest says " + m.artifactSize();
        }
        String hex = ContentHash.hex(sha.digest());
        if (!hex.equals(m.artifactSha256())) {
            return "sha256 " + hex + " does not match manifest " + m.artifactSha256();
        }
        return null;
    }

    private static byte[] join(ModelVersion m, Map<Integer, byte[]> chunks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) m.artifactSize());
        for (int i = 0; i < m.chunkCount(); i++) {
            out.writeBytes(chunks.get(i));
        }
        return out.toByteArray();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
