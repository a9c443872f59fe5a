package dev.graft.task;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.graft.data.BadInput;
import dev.graft.data.ClassificationExample;
import dev.graft.data.ClassificationReader;
import dev.graft.data.Dataset;
import dev.graft.data.LabelSet;
import dev.graft.model.Checkpoint;
import dev.graft.model.HeadConfig;
import dev.graft.model.SequenceClassifier;
import dev.graft.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Sentence-pair classification (entailment, paraphrase or duplicate detection): two texts encoded together
 * with the tokenizer's pair template ({@link ClassificationData#encodePairs}: {@code [CLS] a [SEP] b [SEP]}
 * with token types 0 and 1 on BERT-style tokenizers), then the single-label classification head, loss and
 * evaluation of {@link ClassificationTask}. Examples are {@code {"text": ..., "text_pair": ..., "label": ...}}
 * (Hugging Face's argument names); the second text is kept in the example's
 * {@value ClassificationReader#TEXT_PAIR} field.
 */
public final class PairTask extends ClassificationTask {
    /** The sentence-pair classification head. */
    public static final Head<ClassificationExample, ClassificationBatch> HEAD = new Kind();

    public PairTask(SequenceClassifier model, HeadConfig head, ClassificationData dev, int evalBatchSize,
                    Checkpoint.Extras modelExtras) {
        super(model, head, dev, evalBatchSize, modelExtras);
    }

    /**
     * Each line is a pair: a JSON object {@code {"text": ..., "text_pair": ...}} or the two texts separated by a
     * tab; output {@code {"text", "text_pair", "label", "probabilities"}}.
     */
    @Override
    public PredictedLines predictLines(Tokenizer tokenizer, int padId, List<String> lines, int batchSize) {
        List<String> firsts = new ArrayList<>(lines.size());
        List<String> seconds = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            String[] pair = parse(lines.get(i), i);
            firsts.add(pair[0]);
            seconds.add(pair[1]);
        }
        ClassificationData data = ClassificationData.encodePairs(tokenizer, firsts, seconds, null, head().maxLength(),
                padId);
        return predictEncoded(lines, data, batchSize, (o, i) -> {
            o.put("text", firsts.get(i));
            o.put("text_pair", seconds.get(i));
        });
    }

    /** The two texts of an input line (JSON object or tab-separated). */
    static String[] parse(String line, int index) {
        String s = line.strip();
        if (s.startsWith("{")) {
            JsonNode node;
            try {
                node = JSON.readTree(s);
            } catch (JsonProcessingException e) {
                throw new BadLine(index, "malformed JSON (" + e.getOriginalMessage() + "); give one object "
                        + "{\"text\": ..., \"text_pair\": ...} per line, or the two texts separated by a tab");
            }
            JsonNode a = node.get("text");
            JsonNode b = node.get("text_pair");
            if (a == null || !a.isTextual() || b == null || !b.isTextual()) {
                throw new BadLine(index, "a pair needs the string fields \"text\" and \"text_pair\"");
            }
            return new String[] {a.asText(), b.asText()};
        }
        int tab = line.indexOf('\t');
        if (tab < 0) {
            throw new BadLine(index, "not a pair: give {\"text\": ..., \"text_pair\": ...} or the two texts "
                    + "separated by a tab");
        }
        return new String[] {line.substring(0, tab), line.substring(tab + 1)};
    }

    /** The sentence-pair head: pairs of texts with one label each. */
    static final class Kind extends ClassificationTask.Kind {
        Kind() {
            super(HeadConfig.Task.PAIR, null, null, PairTask::new);
        }

        @Override
        public Dataset<ClassificationExample> readFile(Path file, Columns columns, LabelSet known, BadInput bad)
                throws IOException {
            return Dataset.ofClassification(ClassificationReader.read(file,
                    options(columns, known).withPairField(columns.textPair()), bad));
        }

        @Override
        public Encoded<ClassificationBatch> encode(Tokenizer tokenizer, List<ClassificationExample> examples,
                                                   LabelSet labels, int maxLength, int padId) {
            List<String> firsts = new ArrayList<>(examples.size());
            List<String> seconds = new ArrayList<>(examples.size());
            for (ClassificationExample e : examples) {
                String second = e.field(ClassificationReader.TEXT_PAIR);
                if (second == null) {
                    throw new IllegalArgumentException("example " + e.id() + " has no second text (field "
                            + ClassificationReader.TEXT_PAIR + ")");
                }
                firsts.add(e.text());
                seconds.add(second);
            }
            return ClassificationData.encodePairs(tokenizer, firsts, seconds, labelIds(examples, labels), maxLength,
                    padId);
        }

        @Override
        String examplesWord() {
            return "pairs";
        }

        @Override
        String textsWord() {
            return "pairs";
        }
    }
}
