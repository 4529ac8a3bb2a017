package dev.pixelflow.trainer;

import dev.pixelflow.engine.ClassifierEngine;
import dev.pixelflow.engine.EvalBatch;
import dev.pixelflow.engine.Engines;
import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.network.NetworkSpec;
import dev.pixelflow.imaging.ImagePreprocessor;
import dev.pixelflow.common.image.PreprocessFingerprint;
import dev.pixelflow.common.message.EpochMetrics;
import dev.pixelflow.common.message.TrainingRequest;
import dev.pixelflow.common.model.ModelCatalog;
import dev.pixelflow.imaging.HistoryPlot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
    private final IngestBacklog backlog;

    TrainingJob(TrainingRequest request, TensorSnapshotReader reader, ModelCatalog catalog, Path jobDir, JobEvents events,
                BooleanSupplier cancelled, IngestBacklog backlog) {
        this.backlog = backlog;
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
        if (checkpoint.isEmpty()) {
            // Read before the snapshot: a group that has caught up by now has all its tensors committed within it.
            backlog.warning(request.jobId()).ifPresent(events::warning);
        }
        Map<Integer, Long> snapshot = checkpoint.map(Checkpoint::snapshot).orElseGet(reader::currentEnd);
        Dataset data = reader.read(snapshot, ImagePreprocessor.fingerprint(request.inputShape()),
                checkpoint.map(Checkpoint::classNames).orElse(request.classes()), cancelled);
        List<EpochMetrics> history = new ArrayList<>(checkpoint.map(Checkpoint::history).orElse(List.of()));
        int start = checkpoint.map(Checkpoint::epochsDone).orElse(0) + 1;
        Path engineFile = jobDir.resolve(ENGINE_FILE);
        try (ClassifierEngine engine = openEngine(checkpoint, data)) {
            if (checkpoint.isPresent()) {
                LOG.info("job {}: resuming after epoch {} of {}", request.jobId(), start - 1, request.epochs());
                if (!history.isEmpty()) {
                    // An epoch's event goes out after its checkpoint is written, so a crash between the two lost it:
                    // announce the last one again, so that a follower sees every epoch (this one maybe twice).
                    events.epoch(history.get(history.size() - 1), request.epochs());
                }
                requeueInterims(start - 1, history, snapshot, data.classNames());
            }
            events.started(start, request.epochs(), data.trainSize(), data.valSize(), engine.parameterCount());
            for (int epoch = start; epoch <= request.epochs(); epoch++) {
                EpochMetrics m = trainEpoch(engine, data, epoch);
                history.add(m);
                engine.save(engineFile, true);
                Path interim = null;
                if (epoch < request.epochs()
                        && request.publish().publishesAfter(epoch, m.valAccuracy(), bestValAccuracy(history.subList(0, history.size() - 1)))) {
                    // The copy comes before the checkpoint: a crash between the two would otherwise resume after this
                    // epoch with no copy left to publish, and its version would never go out.
                    interim = jobDir.resolve(interimFile(epoch));
                    Files.copy(engineFile, interim, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
                new Checkpoint(request.jobId(), epoch, history, snapshot, data.classNames(), ENGINE_FILE).write(jobDir);
                writePlot(history);
                events.epoch(m, request.epochs());
                if (interim != null) {
                    events.interim(interim, List.copyOf(history), snapshot, data.classNames());
                }
                LOG.info("job {} epoch {}/{}: loss {} acc {} | val loss {} val acc {} | {} img/s{}", request.jobId(), epoch,
                        request.epochs(), fmt(m.trainLoss()), fmt(m.trainAccuracy()), fmt(m.valLoss()), fmt(m.valAccuracy()),
                        Math.round(m.imagesPerSecond()), m.trainSize() == null ? "" : " on " + m.trainSize() + " crops");
            }
            if (!Files.exists(engineFile)) {
                engine.save(engineFile, true);
            }
            return new Result(data.classNames(), snapshot, List.copyOf(history), engineFile, engine.spec());
        }
    }

    /**
     * An interim copy is deleted once its version is out, so one still here was made before a crash and may never
     * have been published: hand it over again (the worker skips it if the version is out after all).
     */
    private void requeueInterims(int epochsDone, List<EpochMetrics> history, Map<Integer, Long> snapshot,
                                 List<String> classNames) {
        for (int epoch = 1; epoch <= epochsDone; epoch++) {
            Path left = jobDir.resolve(interimFile(epoch));
            if (Files.exists(left)) {
                events.interim(left, List.copyOf(history.subList(0, epoch)), snapshot, classNames);
            }
        }
    }

    private static String interimFile(int epoch) {
        return "interim-" + epoch + ".bin";
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
        NetworkSpec training;
        try {
            spec = request.network(data.classNames().size());
            training = spec.atInput(request.trainingShape()); // crops smaller than the stored images, if asked
            if (request.trainSizeFrom() != null) {
                spec.atInput(request.trainSizeFrom()); // ... and the smaller ones they grow from
            }
        } catch (IllegalArgumentException e) {
            throw new JobFailedException("invalid network: " + e.getMessage(), e);
        }
        NetworkFit.check(training, request.batchSize(), Engines.nativeMemoryLimit());
        return Engines.create(spec, request.optimizer());
    }

    /** A fixed random sample of the training split: the split is stored in topic order, one class after another. */
    private record Sample(byte[][] pixels, int[] labels) {
        static Sample of(Examples.InMemory data, int size, long seed) {
            int[] order = BatchFeeder.shuffled(data.size(), new SplittableRandom(seed));
            int n = Math.min(size, order.length);
            byte[][] x = new byte[n][];
            int[] y = new int[n];
            for (int i = 0; i < n; i++) {
                x[i] = data.pixels()[order[i]];
                y[i] = data.labels()[order[i]];
            }
            return new Sample(x, y);
        }
    }

    /** In-memory training split: its sample, taken once. */
    private Sample trainSample;
    /** Streamed training split: its sample, filled as the first epoch streams past it. */
    private TrainSample streamedSample;

    private EpochMetrics trainEpoch(ClassifierEngine engine, Dataset data, int epoch) throws InterruptedException {
        long t0 = System.nanoTime();
        double lossSum = 0;
        long seen = 0;
        long epochSeed = epochSeed(request.seed(), epoch);
        StreamedEpoch streamed = null;
        BatchFeeder.Source source;
        if (data.train() instanceof Examples.InMemory m) {
            if (trainSample == null) {
                trainSample = Sample.of(m, TRAIN_EVAL_IMAGES, request.seed());
            }
            source = BatchFeeder.inMemory(m.pixels(), m.labels());
        } else {
            Examples.Streamed s = (Examples.Streamed) data.train();
            if (streamedSample == null) {
                streamedSample = TrainSample.choose(s.selection(), data.streamBudget().sampleImages(), request.seed());
            }
            streamed = new StreamedEpoch(s, data.streamBudget(), streamedSample);
            source = streamed;
        }
        long waitedMillis;
        ImageShape trainShape = request.trainingShapeAt(epoch);
        try (BatchFeeder feeder = new BatchFeeder(source, data.trainSize(), data.shape(), trainShape, request.batchSize(),
                request.augmentation(), engine.channelsFirst(), epochSeed)) {
            long batch = 0;
            long lastReport = System.nanoTime();
            BatchFeeder.Batch b;
            while ((b = feeder.next()) != null) {
                if (cancelled.getAsBoolean()) {
                    throw new JobCancelledException();
                }
                // The schedule is a function of the position in the run: a resumed job continues with the same rates.
                double rate = request.optimizer().rateAt(epoch - 1 + (double) batch / feeder.batches(), request.epochs());
                double loss = engine.fit(b.features(), b.labels(), b.size(), rate, trainShape);
                lossSum += loss * b.size();
                seen += b.size();
                batch++;
                if (System.nanoTime() - lastReport > 1_000_000_000L || batch == feeder.batches()) {
                    lastReport = System.nanoTime();
                    events.progress(epoch, batch, feeder.batches());
                }
            }
            waitedMillis = feeder.waitedMillis();
        }
        if (streamed != null) {
            audit(streamed, (Examples.Streamed) data.train(), epoch, seen, waitedMillis);
        }
        double trainSeconds = (System.nanoTime() - t0) / 1e9;
        byte[][] sampleX;
        int[] sampleY;
        if (trainSample != null) {
            sampleX = trainSample.pixels();
            sampleY = trainSample.labels();
        } else {
            Examples.InMemory kept = streamedSample.kept();
            sampleX = kept.pixels();
            sampleY = kept.labels();
        }
        ClassificationTally train = evaluate(engine, sampleX, sampleY, data, sampleY.length);
        ClassificationTally val = data.val() instanceof Examples.InMemory v
                ? evaluate(engine, v.pixels(), v.labels(), data, v.size())
                : evaluateStreamed(engine, (Examples.Streamed) data.val(), data);
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new EpochMetrics(epoch, seen == 0 ? Double.NaN : lossSum / seen, train.accuracy(), val.loss(), val.accuracy(),
                val.perClass(data.classNames()), seconds, seen / trainSeconds,
                trainShape.equals(data.shape()) ? null : trainShape);
    }

    /** Every epoch's order and augmentation come from (seed, epoch): reproducible, and resumable mid-job. */
    static long epochSeed(long seed, int epoch) {
        return new SplittableRandom(seed * 1_000_003L + epoch).nextLong();
    }

    /** Checks that a streamed epoch trained on every record of the split once, and says so. */
    private void audit(StreamedEpoch streamed, Examples.Streamed train, int epoch, long seen, long waitedMillis) {
        SnapshotStream.Pass pass = streamed.pass();
        if (pass != null && pass.matches(train.selection()) && seen == train.size()) {
            LOG.info("job {} epoch {}: streamed {} of {} training images from tensors, each once ({} shuffle slots; "
                    + "the network waited {} ms for data)", request.jobId(), epoch, seen, train.size(), streamed.shuffleSlots(),
                    waitedMillis);
        } else {
            LOG.warn("job {} epoch {}: trained on {} of {} training images streamed from tensors ({}); records of the "
                    + "snapshot are gone when a later copy of the same image was compacted over them", request.jobId(), epoch,
                    seen, train.size(), pass == null ? "pass incomplete" : pass.delivered() + " read, " + pass.missing() + " missing");
        }
    }

    /** The validation split read back from tensors in batches: memory holds one batch. */
    private ClassificationTally evaluateStreamed(ClassifierEngine engine, Examples.Streamed val, Dataset data)
            throws InterruptedException {
        EvalBatcher batcher = new EvalBatcher(engine, data, Math.max(request.batchSize(), 64));
        val.stream().read(val.selection().chunks(Math.max(1, val.size())), cancelled, batcher);
        if (cancelled.getAsBoolean()) {
            throw new JobCancelledException();
        }
        batcher.flush();
        return batcher.tally;
    }

    /** Gathers streamed records into evaluation batches and tallies each batch as it fills. */
    private static final class EvalBatcher implements SnapshotStream.Sink {
        private final ClassifierEngine engine;
        private final Dataset data;
        private final int batchSize;
        private final ClassificationTally tally;
        private float[] x;
        private int[] y;
        private int filled;

        EvalBatcher(ClassifierEngine engine, Dataset data, int batchSize) {
            this.engine = engine;
            this.data = data;
            this.batchSize = batchSize;
            this.tally = new ClassificationTally(data.classNames().size());
        }

        @Override
        public void accept(int partition, long offset, int label, byte[] pixels, long hashPrefix) {
            if (x == null) {
                x = new float[batchSize * data.shape().length()];
                y = new int[batchSize];
                filled = 0;
            }
            ImagePreprocessor.toUnitFloat(pixels, data.shape(), x, filled * data.shape().length(), engine.channelsFirst());
            y[filled++] = label;
            if (filled == batchSize) {
                flush();
            }
        }

        void flush() {
            if (x == null || filled == 0) {
                return;
            }
            float[] features = filled == batchSize ? x : Arrays.copyOf(x, filled * data.shape().length());
            int[] labels = filled == batchSize ? y : Arrays.copyOf(y, filled);
            EvalBatch e = engine.evaluate(features, labels, filled);
            tally.add(labels, e.predicted(), e.meanLoss(), filled);
            x = null;
        }
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
