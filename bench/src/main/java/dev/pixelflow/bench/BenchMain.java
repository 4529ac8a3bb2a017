package dev.pixelflow.bench;

/** Placeholder: the benchmarks land with the performance issue. */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) {
        System.err.println("pixelflow bench: not implemented yet");
        System.exit(1);
    }
}
