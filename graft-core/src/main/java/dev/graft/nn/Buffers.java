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
}
