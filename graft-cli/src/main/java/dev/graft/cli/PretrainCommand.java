package dev.graft.cli;

import dev.graft.data.CorpusReader;
import dev.graft.pretrain.PretrainSpec;
import dev.graft.pretrain.Pretraining;
import dev.graft.task.PretrainingData;
import dev.graft.tokenizer.TokenizerSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code graft pretrain}: masked or causal LM pretraining on a corpus. */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = "Pretrain a BERT-style (masked LM) or GPT-style (causal LM) model on unlabeled text. "
                + "The last line printed is a JSON summary.")
final class PretrainCommand implements Callable<Integer> {
    /** The defaults of every option: {@link PretrainSpec}'s, the one source the library reads too. */
    private static final PretrainSpec DEFAULTS = PretrainSpec.defaults();

    @Spec
    CommandSpec command;

    @Option(names = "--arch", description = "Model preset: bert-tiny, bert-mini, bert-small, bert-medium, gpt-tiny, "
            + "gpt-mini, gpt-small, or auto (an encoder sized to --max-time from a speed probe) "
            + "(default: ${DEFAULT-VALUE}).")
    String arch = PretrainSpec.DEFAULT_ARCH;

    @Mixin
    ModelOptions model = new ModelOptions();

    @Mixin
    OptimizerOptions optimizer = new OptimizerOptions(DEFAULTS.optimizer());

    @Mixin
    MonitoringOptions monitoring = new MonitoringOptions(DEFAULTS.monitoring());

    @Mixin
    LengthOptions length = new LengthOptions();

    @Mixin
    OutputOptions output = new OutputOptions();

    @Mixin
    SeedOption seed = new SeedOption(DEFAULTS.run().seed());

    @Mixin
    ThreadsOption threads = new ThreadsOption();

    @Option(names = "--objective", description = "mlm, clm or electra (replaced-token detection: a small generator "
            + "fills the masks, the saved encoder learns from every token) (default: mlm for bert-*, clm for gpt-*).")
    String objective;

    @Option(names = "--generator-size", description = "ELECTRA: the generator's width as a fraction of the "
            + "discriminator's, same depth (default: ${DEFAULT-VALUE}).")
    double generatorSize = DEFAULTS.generatorSize();

    @Option(names = "--embedding-size", description = "ELECTRA: embeddings (shared with the generator) this wide, "
            + "projected to the hidden size, as ELECTRA-Small's 128 for 256 (default: the hidden size).")
    int embeddingSize = DEFAULTS.embeddingSize();

    @Option(names = "--discriminator-weight", description = "ELECTRA: weight of the discriminator's loss "
            + "(default: ${DEFAULT-VALUE}).")
    double discriminatorWeight = DEFAULTS.discriminatorWeight();

    @Option(names = "--norm", descriptionKey = "preNorm", description = "Encoder layer norms: post (BERT) or pre "
            + "(pre-LN with a final LayerNorm, as Cramming) (default: post for bert-*; gpt-* are pre-LN).")
    String norm;

    @Option(names = "--no-bias", description = "Bias-free linears in attention and the feed-forward (Cramming).")
    boolean noBias;

    @Option(names = "--in-domain", split = ",", description = "Text files (a document per line, e.g. a task's "
            + "unlabeled training text) mixed into the corpus.")
    List<Path> inDomain = new ArrayList<>();

    @Option(names = "--in-domain-repeat", description = "How many times the --in-domain text is repeated in the "
            + "corpus (default: ${DEFAULT-VALUE}).")
    int inDomainRepeat = DEFAULTS.inDomainRepeat();

    @Option(names = "--init-embeddings", paramLabel = "DIR", description = "Initialize the token embeddings from "
            + "static vectors over this run's tokenizer (graft vectors train --tokenizer T --dim HIDDEN), scaled to "
            + "the initializer's standard deviation; tokens without a vector keep a random row.")
    Path initEmbeddings;

    @Option(names = "--corpus", required = true, split = ",",
            description = "Dataset names (graft data list) or text files, comma-separated or repeated.")
    List<String> corpus;

    @Option(names = "--layout", description = "How to read corpus files: lines (a document per line), paragraphs "
            + "(blank-line-separated; lines are sentences) or sentences (every line of a file or a dataset is its "
            + "own example, never packed with its neighbours; with --seq-len 64 for sentence tasks) "
            + "(default: lines).")
    String layout = "lines";

    @Option(names = "--tokenizer", descriptionKey = "tokenizer.path", description = "A tokenizer.json file or a "
            + "folder holding one; without it a tokenizer is trained on the corpus.")
    Path tokenizerPath;

    @Option(names = "--train-tokenizer", descriptionKey = "tokenizer.type", description = "bpe or wordpiece "
            + "(default: wordpiece for mlm, bpe for clm).")
    String tokenizerType;

    @Option(names = "--vocab-size", description = "Vocabulary size of a trained tokenizer (default: ${DEFAULT-VALUE}).")
    int vocabSize = DEFAULTS.tokenizer().vocabSize();

    @Option(names = "--cased", description = "Keep case in a trained WordPiece tokenizer (default: lowercase).")
    boolean cased;

    @Option(names = "--batch-size", description = "Sequences per update (default: ${DEFAULT-VALUE}).")
    int batchSize = DEFAULTS.batchSize();

    @Option(names = "--accumulate", description = "Micro-batches per update (default: ${DEFAULT-VALUE}).")
    int accumulate = DEFAULTS.accumulate();

    @Option(names = "--seq-len", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
    int seqLen = DEFAULTS.seqLen();

    @Option(names = "--mask-prob", description = "MLM selection probability; 0.15-0.40 is the range studied "
            + "(default: ${DEFAULT-VALUE}).")
    double maskProbability = DEFAULTS.maskProbability();

    @Option(names = "--whole-word-mask", description = "Mask whole words (all their sub-words) in MLM.")
    boolean wholeWordMask;

    @Option(names = "--group-by-length", negatable = true, description = "Batches of sequences of about one "
            + "length, so little of a batch is padding (default: on with --layout sentences, whose examples differ "
            + "in length; a resumed run keeps what it started with).")
    Boolean groupByLength;

    @Option(names = "--skip-nonfinite", description = "Skip updates whose loss is NaN or infinite instead of stopping.")
    boolean skipNonFinite;

    @Option(names = "--recipe", description = "default, or cramming (Geiping and Goldstein 2022: --norm pre --no-bias "
            + "--dropout 0 --mask-prob 0.25 --lr 1e-3 --clip 0.5 --layout sentences --seq-len 64); any of those "
            + "flags given as well wins over the recipe (default: ${DEFAULT-VALUE}).")
    String recipe = PretrainSpec.Recipe.DEFAULT.id();

    /** The flag of each setting a recipe sets ({@link PretrainSpec.Recipe#SETTINGS}). */
    private static final java.util.Map<String, String> RECIPE_FLAGS = java.util.Map.of("preNorm", "--norm",
            "noBias", "--no-bias", "model.dropout", "--dropout", "maskProbability", "--mask-prob",
            "optimizer.learningRate", "--lr", "optimizer.clip", "--clip", "sentences", "--layout", "seqLen", "--seq-len");

    /** The core spec these options describe. */
    PretrainSpec spec() {
        PretrainSpec.Recipe r = PretrainSpec.Recipe.parse(recipe);
        picocli.CommandLine.ParseResult parsed = command == null ? null : command.commandLine().getParseResult();
        return r.applyTo(builder(), setting -> parsed != null && parsed.hasMatchedOption(RECIPE_FLAGS.get(setting)))
                .build();
    }

    private PretrainSpec.Builder builder() {
        return PretrainSpec.builder(arch, corpus, output.out()).model(model.overrides())
                .objective(objective()).layout(layout()).sentences("sentences".equalsIgnoreCase(layout))
                .electra("electra".equalsIgnoreCase(objective)).generatorSize(generatorSize)
                .embeddingSize(embeddingSize)
                .discriminatorWeight(discriminatorWeight).preNorm(preNorm()).noBias(noBias)
                .inDomain(inDomain).inDomainRepeat(inDomainRepeat).initEmbeddings(initEmbeddings)
                .tokenizer(new TokenizerSpec(tokenizerPath, tokenizerType, vocabSize, cased))
                .batchSize(batchSize).accumulate(accumulate).seqLen(seqLen).maskProbability(maskProbability)
                .wholeWordMask(wholeWordMask).groupByLength(groupByLength).optimizer(optimizer.spec()).monitoring(monitoring.spec())
                .run(length.run(output, threads, seed)).skipNonFinite(skipNonFinite);
    }

    @Override
    public Integer call() throws IOException {
        Pretraining.Result r = Pretraining.run(spec(), FlagLog.of(command.commandLine(), System.out));
        command.commandLine().getOut().println(Pretraining.summaryJson(r));
        return 0;
    }

    private PretrainingData.Objective objective() {
        if (objective == null) {
            return null;
        }
        return switch (objective.toLowerCase(Locale.ROOT)) {
            case "mlm" -> PretrainingData.Objective.MLM;
            case "clm" -> PretrainingData.Objective.CLM;
            case "electra" -> PretrainingData.Objective.MLM;
            default -> throw new IllegalArgumentException("unknown --objective '" + objective
                    + "': use mlm, clm or electra");
        };
    }

    private CorpusReader.Layout layout() {
        return switch (layout.toLowerCase(Locale.ROOT)) {
            case "lines", "sentences" -> CorpusReader.Layout.LINES;
            case "paragraphs" -> CorpusReader.Layout.PARAGRAPHS;
            default -> throw new IllegalArgumentException("unknown --layout '" + layout
                    + "': use lines, paragraphs or sentences");
        };
    }

    private Boolean preNorm() {
        if (norm == null) {
            return null;
        }
        return switch (norm.toLowerCase(Locale.ROOT)) {
            case "pre" -> true;
            case "post" -> false;
            default -> throw new IllegalArgumentException("unknown --norm '" + norm + "': use pre or post");
        };
    }
}
