package dev.graft.finetune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.model.HeadConfig;
import dev.graft.task.ClassificationData;
import dev.graft.task.ClassificationTask;
import dev.graft.task.TaggingData;
import dev.graft.task.TaggingTask;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Predictions of a fine-tuned model as JSON Lines, one output line per input line:
 * <ul>
 * <li>classification: the input line is a text; output {@code {"text", "label", "probabilities": {label: p}}};</li>
 * <li>tagging: the input line is a whitespace-tokenized sentence; output {@code {"tokens", "tags"}}, one
 * tag per word (a blank line gives empty lists).</li>
 * </ul>
 * Lines are processed in chunks, so input of any length streams through.
 */
public final class Prediction {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK = 512;

    private Prediction() {
    }

    /** Counts of what was predicted. */
    public record Counts(long lines, long truncated, long splitSentences) {
    }

    /** A source of input lines: the next line, or null at the end. */
    @FunctionalInterface
    public interface Lines {
        String next() throws IOException;
    }

    public static Counts run(FineTunedModel model, BufferedReader in, Writer out, int batchSize) throws IOException {
        return run(model, in::readLine, out, batchSize);
    }

    /** Predicts every line of {@code in} (e.g. {@link dev.graft.data.TextLines#next}) into {@code out}. */
    public static Counts run(FineTunedModel model, Lines in, Writer out, int batchSize) throws IOException {
        long lines = 0;
        long truncated = 0;
        long split = 0;
        List<String> chunk = new ArrayList<>(CHUNK);
        String line;
        while (true) {
            line = in.next();
            if (line != null) {
                chunk.add(line);
            }
            if (chunk.size() == CHUNK || (line == null && !chunk.isEmpty())) {
                long[] c = model.head().task() == HeadConfig.Task.CLASSIFY ? classify(model, chunk, out, batchSize)
                        : tag(model, chunk, out, batchSize);
                truncated += c[0];
                split += c[1];
                lines += chunk.size();
                chunk.clear();
            }
            if (line == null) {
                break;
            }
        }
        out.flush();
        return new Counts(lines, truncated, split);
    }

    private static long[] classify(FineTunedModel model, List<String> texts, Writer out, int batchSize)
            throws IOException {
        ClassificationData data = ClassificationData.encode(model.tokenizer(), texts, null, model.head().maxLength(),
                model.padId());
        ClassificationTask task = new ClassificationTask(model.classifier(), model.head(), null, batchSize, null);
        ClassificationTask.Predictions p = task.predict(data, data.batches(batchSize));
        List<String> labels = model.head().labels();
        for (int i = 0; i < texts.size(); i++) {
            ObjectNode o = JSON.createObjectNode();
            o.put("text", texts.get(i));
            o.put("label", labels.get(p.predicted()[i]));
            ObjectNode probs = o.putObject("probabilities");
            for (int k = 0; k < labels.size(); k++) {
                probs.put(labels.get(k), Math.round(p.probabilities()[i][k] * 1e6) / 1e6);
            }
            out.write(JSON.writeValueAsString(o));
            out.write('\n');
        }
        return new long[] {data.truncated(), 0};
    }

    private static long[] tag(FineTunedModel model, List<String> lines, Writer out, int batchSize) throws IOException {
        List<List<String>> words = new ArrayList<>(lines.size());
        List<Integer> nonEmpty = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String s = lines.get(i).strip();
            List<String> w = s.isEmpty() ? List.of() : Arrays.asList(s.split("\\s+"));
            words.add(w);
            if (!w.isEmpty()) {
                nonEmpty.add(i);
            }
        }
        List<List<String>> present = new ArrayList<>();
        for (int i : nonEmpty) {
            present.add(words.get(i));
        }
        int[][] tags = new int[0][];
        long split = 0;
        if (!present.isEmpty()) {
            TaggingData data = TaggingData.encode(model.tokenizer(), present, null, model.head().maxLength(),
                    model.padId());
            TaggingTask task = new TaggingTask(model.tagger(), model.head(), null, null, batchSize, null);
            tags = task.predict(data, data.batches(batchSize)).tags();
            split = data.splitSentences();
        }
        List<String> names = model.head().labels();
        int k = 0;
        for (int i = 0; i < lines.size(); i++) {
            ObjectNode o = JSON.createObjectNode();
            ArrayNode tokens = o.putArray("tokens");
            ArrayNode t = o.putArray("tags");
            List<String> w = words.get(i);
            if (!w.isEmpty()) {
                int[] s = tags[k++];
                for (int j = 0; j < w.size(); j++) {
                    tokens.add(w.get(j));
                    t.add(names.get(s[j]));
                }
            }
            out.write(JSON.writeValueAsString(o));
            out.write('\n');
        }
        return new long[] {0, split};
    }
}
