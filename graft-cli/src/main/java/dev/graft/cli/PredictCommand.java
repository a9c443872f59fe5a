package dev.graft.cli;

import dev.graft.finetune.FineTunedModel;
import dev.graft.finetune.Prediction;
import dev.graft.nn.Compute;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code graft predict}: JSON Lines predictions of a fine-tuned model. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Predict with a fine-tuned model: reads text lines (classification) or whitespace-tokenized "
                + "sentences (tagging) from --input or stdin, writes one JSON line per input line: "
                + "{text, label, probabilities} or {tokens, tags}.")
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "The --out folder of graft finetune.")
    Path model;

    @Option(names = "--input", description = "UTF-8 text file (default: stdin).")
    Path input;

    @Option(names = "--output", description = "Write here instead of stdout.")
    Path output;

    @Option(names = "--batch-size", description = "Inputs per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize = 64;

    @Option(names = "--threads", description = "Threads (default: available cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Override
    public Integer call() throws IOException {
        try (Parallel parallel = new Parallel(threads)) {
            Compute compute = new Compute(KernelProvider.create(parallel), parallel);
            FineTunedModel m = FineTunedModel.load(model, compute);
            try (BufferedReader in = input != null ? Files.newBufferedReader(input, StandardCharsets.UTF_8)
                    : new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                 Writer out = output != null ? Files.newBufferedWriter(output, StandardCharsets.UTF_8)
                         : new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8))) {
                Prediction.Counts c = Prediction.run(m, in, out, batchSize);
                if (c.truncated() > 0) {
                    System.err.printf(Locale.ROOT, "graft: warning: %,d lines are longer than %d tokens and were "
                            + "truncated%n", c.truncated(), m.head().maxLength());
                }
                if (c.splitSentences() > 0) {
                    System.err.printf(Locale.ROOT, "graft: warning: %,d sentences are longer than %d tokens; each was "
                            + "tagged in windows split at word boundaries%n", c.splitSentences(), m.head().maxLength());
                }
            }
        }
        return 0;
    }
}
