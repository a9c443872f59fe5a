package dev.graft.tensor.kernel;

import dev.graft.tensor.Parallel;

import java.util.logging.Logger;

/**
 * Chooses the kernels once: the Vector API implementation when the incubator module is present
 * and the platform has at least 256-bit float vectors, otherwise the scalar reference. The system
 * property {@code graft.kernels=scalar|vector} forces a choice. The vector kernels' GEMM blocking is
 * {@link GemmBlocking#fromSystemProperties()}: the tuned defaults unless a {@code graft.gemm.*}
 * property overrides one (for tuning experiments). The choice is logged.
 */
public final class KernelProvider {
    private static final Logger LOG = Logger.getLogger(KernelProvider.class.getName());

    /** The system property that forces the kernel choice. */
    public static final String PROPERTY = "graft.kernels";

    private KernelProvider() {
    }

    /** Kernels for the given pool, chosen as described above. */
    public static Kernels create(Parallel parallel) {
        String forced = System.getProperty(PROPERTY, "").trim().toLowerCase(java.util.Locale.ROOT);
        Kernels k;
        String why;
        switch (forced) {
            case "scalar" -> {
                k = new ScalarKernels();
                why = "forced by -D" + PROPERTY + "=scalar";
            }
            case "vector" -> {
                GemmBlocking blocking = GemmBlocking.fromSystemProperties();
                k = VectorKernelsLoader.load(parallel, blocking);
                if (k == null) {
                    throw new IllegalStateException("-D" + PROPERTY + "=vector was given but the Vector API is "
                            + "not available: run with --add-modules jdk.incubator.vector (the ./graft launcher does)");
                }
                why = "forced by -D" + PROPERTY + "=vector" + blockingNote(blocking);
            }
            case "" -> {
                GemmBlocking blocking = GemmBlocking.fromSystemProperties();
                k = VectorKernelsLoader.load(parallel, blocking);
                why = k == null ? "jdk.incubator.vector not available" : "default" + blockingNote(blocking);
                if (k == null) {
                    k = new ScalarKernels();
                }
            }
            default -> throw new IllegalArgumentException("unknown -D" + PROPERTY + "=" + forced
                    + ": use scalar or vector");
        }
        logChoice(k.name() + " (" + why + "), " + parallel.threads() + " thread(s)");
        return k;
    }

    /** For the log: the GEMM blocking when system properties changed it, else nothing. */
    private static String blockingNote(GemmBlocking blocking) {
        return blocking.equals(GemmBlocking.defaults()) ? "" : ", " + blocking;
    }

    /** Choices already logged: an experiment makes a provider per cell, and one line per choice is enough. */
    private static final java.util.Set<String> LOGGED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static void logChoice(String message) {
        if (LOGGED.add(message)) {
            LOG.info("kernels: " + message);
        }
    }

    /** Loads VectorKernels reflectively so that a JVM without the incubator module still runs. */
    static final class VectorKernelsLoader {
        static Kernels load(Parallel parallel, GemmBlocking blocking) {
            if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
                return null;
            }
            try {
                Class<?> c = Class.forName("dev.graft.tensor.kernel.VectorKernels");
                Object o = c.getConstructor(Parallel.class, GemmBlocking.class).newInstance(parallel, blocking);
                Kernels k = (Kernels) o;
                return ((VectorCapable) k).supported() ? k : null;
            } catch (ReflectiveOperationException | LinkageError e) {
                return null;
            }
        }
    }

    /** Implemented by vector kernels to say whether this CPU's vectors are wide enough to pay. */
    public interface VectorCapable {
        boolean supported();
    }
}
