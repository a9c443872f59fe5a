package dev.graft.tensor.kernel;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.DoubleSupplier;

/**
 * Block sizes of the vector GEMM compared in one JVM: {@link MiniLmLayerGemms} under several
 * configurations of the {@link GemmBlocking} (the {@code graft.gemm.*} system properties of
 * {@link KernelProvider#blockingFromSystemProperties()}, set while that configuration's workload is
 * constructed), each configuration's classes loaded in their own class loader (each with its own JIT
 * profile), the configurations interleaved pass by pass (rotating which goes first), timed by the thread's CPU time. Prints per
 * configuration the median pass and the median (and quartiles) of the per-pass speed-up against the
 * first. On these shared machines, separate processes see different loads; this is the comparison
 * to trust for a few percent. A program, not a test. From the repository root, after
 * {@code mvn -o -q -pl graft-core test-compile}:
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -XX:+UseParallelGC -Xmx4g \
 *     -cp graft-core/target/classes:graft-core/target/test-classes \
 *     dev.graft.tensor.kernel.GemmConfigAB 60 base graft.gemm.ncPanels=128 graft.gemm.kc=192,graft.gemm.mcSlivers=48
 * </pre>
 * Arguments: passes, then configurations ("base", or comma-separated property=value). With
 * {@code -Dprobe.runner=dev.graft.tensor.kernel.BenchShapeGemms} the workload is the training-side
 * GEMMs of {@code graft bench gemm} instead of MiniLM's inference GEMMs; with
 * {@code -Dprobe.runner=dev.graft.model.MiniLmEmbedRunner} it is the whole embedding forward pass,
 * one batch per pass, which needs the test class path (the model jar):
 * {@code -cp graft-core/target/classes:graft-core/target/test-classes:$(cat graft-core/target/embed-bench.classpath)}
 * (that file is written by {@code tools/bench/embed_compare.sh}).
 */
public final class GemmConfigAB {
    /** The workload timed per configuration: {@code -Dprobe.runner=CLASS}, by default {@link MiniLmLayerGemms}. */
    private static final String RUNNER = System.getProperty("probe.runner", "dev.graft.tensor.kernel.MiniLmLayerGemms");

    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        String[] configs = Arrays.copyOfRange(args, 1, args.length);
        // every configuration loads the JVM's whole class path (graft's classes and test classes, and
        // the jars a workload needs, such as the MiniLM model jar) in a loader of its own
        List<URL> paths = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            paths.add(Path.of(entry).toUri().toURL());
        }
        URL[] urls = paths.toArray(new URL[0]);
        List<DoubleSupplier> runners = new ArrayList<>();
        for (String cfg : configs) {
            List<String> set = new ArrayList<>();
            if (!cfg.equals("base")) {
                for (String kv : cfg.split(",")) {
                    String[] p = kv.split("=");
                    System.setProperty(p[0], p[1]);
                    set.add(p[0]);
                }
            }
            ClassLoader loader = new URLClassLoader(urls, ClassLoader.getPlatformClassLoader());
            runners.add((DoubleSupplier) Class.forName(RUNNER, true, loader)
                    .getConstructor().newInstance());
            for (String k : set) {
                System.clearProperty(k);
            }
        }
        int n = runners.size();
        for (int warm = 0; warm < 8; warm++) {
            for (DoubleSupplier r : runners) {
                r.getAsDouble();
            }
        }
        double[][] t = new double[n][rounds];
        for (int round = 0; round < rounds; round++) {
            for (int j = 0; j < n; j++) {
                int i = (j + round) % n;
                t[i][round] = runners.get(i).getAsDouble();
            }
        }
        // the speed-ups in the machine's fastest and slowest quarters of passes (by the geometric mean of
        // every configuration's time in the pass, so that no one configuration's noise picks the passes)
        Integer[] order = new Integer[rounds];
        double[] pace = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            order[r] = r;
            for (int i = 0; i < n; i++) {
                pace[r] += Math.log(t[i][r]);
            }
        }
        Arrays.sort(order, (x, y) -> Double.compare(pace[x], pace[y]));
        int quarter = Math.max(1, rounds / 4);
        for (int i = 1; i < n; i++) {
            double fast = 0;
            double slow = 0;
            for (int q = 0; q < quarter; q++) {
                fast += t[0][order[q]] / t[i][order[q]];
                slow += t[0][order[rounds - 1 - q]] / t[i][order[rounds - 1 - q]];
            }
            System.out.printf("%-40s speed-up in the fastest quarter of passes %.3f, in the slowest quarter %.3f%n",
                    configs[i], fast / quarter, slow / quarter);
        }
        for (int i = 0; i < n; i++) {
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                ratio[r] = t[0][r] / t[i][r];
            }
            Arrays.sort(ratio);
            double[] s = t[i].clone();
            Arrays.sort(s);
            System.out.printf("%-40s median %.2f ms, speed-up vs first %.3f (IQR %.3f-%.3f)%n", configs[i],
                    s[rounds / 2] / 1e6, ratio[rounds / 2], ratio[rounds / 4], ratio[3 * rounds / 4]);
        }
    }
}
