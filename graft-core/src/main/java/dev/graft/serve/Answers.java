package dev.graft.serve;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.graft.data.Words;
import dev.graft.eval.SpanMetrics;
import dev.graft.model.SentenceEmbedder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The JSON of the answers: vectors, label scores, tags and spans (written straight to the generator). */
final class Answers {
    private Answers() {
    }

    /** The pooled vector, normalized as {@code graft embed --normalize} does when asked. */
    static float[] vector(Object pooled, boolean normalize) {
        float[] v = (float[]) pooled;
        if (normalize) {
            v = v.clone();
            SentenceEmbedder.normalizeInPlace(v);
        }
        return v;
    }

    /** Floats in Java's shortest form that reads back to the same float (as graft embed prints them). */
    static void writeVector(JsonGenerator g, float[] v) throws IOException {
        g.writeStartArray();
        for (int j = 0; j < v.length; j++) {
            if (!Float.isFinite(v[j])) {
                throw new IllegalStateException("embedding value " + v[j] + " at " + j + " is not finite: the "
                        + "model's weights are broken");
            }
            g.writeNumber(v[j]);
        }
        g.writeEndArray();
    }

    /** TEI's classification answer: every label with its probability, highest first. */
    static void writeScores(JsonGenerator g, List<String> labels, float[] p) throws IOException {
        Integer[] order = new Integer[p.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(p[b], p[a]));
        g.writeStartArray();
        for (int i : order) {
            g.writeStartObject();
            g.writeStringField("label", labels.get(i));
            g.writeNumberField("score", p[i]);
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /** Words, their tags, and the chunks the tags spell (when they are chunk tags), offsets in code points. */
    static void writeTags(JsonGenerator g, ServedModel.Tagger m, ServedModel.Input input, int[] tags)
            throws IOException {
        Words w = input.words();
        List<String> names = new ArrayList<>(tags.length);
        for (int t : tags) {
            names.add(m.labels().get(t));
        }
        String text = input.text();
        g.writeStartObject();
        g.writeArrayFieldStart("tokens");
        for (String word : w.words()) {
            g.writeString(word);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("tags");
        for (String n : names) {
            g.writeString(n);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("spans");
        if (m.chunkTags()) {
            for (SpanMetrics.Chunk c : SpanMetrics.lenientFlat(names)) {
                int from = w.starts()[c.start()];
                int to = w.ends()[c.end() - 1];
                g.writeStartObject();
                g.writeStringField("type", c.type());
                g.writeNumberField("start", text.codePointCount(0, from));
                g.writeNumberField("end", text.codePointCount(0, to));
                g.writeStringField("text", text.substring(from, to));
                g.writeNumberField("first_token", c.start());
                g.writeNumberField("last_token", c.end() - 1);
                g.writeEndObject();
            }
        }
        g.writeEndArray();
        g.writeEndObject();
    }

}
