package dev.pixelflow.engine;

import org.nd4j.autodiff.samediff.internal.memory.AbstractMemoryMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.BaseNDArray;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

/**
 * The array memory of one SameDiff session, recycled per call. SameDiff 1.0.0-M2.1's own cache gets back only a
 * handful of the arrays a gradient pass allocates (4 of ~90 per step here), so every training step allocated its
 * activations and gradients afresh — 480 MB at 150×150×3, batch 32 — and left them to the garbage collector: page
 * faults and zeroing in every step, and a resident size in the gigabytes. An engine call's arrays are all dead once
 * the engine has copied out what it returns (the session recomputes every op output on every call), so this manager
 * lends arrays during a call and takes them all back at {@link #endCall}; the next call of the same shapes gets the
 * same memory. Free arrays beyond {@code budgetBytes} are freed, least recently used shapes first, so a worker that
 * sees many batch sizes does not hold one working set per size.
 *
 * <p>Used by one thread at a time, as its session is.
 */
final class StepArrayPool extends AbstractMemoryMgr {
    private record Shape(DataType type, List<Long> dims) {
        static Shape of(DataType type, long[] dims) {
            return new Shape(type, LongStream.of(dims).boxed().toList());
        }

        long bytes() {
            long n = type.width();
            for (long v : dims) {
                n *= v;
            }
            return n;
        }
    }

    private static final class Free {
        final ArrayDeque<INDArray> arrays = new ArrayDeque<>();
        long lastUsed;
    }

    private final long budgetBytes;
    private final Map<Shape, Free> free = new HashMap<>();
    private final List<Map.Entry<Shape, INDArray>> lent = new ArrayList<>();
    private long freeBytes;
    private long calls;
    private long reused;
    private long allocated;
    private boolean closed;

    StepArrayPool(long budgetBytes) {
        if (budgetBytes < 0) {
            throw new IllegalArgumentException("budget must be >= 0, got " + budgetBytes);
        }
        this.budgetBytes = budgetBytes;
    }

    @Override
    public INDArray allocate(boolean detached, DataType dataType, long... shape) {
        Shape key = Shape.of(dataType, shape);
        Free f = free.get(key);
        INDArray array = f == null ? null : f.arrays.poll();
        if (array != null) {
            freeBytes -= key.bytes();
            // SameDiff tracks arrays by id: a recycled array must not look like the one it was.
            ((BaseNDArray) array).assignNewId();
            reused++;
        } else {
            array = Nd4j.createUninitializedDetached(dataType, shape);
            allocated++;
        }
        lent.add(Map.entry(key, array));
        return array;
    }

    @Override
    public INDArray allocate(boolean detached, LongShapeDescriptor descriptor) {
        if (descriptor.isEmpty()) {
            INDArray empty = Nd4j.create(descriptor);
            return detached ? empty.detach() : empty;
        }
        return allocate(detached, descriptor.dataType(), descriptor.getShape());
    }

    @Override
    public void release(INDArray array) {
        // Nothing to do before the call ends: endCall takes back everything lent during it.
    }

    /**
     * Takes back every array lent since the last call ended. Only once nothing the caller got from the call is
     * read any more: outputs and gradients are the session's arrays too.
     */
    void endCall() {
        calls++;
        for (Map.Entry<Shape, INDArray> e : lent) {
            INDArray array = e.getValue();
            if (array.wasClosed()) {
                continue;
            }
            Free f = free.computeIfAbsent(e.getKey(), k -> new Free());
            f.arrays.add(array);
            f.lastUsed = calls;
            freeBytes += e.getKey().bytes();
        }
        lent.clear();
        trim();
    }

    /** The arrays lent since the last call ended (a copy). */
    List<INDArray> lent() {
        List<INDArray> arrays = new ArrayList<>();
        for (Map.Entry<Shape, INDArray> e : lent) {
            if (!e.getValue().wasClosed()) {
                arrays.add(e.getValue());
            }
        }
        return arrays;
    }

    /**
     * Gives away every array lent since the last call ended, instead of taking them back: the caller keeps them (a
     * {@link StepPlan} replaying the call on them) and frees them itself.
     */
    List<INDArray> handOver() {
        List<INDArray> arrays = lent();
        lent.clear();
        calls++;
        return arrays;
    }

    /**
     * Takes back arrays it handed over ({@link #handOver}) once their keeper is done with them, for the calls after;
     * frees them instead if the pool is closed.
     */
    void takeBack(List<INDArray> arrays) {
        for (INDArray array : arrays) {
            if (closed) {
                closeQuietly(array);
            } else if (!array.wasClosed()) {
                Shape key = Shape.of(array.dataType(), array.shape());
                Free f = free.computeIfAbsent(key, k -> new Free());
                f.arrays.add(array);
                f.lastUsed = calls;
                freeBytes += key.bytes();
            }
        }
        trim();
    }

    /** Frees the least recently used shapes until within budget; the last call's own shapes always stay. */
    private void trim() {
        while (freeBytes > budgetBytes) {
            Map.Entry<Shape, Free> oldest = null;
            for (Map.Entry<Shape, Free> e : free.entrySet()) {
                if (e.getValue().lastUsed < calls && (oldest == null || e.getValue().lastUsed < oldest.getValue().lastUsed)) {
                    oldest = e;
                }
            }
            if (oldest == null) {
                return;
            }
            for (INDArray array : oldest.getValue().arrays) {
                freeBytes -= oldest.getKey().bytes();
                closeQuietly(array);
            }
            free.remove(oldest.getKey());
        }
    }

    long freeBytes() {
        return freeBytes;
    }

    long reused() {
        return reused;
    }

    long allocated() {
        return allocated;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Map.Entry<Shape, INDArray> e : lent) {
            closeQuietly(e.getValue());
        }
        lent.clear();
        free.values().forEach(f -> f.arrays.forEach(StepArrayPool::closeQuietly));
        free.clear();
        freeBytes = 0;
    }

    /** Frees an array's native memory now, unless it is a view or already freed. */
    static void closeQuietly(INDArray array) {
        if (array != null && !array.wasClosed() && array.closeable()) {
            array.close();
        }
    }

    @Override
    public String toString() {
        return "StepArrayPool[calls=" + calls + ", reused=" + reused + ", allocated=" + allocated + ", freeBytes="
                + freeBytes + ", shapes=" + free.size() + "]";
    }
}
