package dev.graft.nn;

import java.util.Arrays;

/**
 * Wall time spent in each phase of a training step ({@code graft bench train --phases}): the layers enter
 * and leave their phase around the work they start from the thread that drives the model, so a phase's time
 * includes its parallel regions as the caller waits for them. Times are exclusive: a phase entered inside
 * another (a Linear inside the attention) pauses the outer one until it leaves. Calls from other threads
 * (inside a parallel region) are ignored, so a phase is counted once whatever the thread count.
 *
 * <p>{@link #OFF}, the clock of every {@link Compute} unless one is given, reads no clock and keeps no state.
 * One clock belongs to one model driven by one thread; it is not for concurrent use.
 */
public final class PhaseClock {
    /** The phases of a step, as the scaling table lists them. */
    public enum Phase {
        EMBEDDING("embeddings: gather, scatter of gradients"),
        QKV("GEMM: Q, K, V projections"),
        ATTENTION_OUTPUT("GEMM: attention output projection"),
        FFN_UP("GEMM: feed-forward up"),
        FFN_DOWN("GEMM: feed-forward down"),
        ATTENTION("attention: Q·Kᵀ, softmax, P·V"),
        GELU("GELU"),
        LAYER_NORM("layer norm"),
        DROPOUT("dropout"),
        RESIDUAL("residual adds"),
        HEAD("head: transform, logits, loss"),
        OTHER_LINEAR("GEMM: other linears"),
        OPTIMIZER("optimizer: AdamW, zeroing gradients"),
        OTHER("other: what no phase above covers");

        private final String label;

        Phase(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** The clock that measures nothing. */
    public static final PhaseClock OFF = new PhaseClock(false);

    private static final int MAX_DEPTH = 16;

    private final boolean enabled;
    private final long[] nanos = new long[Phase.values().length];
    private final int[] stack = new int[MAX_DEPTH];
    private int depth;
    private long since;
    private Thread owner;

    private PhaseClock(boolean enabled) {
        this.enabled = enabled;
    }

    /** A clock that measures, owned by the first thread that enters a phase. */
    public static PhaseClock measuring() {
        return new PhaseClock(true);
    }

    public boolean enabled() {
        return enabled;
    }

    /** Starts {@code phase}, pausing the phase it is entered from. Pair with {@link #exit()}. */
    public void enter(Phase phase) {
        if (!enabled || !owned()) {
            return;
        }
        long now = System.nanoTime();
        if (depth > 0) {
            nanos[stack[depth - 1]] += now - since;
        }
        if (depth == MAX_DEPTH) {
            throw new IllegalStateException("phases nested deeper than " + MAX_DEPTH + ": an enter without its exit");
        }
        stack[depth++] = phase.ordinal();
        since = now;
    }

    /** Ends the phase entered last; the phase it was entered from resumes. */
    public void exit() {
        if (!enabled || !owned()) {
            return;
        }
        if (depth == 0) {
            throw new IllegalStateException("exit without a phase entered");
        }
        long now = System.nanoTime();
        nanos[stack[--depth]] += now - since;
        since = now;
    }

    private boolean owned() {
        Thread current = Thread.currentThread();
        if (owner == null) {
            owner = current;
        }
        return owner == current;
    }

    /** Nanoseconds spent in each phase so far, indexed by {@link Phase#ordinal()}; a copy. */
    public long[] nanos() {
        return nanos.clone();
    }

    /** Forgets the times measured so far (between warm-up and measured steps). */
    public void reset() {
        if (depth != 0) {
            throw new IllegalStateException("reset inside a phase");
        }
        Arrays.fill(nanos, 0L);
    }
}
