package dev.pixelflow.cli.classify;

import dev.pixelflow.cli.data.ImageSet;
import dev.pixelflow.cli.data.LabeledImage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * An {@link ImageSet} as the client's source, optionally a seeded random sample of it, remembering each sent
 * image's true label for evaluation. Images are read only when sent.
 */
public final class ImageSetSource implements ClassifyClient.Source {
    private final ImageSet set;
    private final int[] order;
    private final AtomicReferenceArray<String> labels;

    private ImageSetSource(ImageSet set, int[] order) {
        this.set = set;
        this.order = order;
        this.labels = new AtomicReferenceArray<>(order.length);
    }

    /** Every image, in the set's order. */
    public static ImageSetSource all(ImageSet set) {
        int[] order = new int[set.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        return new ImageSetSource(set, order);
    }

    /**
     * At most {@code limit} images drawn at random with {@code seed}: a folder sorted by name holds one class after
     * another, so its first N would not be a fair sample. The same seed draws the same images.
     */
    public static ImageSetSource sample(ImageSet set, int limit, long seed) {
        if (limit >= set.size()) {
            return all(set);
        }
        List<Integer> indices = new ArrayList<>(set.size());
        for (int i = 0; i < set.size(); i++) {
            indices.add(i);
        }
        Collections.shuffle(indices, new Random(seed));
        int[] order = indices.subList(0, limit).stream().sorted().mapToInt(Integer::intValue).toArray();
        return new ImageSetSource(set, order);
    }

    @Override
    public int size() {
        return order.length;
    }

    @Override
    public ClassifyClient.Item item(int index) {
        int before = set.skipped().size();
        LabeledImage image = set.get(order[index]);
        if (image == null) {
            List<ImageSet.Skipped> skipped = set.skipped();
            if (skipped.size() > before) {
                ImageSet.Skipped s = skipped.get(skipped.size() - 1);
                return ClassifyClient.Item.skip(s.path(), s.reason());
            }
            return ClassifyClient.Item.skip(name(index), "unreadable");
        }
        labels.set(index, image.label());
        return ClassifyClient.Item.image(image.id(), image.bytes());
    }

    /** The true label of a sent image, or null (unlabelled, or not read yet). */
    public String label(int index) {
        return labels.get(index);
    }
}
