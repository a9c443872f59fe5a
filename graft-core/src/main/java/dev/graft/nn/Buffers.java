package dev.graft.nn;

/** Grow-only scratch arrays: layers keep their activations here so steps after the first allocate nothing. */
public final class Buffers {
    private Buffers() {
    }

    /** Returns {@code current} if it holds at least {@code size} floats, else a new array of that size. */
    public static float[] ensure(float[] current, int size) {
        return current != null && current.length >= size ? current : new float[size];
    }

    public static int[] ensure(int[] current, int size) {
        return current != null && current.length >= size ? current : new int[size];
    }

    /**
     * As {@link #ensure(float[], int)} for a buffer whose needed size varies from call to call (inference over
     * batches of varying length): a new array is at least half again as large as the current one, so a run of
     * ever slightly larger batches reallocates a few times, not at every new maximum (each reallocation of a
     * long-lived buffer leaves garbage in the old generation and grows a server's heap).
     */
    public static float[] grow(float[] current, int size) {
        return current != null && current.length >= size ? current
                : new float[current == null ? size : Math.max(size, current.length + current.length / 2)];
    }

    public static int[] grow(int[] current, int size) {
        return current != null && current.length >= size ? current
                : new int[current == null ? size : Math.max(size, current.length + current.length / 2)];
    }
}
