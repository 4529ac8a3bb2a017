package dev.pixelflow.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pixelflow.common.message.Json;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The one-file form of a saved engine, a zip of: {@value #MANIFEST_ENTRY} (an {@link EngineManifest}),
 * {@value #WEIGHTS_ENTRY} (every trainable array by name) and, when saved for further training,
 * {@value #UPDATER_ENTRY} (the optimizer's state arrays by parameter name). The graph itself is rebuilt
 * from the manifest's network spec. One file so that it moves, hashes and uploads as a unit.
 *
 * <p>Array entries are {@code int magic, int count}, then per array {@code UTF name, int rank, long[rank]
 * shape, int length, float[length]}, all big-endian.
 */
final class EngineArtifact {
    static final String MANIFEST_ENTRY = "engine.json";
    static final String WEIGHTS_ENTRY = "weights.bin";
    static final String UPDATER_ENTRY = "updater.bin";
    private static final int ARRAYS_MAGIC = 0x50465431; // "PFT1"

    private static final ObjectMapper JSON = Json.MAPPER;

    /** A saved array: shape and values in C order. */
    record Tensor(long[] shape, float[] values) {
        /** Copies into an existing array after checking the shape; {@code what} names it in the error. */
        void copyInto(String what, INDArray target) {
            if (!Arrays.equals(shape, target.shape())) {
                throw new IllegalStateException(what + " has shape " + Arrays.toString(shape) + " in the file but "
                        + Arrays.toString(target.shape()) + " in the network");
            }
            target.assign(Nd4j.create(values, shape, 'c'));
        }
    }

    /** A read artifact. {@code updater} is null when the file carries no optimizer state. */
    record Contents(EngineManifest manifest, Map<String, Tensor> weights, Map<String, Tensor> updater) {
    }

    private EngineArtifact() {
    }

    static String toJson(EngineManifest manifest) {
        try {
            return JSON.writeValueAsString(manifest);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write engine manifest", e);
        }
    }

    /** Writes beside the target and renames, so a reader (e.g. inference loading it) never sees half a file. */
    static void write(Path file, EngineManifest manifest, Map<String, INDArray> weights,
                      Map<String, INDArray> updater) throws IOException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".part");
        try {
            try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(tmp))) {
                // Weights barely compress; the fastest level keeps saving cheap between epochs.
                zip.setLevel(Deflater.BEST_SPEED);
                zip.putNextEntry(new ZipEntry(MANIFEST_ENTRY));
                zip.write(toJson(manifest).getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
                zip.putNextEntry(new ZipEntry(WEIGHTS_ENTRY));
                writeArrays(zip, weights);
                zip.closeEntry();
                if (updater != null) {
                    zip.putNextEntry(new ZipEntry(UPDATER_ENTRY));
                    writeArrays(zip, updater);
                    zip.closeEntry();
                }
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static EngineManifest readManifest(Path file) throws IOException {
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(file))) {
            return manifest(file, zip);
        }
    }

    static Contents read(Path file) throws IOException {
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(file))) {
            EngineManifest manifest = manifest(file, zip);
            Map<String, Tensor> weights = null;
            Map<String, Tensor> updater = null;
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                switch (e.getName()) {
                    case WEIGHTS_ENTRY -> weights = readArrays(file, e.getName(), zip);
                    case UPDATER_ENTRY -> updater = readArrays(file, e.getName(), zip);
                    default -> { /* entries from newer writers are ignored */ }
                }
            }
            if (weights == null) {
                throw new IOException(file + ": engine file has no " + WEIGHTS_ENTRY);
            }
            if (manifest.updaterState() && updater == null) {
                throw new IOException(file + ": manifest promises optimizer state but " + UPDATER_ENTRY + " is missing");
            }
            return new Contents(manifest, weights, updater);
        }
    }

    private static EngineManifest manifest(Path file, ZipInputStream zip) throws IOException {
        ZipEntry entry;
        try {
            entry = zip.getNextEntry();
        } catch (IOException e) {
            throw new IOException(file + " is not a pixelflow engine file: " + e.getMessage(), e);
        }
        if (entry == null || !entry.getName().equals(MANIFEST_ENTRY)) {
            throw new IOException(file + " is not a pixelflow engine file (no " + MANIFEST_ENTRY + " first)");
        }
        try {
            return JSON.readValue(zip.readAllBytes(), EngineManifest.class);
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": bad engine manifest: " + e.getOriginalMessage(), e);
        }
    }

    static void writeArrays(OutputStream raw, Map<String, INDArray> arrays) throws IOException {
        DataOutputStream out = new DataOutputStream(raw);
        out.writeInt(ARRAYS_MAGIC);
        out.writeInt(arrays.size());
        for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
            INDArray arr = e.getValue();
            if (arr.dataType() != DataType.FLOAT) {
                throw new IllegalArgumentException(e.getKey() + " is " + arr.dataType() + "; only FLOAT is stored");
            }
            float[] values = arr.dup('c').data().asFloat();
            out.writeUTF(e.getKey());
            long[] shape = arr.shape();
            out.writeInt(shape.length);
            for (long s : shape) {
                out.writeLong(s);
            }
            out.writeInt(values.length);
            ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES);
            bytes.asFloatBuffer().put(values);
            out.write(bytes.array());
        }
        out.flush();
    }

    static Map<String, Tensor> readArrays(Path file, String entry, InputStream raw) throws IOException {
        DataInputStream in = new DataInputStream(raw);
        String where = file + " " + entry;
        try {
            if (in.readInt() != ARRAYS_MAGIC) {
                throw new IOException(where + ": not an array entry");
            }
            int count = in.readInt();
            if (count < 0 || count > 100_000) {
                throw new IOException(where + ": implausible array count " + count);
            }
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                String name = in.readUTF();
                int rank = in.readInt();
                if (rank < 0 || rank > 8) {
                    throw new IOException(where + ": array " + name + " has implausible rank " + rank);
                }
                long[] shape = new long[rank];
                long product = 1;
                for (int d = 0; d < rank; d++) {
                    shape[d] = in.readLong();
                    product *= shape[d];
                }
                int length = in.readInt();
                if (length < 0 || length != product) {
                    throw new IOException(where + ": array " + name + " has " + length + " values for shape "
                            + Arrays.toString(shape));
                }
                byte[] bytes = new byte[Math.multiplyExact(length, Float.BYTES)];
                in.readFully(bytes);
                float[] values = new float[length];
                ByteBuffer.wrap(bytes).asFloatBuffer().get(values);
                out.put(name, new Tensor(shape, values));
            }
            return out;
        } catch (EOFException e) {
            throw new IOException(where + " is truncated", e);
        }
    }
}
