package dev.graft.api;

import dev.graft.pretrain.PretrainSpec;
import dev.graft.train.TrainingListener;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@link dev.graft.Graft#pretrain} runs: an immutable record, changed with {@code withX} methods.
 * A null field means "the default", which is {@link PretrainSpec}'s (the one source of the defaults that
 * {@code graft pretrain} documents): nothing here repeats a number. The model is a preset ({@code
 * bert-mini} by default) with optional overrides of its shape; the tokenizer is trained on the corpus.
 *
 * @param corpus              text files (a document per line) or registry corpus names
 * @param out                 the run folder, which becomes the checkpoint
 * @param arch                the model preset, null for {@link PretrainSpec#DEFAULT_ARCH}
 * @param layers              blocks, null for the preset's
 * @param hidden              hidden size, null for the preset's
 * @param heads               attention heads, null for the preset's
 * @param ffn                 feed-forward size, null for 4 x hidden
 * @param vocabSize           vocabulary of the trained tokenizer
 * @param seqLen              tokens per sequence
 * @param batchSize           sequences per update
 * @param steps               updates; one of steps, epochs and maxTime is required
 * @param epochs              passes over the corpus
 * @param maxTime             wall-clock budget the schedule is fitted to
 * @param learningRate        peak learning rate
 * @param validationSequences held-out sequences
 * @param seed                seeds everything random
 * @param overwrite           replace a non-empty {@code out}
 * @param listener            hears every update and evaluation, or null
 * @param recipe              the compute-efficient levers ({@link PretrainRecipe}), or null for the defaults
 */
public record PretrainOptions(List<String> corpus, Path out, String arch, Integer layers, Integer hidden,
                              Integer heads, Integer ffn, Integer vocabSize, Integer seqLen, Integer batchSize,
                              Long steps, Double epochs, Duration maxTime, Float learningRate,
                              Integer validationSequences, Long seed, boolean overwrite, TrainingListener listener,
                              PretrainRecipe recipe) {

    public PretrainOptions {
        corpus = corpus == null ? List.of() : List.copyOf(corpus);
    }

    /** Every default, no corpus and no output folder yet: give them with {@link #withCorpus} and {@link #withOut}. */
    public static PretrainOptions defaults() {
        return new PretrainOptions(List.of(), null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, false, null, null);
    }

    /** These options on text files (a document per line) instead of the corpus they had. */
    public PretrainOptions withCorpus(Path... files) {
        List<String> c = new ArrayList<>();
        for (Path p : files) {
            c.add(p.toString());
        }
        return new PretrainOptions(c, out, arch, layers, hidden, heads, ffn, vocabSize, seqLen, batchSize, steps,
                epochs, maxTime, learningRate, validationSequences, seed, overwrite, listener, recipe);
    }

    /** Pretraining on text files into {@code out}; give a length with {@link #withSteps} or another. */
    public static PretrainOptions of(Path out, Path... corpusFiles) {
        List<String> c = new ArrayList<>();
        for (Path p : corpusFiles) {
            c.add(p.toString());
        }
        return new PretrainOptions(c, out, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, false, null, null);
    }

    /** Pretraining on registry corpora ({@code english-corpus}) into {@code out}. */
    public static PretrainOptions onDatasets(Path out, String... names) {
        return new PretrainOptions(List.of(names), out, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, false, null, null);
    }

    public PretrainOptions withArch(String v) {
        return new PretrainOptions(corpus, out, v, layers, hidden, heads, ffn, vocabSize, seqLen, batchSize, steps,
                epochs, maxTime, learningRate, validationSequences, seed, overwrite, listener, recipe);
    }

    /** The preset's shape overridden: blocks, hidden size, heads and feed-forward size (null keeps the preset's). */
    public PretrainOptions withShape(Integer layersV, Integer hiddenV, Integer headsV, Integer ffnV) {
        return new PretrainOptions(corpus, out, arch, layersV, hiddenV, headsV, ffnV, vocabSize, seqLen, batchSize,
                steps, epochs, maxTime, learningRate, validationSequences, seed, overwrite, listener, recipe);
    }

    public PretrainOptions withVocabSize(int v) {
        return new PretrainOptions(corpus, out, arch, layers, hidden, heads, ffn, v, seqLen, batchSize, steps,
                epochs, maxTime, learningRate, validationSequences, seed, overwrite, listener, recipe);
    }

    public PretrainOptions withSeqLen(int v) {
        return new PretrainOptions(corpus, out, arch, layers, hidden, heads, ffn, vocabSize, v, batchSize, steps,
                epochs, maxTime, learningRate, validationSequences, seed, overwrite, listener, recipe);
    }

    public PretrainOptions withBatchSize(int v) {
        return new PretrainOptions(corpus, out, arch, layers, hidden, heads, ffn, vocabSize, seqLen, v, steps,
                epochs, maxTime, learningRate, validationSequences, seed, overwrite, listener, recipe);
    }

    public PretrainOptions withSteps(long v) {
        return new PretrainOptions(corpus, out, arch, layers, hidden, heads, ffn, vocabSize, seqLen, batchSize, v,
                epochs, maxTime, learningRate, validationSequences, seed, overwrite, listener, recipe);
    }

    public PretrainOptions withEpochs(double v) {
        return new PretrainOptions(corpus, out, arch, layers, hidden, heads, ffn, vocabSize, seqLen, batchSize,
                steps, v, maxTime, learningRate, validationSequences, seed, overwrite, listener, recipe);
    }

    public PretrainOptions withMaxTime(Duration v) {
        return new PretrainOptions(corpus, out, arch, layers, hidden, heads, ffn, vocabSize, seqLen, batchSize,
                steps, epochs, v, learningRate, validationSequences, seed, overwrite, listener, recipe);
    }

    public PretrainOptions withLearningRate(float v) {
        return new PretrainOptions(corpus, out, arch, layers, hidden, heads, ffn, vocabSize, seqLen, batchSize,
                steps, epochs, maxTime, v, validationSequences, seed, overwrite, listener, recipe);
    }

    public PretrainOptions withValidationSequences(int v) {
        return new PretrainOptions(corpus, out, arch, layers, hidden, heads, ffn, vocabSize, seqLen, batchSize,
                steps, epochs, maxTime, learningRate, v, seed, overwrite, listener, recipe);
    }

    public PretrainOptions withSeed(long v) {
        return new PretrainOptions(corpus, out, arch, layers, hidden, heads, ffn, vocabSize, seqLen, batchSize,
                steps, epochs, maxTime, learningRate, validationSequences, v, overwrite, listener, recipe);
    }

    public PretrainOptions withOut(Path v) {
        return new PretrainOptions(corpus, v, arch, layers, hidden, heads, ffn, vocabSize, seqLen, batchSize, steps,
                epochs, maxTime, learningRate, validationSequences, seed, overwrite, listener, recipe);
    }

    public PretrainOptions withOverwrite(boolean v) {
        return new PretrainOptions(corpus, out, arch, layers, hidden, heads, ffn, vocabSize, seqLen, batchSize,
                steps, epochs, maxTime, learningRate, validationSequences, seed, v, listener, recipe);
    }

    public PretrainOptions withListener(TrainingListener v) {
        return new PretrainOptions(corpus, out, arch, layers, hidden, heads, ffn, vocabSize, seqLen, batchSize,
                steps, epochs, maxTime, learningRate, validationSequences, seed, overwrite, v, recipe);
    }

    /** The core spec: {@link PretrainSpec}'s defaults with this record's non-null fields over them. */
    /** These options with the recipe's levers ({@link PretrainRecipe#cramming()}, ELECTRA, ...). */
    public PretrainOptions withRecipe(PretrainRecipe v) {
        return new PretrainOptions(corpus, out, arch, layers, hidden, heads, ffn, vocabSize, seqLen, batchSize,
                steps, epochs, maxTime, learningRate, validationSequences, seed, overwrite, listener, v);
    }

    public PretrainSpec toSpec(int threads) {
        if (corpus.isEmpty()) {
            throw new IllegalArgumentException("pretraining needs a corpus: PretrainOptions.of(out, files...) or "
                    + "onDatasets(out, names...)");
        }
        if (out == null) {
            throw new IllegalArgumentException("pretraining needs an output folder: withOut(dir)");
        }
        if ((steps == null || steps == 0) && (epochs == null || epochs == 0) && maxTime == null) {
            throw new IllegalArgumentException("pretraining needs a length: withSteps(n), withEpochs(e) or "
                    + "withMaxTime(duration)");
        }
        PretrainSpec.Builder b = PretrainSpec.builder(arch != null ? arch : PretrainSpec.DEFAULT_ARCH, corpus, out)
                .layers(layers).hidden(hidden).heads(heads).ffn(ffn).threads(threads).overwrite(overwrite);
        if (vocabSize != null) {
            b.vocabSize(vocabSize);
        }
        if (seqLen != null) {
            b.seqLen(seqLen);
        }
        if (batchSize != null) {
            b.batchSize(batchSize);
        }
        if (steps != null) {
            b.steps(steps);
        }
        if (epochs != null) {
            b.epochs(epochs);
        }
        if (maxTime != null) {
            b.maxTime(maxTime);
        }
        if (learningRate != null) {
            b.lr(learningRate);
        }
        if (validationSequences != null) {
            b.validationSequences(validationSequences);
        }
        if (seed != null) {
            b.seed(seed);
        }
        if (recipe != null) {
            recipe.applyTo(b);
        }
        return b.build();
    }
}
