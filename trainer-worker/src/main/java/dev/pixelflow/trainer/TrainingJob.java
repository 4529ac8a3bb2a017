package dev.pixelflow.trainer;

import dev.pixelflow.common.engine.ClassifierEngine;
import dev.pixelflow.common.engine.EvalBatch;
import dev.pixelflow.common.engine.Engines;
import dev.pixelflow.common.engine.NetworkSpec;
import dev.pixelflow.common.image.PreprocessFingerprint;
import dev.pixelflow.common.message.EpochMetrics;
import dev.pixelflow.common.message.TrainingRequest;
import dev.pixelflow.common.model.ModelCatalog;
import dev.pixelflow.common.report.HistoryPlot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one training request to the end: reads its dataset snapshot, builds (or resumes, or warm-starts) the
 * network, trains epoch by epoch with a checkpoint after each, and leaves the final engine file for publishing.
 */
final class TrainingJob {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingJob.class);
    static final String ENGINE_FILE = "engine.bin";
    /** Training accuracy is measured on this many un-augmented training images after each epoch. */
    static final int TRAIN_EVAL_IMAGES = 1000;

    /** What a finished job leaves for publishing. */
    record Result(List<String> classNames, Map<Integer, Long> snapshot, List<EpochMetrics> history, Path engineFile,
                  NetworkSpec network) {
    }

    private final TrainingRequest request;
    private final TensorSnapshotReader reader;
    private final ModelCatalog catalog;
    private final Path jobDir;
    private final JobEvents events;
    private final BooleanSupplier cancelled;

    TrainingJob(TrainingRequest request, TensorSnapshotReader reader, ModelCatalog catalog, Path jobDir, JobEvents events,
                BooleanSupplier cancelled) {
        this.request = request;
        this.reader = reader;
        this.catalog = catalog;
        this.jobDir = jobDir;
        this.events = events;
        this.cancelled = cancelled;
    }

    Result run() throws IOException, InterruptedException {
        Files.createDirectories(jobDir);
        Optional<Checkpoint> checkpoint = Checkpoint.read(jobDir);
        Map<Integer, Long> snapshot = checkpoint.map(Checkpoint::snapshot).orElseGet(reader::currentEnd);
        Dataset data = reader.read(snapshot, PreprocessFingerprint.of(request.inputShape()),
                checkpoint.map(Checkpoint::classNames).orElse(request.classes()), cancelled);
        List<EpochMetrics> history = new ArrayList<>(checkpoint.map(Checkpoint::history).orElse(List.of()));
        int start = checkpoint.map(Checkpoint::epochsDone).orElse(0) + 1;
        Path engineFile = jobDir.resolve(ENGINE_FILE);
        try (ClassifierEngine engine = openEngine(checkpoint, data)) {
            if (checkpoint.isPresent()) {
                LOG.info("job {}: resuming after epoch {} of {}", request.jobId(), start - 1, request.epochs());
            }
            events.started(start, request.epochs(), data.trainSize(), data.valSize(), engine.parameterCount());
            for (int epoch = start; epoch <= request.epochs(); epoch++) {
                EpochMetrics m = trainEpoch(engine, data, epoch);
                history.add(m);
                engine.save(engineFile, true);
                new Checkpoint(request.jobId(), epoch, history, snapshot, data.classNames(), ENGINE_FILE).write(jobDir);
                writePlot(history);
                events.epoch(m, request.epochs());
                if (epoch < request.epochs()
                        && request.publish().publishesAfter(epoch, m.valAccuracy(), bestValAccuracy(history.subList(0, history.size() - 1)))) {
                    Path copy = jobDir.resolve("interim-" + epoch + ".bin");
                    Files.copy(engineFile, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    events.interim(copy, List.copyOf(history), snapshot, data.classNames());
                }
                LOG.info("job {} epoch {}/{}: loss {} acc {} | val loss {} val acc {} | {} img/s", request.jobId(), epoch,
                        request.epochs(), fmt(m.trainLoss()), fmt(m.trainAccuracy()), fmt(m.valLoss()), fmt(m.valAccuracy()),
                        Math.round(m.imagesPerSecond()));
            }
            if (!Files.exists(engineFile)) {
                engine.save(engineFile, true);
            }
            return new Result(data.classNames(), snapshot, List.copyOf(history), engineFile, engine.spec());
        }
    }

    private static double bestValAccuracy(List<EpochMetrics> history) {
        return history.stream().mapToDouble(EpochMetrics::valAccuracy).filter(v -> !Double.isNaN(v)).max().orElse(Double.NaN);
    }

    private ClassifierEngine openEngine(Optional<Checkpoint> checkpoint, Dataset data) throws IOException {
        if (checkpoint.isPresent()) {
            return Engines.load(jobDir.resolve(checkpoint.get().engineFile()));
        }
        if (request.warmStart() != null) {
            ModelCatalog.Loaded base = catalog.load(request.warmStart()).orElseThrow(() ->
                    new JobFailedException("warm start: model version " + request.warmStart() + " not found on the models topic"));
            if (!base.version().inputShape().equals(request.inputShape()) || !base.version().classNames().equals(data.classNames())) {
                throw new JobFailedException("warm start: " + request.warmStart() + " takes " + base.version().inputShape() + " "
                        + base.version().classNames() + ", the job has " + request.inputShape() + " " + data.classNames());
            }
            Path tmp = jobDir.resolve("warm-start.bin");
            Files.write(tmp, base.artifact());
            return Engines.load(tmp);
        }
        NetworkSpec spec;
        try {
            spec = request.network(data.classNames().size());
        } catch (IllegalArgumentException e) {
            throw new JobFailedException("invalid network: " + e.getMessage(), e);
        }
        return Engines.create(spec, request.optimizer());
    }

    /** A fixed random sample of the training split: the split is stored in topic order, one class after another. */
    private record Sample(byte[][] pixels, int[] labels) {
        static Sample of(Dataset data, int size, long seed) {
            int[] order = BatchFeeder.shuffled(data.trainSize(), new SplittableRandom(seed));
            int n = Math.min(size, order.length);
            byte[][] x = new byte[n][];
            int[] y = new int[n];
            for (int i = 0; i < n; i++) {
                x[i] = data.trainPixels()[order[i]];
                y[i] = data.trainLabels()[order[i]];
            }
            return new Sample(x, y);
        }
    }

    private Sample trainSample;

    private EpochMetrics trainEpoch(ClassifierEngine engine, Dataset data, int epoch) throws InterruptedException {
        if (trainSample == null) {
            trainSample = Sample.of(data, TRAIN_EVAL_IMAGES, request.seed());
        }
        long t0 = System.nanoTime();
        double lossSum = 0;
        long seen = 0;
        // Every epoch's order and augmentation come from (seed, epoch): reproducible, and resumable mid-job.
        long epochSeed = new SplittableRandom(request.seed() * 1_000_003L + epoch).nextLong();
        try (BatchFeeder feeder = new BatchFeeder(data.trainPixels(), data.trainLabels(), data.shape(), request.batchSize(),
                request.augmentation(), engine.channelsFirst(), epochSeed)) {
            long batch = 0;
            long lastReport = System.nanoTime();
            BatchFeeder.Batch b;
            while ((b = feeder.next()) != null) {
                if (cancelled.getAsBoolean()) {
                    throw new JobCancelledException();
                }
                double loss = engine.fit(b.features(), b.labels(), b.size());
                lossSum += loss * b.size();
                seen += b.size();
                batch++;
                if (System.nanoTime() - lastReport > 1_000_000_000L || batch == feeder.batches()) {
                    lastReport = System.nanoTime();
                    events.progress(epoch, batch, feeder.batches());
                }
            }
        }
        double trainSeconds = (System.nanoTime() - t0) / 1e9;
        ClassificationTally train = evaluate(engine, trainSample.pixels(), trainSample.labels(), data, trainSample.labels().length);
        ClassificationTally val = evaluate(engine, data.valPixels(), data.valLabels(), data, data.valSize());
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new EpochMetrics(epoch, seen == 0 ? Double.NaN : lossSum / seen, train.accuracy(), val.loss(), val.accuracy(),
                val.perClass(data.classNames()), seconds, seen / trainSeconds);
    }

    private ClassificationTally evaluate(ClassifierEngine engine, byte[][] pixels, int[] labels, Dataset data, int count) {
        ClassificationTally tally = new ClassificationTally(data.classNames().size());
        int batchSize = Math.max(request.batchSize(), 64);
        for (int from = 0; from < count; from += batchSize) {
            if (cancelled.getAsBoolean()) {
                throw new JobCancelledException();
            }
            int size = Math.min(batchSize, count - from);
            BatchFeeder.Batch b = BatchFeeder.plain(pixels, labels, data.shape(), from, size, engine.channelsFirst());
            EvalBatch e = engine.evaluate(b.features(), b.labels(), size);
            tally.add(b.labels(), e.predicted(), e.meanLoss(), size);
        }
        return tally;
    }

    private void writePlot(List<EpochMetrics> history) {
        try {
            HistoryPlot.write(history, request.model(), jobDir.resolve("history.png"));
        } catch (IOException | RuntimeException e) {
            LOG.warn("job {}: could not write history.png: {}", request.jobId(), e.toString());
        }
    }

    private static String fmt(double v) {
        return String.format(java.util.Locale.ROOT, "%.4f", v);
    }
}
