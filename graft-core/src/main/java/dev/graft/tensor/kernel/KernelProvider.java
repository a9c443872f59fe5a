package dev.graft.tensor.kernel;

import dev.graft.tensor.Parallel;

import java.util.Locale;
import java.util.logging.Logger;

/**
 * Chooses the kernels once: the Vector API implementation when the incubator module is present
 * and the platform has at least 256-bit float vectors, otherwise the scalar reference. The system
 * property {@code graft.kernels=scalar|vector} forces a choice. The vector kernels' GEMM blocking is
 * {@link #blockingFromSystemProperties()}: the tuned defaults unless a {@code graft.gemm.*}
 * property overrides one (for tuning experiments). This class is the only place that reads those
 * properties: the kernels themselves take a {@link GemmBlocking} value. The choice is logged.
 */
public final class KernelProvider {
    private static final Logger LOG = Logger.getLogger(KernelProvider.class.getName());

    /** The system property that forces the kernel choice. */
    public static final String PROPERTY = "graft.kernels";

    /** The prefix of the system properties read by {@link #blockingFromSystemProperties()}. */
    public static final String GEMM_PROPERTY_PREFIX = "graft.gemm.";

    private KernelProvider() {
    }

    /** Kernels for the given pool, chosen as described above. */
    public static Kernels create(Parallel parallel) {
        String forced = System.getProperty(PROPERTY, "").trim().toLowerCase(Locale.ROOT);
        Kernels k;
        String why;
        switch (forced) {
            case "scalar" -> {
                k = new ScalarKernels();
                why = "forced by -D" + PROPERTY + "=scalar";
            }
            case "vector" -> {
                GemmBlocking blocking = blockingFromSystemProperties();
                k = VectorKernelsLoader.load(parallel, blocking);
                if (k == null) {
                    throw new IllegalStateException("-D" + PROPERTY + "=vector was given but the Vector API is "
                            + "not available: run with --add-modules jdk.incubator.vector (the ./graft launcher does)");
                }
                why = "forced by -D" + PROPERTY + "=vector" + blockingNote(blocking);
            }
            case "" -> {
                GemmBlocking blocking = blockingFromSystemProperties();
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

    /**
     * {@link GemmBlocking#defaults()}, with any of them replaced by a system property
     * {@code graft.gemm.NAME}, NAME a component of the record ({@code -Dgraft.gemm.kc=192},
     * {@code -Dgraft.gemm.balancedColumns=false}), for tuning experiments: how the CLI and the
     * benchmarks build the blocking they hand to the kernels.
     *
     * @throws IllegalArgumentException if a property is not a positive integer (or true/false)
     */
    public static GemmBlocking blockingFromSystemProperties() {
        GemmBlocking d = GemmBlocking.defaults();
        return new GemmBlocking(intProperty("kc", d.kc()), intProperty("mcSlivers", d.mcSlivers()),
                intProperty("ncPanels", d.ncPanels()), intProperty("widePanels", d.widePanels()),
                intProperty("rowPieces", d.rowPieces()), booleanProperty("balancedColumns", d.balancedColumns()));
    }

    private static int intProperty(String field, int otherwise) {
        String name = GEMM_PROPERTY_PREFIX + field;
        String v = System.getProperty(name);
        if (v == null) {
            return otherwise;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("system property " + name + "=" + v + " is not a positive integer: "
                + "remove it or give a block size such as " + otherwise);
    }

    private static boolean booleanProperty(String field, boolean otherwise) {
        String name = GEMM_PROPERTY_PREFIX + field;
        String v = System.getProperty(name);
        if (v == null) {
            return otherwise;
        }
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("system property " + name + "=" + v
                    + " is neither true nor false: remove it or give true or false");
        };
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
