package dev.graft.spark;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Loaded models kept for the life of an executor's JVM, keyed by model folder and settings: a partition
 * borrows one, uses it for a chunk of rows, and gives it back, so that the model is read from disk once per
 * JVM, not once per partition or task. A model instance is not thread-safe (it owns its activation buffers):
 * a JVM that runs several tasks at once holds one instance per task running at the same time, each loaded
 * once and then reused.
 */
public final class ModelCache {
    /** Loads a model; what it throws reaches the driver as the task's failure. */
    @FunctionalInterface
    public interface Loader<T> {
        T load() throws IOException;
    }

    private static final Map<String, ConcurrentLinkedQueue<Object>> IDLE = new ConcurrentHashMap<>();
    private static final Map<String, Integer> LOADS = new ConcurrentHashMap<>();

    private ModelCache() {
    }

    /** An idle instance for {@code key}, or a new one from {@code loader}. */
    @SuppressWarnings("unchecked")
    public static <T> T borrow(String key, Loader<T> loader) throws IOException {
        Object idle = IDLE.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).poll();
        if (idle != null) {
            return (T) idle;
        }
        T loaded = loader.load();
        LOADS.merge(key, 1, Integer::sum);
        return loaded;
    }

    /** Returns an instance borrowed for {@code key}. */
    public static void giveBack(String key, Object instance) {
        IDLE.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).add(instance);
    }

    /** How many times this JVM has loaded the model of {@code key} (for tests). */
    static int loads(String key) {
        return LOADS.getOrDefault(key, 0);
    }
}
