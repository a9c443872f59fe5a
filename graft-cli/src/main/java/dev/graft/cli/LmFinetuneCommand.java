package dev.graft.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.data.DatasetRegistry;
import dev.graft.finetune.LanguageModelFineTuning;
import dev.graft.finetune.LmFineTuneSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code graft lm-finetune}: continue a checkpoint's pretraining objective on the task's text (TAPT, ULMFiT stage 2). */
@Command(name = "lm-finetune", mixinStandardHelpOptions = true,
        description = {"Continue pretraining a checkpoint (MLM for BERT-style, CLM for GPT-style) on the task's "
                + "unlabeled text: the labeled set's training text without labels (give the dataset name or file) "
                + "plus any extra text. Writes a checkpoint graft finetune --from can start from. The last line "
                + "printed is a JSON summary.",
            "",
            "Example:",
            "  graft lm-finetune --from runs/bert --corpus sentiment-uci --epochs 5 --schedule stlr "
                    + "--discriminative 2.6 --out runs/bert-tapt"})
final class LmFinetuneCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--from", required = true, description = "Checkpoint folder to continue.")
    Path from;

    @Option(names = "--corpus", required = true, split = ",", description = "Text files (a line per document), text "
            + "datasets, or labeled datasets/files (their training text only), comma-separated or repeated.")
    List<String> corpus;

    @Spec
    CommandSpec command;

    @Mixin
    OutputOptions output = new OutputOptions();

    @Mixin
    SeedOption seed = new SeedOption(42);

    @Mixin
    ThreadsOption threads = new ThreadsOption();

    @Option(names = "--epochs", description = "Passes over the corpus (default: 3 unless --steps or --max-time).")
    Double epochs;

    @Option(names = "--steps", description = "Stop after this many updates.")
    long steps;

    @Option(names = "--max-time", converter = Durations.class, description = "Wall-clock budget, e.g. 10m.")
    Duration maxTime;

    @Option(names = "--lr", descriptionKey = "learningRate",
            description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    float lr = 1e-4f;

    @Option(names = "--schedule", description = "linear or stlr (also constant, cosine) (default: ${DEFAULT-VALUE}).")
    String schedule = "linear";

    @Option(names = "--warmup", description = "Warm-up fraction for linear (default: ${DEFAULT-VALUE}).")
    double warmup = 0.06;

    @Option(names = "--discriminative", description = "Rate factor between adjacent layer groups, 1 for none "
            + "(ULMFiT: 2.6) (default: ${DEFAULT-VALUE}).")
    double discriminative = 1.0;

    @Option(names = "--batch-size", description = "Sequences per update (default: ${DEFAULT-VALUE}).")
    int batchSize = 32;

    @Option(names = "--seq-len", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
    int seqLen = 128;

    @Option(names = "--mask-prob", description = "MLM selection probability (default: ${DEFAULT-VALUE}).")
    double maskProbability = 0.15;

    @Option(names = "--weight-decay", description = "AdamW weight decay (default: ${DEFAULT-VALUE}).")
    float weightDecay = 0.01f;

    @Option(names = "--resume", description = "Continue the run in --out from its newest checkpoint (one is written "
            + "per epoch). Give the same options as the run it continues.")
    boolean resume;

    @Override
    public Integer call() throws IOException {
        double e = epochs != null ? epochs : (steps == 0 && maxTime == null ? 3 : 0);
        LmFineTuneSpec spec = new LmFineTuneSpec(from, corpus, output.out(), e, steps, maxTime, lr,
                schedule.toLowerCase(Locale.ROOT), warmup, discriminative, batchSize, seqLen, maskProbability,
                weightDecay, 1.0, seed.seed(), threads.threads(), output.overwrite());
        LanguageModelFineTuning.Result r = LanguageModelFineTuning.run(spec, resume, DatasetRegistry.standard(),
                System.out);
        command.commandLine().getOut().println(JSON.writeValueAsString(r.toJson()));
        return 0;
    }
}
