package dev.pixelflow.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layers, bottom up: {@code common} (messages, topics, config, Kafka, the worker loop; no native code),
 * {@code imaging} (OpenCV) and {@code engine} (ND4J/SameDiff) beside each other on it, the three workers on those,
 * and the CLI and the bench around them. Workers meet only on topics, so none may import another; the CLI is a
 * Kafka client and must not carry a network engine.
 */
class LayeringTest {
    private static final String COMMON = "dev.pixelflow.common..";
    private static final String IMAGING = "dev.pixelflow.imaging..";
    private static final String ENGINE = "dev.pixelflow.engine..";
    private static final String INGEST = "dev.pixelflow.ingest..";
    private static final String TRAINER = "dev.pixelflow.trainer..";
    private static final String INFERENCE = "dev.pixelflow.inference..";
    private static final String CLI = "dev.pixelflow.cli..";
    private static final String BENCH = "dev.pixelflow.bench..";
    private static final String[] ND4J = {"org.nd4j..", "org.deeplearning4j..", "org.datavec.."};
    private static final String OPENCV = "org.bytedeco.opencv..";

    private static JavaClasses product;

    @BeforeAll
    static void importProductClasses() {
        product = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.pixelflow");
    }

    @Test
    void theCoreDependsOnNoEngineNoImagingNoWorker() {
        noClasses().that().resideInAPackage(COMMON)
                .should().dependOnClassesThat().resideInAnyPackage(IMAGING, ENGINE, INGEST, TRAINER, INFERENCE, CLI, BENCH,
                        ND4J[0], ND4J[1], ND4J[2], OPENCV)
                .check(product);
    }

    @Test
    void imagingAndEngineDoNotDependOnEachOtherOrOnWorkers() {
        noClasses().that().resideInAPackage(IMAGING)
                .should().dependOnClassesThat().resideInAnyPackage(ENGINE, INGEST, TRAINER, INFERENCE, CLI, BENCH,
                        ND4J[0], ND4J[1], ND4J[2])
                .check(product);
        noClasses().that().resideInAPackage(ENGINE)
                .should().dependOnClassesThat().resideInAnyPackage(IMAGING, INGEST, TRAINER, INFERENCE, CLI, BENCH, OPENCV)
                .check(product);
    }

    @Test
    void workersNeverImportEachOther() {
        noClasses().that().resideInAPackage(INGEST)
                .should().dependOnClassesThat().resideInAnyPackage(TRAINER, INFERENCE, CLI, BENCH).check(product);
        noClasses().that().resideInAPackage(TRAINER)
                .should().dependOnClassesThat().resideInAnyPackage(INGEST, INFERENCE, CLI, BENCH).check(product);
        noClasses().that().resideInAPackage(INFERENCE)
                .should().dependOnClassesThat().resideInAnyPackage(INGEST, TRAINER, CLI, BENCH).check(product);
    }

    @Test
    void theIngestWorkerAndTheCliRunNoNetworkEngine() {
        noClasses().that().resideInAnyPackage(INGEST, CLI)
                .should().dependOnClassesThat().resideInAnyPackage(ENGINE, ND4J[0], ND4J[1], ND4J[2])
                .check(product);
    }
}
