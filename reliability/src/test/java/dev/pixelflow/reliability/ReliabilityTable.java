package dev.pixelflow.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The table of the README's reliability section: each scenario writes its row to
 * {@code target/reliability-rows/}, and {@code target/reliability-table.md} is rebuilt from all rows present, so the
 * table shows every scenario of the last run of each (fast ones by default, all with -Pfaults).
 */
final class ReliabilityTable {
    static final Path ROWS = Path.of("target", "reliability-rows");
    static final Path TABLE = Path.of("target", "reliability-table.md");

    /** One scenario's figures; {@code recovery} is free text such as "6.2 s (max of 3 kills)". */
    record Row(String order, String scenario, String inputs, String done, int lost, int duplicated, String recovery,
               String notes) {
    }

    private ReliabilityTable() {
    }

    static synchronized void record(Row row) {
        try {
            Files.createDirectories(ROWS);
            String line = "| " + String.join(" | ", row.scenario(), row.inputs(), row.done(), Integer.toString(row.lost()),
                    Integer.toString(row.duplicated()), row.recovery(), row.notes()) + " |";
            Files.writeString(ROWS.resolve(row.order() + ".md"), line + "\n", StandardCharsets.UTF_8);
            List<String> rows;
            try (Stream<Path> files = Files.list(ROWS)) {
                rows = files.sorted().map(ReliabilityTable::read).collect(Collectors.toList());
            }
            String table = "| Scenario | Inputs | Answered / ingested | Lost | Duplicated | Time to recover | Notes |\n"
                    + "|---|---|---|---|---|---|---|\n" + String.join("", rows);
            Files.writeString(TABLE, table, StandardCharsets.UTF_8);
            System.out.println("reliability row: " + line);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + TABLE, e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String seconds(long millis) {
        return millis < 0 ? "n/a" : String.format(java.util.Locale.ROOT, "%.1f s", millis / 1000.0);
    }
}
