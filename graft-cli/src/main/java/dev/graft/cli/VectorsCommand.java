package dev.graft.cli;

import dev.graft.data.CorpusReader;
import dev.graft.vectors.Cooccurrence;
import dev.graft.vectors.VectorTraining;
import dev.graft.vectors.VectorsSpec;
import dev.graft.train.RunOptions;
import dev.graft.vectors.WordVectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code graft vectors train|neighbors}: static word (or token) vectors by PPMI-SVD or skip-gram. */
@Command(name = "vectors", mixinStandardHelpOptions = true,
        description = "Static vectors of words or tokenizer tokens: PPMI-SVD or skip-gram with negative sampling "
                + "(see docs/VECTORS.md).",
        subcommands = {VectorsCommand.Train.class, VectorsCommand.Neighbors.class})
final class VectorsCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Train vectors on a corpus and write DIR/vectors.safetensors, vocab.txt, config.json "
                    + "(and tokenizer.json with --tokenizer). sgns results depend on the seed and the thread count.")
    static final class Train implements Callable<Integer> {
        /** The defaults of every option: {@link VectorsSpec}'s, the one source the library reads too. */
        private static final VectorsSpec DEFAULTS = VectorsSpec.defaults(VectorsSpec.Method.SGNS);

        @Option(names = "--method", required = true, description = "sgns (skip-gram, negative sampling) or ppmi-svd.")
        String method;

        @Option(names = "--corpus", required = true, split = ",",
                description = "Dataset names (graft data list) or text files, comma-separated or repeated.")
        List<String> corpus;

        @Option(names = "--layout", description = "How to read corpus files: lines (a document per line) or "
                + "paragraphs (default: ${DEFAULT-VALUE}). Windows never cross a document.")
        CorpusReader.Layout layout = CorpusReader.Layout.LINES;

        @Option(names = "--tokenizer", paramLabel = "DIR|FILE", description = "Units are this tokenizer's tokens "
                + "(row i = token id i); without it, lowercased words.")
        Path tokenizer;

        @Option(names = "--dim", required = true, description = "Vector size.")
        int dim;

        @Option(names = "--window", description = "Largest distance of a context (default: ${DEFAULT-VALUE}).")
        int window = DEFAULTS.window();

        @Option(names = "--min-count", description = "Units seen fewer times get a zero row "
                + "(default: ${DEFAULT-VALUE}).")
        int minCount = DEFAULTS.minCount();

        @Option(names = "--epochs", description = "sgns: passes over the corpus (default: ${DEFAULT-VALUE}).")
        int epochs = DEFAULTS.epochs();

        @Option(names = "--negatives", description = "sgns: noise samples per pair (default: ${DEFAULT-VALUE}).")
        int negatives = DEFAULTS.negatives();

        @Option(names = "--subsample", description = "sgns: frequent-unit subsampling threshold t, 0 for none "
                + "(default: ${DEFAULT-VALUE}).")
        double subsample = DEFAULTS.subsample();

        @Option(names = "--lr", description = "sgns: initial learning rate, decayed linearly (default: "
                + "${DEFAULT-VALUE}).")
        double learningRate = DEFAULTS.learningRate();

        @Option(names = "--weighting", description = "ppmi-svd: none, linear ((w-k+1)/w, word2vec's dynamic window) "
                + "or harmonic (1/k, GloVe) (default: ${DEFAULT-VALUE}).")
        String weighting = DEFAULTS.weighting().name().toLowerCase(Locale.ROOT);

        @Option(names = "--context-alpha", description = "ppmi-svd: context-distribution smoothing (default: "
                + "${DEFAULT-VALUE}).")
        double contextAlpha = DEFAULTS.contextAlpha();

        @Option(names = "--eigenvalue-weight", description = "ppmi-svd: p in U·S^p (default: ${DEFAULT-VALUE}).")
        double eigenvalueWeight = DEFAULTS.eigenvalueWeight();

        @Option(names = "--power-iterations", description = "ppmi-svd: randomized SVD power iterations (default: "
                + "${DEFAULT-VALUE}).")
        int powerIterations = DEFAULTS.powerIterations();

        @Option(names = "--oversample", description = "ppmi-svd: extra random directions (default: "
                + "${DEFAULT-VALUE}).")
        int oversample = DEFAULTS.oversample();

        @picocli.CommandLine.Mixin
        ThreadsOption threads = new ThreadsOption();

        @picocli.CommandLine.Mixin
        SeedOption seed = new SeedOption(DEFAULTS.run().seed());

        @picocli.CommandLine.Mixin
        OutputOptions output = new OutputOptions();

        @Option(names = "--resume", description = "sgns: continue the run in --out from its last epoch checkpoint.")
        boolean resume;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec command;

        /** Whether any of {@code names} was given on the command line. */
        private boolean given(String... names) {
            picocli.CommandLine.ParseResult parsed = command.commandLine().getParseResult();
            return java.util.Arrays.stream(names).anyMatch(parsed::hasMatchedOption);
        }

        /** The core spec these options describe. */
        VectorsSpec spec() {
            VectorsSpec.Method m = VectorsSpec.Method.parse(method);
            if (m == VectorsSpec.Method.PPMI_SVD && given("--epochs", "--negatives", "--subsample", "--lr")) {
                throw new IllegalArgumentException("--epochs, --negatives, --subsample and --lr apply to sgns only");
            }
            if (m == VectorsSpec.Method.SGNS && given("--weighting", "--context-alpha", "--eigenvalue-weight",
                    "--power-iterations", "--oversample")) {
                throw new IllegalArgumentException("--weighting, --context-alpha, --eigenvalue-weight, "
                        + "--power-iterations and --oversample apply to ppmi-svd only");
            }
            return VectorsSpec.builder(m, corpus, output.out()).layout(layout).tokenizer(tokenizer).dim(dim)
                    .window(window).minCount(minCount).negatives(negatives).subsample(subsample)
                    .learningRate(learningRate).contextAlpha(contextAlpha).eigenvalueWeight(eigenvalueWeight)
                    .powerIterations(powerIterations).oversample(oversample)
                    .weighting(switch (weighting.toLowerCase(Locale.ROOT)) {
                        case "none" -> Cooccurrence.Weighting.NONE;
                        case "linear" -> Cooccurrence.Weighting.LINEAR;
                        case "harmonic" -> Cooccurrence.Weighting.HARMONIC;
                        default -> throw new IllegalArgumentException("--weighting " + weighting
                                + " is not a weighting: use none, linear or harmonic");
                    })
                    .run(r -> new RunOptions(output.out(), 0, epochs, null, threads.threads(), seed.seed(), resume,
                            output.overwrite()))
                    .build();
        }

        @Override
        public Integer call() throws IOException {
            VectorTraining.run(spec(), FlagLog.of(command.commandLine(), System.out));
            return 0;
        }
    }

    @Command(name = "neighbors", aliases = "neighbours", mixinStandardHelpOptions = true,
            description = "The nearest units by cosine similarity, one line per word: a sanity check of vectors.")
    static final class Neighbors implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec command;

        @Option(names = "--vectors", required = true, paramLabel = "DIR", description = "A graft vectors train folder.")
        Path vectors;

        @Option(names = "--k", description = "Neighbours per word (default: ${DEFAULT-VALUE}).")
        int k = 10;

        @Parameters(arity = "1..*", paramLabel = "WORD", description = "Words (or tokens) to look up.")
        List<String> words;

        @Override
        public Integer call() throws IOException {
            WordVectors v = WordVectors.load(vectors);
            for (String w : words) {
                StringBuilder line = new StringBuilder(w).append(':');
                for (WordVectors.Neighbor n : v.nearest(w, k)) {
                    line.append(String.format(Locale.ROOT, " %s %.3f", n.unit(), n.cosine()));
                }
                command.commandLine().getOut().println(line);
            }
            return 0;
        }
    }
}
