package dev.pixelflow.engine;

import org.bytedeco.javacpp.Loader;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Chooses which build of libnd4j JavaCPP loads. The classpath carries the plain build and three oneDNN
 * builds; only the oneDNN ones run SameDiff's convolutions, pooling and matmuls through oneDNN, and the
 * AVX-512 one crashes the JVM on a CPU without AVX-512. Left alone, JavaCPP takes whichever extension it
 * finds first, which is not safe, so {@link #configure()} picks from the CPU flags. It must run before
 * anything touches ND4J (worker mains call it first; {@link Engines} calls it too, for tests and tools).
 *
 * <p>Override with {@code -Dorg.bytedeco.javacpp.platform.extension=-onednn} or the environment variable
 * {@code PIXELFLOW_NATIVE_EXTENSION} ({@code -onednn}, {@code -onednn-avx2}, {@code -onednn-avx512}, or
 * {@code none} for the plain build).
 */
public final class NativeBackend {
    private static final Logger log = LoggerFactory.getLogger(NativeBackend.class);

    public static final String EXTENSION_PROPERTY = "org.bytedeco.javacpp.platform.extension";
    public static final String EXTENSION_ENV = "PIXELFLOW_NATIVE_EXTENSION";
    public static final String ONEDNN_AVX512 = "-onednn-avx512";
    public static final String ONEDNN_AVX2 = "-onednn-avx2";
    public static final String ONEDNN = "-onednn";
    /** JavaCPP's value for the plain build (no extension). */
    public static final String PLAIN = "";
    private static final Set<String> KNOWN = Set.of(ONEDNN_AVX512, ONEDNN_AVX2, ONEDNN, PLAIN);

    private static Choice choice;
    private static boolean logged;

    /** The extension asked for and who asked: a system property, the environment, or the CPU flags. */
    public record Choice(String extension, String source) {
        @Override
        public String toString() {
            return (extension.isEmpty() ? "plain" : extension) + " (from " + source + ")";
        }
    }

    private NativeBackend() {
    }

    /**
     * Sets {@value #EXTENSION_PROPERTY} unless the user already set it; idempotent. Returns what was chosen.
     * Has no effect once ND4J has loaded its natives (describe() then warns if the two differ).
     */
    public static synchronized Choice configure() {
        if (choice != null) {
            return choice;
        }
        String property = System.getProperty(EXTENSION_PROPERTY);
        String env = System.getenv(EXTENSION_ENV);
        if (property != null) {
            choice = new Choice(normalise(property, "-D" + EXTENSION_PROPERTY), "system property " + EXTENSION_PROPERTY);
        } else if (env != null && !env.isBlank()) {
            choice = new Choice(normalise(env, EXTENSION_ENV), "environment " + EXTENSION_ENV);
        } else {
            choice = new Choice(selectFromCpu(), "/proc/cpuinfo flags");
        }
        if (choice.extension().equals(ONEDNN_AVX512) && !selectFromCpu().equals(ONEDNN_AVX512)) {
            log.warn("{} asks for the AVX-512 build but this CPU lacks AVX-512; the JVM will crash in native code",
                    choice.source());
        }
        System.setProperty(EXTENSION_PROPERTY, choice.extension());
        return choice;
    }

    /** The best oneDNN build this CPU can run, from /proc/cpuinfo; the generic oneDNN build if unreadable. */
    public static String selectFromCpu() {
        try {
            return selectFromCpuInfo(Files.readString(Path.of("/proc/cpuinfo")));
        } catch (IOException | RuntimeException e) {
            log.debug("cannot read /proc/cpuinfo ({}); using the generic oneDNN build", e.toString());
            return ONEDNN;
        }
    }

    /** The best build for the first {@code flags} line of a cpuinfo text. */
    public static String selectFromCpuInfo(String cpuinfo) {
        Set<String> flags = cpuFlags(cpuinfo);
        if (flags.containsAll(Set.of("avx512f", "avx512bw", "avx512dq", "avx512vl"))) {
            return ONEDNN_AVX512;
        }
        if (flags.containsAll(Set.of("avx2", "fma"))) {
            return ONEDNN_AVX2;
        }
        return ONEDNN;
    }

    static Set<String> cpuFlags(String cpuinfo) {
        if (cpuinfo == null) {
            return Set.of();
        }
        return cpuinfo.lines()
                .filter(line -> line.startsWith("flags") && line.indexOf(':') > 0)
                .findFirst()
                .map(line -> Arrays.stream(line.substring(line.indexOf(':') + 1).trim().split("\\s+"))
                        .filter(s -> !s.isEmpty())
                        .collect(Collectors.toUnmodifiableSet()))
                .orElse(Set.of());
    }

    static String normalise(String value, String from) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.equals("none") || v.equals("plain") || v.isEmpty()) {
            return PLAIN;
        }
        if (!v.startsWith("-")) {
            v = "-" + v;
        }
        if (!KNOWN.contains(v)) {
            throw new IllegalArgumentException(from + " must be one of -onednn, -onednn-avx2, -onednn-avx512 or none, got '"
                    + value + "'");
        }
        return v;
    }

    /**
     * Loads ND4J if needed and says which native build runs and how: extension, oneDNN compiled in and
     * enabled, threads, BLAS, and the environment variables that matter but cannot be set from Java
     * ({@code OMP_NUM_THREADS}, {@code OMP_WAIT_POLICY}, {@code OPENBLAS_CORETYPE}).
     */
    public static String describe() {
        Choice requested = configure();
        OpExecutioner executioner = Nd4j.getExecutioner();
        Properties info = executioner.getEnvironmentInformation();
        String loaded = loadedExtension();
        String buildInfo = safeBuildInfo();
        boolean onednnBuilt = buildInfo.contains("HAVE_ONEDNN");
        String onednnEnabled;
        try {
            onednnEnabled = String.valueOf(Nd4jCpu.Environment.getInstance().isUseONEDNN());
        } catch (RuntimeException | LinkageError e) {
            onednnEnabled = "unknown";
        }
        Map<String, String> env = System.getenv();
        StringBuilder sb = new StringBuilder()
                .append("nd4j native: requested ").append(requested)
                .append(", loaded ").append(loaded == null ? "unknown" : loaded.isEmpty() ? "plain" : loaded)
                .append(", oneDNN compiled in ").append(onednnBuilt ? "yes" : "no")
                .append(" (enabled flag ").append(onednnEnabled).append(')')
                .append(", cores ").append(info.get("cores"))
                .append(", omp threads ").append(info.get("omp.threads"))
                .append(", blas ").append(info.get("blas.vendor"))
                .append(" threads ").append(info.get("blas.threads"))
                .append(", OMP_NUM_THREADS=").append(env.getOrDefault("OMP_NUM_THREADS", "-"))
                .append(", OMP_WAIT_POLICY=").append(env.getOrDefault("OMP_WAIT_POLICY", "-"))
                .append(", OPENBLAS_CORETYPE=").append(env.getOrDefault("OPENBLAS_CORETYPE", "-"));
        if (loaded != null && !loaded.equals(requested.extension())) {
            sb.append(" -- WARNING: ND4J was loaded before NativeBackend.configure(); call it first in main");
        }
        return sb.toString();
    }

    /** True when the loaded libnd4j has oneDNN compiled in. Loads ND4J if needed. */
    public static boolean onednnBuilt() {
        configure();
        Nd4j.getExecutioner();
        return safeBuildInfo().contains("HAVE_ONEDNN");
    }

    /** Logs {@link #describe()} at INFO the first time it is called in this JVM. */
    public static synchronized void logOnce() {
        if (!logged) {
            logged = true;
            log.info("{}", describe());
        }
    }

    /** The extension of the libnd4jcpu JavaCPP loaded, from its cache path, or null if not known. */
    static String loadedExtension() {
        String path = Loader.getLoadedLibraries().get("nd4jcpu");
        if (path == null) {
            return null;
        }
        String platform = Loader.getPlatform();
        String marker = "/bindings/" + platform;
        int at = path.indexOf(marker);
        if (at < 0) {
            return null;
        }
        int end = path.indexOf('/', at + marker.length());
        return end < 0 ? null : path.substring(at + marker.length(), end);
    }

    private static String safeBuildInfo() {
        try {
            String info = NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo();
            return info == null ? "" : info;
        } catch (RuntimeException | LinkageError e) {
            return "";
        }
    }
}
