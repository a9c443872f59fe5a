package dev.graft.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What a fine-tuned checkpoint's {@code config.json} says about its head, in Hugging Face's fields
 * ({@code architectures} such as BertForSequenceClassification or BertForTokenClassification,
 * {@code id2label}, {@code label2id}, {@code num_labels}, {@code problem_type}) plus graft's own:
 * {@code graft_task} (classify or tag), {@code graft_pooling} (cls, mean, concat, last) and
 * {@code graft_max_length} (the longest input the model was trained with).
 *
 * @param task      classify or tag
 * @param labels    class names or tags, index = id
 * @param pooling   sequence pooling (classification), null for tagging
 * @param maxLength tokens per input, specials included
 */
public record HeadConfig(Task task, List<String> labels, SequenceClassifier.Pooling pooling, int maxLength) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The two fine-tuning tasks. */
    public enum Task {
        CLASSIFY, TAG;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Task parse(String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "classify", "classification" -> CLASSIFY;
                case "tag", "tagging" -> TAG;
                default -> throw new IllegalArgumentException("unknown task '" + s + "': use classify or tag");
            };
        }

        /** Human words for messages: "a sequence classifier", "a token tagger". */
        public String describe() {
            return this == CLASSIFY ? "a sequence classifier" : "a token tagger";
        }
    }

    public HeadConfig {
        if (task == null) {
            throw new IllegalArgumentException("a head needs a task");
        }
        labels = List.copyOf(labels);
        if (labels.size() < 2) {
            throw new IllegalArgumentException("a head needs at least 2 labels, got " + labels);
        }
        if (task == Task.CLASSIFY && pooling == null) {
            throw new IllegalArgumentException("a classification head needs a pooling");
        }
        if (maxLength < 2) {
            throw new IllegalArgumentException("max length must be at least 2, got " + maxLength);
        }
    }

    /** The Hugging Face architecture name of this head on {@code config}'s family. */
    public String architecture(ModelConfig config) {
        if (task == Task.CLASSIFY) {
            return config.isEncoder() ? "BertForSequenceClassification" : "GPT2ForSequenceClassification";
        }
        return config.isEncoder() ? "BertForTokenClassification" : "GPT2ForTokenClassification";
    }

    /** The whole config.json: {@link HfConfig#toJson} plus the head's fields. */
    public ObjectNode toJson(ModelConfig config) {
        ObjectNode o = HfConfig.toJson(config, architecture(config));
        ObjectNode id2label = o.putObject("id2label");
        ObjectNode label2id = o.putObject("label2id");
        for (int i = 0; i < labels.size(); i++) {
            id2label.put(Integer.toString(i), labels.get(i));
            label2id.put(labels.get(i), i);
        }
        o.put("num_labels", labels.size());
        if (task == Task.CLASSIFY) {
            o.put("problem_type", "single_label_classification");
        }
        o.put("graft_task", task.id());
        if (pooling != null) {
            o.put("graft_pooling", pooling.id());
        }
        o.put("graft_max_length", maxLength);
        return o;
    }

    public void write(Path file, ModelConfig config) throws IOException {
        AtomicFiles.writeString(file, JSON.writeValueAsString(toJson(config)) + "\n");
    }

    /** The first entry of {@code architectures}, or "" when absent. */
    public static String architectureOf(JsonNode o) {
        JsonNode a = o.path("architectures");
        return a.isArray() && !a.isEmpty() ? a.get(0).asText("") : "";
    }

    public static JsonNode readJson(Path file) throws IOException {
        try {
            return JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file + ": no config.json here; is this a model folder?");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(file + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
    }

    /**
     * The head described by a config.json, or empty for a model without a task head (a pretrained
     * language model or a bare backbone).
     */
    public static Optional<HeadConfig> read(JsonNode o, ModelConfig config, Path file) throws IOException {
        String arch = architectureOf(o);
        Task task;
        if (o.hasNonNull("graft_task")) {
            task = Task.parse(o.get("graft_task").asText());
        } else if (arch.endsWith("ForSequenceClassification")) {
            task = Task.CLASSIFY;
        } else if (arch.endsWith("ForTokenClassification")) {
            task = Task.TAG;
        } else {
            return Optional.empty();
        }
        JsonNode id2label = o.path("id2label");
        if (!id2label.isObject() || id2label.isEmpty()) {
            throw new IOException(file + ": " + arch + " without id2label: graft needs the label names");
        }
        Map<Integer, String> byId = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = id2label.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            try {
                byId.put(Integer.parseInt(e.getKey()), e.getValue().asText());
            } catch (NumberFormatException ex) {
                throw new IOException(file + ": id2label key '" + e.getKey() + "' is not a number");
            }
        }
        List<String> labels = new ArrayList<>(byId.values());
        int i = 0;
        for (int id : byId.keySet()) {
            if (id != i++) {
                throw new IOException(file + ": id2label ids are not 0.." + (byId.size() - 1));
            }
        }
        SequenceClassifier.Pooling pooling = null;
        if (task == Task.CLASSIFY) {
            pooling = o.hasNonNull("graft_pooling") ? SequenceClassifier.Pooling.parse(o.get("graft_pooling").asText())
                    : (config.isEncoder() ? SequenceClassifier.Pooling.CLS : SequenceClassifier.Pooling.LAST);
        }
        int maxLength = o.path("graft_max_length").asInt(config.maxPositions());
        return Optional.of(new HeadConfig(task, labels, pooling, Math.min(maxLength, config.maxPositions())));
    }
}
