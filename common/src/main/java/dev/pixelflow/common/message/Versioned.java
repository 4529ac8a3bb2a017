package dev.pixelflow.common.message;

/** A JSON message that states the schema version it was written with. */
public interface Versioned {
    int schemaVersion();
}
