package dev.graft.bench;

import dev.graft.model.LanguageModel;
import dev.graft.model.ModelConfig;
import dev.graft.model.Presets;
import dev.graft.model.TokenBatch;
import dev.graft.nn.Compute;
import dev.graft.train.AdamW;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Whole training steps (forward, backward, AdamW) on synthetic token ids, the workload of
 * {@code tools/bench/train_torch.py}: batch 16, sequence 128, vocabulary 8192, dropout 0.1; MLM
 * with 15% of positions predicted for encoders, next-token loss on every position for decoders.
 * Prints one line per step and, last, {@code tokens/s: X} (the median over the measured steps).
 */
public final class TrainBench {
    /** What the benchmark runs. */
    public record Settings(String arch, int threads, int steps, int warmup, int batch, int seqLen, int vocab,
                           long seed) {
        public Settings {
            if (steps < 1 || warmup < 0 || batch < 1 || seqLen < 2 || threads < 1) {
                throw new IllegalArgumentException("steps, batch, threads must be >= 1, seq len >= 2, warm-up >= 0");
            }
        }
    }

    private TrainBench() {
    }

    /** Runs the benchmark and returns the median tokens per second. */
    public static double run(Settings s, PrintStream out) {
        ModelConfig config = Presets.get(s.arch()).withVocabSize(s.vocab()).withMaxPositions(Math.max(s.seqLen(),
                Presets.DEFAULT_MAX_POSITIONS));
        try (var parallel = new dev.graft.tensor.Parallel(s.threads())) {
            Compute compute = new Compute(dev.graft.tensor.kernel.KernelProvider.create(parallel), parallel);
            LanguageModel model = new LanguageModel(compute, config, s.seed());
            model.setTraining(true);
            AdamW optimizer = new AdamW(compute, model.parameterSet(), 0.9f, 0.999f, 1e-8f, 0.01f);
            out.printf("bench train: %s (%,d parameters), batch %d x seq %d, vocab %d, %d thread(s), kernels %s%n",
                    s.arch(), model.parameterSet().count(), s.batch(), s.seqLen(), s.vocab(), s.threads(),
                    compute.kernels().name());
            SplittableRandom random = new SplittableRandom(s.seed());
            int n = s.batch() * s.seqLen();
            double[] rates = new double[s.steps()];
            for (int step = 0; step < s.warmup() + s.steps(); step++) {
                TokenBatch batch = syntheticBatch(config, s, random, n);
                long t0 = System.nanoTime();
                model.parameterSet().zeroGrads();
                float loss = model.forward(batch, true);
                optimizer.step(1e-4f);
                double seconds = (System.nanoTime() - t0) / 1e9;
                double rate = n / seconds;
                boolean measured = step >= s.warmup();
                if (measured) {
                    rates[step - s.warmup()] = rate;
                }
                out.printf("step %3d %s loss %.4f  %.1f ms  %.1f tokens/s%n", step + 1,
                        measured ? "        " : "(warm-up)", loss, seconds * 1e3, rate);
            }
            double[] sorted = rates.clone();
            Arrays.sort(sorted);
            double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                    : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
            out.printf("tokens/s: %.1f%n", median);
            return median;
        }
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
