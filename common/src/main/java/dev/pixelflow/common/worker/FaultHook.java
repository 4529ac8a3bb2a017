package dev.pixelflow.common.worker;

/**
 * A moment inside a worker's work that the fault suite holds open to aim a kill inside it: a publish transaction
 * whose records are sent but not committed, a loaded model version not yet swapped in. Workers in service are given
 * {@link #NONE}; the fault suite starts them through main classes of its own that install a hook which waits.
 */
@FunctionalInterface
public interface FaultHook {
    FaultHook NONE = what -> { };

    /** Called on the worker's thread at the moment; {@code what} names what is in hand (a model version). */
    void reached(String what);
}
