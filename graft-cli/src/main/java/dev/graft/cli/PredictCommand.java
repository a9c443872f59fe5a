package dev.graft.cli;

import dev.graft.data.TextLines;
import dev.graft.finetune.FineTunedModel;
import dev.graft.finetune.Prediction;
import dev.graft.io.FileModes;
import dev.graft.model.AtomicFiles;
import dev.graft.nn.Compute;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code graft predict}: JSON Lines predictions of a fine-tuned model. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Predict with a fine-tuned model: reads text lines (classification, multi-label), "
                + "whitespace-tokenized sentences (tagging) or pairs ({\"text\": ..., \"text_pair\": ...} or two "
                + "tab-separated texts) from --input or stdin, writes one JSON line per input line: "
                + "{text, label, probabilities}, {tokens, tags}, {text, labels, probabilities} or "
                + "{text, text_pair, label, probabilities}.")
final class PredictCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Option(names = "--model", required = true, description = "The --out folder of graft finetune.")
    Path model;

    @Option(names = "--input", description = "UTF-8 text file (default: stdin).")
    Path input;

    @Option(names = "--output", description = "Write here instead of stdout.")
    Path output;

    @Option(names = "--batch-size", description = "Inputs per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize = 64;

    @picocli.CommandLine.Mixin
    ThreadsOption threads = new ThreadsOption();

    @Override
    public Integer call() throws IOException {
        PrintWriter stderr = command.commandLine().getErr();
        if (input != null && !Files.isRegularFile(input)) {
            throw new IllegalArgumentException("--input " + input + ": " + (Files.isDirectory(input) ? "is a folder"
                    : "no such file") + "; give a UTF-8 text file, or leave --input out to read standard input");
        }
        if (output != null && Files.isDirectory(output)) {
            throw new IllegalArgumentException("--output " + output + " is a folder; give a file name");
        }
        try (Parallel parallel = new Parallel(threads.threads())) {
            Compute compute = new Compute(KernelProvider.create(parallel), parallel);
            FineTunedModel m = FineTunedModel.load(model, compute);
            Prediction.Counts c;
            try (TextLines in = input != null ? TextLines.open(input) : TextLines.of(System.in, "stdin")) {
                if (output == null) {
                    Writer out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
                    c = Prediction.run(m, in::next, out, batchSize);
                } else {
                    c = predictInto(output, m, in);
                }
            }
            if (c.truncated() > 0) {
                stderr.printf(Locale.ROOT, "graft: warning: %,d lines are longer than %d tokens and were "
                        + "truncated%n", c.truncated(), m.head().maxLength());
            }
            if (c.splitSentences() > 0) {
                stderr.printf(Locale.ROOT, "graft: warning: %,d sentences are longer than %d tokens; each was "
                        + "tagged in windows split at word boundaries%n", c.splitSentences(), m.head().maxLength());
            }
        }
        return 0;
    }

    /** Writes to a temporary file beside {@code file}, renamed over it only when every line was predicted. */
    private Prediction.Counts predictInto(Path file, FineTunedModel m, TextLines in) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = FileModes.createTempFile(parent, "." + file.getFileName() + ".", ".tmp");
        try {
            Prediction.Counts c;
            try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                c = Prediction.run(m, in::next, out, batchSize);
            }
            AtomicFiles.move(tmp, file);
            return c;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
