package dev.graft.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.data.DatasetRegistry;
import dev.graft.finetune.LanguageModelFineTuning;
import dev.graft.finetune.LmFineTuneSpec;
import dev.graft.train.RunOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
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

    /** The defaults of every option: {@link LmFineTuneSpec}'s, the one source the library reads too. */
    private static final LmFineTuneSpec DEFAULTS = LmFineTuneSpec.defaults(Path.of("from"), List.of("corpus"),
            Path.of("out"));

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
    SeedOption seed = new SeedOption(DEFAULTS.run().seed());

    @Mixin
    ThreadsOption threads = new ThreadsOption();

    @Mixin
    LengthOptions length = new LengthOptions();

    @Mixin
    OptimizerOptions optimizer = new OptimizerOptions(LmFineTuneSpec.DEFAULT_OPTIMIZER);

    @Option(names = "--discriminative", description = "Rate factor between adjacent layer groups, 1 for none "
            + "(ULMFiT: 2.6) (default: ${DEFAULT-VALUE}).")
    double discriminative = DEFAULTS.discriminative();

    @Option(names = "--batch-size", description = "Sequences per update (default: ${DEFAULT-VALUE}).")
    int batchSize = DEFAULTS.batchSize();

    @Option(names = "--seq-len", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
    int seqLen = DEFAULTS.seqLen();

    @Option(names = "--mask-prob", description = "MLM selection probability (default: ${DEFAULT-VALUE}).")
    double maskProbability = DEFAULTS.maskProbability();

    /** The core spec these options describe: {@value LmFineTuneSpec#DEFAULT_EPOCHS} epochs unless given a length. */
    LmFineTuneSpec spec() {
        RunOptions run = length.run(output, threads, seed);
        if (run.steps() == 0 && run.epochs() == 0 && run.maxTime() == null) {
            run = run.withEpochs(LmFineTuneSpec.DEFAULT_EPOCHS);
        }
        return new LmFineTuneSpec(from, corpus, batchSize, seqLen, maskProbability, discriminative, optimizer.spec(),
                run);
    }

    @Override
    public Integer call() throws IOException {
        LanguageModelFineTuning.Result r = LanguageModelFineTuning.run(spec(), DatasetRegistry.standard(),
                FlagLog.of(command.commandLine(), System.out));
        command.commandLine().getOut().println(JSON.writeValueAsString(r.toJson()));
        return 0;
    }
}
