package dev.pixelflow.common.message;

import dev.pixelflow.common.image.PreprocessFingerprint;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Binary codec of {@link TensorRecord}. Layout, big-endian:
 * <pre>
 * "PXTR" | u8 version | str fingerprint | i32 labelIndex | str labelName (0xFFFF = null) | u8 split
 *        | str sourceId | 32 bytes sha256 | i32 pixel count | pixels (uint8 HWC)
 * </pre>
 * where {@code str} is a u16 byte length and UTF-8 bytes. Pixels dominate: a 150×150×3 record is ~67.6 KB.
 */
public final class TensorRecordSerde implements Serde<TensorRecord>, Serializer<TensorRecord>, Deserializer<TensorRecord> {
    private static final byte[] MAGIC = {'P', 'X', 'T', 'R'};
    private static final int NULL_STRING = 0xFFFF;

    @Override
    public byte[] serialize(String topic, TensorRecord r) {
        if (r == null) {
            return null;
        }
        byte[] fp = utf8(r.fingerprint().id(), "fingerprint");
        byte[] label = r.labelName() == null ? null : utf8(r.labelName(), "labelName");
        byte[] source = utf8(r.sourceId(), "sourceId");
        int size = 4 + 1 + 2 + fp.length + 4 + 2 + (label == null ? 0 : label.length) + 1 + 2 + source.length + 32 + 4
                + r.pixels().length;
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(MAGIC).put((byte) TensorRecord.SCHEMA_VERSION);
        b.putShort((short) fp.length).put(fp);
        b.putInt(r.labelIndex());
        if (label == null) {
            b.putShort((short) NULL_STRING);
        } else {
            b.putShort((short) label.length).put(label);
        }
        b.put(r.split().code());
        b.putShort((short) source.length).put(source);
        b.put(r.contentHash());
        b.putInt(r.pixels().length).put(r.pixels());
        return b.array();
    }

    private static byte[] utf8(String s, String field) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= NULL_STRING) {
            throw new SerializationException("tensor record: field '" + field + "' is longer than " + (NULL_STRING - 1) + " bytes");
        }
        return bytes;
    }

    @Override
    public TensorRecord deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(data);
        String field = "magic";
        try {
            byte[] magic = new byte[4];
            b.get(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new SerializationException("tensor record: bad magic, this is not a pixelflow tensor record");
            }
            field = "version";
            int version = b.get() & 0xFF;
            if (version != TensorRecord.SCHEMA_VERSION) {
                throw new SerializationException("tensor record: unknown schema version " + version + " (this build reads "
                        + TensorRecord.SCHEMA_VERSION + ")");
            }
            field = "fingerprint";
            PreprocessFingerprint fingerprint = PreprocessFingerprint.parse(readString(b));
            field = "labelIndex";
            int labelIndex = b.getInt();
            field = "labelName";
            String labelName = readString(b);
            field = "split";
            Split split = Split.ofCode(b.get());
            field = "sourceId";
            String sourceId = readString(b);
            if (sourceId == null) {
                throw new SerializationException("tensor record: field 'sourceId' is required");
            }
            field = "contentHash";
            byte[] hash = new byte[32];
            b.get(hash);
            field = "pixels";
            int n = b.getInt();
            if (n < 0 || n > b.remaining()) {
                throw new SerializationException("tensor record: truncated in field 'pixels' (declares " + n + " bytes, "
                        + b.remaining() + " left)");
            }
            byte[] pixels = new byte[n];
            b.get(pixels);
            if (b.hasRemaining()) {
                throw new SerializationException("tensor record: " + b.remaining() + " unexpected bytes after 'pixels'");
            }
            return new TensorRecord(fingerprint, labelIndex, labelName, split, sourceId, hash, pixels);
        } catch (BufferUnderflowException e) {
            throw new SerializationException("tensor record: truncated in field '" + field + "' (" + data.length + " bytes in all)");
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new SerializationException("tensor record: invalid field '" + field + "': " + e.getMessage());
        }
    }

    private static String readString(ByteBuffer b) {
        int len = b.getShort() & 0xFFFF;
        if (len == NULL_STRING) {
            return null;
        }
        if (len > b.remaining()) {
            throw new BufferUnderflowException();
        }
        byte[] bytes = new byte[len];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
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
    public Serializer<TensorRecord> serializer() {
        return this;
    }

    @Override
    public Deserializer<TensorRecord> deserializer() {
        return this;
    }
}
