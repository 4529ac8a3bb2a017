package dev.pixelflow.common.message;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import java.io.IOException;
import java.util.stream.Collectors;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * JSON codec for one message type. Reading checks {@code schemaVersion} first, so a record from a future
 * writer fails with a clear message instead of being half-understood; every failure is Kafka's
 * {@link SerializationException} naming the field.
 */
public final class JsonSerde<T extends Versioned> implements Serde<T>, Serializer<T>, Deserializer<T> {
    private final Class<T> type;
    private final String what;
    private final int supportedVersion;

    public JsonSerde(Class<T> type, String what, int supportedVersion) {
        this.type = type;
        this.what = what;
        this.supportedVersion = supportedVersion;
    }

    @Override
    public byte[] serialize(String topic, T value) {
        if (value == null) {
            return null;
        }
        try {
            return Json.MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new SerializationException(what + ": cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(data);
        } catch (IOException e) {
            throw new SerializationException(what + ": malformed JSON: " + firstLine(e.getMessage()));
        }
        if (tree == null || !tree.isObject()) {
            throw new SerializationException(what + ": expected a JSON object");
        }
        JsonNode version = tree.get("schemaVersion");
        if (version == null || !version.canConvertToInt()) {
            throw new SerializationException(what + ": field 'schemaVersion' is missing or not an integer");
        }
        if (version.intValue() != supportedVersion) {
            throw new SerializationException(what + ": unknown schema version " + version.intValue() + " (this build reads "
                    + supportedVersion + ")");
        }
        try {
            return Json.MAPPER.treeToValue(tree, type);
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            String path = path(e);
            throw new SerializationException(what + ": invalid" + (path.isEmpty() ? "" : " field '" + path + "'") + ": "
                    + cause.getMessage());
        } catch (JsonMappingException e) {
            throw new SerializationException(what + ": field '" + path(e) + "': " + firstLine(e.getOriginalMessage()));
        } catch (JsonProcessingException e) {
            throw new SerializationException(what + ": " + firstLine(e.getOriginalMessage()));
        }
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .filter(p -> !p.equals("[-1]")).collect(Collectors.joining("."));
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    @Override
    public void configure(java.util.Map<String, ?> configs, boolean isKey) {
        // nothing to configure
    }

    @Override
    public void close() {
        // stateless
    }

    @Override
    public Serializer<T> serializer() {
        return this;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this;
    }
}
