package dev.graft.cli;

import dev.graft.data.CorpusReader;
import dev.graft.vectors.Cooccurrence;
import dev.graft.vectors.VectorTraining;
import dev.graft.vectors.VectorsSpec;
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
        int window = VectorsSpec.DEFAULT_WINDOW;

        @Option(names = "--min-count", description = "Units seen fewer times get a zero row "
                + "(default: ${DEFAULT-VALUE}).")
        int minCount = VectorsSpec.DEFAULT_MIN_COUNT;

        @Option(names = "--epochs", description = "sgns: passes over the corpus (default: "
                + VectorsSpec.DEFAULT_EPOCHS + ").")
        Integer epochs;

        @Option(names = "--negatives", description = "sgns: noise samples per pair (default: "
                + VectorsSpec.DEFAULT_NEGATIVES + ").")
        Integer negatives;

        @Option(names = "--subsample", description = "sgns: frequent-unit subsampling threshold t, 0 for none "
                + "(default: " + VectorsSpec.DEFAULT_SUBSAMPLE + ").")
        Double subsample;

        @Option(names = "--lr", description = "sgns: initial learning rate, decayed linearly (default: "
                + VectorsSpec.DEFAULT_LEARNING_RATE + ").")
        Double learningRate;

        @Option(names = "--weighting", description = "ppmi-svd: none, linear ((w-k+1)/w, word2vec's dynamic window) "
                + "or harmonic (1/k, GloVe) (default: linear).")
        String weighting;

        @Option(names = "--context-alpha", description = "ppmi-svd: context-distribution smoothing (default: "
                + VectorsSpec.DEFAULT_CONTEXT_ALPHA + ").")
        Double contextAlpha;

        @Option(names = "--eigenvalue-weight", description = "ppmi-svd: p in U·S^p (default: "
                + VectorsSpec.DEFAULT_EIGENVALUE_WEIGHT + ").")
        Double eigenvalueWeight;

        @Option(names = "--power-iterations", description = "ppmi-svd: randomized SVD power iterations (default: "
                + VectorsSpec.DEFAULT_POWER_ITERATIONS + ").")
        Integer powerIterations;

        @Option(names = "--oversample", description = "ppmi-svd: extra random directions (default: "
                + VectorsSpec.DEFAULT_OVERSAMPLE + ").")
        Integer oversample;

        @picocli.CommandLine.Mixin
        ThreadsOption threads = new ThreadsOption();

        @picocli.CommandLine.Mixin
        SeedOption seed = new SeedOption(VectorsSpec.DEFAULT_SEED);

        @picocli.CommandLine.Mixin
        OutputOptions output = new OutputOptions();

        @Option(names = "--resume", description = "sgns: continue the run in --out from its last epoch checkpoint.")
        boolean resume;

        @Override
        public Integer call() throws IOException {
            VectorsSpec.Method m = VectorsSpec.Method.parse(method);
            if (m == VectorsSpec.Method.PPMI_SVD && (epochs != null || negatives != null || subsample != null
                    || learningRate != null)) {
                throw new IllegalArgumentException("--epochs, --negatives, --subsample and --lr apply to sgns only");
            }
            if (m == VectorsSpec.Method.SGNS && (weighting != null || contextAlpha != null || eigenvalueWeight != null
                    || powerIterations != null || oversample != null)) {
                throw new IllegalArgumentException("--weighting, --context-alpha, --eigenvalue-weight, "
                        + "--power-iterations and --oversample apply to ppmi-svd only");
            }
            VectorsSpec.Builder b = VectorsSpec.builder(m, corpus, output.out()).layout(layout).tokenizer(tokenizer).dim(dim)
                    .window(window).minCount(minCount).threads(threads.threads()).seed(seed.seed()).resume(resume)
                    .overwrite(output.overwrite());
            if (epochs != null) {
                b.epochs(epochs);
            }
            if (negatives != null) {
                b.negatives(negatives);
            }
            if (subsample != null) {
                b.subsample(subsample);
            }
            if (learningRate != null) {
                b.learningRate(learningRate);
            }
            if (weighting != null) {
                b.weighting(switch (weighting.toLowerCase(Locale.ROOT)) {
                    case "none" -> Cooccurrence.Weighting.NONE;
                    case "linear" -> Cooccurrence.Weighting.LINEAR;
                    case "harmonic" -> Cooccurrence.Weighting.HARMONIC;
                    default -> throw new IllegalArgumentException("--weighting " + weighting
                            + " is not a weighting: use none, linear or harmonic");
                });
            }
            if (contextAlpha != null) {
                b.contextAlpha(contextAlpha);
            }
            if (eigenvalueWeight != null) {
                b.eigenvalueWeight(eigenvalueWeight);
            }
            if (powerIterations != null) {
                b.powerIterations(powerIterations);
            }
            if (oversample != null) {
                b.oversample(oversample);
            }
            VectorTraining.run(b.build(), System.out);
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
