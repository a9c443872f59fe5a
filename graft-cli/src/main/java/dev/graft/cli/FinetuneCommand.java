package dev.graft.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.data.DatasetRegistry;
import dev.graft.finetune.DataSources;
import dev.graft.finetune.FineTuneResult;
import dev.graft.finetune.FineTuneSpec;
import dev.graft.finetune.FineTuneWarnings;
import dev.graft.finetune.FineTuning;
import dev.graft.finetune.SetFit;
import dev.graft.model.HeadConfig;
import dev.graft.model.SequenceClassifier;
import dev.graft.nn.Pooling;
import dev.graft.train.RunOptions;
import dev.graft.train.ScheduleKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code graft finetune}: a classification or tagging head on a pretrained (or fresh) model, trained on labels. */
@Command(name = "finetune", mixinStandardHelpOptions = true,
        description = {"Fine-tune a pretrained checkpoint (or train the same architecture from scratch) on a labeled "
                + "classification or tagging set. Keeps the best model on the dev set (carved from the training set "
                + "when --dev is not given) and scores it on dev and test. The last line printed is a JSON summary.",
            "",
            "Examples:",
            "  graft finetune --task classify --from runs/bert --train sentiment-uci --max-train 200 --out runs/ft",
            "  graft finetune --task classify --from runs/bert --train sentiment-uci --recipe ulmfit --out runs/ulm",
            "  graft finetune --task classify --from runs/minilm --train sentiment-uci --max-train 16 --recipe setfit "
                + "--out runs/setfit",
            "  graft finetune --task classify --arch bert-mini --tokenizer runs/bert --train sentiment-uci --out runs/s",
            "  graft finetune --task tag --from runs/bert --train brown-pos --dev brown-pos:dev --out runs/pos",
            "  graft finetune --task multilabel --from runs/bert --train topics.jsonl --out runs/topics",
            "  graft finetune --task pair --from runs/bert --train pairs.jsonl --out runs/pairs"})
final class FinetuneCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The defaults of every option: {@link FineTuneSpec}'s, the one source the library reads too. */
    private static final FineTuneSpec DEFAULTS = FineTuneSpec.defaults();

    @Spec
    CommandSpec command;

    @Mixin
    OutputOptions output = new OutputOptions();

    @Mixin
    SeedOption seed = new SeedOption(DEFAULTS.run().seed());

    @Mixin
    ThreadsOption threads = new ThreadsOption();

    @Option(names = "--task", required = true, description = "classify (one label per text), tag (a tag per word), "
            + "multilabel (a set of labels per text, sigmoid outputs, thresholds tuned on dev) or pair (two texts, one "
            + "label: entailment, duplicates).")
    String task;

    @Option(names = "--from", description = "Checkpoint folder to start from (graft pretrain or lm-finetune output, "
            + "graft import, a Hugging Face BERT/GPT-2 folder).")
    Path from;

    @Option(names = "--arch", description = "Train this preset from scratch instead (bert-mini, gpt-mini, ...); needs "
            + "--tokenizer.")
    String arch;

    @Option(names = "--tokenizer", description = "tokenizer.json (or a folder with one) for --arch.")
    Path tokenizer;

    @Option(names = "--init-embeddings", paramLabel = "DIR", description = "With --arch: start the token embeddings "
            + "from static vectors over --tokenizer's tokens (graft vectors train --tokenizer T --dim HIDDEN), scaled "
            + "to the initializer's standard deviation; the rest of the model is random.")
    Path initEmbeddings;

    @Option(names = "--train", required = true, description = "Training data: a file (classification: .jsonl/.csv/.tsv "
            + "with text and label; tagging: CoNLL, word/TAG or .jsonl; multilabel: .jsonl with text and labels; pair: "
            + ".jsonl/.csv/.tsv with text, text_pair and label) or a dataset name (sentiment-uci, brown-pos, "
            + "brown-genre, spam, sotu-party; NAME:split for another split).")
    String train;

    @Option(names = "--dev", description = "Dev data (file or dataset[:split]); without it a dev set is carved from "
            + "the training set (--dev-fraction, --seed).")
    String dev;

    @Option(names = "--test", description = "Test data (file or dataset[:split]); a dataset given as --train "
            + "defaults to its test split.")
    String test;

    @Option(names = "--epochs", description = "Passes over the training data (default: automatic, enough for about "
            + "1,000 updates, between 2 and 20; at least 3 for tagging).")
    double epochs = DEFAULTS.run().epochs();

    @Option(names = "--lr", descriptionKey = "learningRate",
            description = "Peak learning rate (default: 1e-4, 5e-4 with --task tag, 1e-3 with --recipe ulmfit; with "
            + "discriminative rates, the head's).")
    Float learningRate;

    @Option(names = "--folds", description = "Choose the learning rate (among --lr-candidates) and the length of "
            + "training by k-fold cross-validation inside the labeled set, then train on all of it with no dev set "
            + "(the few-label protocol; 0: a dev set and early stopping; default: ${DEFAULT-VALUE}).")
    int folds = DEFAULTS.folds();

    @Option(names = "--lr-candidates", split = ",", descriptionKey = "learningRates", description = "Rates --folds "
            + "chooses from, e.g. 1e-4,3e-4,1e-3 (default: --lr alone).")
    List<Float> lrCandidates;

    @Option(names = "--recipe", description = "full (BERT: one rate, warm-up + linear decay), ulmfit "
            + "(discriminative rates 2.6, STLR, gradual unfreezing) or setfit (the encoder tuned on contrastive "
            + "pairs of the labels, then logistic regression on its embeddings, pooled and normalized as its "
            + "sentence-transformers settings say; default rate 2e-5, "
            + "1 epoch over the pairs, batch 16 pairs) (default: ${DEFAULT-VALUE}).")
    String recipe = DEFAULTS.recipe().id();

    @Option(names = "--setfit-iterations", descriptionKey = "iterations",
            description = "With --recipe setfit: positive and negative pairs drawn "
            + "per labeled example (default: 20, as SetFit); 0 tunes nothing: logistic regression on the "
            + "encoder's embeddings as they are (a linear probe).")
    Integer setfitIterations;

    @Option(names = "--discriminative", description = "Rate factor between adjacent layer groups (embeddings, each "
            + "block, head); 1 = none (default: 2.6 with ulmfit, 1 with full).")
    Double discriminative;

    @Option(names = "--schedule", description = "linear, stlr, constant or cosine (default: stlr with ulmfit, linear "
            + "with full).")
    String schedule;

    @Option(names = "--warmup", description = "Warm-up fraction for linear/constant/cosine (default: ${DEFAULT-VALUE}).")
    double warmup = DEFAULTS.optimizer().warmup();

    @Option(names = "--freeze-backbone", description = "Train the head only; the pretrained layers keep their weights "
            + "(default pooling then mean, as for sentence embeddings).")
    boolean freezeBackbone = DEFAULTS.freezeBackbone();

    @Option(names = "--freeze-embeddings", description = "Keep the token embedding table as it starts (pretrained, "
            + "or from --init-embeddings); the rest trains.")
    boolean freezeEmbeddings = DEFAULTS.freezeEmbeddings();

    @Option(names = "--gradual-unfreeze", negatable = true, description = "Train the head alone in the first epoch, "
            + "unfreezing one more layer group each epoch (default: on with ulmfit).")
    Boolean gradualUnfreeze;

    @Option(names = "--pooling", description = "cls, mean, concat or last (default: concat with --recipe ulmfit and "
            + "for decoders; for encoders cls when the checkpoint has a trained pooler, else mean; with --recipe "
            + "setfit mean or cls, default the encoder's sentence-transformers setting, else mean).")
    String pooling;

    @Option(names = "--class-weights", descriptionKey = "balancedClassWeights", description = "none or balanced "
            + "(default: ${DEFAULT-VALUE}).")
    String classWeights = DEFAULTS.balancedClassWeights() ? "balanced" : "none";

    @Option(names = "--max-train", description = "Use a stratified sample of this many training examples (0: all).")
    int maxTrain = DEFAULTS.maxTrain();

    @Option(names = "--batch-size", description = "Examples (classify) or sentences (tag) per update (default: 16 / 32).")
    int batchSize = DEFAULTS.batchSize();

    @Option(names = "--weight-decay", description = "AdamW weight decay (default: ${DEFAULT-VALUE}).")
    float weightDecay = DEFAULTS.optimizer().weightDecay();

    @Option(names = "--clip", description = "Gradient-norm clip, 0 for none (default: ${DEFAULT-VALUE}).")
    double clip = DEFAULTS.optimizer().clip();

    @Option(names = "--beta1", description = "AdamW beta1 (default: ${DEFAULT-VALUE}).")
    float beta1 = DEFAULTS.optimizer().beta1();

    @Option(names = "--beta2", description = "AdamW beta2 (default: ${DEFAULT-VALUE}).")
    float beta2 = DEFAULTS.optimizer().beta2();

    @Option(names = "--patience", description = "Dev evaluations without improvement before stopping (never in the "
            + "first half of the epochs); 0 never stops early (default: ${DEFAULT-VALUE}).")
    int patience = DEFAULTS.patience();

    @Option(names = "--evals-per-epoch", description = "Dev evaluations per epoch (default: ${DEFAULT-VALUE}).")
    int evalsPerEpoch = DEFAULTS.evalsPerEpoch();

    @Option(names = "--dev-fraction", description = "Share of the training set carved as dev when no --dev is given "
            + "(default: ${DEFAULT-VALUE}).")
    double devFraction = DEFAULTS.devFraction();

    @Option(names = "--max-length", description = "Tokens per input (default: the model's maximum). Longer texts are "
            + "truncated (counted); longer tagging sentences are split into windows at word boundaries.")
    int maxLength = DEFAULTS.maxLength();

    @Option(names = "--dropout", description = "Override hidden and attention dropout.")
    Float dropout;

    @Option(names = "--multitask-corpus", split = ",", description = "Train task loss + --lm-weight x LM loss (MLM or "
            + "CLM, as the model pretrained) on these text files or datasets.")
    List<String> multitaskCorpus;

    @Option(names = "--lm-weight", description = "Weight of the LM loss in multitask training (default: ${DEFAULT-VALUE}).")
    float lmWeight = DEFAULTS.lmWeight();

    @Option(names = "--mix", description = "LM batches per task batch in multitask training (default: ${DEFAULT-VALUE}).")
    double mix = DEFAULTS.mix();

    @Option(names = "--lm-sequence-length", description = "Tokens per LM sequence in multitask training: sentences "
            + "packed up to it, as graft pretrain packs them (default: ${DEFAULT-VALUE}).")
    int lmSequenceLength = DEFAULTS.lmSequenceLength();

    @Option(names = "--lm-validation", negatable = true, description = "In multitask training, report the held-out "
            + "LM loss (lm_val_loss) at each evaluation (default: on; cross-validation's fold runs leave it out).")
    boolean lmValidation = DEFAULTS.lmValidation();

    @Option(names = "--max-time", converter = Durations.class, description = "Wall-clock budget, e.g. 20m.")
    Duration maxTime;

    @Option(names = "--keep-training-state", description = "Keep the resumable checkpoint-* folder.")
    boolean keepTrainingState = DEFAULTS.keepTrainingState();

    @Option(names = "--resume", description = "Continue the run in --out from its newest checkpoint (with --folds: "
            + "the fold runs already finished are not run again). Give the same options as the run it continues.")
    boolean resume;

    @Option(names = "--checkpoint-every", description = "Updates between resumable checkpoints (0: one per epoch; "
            + "-1: none, for a run you will not resume; only the newest is kept, none once the run ends unless "
            + "--keep-training-state) (default: ${DEFAULT-VALUE}).")
    int checkpointEvery = DEFAULTS.checkpointEvery();

    @Mixin
    ColumnOptions columns = new ColumnOptions();

    @Option(names = "--skip-bad", description = "Skip bad records of data files (counted) instead of stopping.")
    boolean skipBad = DEFAULTS.skipBad();

    /** The core spec these options describe. */
    FineTuneSpec spec() {
        HeadConfig.Task t = HeadConfig.Task.parse(task);
        FineTuneSpec.Builder b = FineTuneSpec.builder(t, train, output.out())
                .from(from).arch(arch).tokenizer(tokenizer).initEmbeddings(initEmbeddings).dev(dev).test(test)
                .recipe(FineTuneSpec.Recipe.parse(recipe)).learningRate(learningRate)
                .schedule(schedule == null ? null : ScheduleKind.parse(schedule))
                .optimizer(o -> o.withWarmup(warmup).withWeightDecay(weightDecay).withClip(clip).withBetas(beta1, beta2))
                .gradualUnfreeze(gradualUnfreeze).freezeBackbone(freezeBackbone)
                .freezeEmbeddings(freezeEmbeddings).maxTrain(maxTrain)
                .batchSize(batchSize).patience(patience).evalsPerEpoch(evalsPerEpoch).devFraction(devFraction)
                .maxLength(maxLength).dropout(dropout).keepTrainingState(keepTrainingState).lmValidation(lmValidation)
                .checkpointEvery(checkpointEvery).skipBad(skipBad).folds(folds)
                .learningRates(lrCandidates == null ? List.of() : lrCandidates)
                .run(new RunOptions(output.out(), 0, epochs, maxTime, threads.threads(), seed.seed(), resume,
                        output.overwrite()));
        if (discriminative != null) {
            b.discriminative(discriminative);
        }
        if (pooling != null) {
            b.pooling(Pooling.parse(pooling));
        }
        switch (classWeights.toLowerCase(java.util.Locale.ROOT)) {
            case "none" -> b.balancedClassWeights(false);
            case "balanced" -> b.balancedClassWeights(true);
            default -> throw new IllegalArgumentException("unknown --class-weights '" + classWeights
                    + "': use none or balanced");
        }
        if (multitaskCorpus != null && !multitaskCorpus.isEmpty()) {
            b.multitask(multitaskCorpus, lmWeight, mix);
        }
        b.lmSequenceLength(lmSequenceLength);
        return b.build();
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = command.commandLine().getOut();
        PrintWriter stderr = command.commandLine().getErr();
        FineTuneSpec spec = spec();
        java.io.PrintStream log = FlagLog.of(command.commandLine(), System.out);
        DataSources sources = columns.applyTo(new DataSources(DatasetRegistry.standard(), log));
        if (setfitIterations != null && spec.recipe() != FineTuneSpec.Recipe.SETFIT) {
            throw new IllegalArgumentException("--setfit-iterations applies to --recipe setfit only");
        }
        FineTuneResult r = spec.recipe() == FineTuneSpec.Recipe.SETFIT
                ? SetFit.run(spec, setfitIterations == null ? SetFit.Options.defaults()
                        : new SetFit.Options(setfitIterations), sources, log)
                : FineTuning.run(spec, sources, log);
        for (dev.graft.SpecWarning warning : FineTuneWarnings.of(r)) {
            stderr.println("graft: warning: " + warning.messageWith(field -> Main.flagOf(command.commandLine(), field)));
        }
        stdout.println(JSON.writeValueAsString(r.summaryJson()));
        return 0;
    }
}
