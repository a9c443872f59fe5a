package dev.graft.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.data.BadInput;
import dev.graft.data.DatasetRegistry;
import dev.graft.finetune.DataSources;
import dev.graft.finetune.Evaluation;
import dev.graft.finetune.FineTunedModel;
import dev.graft.nn.Compute;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code graft eval}: a fine-tuned model's scores on labeled data. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Score a fine-tuned model on labeled data: accuracy, macro-F1, per-class precision/recall/F1 and "
                + "the confusion matrix (classification); token accuracy, per-tag scores and, for chunk tags (BIO, "
                + "BIOES), seqeval span F1 (tagging).")
final class EvalCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec command;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--model", required = true, description = "The --out folder of graft finetune.")
    Path model;

    @Option(names = "--data", required = true, description = "A labeled file or a dataset (NAME[:split], default "
            + "split test).")
    String data;

    @Option(names = "--json", description = "Print the metrics as JSON.")
    boolean json;

    @Option(names = "--batch-size", description = "Inputs per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize = 64;

    @picocli.CommandLine.Mixin
    ColumnOptions columns = new ColumnOptions();

    @Option(names = "--skip-bad", description = "Skip bad records (counted) instead of stopping.")
    boolean skipBad;

    @picocli.CommandLine.Mixin
    ThreadsOption threads = new ThreadsOption();

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = command.commandLine().getOut();
        PrintStream err = System.err;
        try (Parallel parallel = new Parallel(threads.threads())) {
            Compute compute = new Compute(KernelProvider.create(parallel), parallel);
            FineTunedModel m = FineTunedModel.load(model, compute);
            BadInput bad = BadInput.of(skipBad);
            Evaluation e = Evaluation.run(m, data, columns.applyTo(new DataSources(DatasetRegistry.standard(), err)), bad,
                    batchSize);
            if (e.truncated() > 0) {
                err.printf(Locale.ROOT, "graft: warning: %,d texts are longer than %d tokens and were truncated%n",
                        e.truncated(), m.head().maxLength());
            }
            if (e.splitSentences() > 0) {
                err.printf(Locale.ROOT, "graft: warning: %,d sentences are longer than %d tokens; each was tagged in "
                        + "windows split at word boundaries%n", e.splitSentences(), m.head().maxLength());
            }
            if (bad.skipped() > 0) {
                err.println("graft: " + bad.summary());
            }
            if (json) {
                ObjectNode o = JSON.createObjectNode();
                o.put("task", e.task().id());
                o.put("model", model.toString());
                o.put("data", data);
                o.put("examples", e.examples());
                o.setAll(e.metrics().toJson());
                stdout.println(JSON.writeValueAsString(o));
            } else {
                stdout.printf(Locale.ROOT, "%s on %s (%,d examples)%n%n", model, data, e.examples());
                stdout.print(e.report());
            }
        }
        return 0;
    }
}
