package dev.graft.api;

import dev.graft.model.ModelOverrides;
import dev.graft.pretrain.PretrainSpec;
import dev.graft.train.TrainingListener;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * What {@link dev.graft.Graft#pretrain} runs: immutable, changed with {@code withX} methods. It is a view of
 * {@link PretrainSpec} (the one source of the defaults that {@code graft pretrain} documents): each
 * {@code withX} is a change to the spec's builder, what is not changed keeps the spec's default, and the spec
 * checks every value ({@link dev.graft.SpecException}, naming the spec's field). Nothing here repeats a number.
 * The model is a preset ({@link PretrainSpec#DEFAULT_ARCH} unless {@link #withArch}) with optional overrides
 * of its shape; the tokenizer is trained on the corpus. Pretraining has no default length: give one with
 * {@link #withSteps}, {@link #withEpochs} or {@link #withMaxTime}.
 */
public final class PretrainOptions {
    private final List<String> corpus;
    private final Path out;
    private final SpecEdits<PretrainSpec.Builder> edits;
    private final PretrainRecipe recipe;
    private final TrainingListener listener;

    private PretrainOptions(List<String> corpus, Path out, SpecEdits<PretrainSpec.Builder> edits,
                            PretrainRecipe recipe, TrainingListener listener) {
        this.corpus = List.copyOf(corpus);
        this.out = out;
        this.edits = edits;
        this.recipe = recipe;
        this.listener = listener;
    }

    /** Every default, no corpus and no output folder yet: give them with {@link #withCorpus} and {@link #withOut}. */
    public static PretrainOptions defaults() {
        return new PretrainOptions(List.of(), null, SpecEdits.none(), null, null);
    }

    /** Pretraining on text files into {@code out}; give a length with {@link #withSteps} or another. */
    public static PretrainOptions of(Path out, Path... corpusFiles) {
        return defaults().withOut(out).withCorpus(corpusFiles);
    }

    /** Pretraining on registry corpora ({@code english-corpus}) into {@code out}. */
    public static PretrainOptions onDatasets(Path out, String... names) {
        return new PretrainOptions(List.of(names), out, SpecEdits.none(), null, null);
    }

    private PretrainOptions with(UnaryOperator<PretrainSpec.Builder> edit) {
        return new PretrainOptions(corpus, out, edits.and(edit), recipe, listener);
    }

    /** These options on text files (a document per line) instead of the corpus they had. */
    public PretrainOptions withCorpus(Path... files) {
        List<String> c = new ArrayList<>();
        for (Path p : files) {
            c.add(p.toString());
        }
        return new PretrainOptions(c, out, edits, recipe, listener);
    }

    /** The run folder, which becomes the checkpoint. */
    public PretrainOptions withOut(Path v) {
        return new PretrainOptions(corpus, v, edits, recipe, listener);
    }

    /** The model preset. */
    public PretrainOptions withArch(String v) {
        return with(b -> b.arch(v));
    }

    /** The preset's shape overridden: blocks, hidden size, heads and feed-forward size (null keeps the preset's). */
    public PretrainOptions withShape(Integer layers, Integer hidden, Integer heads, Integer ffn) {
        return with(b -> b.model(m -> new ModelOverrides(layers, hidden, heads, ffn, m.dropout())));
    }

    /** The vocabulary of the tokenizer trained on the corpus. */
    public PretrainOptions withVocabSize(int v) {
        return with(b -> b.tokenizer(t -> t.withVocabSize(v)));
    }

    /** Tokens per sequence. */
    public PretrainOptions withSeqLen(int v) {
        return with(b -> b.seqLen(v));
    }

    /** Sequences per update. */
    public PretrainOptions withBatchSize(int v) {
        return with(b -> b.batchSize(v));
    }

    /** Updates. */
    public PretrainOptions withSteps(long v) {
        return with(b -> b.run(r -> r.withSteps(v)));
    }

    /** Passes over the corpus. */
    public PretrainOptions withEpochs(double v) {
        return with(b -> b.run(r -> r.withEpochs(v)));
    }

    /** The wall-clock budget the schedule is fitted to. */
    public PretrainOptions withMaxTime(Duration v) {
        return with(b -> b.run(r -> r.withMaxTime(v)));
    }

    /** The peak learning rate. */
    public PretrainOptions withLearningRate(float v) {
        return with(b -> b.optimizer(o -> o.withLearningRate(v)));
    }

    /** Held-out sequences. */
    public PretrainOptions withValidationSequences(int v) {
        return with(b -> b.monitoring(m -> m.withValidationSequences(v)));
    }

    /** Seeds everything random. */
    public PretrainOptions withSeed(long v) {
        return with(b -> b.run(r -> r.withSeed(v)));
    }

    /** Replace a non-empty run folder. */
    public PretrainOptions withOverwrite(boolean v) {
        return with(b -> b.run(r -> r.withOverwrite(v)));
    }

    /** Hears every update and evaluation (null: none). */
    public PretrainOptions withListener(TrainingListener v) {
        return new PretrainOptions(corpus, out, edits, recipe, v);
    }

    /** These options with the recipe's levers ({@link PretrainRecipe#cramming()}, ELECTRA, ...), pulled last. */
    public PretrainOptions withRecipe(PretrainRecipe v) {
        return new PretrainOptions(corpus, out, edits, v, listener);
    }

    /** The listener, or null. */
    public TrainingListener listener() {
        return listener;
    }

    /** The core spec: {@link PretrainSpec}'s defaults with these changes, then the recipe's levers. */
    public PretrainSpec toSpec(int threads) {
        if (corpus.isEmpty()) {
            throw new IllegalArgumentException("pretraining needs a corpus: PretrainOptions.of(out, files...) or "
                    + "onDatasets(out, names...)");
        }
        if (out == null) {
            throw new IllegalArgumentException("pretraining needs an output folder: withOut(dir)");
        }
        PretrainSpec.Builder b = edits.applyTo(PretrainSpec.builder(PretrainSpec.DEFAULT_ARCH, corpus, out)
                .run(r -> r.withThreads(threads)));
        return (recipe == null ? b : recipe.applyTo(b)).build();
    }
}
