package dev.graft.finetune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.task.HeadTask;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;

/**
 * Predictions of a fine-tuned model as JSON Lines, one output line per input line:
 * <ul>
 * <li>classification: the input line is a text; output {@code {"text", "label", "probabilities": {label: p}}};</li>
 * <li>tagging: the input line is a whitespace-tokenized sentence; output {@code {"tokens", "tags"}}, one
 * tag per word (a blank line gives empty lists);</li>
 * <li>multi-label: the input line is a text; output {@code {"text", "labels": [...], "probabilities": {label: p}}},
 * the labels whose probability reaches their threshold;</li>
 * <li>sentence pair: the input line is a JSON object {@code {"text", "text_pair"}} or the two texts separated
 * by a tab; output {@code {"text", "text_pair", "label", "probabilities"}}.</li>
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
        HeadTask<?, ?> task = model.task();
        String line;
        while (true) {
            line = in.next();
            if (line != null) {
                chunk.add(line);
            }
            if (chunk.size() == CHUNK || (line == null && !chunk.isEmpty())) {
                HeadTask.PredictedLines p;
                try {
                    p = task.predictLines(model.tokenizer(), model.padId(), chunk, batchSize);
                } catch (HeadTask.BadLine e) {
                    throw new IllegalArgumentException("input line " + (lines + e.index() + 1) + ": " + e.getMessage());
                }
                for (ObjectNode o : p.outputs()) {
                    out.write(JSON.writeValueAsString(o));
                    out.write('\n');
                }
                long[] c = {p.truncated(), p.splitSentences()};
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
}
