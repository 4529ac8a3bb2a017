package dev.pixelflow.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar with rate and ETA on a terminal; on a pipe or in CI, a plain line every few
 * seconds so logs stay readable.
 */
public final class Progress {
    private final PrintStream out;
    private final String label;
    private final long total;
    private final boolean terminal;
    private final long startNanos = System.nanoTime();
    private long lastDraw;
    private long done;
    private final long initial;
    private long lastDrawnDone = -1;

    public Progress(PrintStream out, String label, long total) {
        this(out, label, total, 0);
    }

    /** A bar joined part-way ({@code initial} done already), whose rate counts only what it sees happen. */
    public Progress(PrintStream out, String label, long total, long initial) {
        this.initial = initial;
        this.done = initial;
        this.out = out;
        this.label = label;
        this.total = total;
        this.terminal = System.console() != null && System.getenv("CI") == null;
    }

    public synchronized void step(long n) {
        done += n;
        long now = System.nanoTime();
        long interval = terminal ? 100_000_000L : 5_000_000_000L;
        if (now - lastDraw >= interval || done == total) {
            lastDraw = now;
            draw(false);
        }
    }

    public synchronized long done() {
        return done;
    }

    public synchronized void finish() {
        // On a pipe, step() has already printed the line of the last count; the same line twice says nothing.
        if (terminal || lastDrawnDone != done) {
            draw(true);
        }
    }

    private void draw(boolean last) {
        lastDrawnDone = done;
        double secs = Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
        double rate = (done - initial) / secs;
        String eta = total > 0 && rate > 0 && done < total ? formatSeconds((total - done) / rate) : "0s";
        String counts = total > 0 ? String.format(Locale.ROOT, "%d/%d", done, total) : Long.toString(done);
        if (terminal) {
            int width = 30;
            int filled = total > 0 ? (int) Math.min(width, width * done / total) : 0;
            String bar = "#".repeat(filled) + "-".repeat(width - filled);
            out.printf(Locale.ROOT, "\r%s [%s] %s  %.1f/s  ETA %s   ", label, bar, counts, rate, eta);
            if (last) {
                out.println();
            }
        } else {
            out.printf(Locale.ROOT, "%s %s  %.1f/s  ETA %s%n", label, counts, rate, eta);
        }
        out.flush();
    }

    public static String formatSeconds(double s) {
        long t = Math.round(s);
        if (t >= 3600) {
            return (t / 3600) + "h" + String.format("%02dm", (t % 3600) / 60);
        }
        if (t >= 60) {
            return (t / 60) + "m" + String.format("%02ds", t % 60);
        }
        return t + "s";
    }
}
