package dev.pixelflow.bench;

/** One benchmark: measures a pipeline and its bare limit in one run and reports both. */
interface Bench {
    Report run(boolean quick) throws Exception;
}
