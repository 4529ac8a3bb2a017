package dev.pixelflow.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pixelflow.common.message.Json;
import dev.pixelflow.common.image.ImageShape;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The PyTorch reference network in a long-lived Python process (the script ships in this jar and is extracted to
 * a temporary file), so runs can alternate with the Java engines without paying Python's start-up each time.
 * The process sleeps on stdin between commands, so it takes no CPU while Java measures.
 */
final class TorchProcess implements AutoCloseable {
    static final String DEFAULT_PYTHON = "/usr/bin/python3";
    static final String PYTHON_ENV = "PIXELFLOW_BENCH_PYTHON";
    private static final String SCRIPT = "torch_reference.py";
    private static final ObjectMapper JSON = Json.MAPPER;

    private final Process process;
    private final Path script;
    private final BufferedReader out;
    private final Writer in;
    private final String description;

    private TorchProcess(Process process, Path script, BufferedReader out, Writer in, String description) {
        this.process = process;
        this.script = script;
        this.out = out;
        this.in = in;
        this.description = description;
    }

    /** The Python to use: {@value #PYTHON_ENV} if set, else Debian's {@value #DEFAULT_PYTHON}. */
    static String python() {
        String env = System.getenv(PYTHON_ENV);
        return env == null || env.isBlank() ? DEFAULT_PYTHON : env;
    }

    /** Starts the reference process, or says on stderr why PyTorch is not available and returns empty. */
    static Optional<TorchProcess> start(int threads) {
        String python = python();
        Path script = null;
        Process process = null;
        try {
            script = Files.createTempFile("pixelflow-bench-torch-", ".py");
            try (InputStream res = TorchProcess.class.getResourceAsStream(SCRIPT)) {
                if (res == null) {
                    throw new IOException(SCRIPT + " is missing from the bench jar");
                }
                Files.copy(res, script, StandardCopyOption.REPLACE_EXISTING);
            }
            ProcessBuilder pb = new ProcessBuilder(python, script.toString(), Integer.toString(threads));
            pb.redirectError(ProcessBuilder.Redirect.INHERIT);
            process = pb.start();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            Writer in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            String first = out.readLine();
            if (first == null) {
                throw new IOException(python + " exited without answering (exit code "
                        + (process.waitFor(5, TimeUnit.SECONDS) ? process.exitValue() : "unknown") + ")");
            }
            JsonNode ready = JSON.readTree(first);
            if (!ready.path("ready").asBoolean(false)) {
                throw new IOException("cannot import torch: " + ready.path("error").asText("unknown error"));
            }
            String description = "PyTorch " + ready.path("torch").asText() + " (" + python + ", " + ready.path("threads").asInt()
                    + " threads, oneDNN " + (ready.path("mkldnn").asBoolean() ? "available" : "not available") + ")";
            return Optional.of(new TorchProcess(process, script, out, in, description));
        } catch (IOException | RuntimeException e) {
            Progress.say("PyTorch skipped: %s. Install it with `apt-get install -y python3-torch` (Debian), or point %s "
                    + "at a Python that has torch.", e.getMessage(), PYTHON_ENV);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (process != null) {
            process.destroyForcibly();
        }
        deleteQuietly(script);
        return Optional.empty();
    }

    String description() {
        return description;
    }

    /**
     * Runs {@code warmup} untimed steps of {@code op} (train|infer) of {@code network} (a preset name the script
     * knows), then timed steps until at least {@code minBatches} steps and {@code minSeconds}; returns images/s.
     */
    double run(String network, String op, ImageShape shape, int batch, int warmup, int minBatches, double minSeconds)
            throws IOException {
        Map<String, Object> cmd = new LinkedHashMap<>();
        cmd.put("net", network);
        cmd.put("op", op);
        cmd.put("h", shape.height());
        cmd.put("w", shape.width());
        cmd.put("c", shape.channels());
        cmd.put("batch", batch);
        cmd.put("batches", minBatches);
        cmd.put("seconds", minSeconds);
        cmd.put("warmup", warmup);
        in.write(JSON.writeValueAsString(cmd) + "\n");
        in.flush();
        String line = out.readLine();
        if (line == null) {
            throw new IOException("the PyTorch process exited during " + network + " " + op + " at " + shape);
        }
        JsonNode answer = JSON.readTree(line);
        if (answer.has("error")) {
            throw new IOException("PyTorch " + network + " " + op + " at " + shape + " failed: "
                    + answer.get("error").asText());
        }
        return answer.path("images_per_s").asDouble(Double.NaN);
    }

    @Override
    public void close() {
        try {
            in.close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            deleteQuietly(script);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // a temp file left behind is harmless
            }
        }
    }
}
