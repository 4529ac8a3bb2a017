package dev.pixelflow.cli.commands;

import dev.pixelflow.common.config.ConsumerGroups;
import dev.pixelflow.cli.CliErrors;
import dev.pixelflow.cli.IngestLanding;
import dev.pixelflow.cli.KafkaOptions;
import dev.pixelflow.cli.Progress;
import dev.pixelflow.cli.data.ImageSet;
import dev.pixelflow.cli.data.LabelRule;
import dev.pixelflow.cli.data.LabeledImage;
import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.message.MessageHeaders;
import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.common.worker.DaemonThreads;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.ArrayDeque;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import dev.pixelflow.cli.convert.ShapeConverter;
import dev.pixelflow.cli.convert.DurationConverter;
import dev.pixelflow.cli.convert.LabelRuleConverter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pixelflow ingest PATH...}: puts images from folders, files or IDX files onto {@code images.raw} and, unless
 * {@code --no-wait}, returns once the ingest worker has made each a tensor or a dead letter, so a {@code train} right
 * after it sees them all.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Send images (folders, files, IDX files) to images.raw for the ingest worker.")
public final class IngestCommand implements Callable<Integer> {
    @Mixin
    KafkaOptions kafka;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "image files, folders (recursive), or IDX images files")
    List<Path> paths;

    @Option(names = "--labels", defaultValue = "filename", paramLabel = "RULE",
            description = "filename (dog.1.jpg -> dog), folder (cats/x.jpg -> cats) or none; default ${DEFAULT-VALUE}", converter = LabelRuleConverter.class)
    LabelRule labels;

    @Option(names = "--label", paramLabel = "NAME", description = "one label for every file")
    String fixedLabel;

    @Option(names = "--size", paramLabel = "HxWxC", description = "size the worker preprocesses to (default: the worker's, 150x150x3)", converter = ShapeConverter.class)
    ImageShape size;

    @Option(names = "--class-names", split = ",", paramLabel = "NAME", description = "class names of IDX label indices (default: Fashion-MNIST's for Fashion-MNIST files)")
    List<String> classNames;

    @Option(names = "--source", paramLabel = "NAME", description = "value of the 'source' header (default: the path given)")
    String source;

    @Option(names = "--limit-per-class", paramLabel = "N", defaultValue = "0",
            description = "only the first N images of each class, in natural order of file names (cat.0.jpg, cat.1.jpg, ..., cat.10.jpg); default all")
    int limitPerClass;

    @Option(names = "--no-wait", description = "return once the images are sent, without waiting for the ingest worker")
    boolean noWait;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "2m",
            description = "give up waiting when the ingest worker has taken none of the images for this long (default ${DEFAULT-VALUE})", converter = DurationConverter.class)
    Duration timeout;

    @Option(names = "--ingest-group", paramLabel = "GROUP",
            description = "the ingest worker's consumer group to wait for (default: $" + ConsumerGroups.INGEST_VARIABLE + ", then " + ConsumerGroups.INGEST_DEFAULT + ")")
    String ingestGroup;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        String targetSize = size == null ? null : size.toString();
        ImageSet set = ImageSet.scan(paths, labels, fixedLabel, classNames, limitPerClass);
        KafkaClients clients = kafka.clients("ingest");
        Topics topics = kafka.topics();
        kafka.ensureTopics(clients, topics);
        String topic = topics.imagesRaw.name();
        String group = ingestGroup != null ? ingestGroup : ConsumerGroups.ingest(kafka.source());
        IngestLanding landing = noWait ? null : IngestLanding.begin(clients, topic, topics.imagesDlq.name(), group);
        AtomicInteger sent = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicReference<String> firstFailure = new AtomicReference<>();
        Map<String, Integer> perLabel = new TreeMap<>();
        Progress progress = new Progress(out, "ingest", set.size());
        // Reading files and encoding IDX images to PNG is CPU work: done ahead on all cores, sent in order.
        ExecutorService readers = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors(),
                DaemonThreads.numbered("ingest-read"));
        int window = 512;
        ArrayDeque<Future<LabeledImage>> ahead = new ArrayDeque<>();
        int next = 0;
        try (KafkaProducer<String, byte[]> producer = clients.producer("ingest", new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < set.size(); i++) {
                while (next < set.size() && ahead.size() < window) {
                    int index = next++;
                    ahead.add(readers.submit(() -> set.get(index)));
                }
                LabeledImage img = ahead.poll().get();
                if (img == null) {
                    progress.step(1);
                    continue;
                }
                RecordHeaders headers = new RecordHeaders();
                headers.add(MessageHeaders.FILENAME, MessageHeaders.utf8(img.id()));
                headers.add(MessageHeaders.CONTENT_TYPE, MessageHeaders.utf8(img.contentType()));
                headers.add(MessageHeaders.SOURCE, MessageHeaders.utf8(source != null ? source : sourceOf(img)));
                if (img.label() != null) {
                    headers.add(MessageHeaders.LABEL, MessageHeaders.utf8(img.label()));
                    perLabel.merge(img.label(), 1, Integer::sum);
                }
                if (img.labelIndex() >= 0) {
                    headers.add(MessageHeaders.LABEL_INDEX, MessageHeaders.utf8(img.labelIndex()));
                }
                if (targetSize != null) {
                    headers.add(MessageHeaders.TARGET_SIZE, MessageHeaders.utf8(targetSize));
                }
                producer.send(new ProducerRecord<>(topic, null, img.id(), img.bytes(), headers), (md, e) -> {
                    if (e == null) {
                        sent.incrementAndGet();
                        if (landing != null) {
                            landing.written(md.partition(), md.offset());
                        }
                    } else {
                        failed.incrementAndGet();
                        if (firstFailure.get() == null) {
                            // A refusal names the principal and the operation, like every command's error line.
                            firstFailure.compareAndSet(null, img.id() + ": " + CliErrors.message(e, kafka));
                        }
                    }
                    progress.step(1);
                });
            }
            producer.flush();
        } finally {
            readers.shutdownNow();
        }
        progress.finish();
        List<ImageSet.Skipped> skipped = set.skipped();
        out.printf("sent %d images to %s%s%n", sent.get(), topic, perLabel.isEmpty() ? "" : " " + perLabel);
        if (!skipped.isEmpty()) {
            out.printf("skipped %d:%n", skipped.size());
            skipped.stream().limit(20).forEach(s -> out.printf("  %s: %s%n", s.path(), s.reason()));
            if (skipped.size() > 20) {
                out.printf("  ... and %d more%n", skipped.size() - 20);
            }
        }
        if (failed.get() > 0) {
            out.printf("failed to send %d (first: %s)%n", failed.get(), firstFailure.get());
        }
        if (sent.get() == 0) {
            System.err.println("pixelflow ingest: nothing was sent" + (failed.get() > 0 ? ": " + firstFailure.get() : ""));
            return 1;
        }
        if (landing != null) {
            IngestLanding.Outcome outcome = landing.await(timeout, out);
            out.println(outcome.summary());
            outcome.examples().forEach(x -> out.println("  " + x));
            if (outcome.deadLetters() > outcome.examples().size()) {
                out.printf("  ... and %d more on %s%n", outcome.deadLetters() - outcome.examples().size(), topics.imagesDlq.name());
            }
        }
        return failed.get() > 0 ? 1 : 0;
    }

    private String sourceOf(LabeledImage img) {
        return paths.size() == 1 ? paths.get(0).toString() : Arrays.toString(paths.toArray());
    }
}
