package dev.graft.cli;

import dev.graft.bench.TrainBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code graft demo}. The end-to-end demo (fetch data, pretrain, fine-tune, compare strategies,
 * write a report) is not built yet; until it is, the demo runs the training benchmark of both
 * model families and says so.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "The main job. For now: a short training benchmark of bert-mini and gpt-mini "
                + "(the end-to-end pretrain/fine-tune demo is not built yet).")
final class DemoCommand implements Runnable {
    @Option(names = "--threads", description = "Threads (default: available cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--steps", description = "Measured steps per model (default: ${DEFAULT-VALUE}).")
    int steps = 10;

    @Override
    public void run() {
        System.out.println("graft demo: the end-to-end demo (pretrain, fine-tune, compare, report) is not built yet.");
        System.out.println("Running the training benchmark instead: whole steps of bert-mini (MLM) and gpt-mini (CLM).");
        double bert = TrainBench.run(new TrainBench.Settings("bert-mini", threads, steps, 2, 16, 128, 8192, 1),
                System.out);
        double gpt = TrainBench.run(new TrainBench.Settings("gpt-mini", threads, steps, 2, 16, 128, 8192, 1),
                System.out);
        System.out.printf("summary: bert-mini %.0f tokens/s, gpt-mini %.0f tokens/s at %d thread(s)%n", bert, gpt,
                threads);
    }
}
