package org.influence4j.internal;

import java.util.function.Supplier;

import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.MirroringPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A per-thread ND4J workspace for the temporaries of one-shot computations (a mini-batch's forward pass and
 * product): the arrays created inside it are carved out of one off-heap block that the next call on the same
 * thread reuses, instead of being allocated afresh and freed only when the garbage collector finds their wrappers.
 * Nothing created inside may be kept after the call: only the returned result, which is copied out.
 */
public final class Scratch {

    private Scratch() {
    }

    /** Name of the thread-local workspace. */
    public static final String WORKSPACE = "influence4j-scratch";

    /**
     * DL4J's own layer-workspace settings: learn the size on the first use, then reuse the block; a later, larger
     * use spills to ordinary allocations once and the block grows to fit on the next.
     */
    public static final WorkspaceConfiguration CONFIG = WorkspaceConfiguration.builder()
            .initialSize(0).overallocationLimit(0.05).policyAllocation(AllocationPolicy.OVERALLOCATE)
            .policyLearning(LearningPolicy.FIRST_LOOP).policyReset(ResetPolicy.BLOCK_LEFT)
            .policyMirroring(MirroringPolicy.FULL).policySpill(SpillPolicy.REALLOCATE).build();

    /**
     * Runs {@code body} with this thread's scratch workspace open and returns its result as a fresh array outside
     * any workspace. {@code body} must not keep (in a field, a cache, a returned object other than its result) any
     * array it creates.
     */
    public static INDArray detached(Supplier<INDArray> body) {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(CONFIG, WORKSPACE)) {
            return body.get().detach(); // a copy out of the workspace when attached, the array itself otherwise
        }
    }
}
