package dev.graft.bench;

import dev.graft.model.LanguageModel;
import dev.graft.model.ModelConfig;
import dev.graft.model.Presets;
import dev.graft.model.TokenBatch;
import dev.graft.nn.Compute;
import dev.graft.nn.PhaseClock;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import dev.graft.train.AdamW;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Whole training steps (forward, backward, AdamW) on synthetic token ids, the workload of
 * {@code tools/bench/train_torch.py}: batch 16, sequence 128, vocabulary 8192, dropout 0.1; MLM
 * with 15% of positions predicted for encoders, next-token loss on every position for decoders.
 * Prints one line per step and, last, {@code tokens/s: X} (the median over the measured steps).
 *
 * <p>With {@code phases}, the same steps run first at 1 thread and then at the settings' thread count, each
 * layer reporting its phase to a {@link PhaseClock}, and a table gives each phase's milliseconds per step at
 * both counts and its speed-up: which parts of a step scale with the cores and which do not.
 */
public final class TrainBench {
    /** What the benchmark runs. */
    public record Settings(String arch, int threads, int steps, int warmup, int batch, int seqLen, int vocab,
                           long seed, boolean phases) {
        public Settings {
            if (steps < 1 || warmup < 0 || batch < 1 || seqLen < 2 || threads < 1) {
                throw new IllegalArgumentException("steps, batch, threads must be >= 1, seq len >= 2, warm-up >= 0");
            }
        }
    }

    /** One run's median tokens/s and, when its phases were timed, the mean milliseconds per step of each. */
    public record Measurement(int threads, double tokensPerSecond, double stepMillis, double[] phaseMillis) {
    }

    private TrainBench() {
    }

    /** Runs the benchmark and returns the median tokens per second (at the settings' thread count). */
    public static double run(Settings s, PrintStream out) {
        if (!s.phases()) {
            return measure(s, s.threads(), false, out).tokensPerSecond();
        }
        Measurement one = measure(s, 1, true, out);
        Measurement many = s.threads() == 1 ? null : measure(s, s.threads(), true, out);
        out.print(phaseTable(one, many, "step", "tokens/s (median step)"));
        Measurement last = many == null ? one : many;
        out.printf("tokens/s: %.1f%n", last.tokensPerSecond());
        return last.tokensPerSecond();
    }

    /** Runs warm-up and measured steps at {@code threads} threads. */
    public static Measurement measure(Settings s, int threads, boolean phases, PrintStream out) {
        ModelConfig config = Presets.get(s.arch()).withVocabSize(s.vocab()).withMaxPositions(Math.max(s.seqLen(),
                Presets.DEFAULT_MAX_POSITIONS));
        try (var parallel = new Parallel(threads)) {
            PhaseClock clock = phases ? PhaseClock.measuring() : PhaseClock.OFF;
            Compute compute = new Compute(KernelProvider.create(parallel), parallel, clock);
            LanguageModel model = new LanguageModel(compute, config, s.seed());
            model.setTraining(true);
            AdamW optimizer = new AdamW(compute, model.parameterSet(), 0.9f, 0.999f, 1e-8f, 0.01f);
            out.printf("bench train: %s (%,d parameters), batch %d x seq %d, vocab %d, %d thread(s), kernels %s%n",
                    s.arch(), model.parameterSet().count(), s.batch(), s.seqLen(), s.vocab(), threads,
                    compute.kernels().name());
            SplittableRandom random = new SplittableRandom(s.seed());
            int n = s.batch() * s.seqLen();
            double[] rates = new double[s.steps()];
            double measuredSeconds = 0;
            for (int step = 0; step < s.warmup() + s.steps(); step++) {
                boolean measured = step >= s.warmup();
                if (step == s.warmup()) {
                    clock.reset();
                }
                TokenBatch batch = syntheticBatch(config, s, random, n);
                long t0 = System.nanoTime();
                clock.enter(PhaseClock.Phase.OPTIMIZER);
                model.parameterSet().zeroGrads(parallel);
                clock.exit();
                clock.enter(PhaseClock.Phase.OTHER);
                float loss = model.forward(batch, true);
                optimizer.step(1e-4f);
                clock.exit();
                double seconds = (System.nanoTime() - t0) / 1e9;
                double rate = n / seconds;
                if (measured) {
                    rates[step - s.warmup()] = rate;
                    measuredSeconds += seconds;
                }
                out.printf("step %3d %s loss %.4f  %.1f ms  %.1f tokens/s%n", step + 1,
                        measured ? "        " : "(warm-up)", loss, seconds * 1e3, rate);
            }
            double median = median(rates);
            if (!phases) {
                out.printf("tokens/s: %.1f%n", median);
            }
            double[] phaseMillis = null;
            if (phases) {
                long[] nanos = clock.nanos();
                phaseMillis = new double[nanos.length];
                for (int i = 0; i < nanos.length; i++) {
                    phaseMillis[i] = nanos[i] / 1e6 / s.steps();
                }
            }
            return new Measurement(threads, median, measuredSeconds * 1e3 / s.steps(), phaseMillis);
        }
    }

    /**
     * Each phase's milliseconds per {@code unit} (a step, a round of batches) at 1 thread and at the other
     * count, its share of the 1-thread time and its speed-up, as a Markdown table, then the rates (a
     * Measurement's {@code tokensPerSecond}, named {@code rate}); {@code many} null gives the 1-thread column
     * only.
     */
    public static String phaseTable(Measurement one, Measurement many, String unit, String rate) {
        StringBuilder b = new StringBuilder();
        PhaseClock.Phase[] phases = PhaseClock.Phase.values();
        if (many == null) {
            b.append(String.format("| phase | ms/%s, 1 thread | share |%n|---|---:|---:|%n", unit));
        } else {
            b.append(String.format("| phase | ms/%s, 1 thread | share | ms/%s, %d threads | speed-up |%n"
                    + "|---|---:|---:|---:|---:|%n", unit, unit, many.threads()));
        }
        for (PhaseClock.Phase p : phases) {
            double a = one.phaseMillis()[p.ordinal()];
            b.append(String.format("| %s | %.2f | %.1f%% |", p.label(), a, 100 * a / one.stepMillis()));
            if (many != null) {
                double m = many.phaseMillis()[p.ordinal()];
                b.append(String.format(" %.2f | %s |", m, m > 0 ? String.format("%.2fx", a / m) : "-"));
            }
            b.append('\n');
        }
        b.append(String.format("| **whole %s** | %.2f | 100%% |", unit, one.stepMillis()));
        if (many != null) {
            b.append(String.format(" %.2f | **%.2fx** |", many.stepMillis(), one.stepMillis() / many.stepMillis()));
        }
        b.append('\n');
        b.append(String.format("%s: %.1f at 1 thread", rate, one.tokensPerSecond()));
        if (many != null) {
            b.append(String.format(", %.1f at %d threads (%.2fx)", many.tokensPerSecond(), many.threads(),
                    many.tokensPerSecond() / one.tokensPerSecond()));
        }
        b.append('\n');
        return b.toString();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    private static TokenBatch syntheticBatch(ModelConfig config, Settings s, SplittableRandom r, int n) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = 5 + r.nextInt(s.vocab() - 5);
        }
        int[] targets;
        if (config.isEncoder()) {
            targets = new int[n];
            Arrays.fill(targets, TokenBatch.IGNORE);
            for (int i = 0; i < n; i++) {
                if (r.nextDouble() < 0.15) {
                    targets[i] = ids[i];
                    ids[i] = 4; // the [MASK] id of graft's WordPiece layout
                }
            }
        } else {
            targets = TokenBatch.shiftedTargets(s.batch(), s.seqLen(), ids);
        }
        return new TokenBatch(s.batch(), s.seqLen(), ids, null, null, targets);
    }
}
