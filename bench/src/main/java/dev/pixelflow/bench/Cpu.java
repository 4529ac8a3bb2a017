package dev.pixelflow.bench;

import java.lang.management.ManagementFactory;

/** CPU time of this whole process (every thread, native code included), where the JVM can tell. */
final class Cpu {
    private Cpu() {
    }

    /** Process CPU nanoseconds so far, or -1 where the platform does not report it. */
    static long processNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }
}
