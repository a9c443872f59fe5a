package dev.graft.cli;

import dev.graft.bench.GemmBench;
import dev.graft.bench.TrainBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code graft bench gemm|train}: figures for docs/PERFORMANCE.md. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure speed: GEMM GFLOP/s, or tokens/s of whole training steps.",
        subcommands = {BenchCommand.Gemm.class, BenchCommand.Train.class})
final class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "gemm", mixinStandardHelpOptions = true,
            description = "GFLOP/s of the GEMM kernels at 256^3, 512^3, 1024^3 and 2048x256x1024.")
    static final class Gemm implements Runnable {
        @Option(names = "--threads", description = "Threads (default: available cores).")
        int threads = Runtime.getRuntime().availableProcessors();

        @Override
        public void run() {
            GemmBench.run(threads, System.out);
        }
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Tokens/s of whole training steps (forward, backward, AdamW) on synthetic ids; "
                    + "the last line is 'tokens/s: X'.")
    static final class Train implements Runnable {
        @Option(names = "--arch", description = "Model preset (default: ${DEFAULT-VALUE}).")
        String arch = "bert-mini";

        @Option(names = "--threads", description = "Threads (default: available cores).")
        int threads = Runtime.getRuntime().availableProcessors();

        @Option(names = "--steps", description = "Measured steps (default: ${DEFAULT-VALUE}).")
        int steps = 20;

        @Option(names = "--warmup", description = "Warm-up steps, not measured (default: ${DEFAULT-VALUE}).")
        int warmup = 3;

        @Option(names = "--batch-size", description = "Sequences per step (default: ${DEFAULT-VALUE}).")
        int batch = 16;

        @Option(names = "--seq-len", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
        int seqLen = 128;

        @Option(names = "--vocab-size", description = "Vocabulary size (default: ${DEFAULT-VALUE}).")
        int vocab = 8192;

        @Option(names = "--seed", description = "Seed (default: ${DEFAULT-VALUE}).")
        long seed = 1;

        @Override
        public void run() {
            TrainBench.run(new TrainBench.Settings(arch, threads, steps, warmup, batch, seqLen, vocab, seed), System.out);
        }
    }
}
