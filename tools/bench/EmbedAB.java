import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * Driver of tools/bench/embed_ab.sh: two graft trees (A, B) in one JVM, each tree's dev.graft classes
 * in its own child-first class loader (dev.graft.model.EmbedSide in each), the same batches run
 * through both, alternating batch by batch (rotating which goes first), timed by the calling
 * thread's CPU time at one thread (wall time at more). Prints per-round speed-ups B/A, their
 * median, and the ratio of the per-batch medians summed (robust to a slow round).
 *
 * <p>Arguments: treeA treeB modelFolder tokenizerFile sentences rounds threads
 */
public final class EmbedAB {
    /** Loads dev.graft classes from its own URLs first, everything else from the parent. */
    static final class ChildFirst extends URLClassLoader {
        ChildFirst(URL[] urls, ClassLoader parent) {
            super(urls, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith("dev.graft.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    c = findClass(name);
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }
    }

    @SuppressWarnings("unchecked")
    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[4]);
        int rounds = Integer.parseInt(args[5]);
        int threads = Integer.parseInt(args[6]);
        IntConsumer[] run = new IntConsumer[2];
        Supplier<float[]>[] first = new Supplier[2];
        int batches = 0;
        for (int e = 0; e < 2; e++) {
            URL[] urls = {Path.of(args[e], "graft-core/target/classes/").toUri().toURL(),
                    Path.of(args[e], "graft-core/target/test-classes/").toUri().toURL()};
            ClassLoader loader = new ChildFirst(urls, EmbedAB.class.getClassLoader());
            List<Object> side = (List<Object>) loader.loadClass("dev.graft.model.EmbedSide")
                    .getMethod("prepare", String.class, String.class, int.class, int.class)
                    .invoke(null, args[2], args[3], count, threads);
            batches = (Integer) side.get(0);
            run[e] = (IntConsumer) side.get(1);
            first[e] = (Supplier<float[]>) side.get(2);
        }
        double worst = 0; // also the warm-up
        for (int i = 0; i < batches; i++) {
            run[0].accept(i);
            float[] a = first[0].get().clone();
            run[1].accept(i);
            float[] b = first[1].get();
            for (int j = 0; j < a.length; j++) {
                worst = Math.max(worst, Math.abs(a[j] - b[j]));
            }
        }
        System.out.printf(Locale.ROOT, "max |B - A| over the first embedding of each batch: %.3g%n", worst);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        boolean cpu = threads == 1;
        double[] ratios = new double[rounds];
        double[][][] perBatch = new double[2][batches][rounds];
        for (int r = 0; r < rounds; r++) {
            double[] total = new double[2];
            for (int i = 0; i < batches; i++) {
                for (int j = 0; j < 2; j++) {
                    int e = (i + j + r) % 2;
                    long t0 = cpu ? mx.getCurrentThreadCpuTime() : System.nanoTime();
                    run[e].accept(i);
                    long dt = (cpu ? mx.getCurrentThreadCpuTime() : System.nanoTime()) - t0;
                    total[e] += dt;
                    perBatch[e][i][r] = dt;
                }
            }
            ratios[r] = total[0] / total[1];
            System.out.printf(Locale.ROOT, "round %d: A %.2f s, B %.2f s (%s), speed-up B/A %.3f%n", r,
                    total[0] / 1e9, total[1] / 1e9, cpu ? "CPU time" : "wall", ratios[r]);
        }
        double[] sorted = ratios.clone();
        Arrays.sort(sorted);
        double[] summed = new double[2];
        for (int e = 0; e < 2; e++) {
            for (int i = 0; i < batches; i++) {
                double[] t = perBatch[e][i].clone();
                Arrays.sort(t);
                summed[e] += t[rounds / 2];
            }
        }
        System.out.printf(Locale.ROOT, "speed-up B/A: median of rounds %.3f (range %.3f-%.3f); per-batch medians "
                + "summed %.3f%n", sorted[rounds / 2], sorted[0], sorted[rounds - 1], summed[0] / summed[1]);
    }
}
