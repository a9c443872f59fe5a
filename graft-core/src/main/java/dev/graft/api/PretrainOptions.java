package dev.graft.api;

import dev.graft.model.ModelOverrides;
import dev.graft.pretrain.PretrainSpec;
import dev.graft.train.TrainingListener;

import java.nio.file.Path;
import java.util.function.Consumer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.graft.api.Overrides.ifGiven;

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
        return edit(d -> d.corpus = c);
    }

    /** Pretraining on text files into {@code out}; give a length with {@link #withSteps} or another. */
    public static PretrainOptions of(Path out, Path... corpusFiles) {
        return defaults().withOut(out).withCorpus(corpusFiles);
    }

    /** Pretraining on registry corpora ({@code english-corpus}) into {@code out}. */
    public static PretrainOptions onDatasets(Path out, String... names) {
        return defaults().withOut(out).edit(d -> d.corpus = List.of(names));
    }

    public PretrainOptions withArch(String v) {
        return edit(d -> d.arch = v);
    }

    /** The preset's shape overridden: blocks, hidden size, heads and feed-forward size (null keeps the preset's). */
    public PretrainOptions withShape(Integer layersV, Integer hiddenV, Integer headsV, Integer ffnV) {
        return edit(d -> {
            d.layers = layersV;
            d.hidden = hiddenV;
            d.heads = headsV;
            d.ffn = ffnV;
        });
    }

    public PretrainOptions withVocabSize(int v) {
        return edit(d -> d.vocabSize = v);
    }

    public PretrainOptions withSeqLen(int v) {
        return edit(d -> d.seqLen = v);
    }

    public PretrainOptions withBatchSize(int v) {
        return edit(d -> d.batchSize = v);
    }

    public PretrainOptions withSteps(long v) {
        return edit(d -> d.steps = v);
    }

    public PretrainOptions withEpochs(double v) {
        return edit(d -> d.epochs = v);
    }

    public PretrainOptions withMaxTime(Duration v) {
        return edit(d -> d.maxTime = v);
    }

    public PretrainOptions withLearningRate(float v) {
        return edit(d -> d.learningRate = v);
    }

    public PretrainOptions withValidationSequences(int v) {
        return edit(d -> d.validationSequences = v);
    }

    public PretrainOptions withSeed(long v) {
        return edit(d -> d.seed = v);
    }

    public PretrainOptions withOut(Path v) {
        return edit(d -> d.out = v);
    }

    public PretrainOptions withOverwrite(boolean v) {
        return edit(d -> d.overwrite = v);
    }

    public PretrainOptions withListener(TrainingListener v) {
        return edit(d -> d.listener = v);
    }

    /** The core spec: {@link PretrainSpec}'s defaults with this record's non-null fields over them. */
    /** These options with the recipe's levers ({@link PretrainRecipe#cramming()}, ELECTRA, ...). */
    public PretrainOptions withRecipe(PretrainRecipe v) {
        return edit(d -> d.recipe = v);
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
                .model(new ModelOverrides(layers, hidden, heads, ffn, null))
                .run(r -> r.withThreads(threads).withOverwrite(overwrite));
        ifGiven(vocabSize, v -> b.tokenizer(t -> t.withVocabSize(v)));
        ifGiven(seqLen, b::seqLen);
        ifGiven(batchSize, b::batchSize);
        ifGiven(steps, v -> b.run(r -> r.withSteps(v)));
        ifGiven(epochs, v -> b.run(r -> r.withEpochs(v)));
        ifGiven(maxTime, v -> b.run(r -> r.withMaxTime(v)));
        ifGiven(learningRate, v -> b.optimizer(o -> o.withLearningRate(v)));
        ifGiven(validationSequences, v -> b.monitoring(m -> m.withValidationSequences(v)));
        ifGiven(seed, v -> b.run(r -> r.withSeed(v)));
        if (recipe != null) {
            recipe.applyTo(b);
        }
        return b.build();
    }

    /** A copy with one change: {@code change} sets fields of a {@link Draft} of this record. */
    private PretrainOptions edit(Consumer<Draft> change) {
        Draft d = new Draft(this);
        change.accept(d);
        return d.options();
    }

    /** The record's fields as variables, for the {@code withX} methods: the one place that copies them all. */
    private static final class Draft {
        List<String> corpus;
        Path out;
        String arch;
        Integer layers;
        Integer hidden;
        Integer heads;
        Integer ffn;
        Integer vocabSize;
        Integer seqLen;
        Integer batchSize;
        Long steps;
        Double epochs;
        Duration maxTime;
        Float learningRate;
        Integer validationSequences;
        Long seed;
        boolean overwrite;
        TrainingListener listener;
        PretrainRecipe recipe;

        Draft(PretrainOptions o) {
            corpus = o.corpus;
            out = o.out;
            arch = o.arch;
            layers = o.layers;
            hidden = o.hidden;
            heads = o.heads;
            ffn = o.ffn;
            vocabSize = o.vocabSize;
            seqLen = o.seqLen;
            batchSize = o.batchSize;
            steps = o.steps;
            epochs = o.epochs;
            maxTime = o.maxTime;
            learningRate = o.learningRate;
            validationSequences = o.validationSequences;
            seed = o.seed;
            overwrite = o.overwrite;
            listener = o.listener;
            recipe = o.recipe;
        }

        PretrainOptions options() {
            return new PretrainOptions(corpus, out, arch, layers, hidden, heads, ffn, vocabSize, seqLen, batchSize,
                    steps, epochs, maxTime, learningRate, validationSequences, seed, overwrite, listener, recipe);
        }
    }
}
