package dev.pixelflow.engine;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_1;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;
import static org.bytedeco.dnnl.global.dnnl.dnnl_a;
import static org.bytedeco.dnnl.global.dnnl.dnnl_aBcd8b;
import static org.bytedeco.dnnl.global.dnnl.dnnl_binary_add;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_relu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_engine_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_f32;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_equal;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_get_size;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_init_by_tag;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nhwc;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_append_binary;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_append_eltwise;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_post_ops;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_execute;
import static org.bytedeco.dnnl.global.dnnl.dnnl_reorder_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_default_flags;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_wait;
import static org.bytedeco.dnnl.global.dnnl.dnnl_success;

import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_post_ops;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * oneDNN's C API through JavaCPP's presets: one CPU engine, a stream per thread, and the execution of a primitive on
 * INDArrays' own memory (no copies). libnd4j carries its own oneDNN, but reaches it only through its ops; this is for
 * the work those ops do around oneDNN rather than in it (see {@link TrainingBatchNorm}).
 */
final class Dnnl {
    private static final dnnl_engine ENGINE = new dnnl_engine();
    private static final ThreadLocal<dnnl_stream> STREAMS = ThreadLocal.withInitial(Dnnl::newStream);

    static {
        check(dnnl_engine_create(ENGINE, dnnl_cpu, 0), "creating the CPU engine");
    }

    private Dnnl() {
    }

    static dnnl_engine engine() {
        return ENGINE;
    }

    static void check(int status, String what) {
        if (status != dnnl_success) {
            throw new IllegalStateException("oneDNN failed " + what + " (status " + status + ")");
        }
    }

    /** A float32 memory descriptor of logical dimensions {@code dims} (oneDNN's order: N, C, H, W) in a layout tag. */
    static dnnl_memory_desc_t floats(long[] dims, int tag) {
        dnnl_memory_desc_t md = new dnnl_memory_desc_t();
        check(dnnl_memory_desc_init_by_tag(md, dims.length, dims, dnnl_f32, tag), "describing an array");
        return md;
    }

    /** Activations as the engine's arrays hold them, [N, H, W, C]: {@link #activations}' layout 0. */
    static final int NHWC = 0;

    /**
     * A float32 activation descriptor of dimensions {@code nchw} (oneDNN's order) in the layout {@code layout}: NHWC,
     * or blocks of 8 channels ({@code layout} 8: oneDNN's nChw8c, each pixel's channels in groups of 8, the groups
     * outermost). A [N, H, W, C] array holds either as long as C is a multiple of 8.
     */
    static dnnl_memory_desc_t activations(long[] nchw, int layout) {
        return switch (layout) {
            case NHWC -> floats(nchw, dnnl_nhwc);
            case 8 -> floats(nchw, dnnl_aBcd8b);
            default -> throw new IllegalArgumentException("no activation layout " + layout);
        };
    }

    /** A float32 vector of {@code length} values. */
    static dnnl_memory_desc_t vector(long length) {
        return floats(new long[]{length}, dnnl_a);
    }

    /**
     * A primitive for an operation descriptor, with attributes (post-ops) or null, and the forward primitive's
     * descriptor as hint for a backward one (else null).
     */
    static dnnl_primitive_desc describe(Pointer opDesc, dnnl_primitive_attr attr, dnnl_primitive_desc hint,
                                        String what) {
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        check(dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(opDesc), attr, ENGINE, hint),
                "describing " + what);
        return pd;
    }

    /** A memory descriptor a primitive descriptor chose or was given, such as {@code dnnl_query_weights_md}. */
    static dnnl_memory_desc_t query(dnnl_primitive_desc pd, int what) {
        dnnl_memory_desc_t md = dnnl_primitive_desc_query_md(pd, what, 0);
        if (md == null || md.isNull()) {
            throw new IllegalStateException("oneDNN has no memory descriptor " + what + " for this primitive");
        }
        return md;
    }

    /**
     * The argument kind of the array a primitive described with an addend ({@link #describeWithPostOps}) adds to its
     * result: oneDNN's {@code DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1}.
     */
    static final int ARG_ADDEND = DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE | DNNL_ARG_SRC_1;

    /**
     * A primitive descriptor whose primitive adds an array of layout {@code addend} (if not null) to its result and
     * then applies ReLU ({@code relu}), in the same pass (oneDNN's post-ops). The addend is read from its own array
     * ({@link #ARG_ADDEND}), so the output need not be filled with it first.
     */
    static dnnl_primitive_desc describeWithPostOps(Pointer opDesc, dnnl_memory_desc_t addend, boolean relu,
                                                   String what) {
        dnnl_post_ops ops = new dnnl_post_ops();
        check(dnnl_post_ops_create(ops), "creating post-ops");
        dnnl_primitive_attr attr = new dnnl_primitive_attr();
        try {
            if (addend != null) {
                check(dnnl_post_ops_append_binary(ops, dnnl_binary_add, addend), "adding an addition post-op");
            }
            if (relu) {
                check(dnnl_post_ops_append_eltwise(ops, 1f, dnnl_eltwise_relu, 0f, 0f), "adding a ReLU post-op");
            }
            check(dnnl_primitive_attr_create(attr), "creating attributes");
            check(dnnl_primitive_attr_set_post_ops(attr, ops), "setting post-ops");
            return describe(opDesc, attr, null, what);
        } finally {
            if (!attr.isNull()) {
                dnnl_primitive_attr_destroy(attr); // the descriptor keeps its own copy
            }
            dnnl_post_ops_destroy(ops);
        }
    }

    /** Floats an array of this descriptor holds. */
    static long floatsOf(dnnl_memory_desc_t md) {
        return bytesOf(md) / Float.BYTES;
    }

    static long bytesOf(dnnl_memory_desc_t md) {
        return dnnl_memory_desc_get_size(md);
    }

    static boolean same(dnnl_memory_desc_t a, dnnl_memory_desc_t b) {
        return dnnl_memory_desc_equal(a, b) != 0;
    }

    /** A copy from one memory layout to another, or null when the two are the same. */
    static dnnl_primitive reorder(dnnl_memory_desc_t from, dnnl_memory_desc_t to) {
        if (same(from, to)) {
            return null;
        }
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        check(dnnl_reorder_primitive_desc_create(pd, from, ENGINE, to, ENGINE, null), "describing a reorder");
        return create(pd, "a reorder");
    }

    /** Copies {@code from} into {@code to}, in the layouts of the reorder's descriptors. */
    static void reorder(dnnl_primitive reorder, INDArray from, dnnl_memory_desc_t fromDesc, INDArray to,
                        dnnl_memory_desc_t toDesc) {
        execute(reorder, new int[]{DNNL_ARG_FROM, DNNL_ARG_TO}, new INDArray[]{from, to}, new boolean[]{false, true},
                new dnnl_memory_desc_t[]{fromDesc, toDesc});
    }

    /** {@code w} in the layout {@code to}, through {@code reorder}: a new array, or {@code w} when no reorder is needed. */
    static INDArray convert(INDArray w, dnnl_primitive reorder, dnnl_memory_desc_t from, dnnl_memory_desc_t to) {
        if (reorder == null) {
            return w;
        }
        INDArray out = Nd4j.createUninitializedDetached(DataType.FLOAT, floatsOf(to));
        reorder(reorder, w, from, out, to);
        return out;
    }

    /** Frees a converted copy now rather than at the next collection. */
    static void release(INDArray converted, INDArray original) {
        if (converted != original) {
            converted.close();
        }
    }

    static dnnl_primitive create(dnnl_primitive_desc pd, String what) {
        dnnl_primitive p = new dnnl_primitive();
        check(dnnl_primitive_create(p, pd), "creating " + what);
        return p;
    }

    /**
     * Runs a primitive on arrays given by oneDNN argument kind, each with its memory descriptor, and waits for it. An
     * array that is not a dense array of its own (a view, say) is copied in, and out again if {@code written} says the
     * primitive writes it; the engine's own arrays never are.
     */
    static void execute(dnnl_primitive primitive, int[] kinds, INDArray[] arrays, boolean[] written,
                        dnnl_memory_desc_t[] descs) {
        INDArray[] dense = new INDArray[arrays.length];
        dnnl_memory[] memories = new dnnl_memory[kinds.length];
        try (dnnl_exec_arg_t args = new dnnl_exec_arg_t(kinds.length)) {
            for (int i = 0; i < kinds.length; i++) {
                dense[i] = isDense(arrays[i]) ? arrays[i] : arrays[i].dup('c');
                memories[i] = new dnnl_memory();
                check(dnnl_memory_create(memories[i], descs[i], ENGINE, dense[i].data().addressPointer()),
                        "wrapping an array");
                args.position(i).arg(kinds[i]).memory(memories[i]);
            }
            dnnl_stream stream = STREAMS.get();
            // A primitive keeps one scratchpad of its own (oneDNN's default), so one execution at a time; primitives
            // are shared by shape, between engines and threads.
            synchronized (primitive) {
                check(dnnl_primitive_execute(primitive, stream, kinds.length, args.position(0)), "executing");
                check(dnnl_stream_wait(stream), "waiting for its stream");
            }
        } finally {
            for (dnnl_memory m : memories) {
                if (m != null && !m.isNull()) {
                    dnnl_memory_destroy(m);
                }
            }
        }
        for (int i = 0; i < arrays.length; i++) {
            if (written[i] && dense[i] != arrays[i]) {
                arrays[i].assign(dense[i]);
            }
        }
    }

    private static boolean isDense(INDArray a) {
        return a.ordering() == 'c' && !a.isView() && a.length() == a.data().length()
                && Shape.hasDefaultStridesForShape(a);
    }

    private static dnnl_stream newStream() {
        dnnl_stream stream = new dnnl_stream();
        check(dnnl_stream_create(stream, ENGINE, dnnl_stream_default_flags), "creating a stream");
        return stream;
    }
}
