package dev.graft.api;

import dev.graft.data.TaggingExample;
import dev.graft.data.Words;
import dev.graft.eval.SpanMetrics;
import dev.graft.eval.TaggingMetrics;
import dev.graft.finetune.DataSources;
import dev.graft.finetune.FineTunedModel;
import dev.graft.model.HeadConfig;
import dev.graft.task.TaggingBatch;
import dev.graft.task.TaggingData;
import dev.graft.task.TaggingTask;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A fine-tuned token tagger: {@link #tag(String)} splits a text at whitespace into words and gives one
 * tag per word, with the spans chunk tags mark and their character offsets (what {@code graft serve}'s
 * {@code /predict} reports, there in code points, here as Java string indices). A sentence longer than
 * the model takes is tagged in windows cut at word boundaries, as {@code graft predict} does.
 */
public final class Tagger extends LoadedModel<TaggingExample, TaggingBatch, TaggingTask> implements Model {
    private final boolean chunkTags;

    private Tagger(FineTunedModel model, DataSources sources) {
        super(model, sources, TaggingTask.HEAD, new TaggingTask(model.tagger(), model.head(), null, null, 1, null));
        this.chunkTags = SpanMetrics.looksLikeChunkTags(model.head().labels());
    }

    /** Wraps a loaded tagger ({@link dev.graft.Graft#load} calls this). */
    public static Tagger of(FineTunedModel model, DataSources sources) {
        return new Tagger(require(model, model.tagger(), HeadConfig.Task.TAG, "a tagger"), sources);
    }

    /** Whether the tags are chunk tags (B-/I-/E-/S-, O), so {@link Tagging#spans()} are read from them. */
    public boolean chunkTags() {
        return chunkTags;
    }

    /** The tags of {@code text}'s words and the spans they mark. */
    public Tagging tag(String text) {
        return tag(List.of(text)).get(0);
    }

    /** A tagging per text, in order. */
    public List<Tagging> tag(List<String> texts) {
        List<Words> words = new ArrayList<>(texts.size());
        List<List<String>> present = new ArrayList<>();
        for (String t : texts) {
            Words w = Words.of(t);
            words.add(w);
            if (w.size() > 0) {
                present.add(w.words());
            }
        }
        int[][] tags = new int[0][];
        if (!present.isEmpty()) {
            TaggingData data = TaggingData.encode(model.tokenizer(), present, null, model.head().maxLength(),
                    model.padId());
            tags = task.predict(data, data.batches(BATCH_SIZE)).tags();
        }
        List<Tagging> out = new ArrayList<>(texts.size());
        int k = 0;
        for (int i = 0; i < texts.size(); i++) {
            Words w = words.get(i);
            int[] ids = w.size() == 0 ? new int[0] : tags[k++];
            List<String> names = new ArrayList<>(ids.length);
            for (int id : ids) {
                names.add(labels().get(id));
            }
            out.add(new Tagging(texts.get(i), w.words(), names, spans(texts.get(i), names, w)));
        }
        return out;
    }

    private List<Tagging.Span> spans(String text, List<String> names, Words at) {
        return chunkTags ? spansOf(text, names, at) : List.of();
    }

    /** The chunks {@code tags} (one per whitespace-separated word of {@code text}) mark, with their offsets. */
    static List<Tagging.Span> spansOf(String text, List<String> tags) {
        Words at = Words.of(text);
        if (at.size() != tags.size()) {
            throw new IllegalArgumentException(at.size() + " words but " + tags.size() + " tags");
        }
        return spansOf(text, tags, at);
    }

    private static List<Tagging.Span> spansOf(String text, List<String> names, Words at) {
        List<Tagging.Span> spans = new ArrayList<>();
        for (SpanMetrics.Chunk c : SpanMetrics.lenientFlat(names)) {
            int from = at.starts()[c.start()];
            int to = at.ends()[c.end() - 1];
            spans.add(new Tagging.Span(c.type(), from, to, text.substring(from, to), c.start(), c.end() - 1));
        }
        return spans;
    }

    /** Scores the model on {@code data}'s main part: token accuracy, per-tag figures and, for chunk tags, span F1. */
    public TaggingMetrics evaluate(LabeledData<Tagger> data) throws IOException {
        return (TaggingMetrics) score(data);
    }
}
