package dev.graft.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.graft.nn.Pooling;
import java.io.IOException;
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
 * {@code graft_task} (classify, tag, multilabel or pair), {@code graft_pooling} (cls, mean, concat, last),
 * {@code graft_max_length} (the longest input the model was trained with), for multi-label heads
 * {@code graft_thresholds} (one decision threshold per label, in id order), and for heads that pool as
 * sentence-transformers does (SetFit's): {@code graft_pooler: false} (cls pooling takes the first token's
 * state as it is, without BERT's dense + tanh pooler) and {@code graft_normalize: true} (the pooled vector is
 * L2-normalized before the linear layer). Both are written only when they differ from the default, so a
 * folder without them (every ordinary fine-tuning's, and every folder written before they existed) reads
 * as before: a pooler with cls pooling, no normalization.
 *
 * <p>A folder without {@code graft_task} (written by Hugging Face or an older graft) is read by its
 * architecture: ForSequenceClassification is classify, or multilabel when its {@code problem_type} is
 * {@code multi_label_classification}; ForTokenClassification is tag.
 *
 * @param task       classify, tag, multilabel or pair
 * @param labels     class names or tags, index = id
 * @param pooling    sequence pooling (the sequence heads), null for tagging
 * @param maxLength  tokens per input, specials included
 * @param thresholds multi-label decision thresholds, one per label (null: 0.5 each); null for other tasks
 * @param pooler     whether the head passes the pooled first token through BERT's pooler (dense + tanh):
 *                   true for cls pooling unless the head pools as sentence-transformers; false for every
 *                   other pooling (they have none)
 * @param normalize  whether the head L2-normalizes its features (after the pooler, if any) before the linear
 *                   layer, as a sentence-transformers Normalize module: softmax(W · normalize(pool(h)) + b)
 */
public record HeadConfig(Task task, List<String> labels, Pooling pooling, int maxLength,
                         List<Double> thresholds, boolean pooler, boolean normalize) {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The decision threshold of a multi-label head when none was tuned. */
    public static final double DEFAULT_THRESHOLD = 0.5;

    /** The fine-tuning tasks: each is one head ({@code dev.graft.task.Heads}). */
    public enum Task {
        /** Single-label sequence classification (softmax). */
        CLASSIFY("classify", "a sequence classifier", "single_label_classification"),
        /** Token tagging (a tag per word). */
        TAG("tag", "a token tagger", null),
        /** Multi-label sequence classification (a sigmoid per label). */
        MULTI_LABEL("multilabel", "a multi-label classifier", "multi_label_classification"),
        /** Single-label classification of a pair of texts (the tokenizer's pair template). */
        PAIR("pair", "a sentence-pair classifier", "single_label_classification");

        private final String id;
        private final String description;
        private final String problemType;

        Task(String id, String description, String problemType) {
            this.id = id;
            this.description = description;
            this.problemType = problemType;
        }

        public String id() {
            return id;
        }

        public static Task parse(String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "classify", "classification" -> CLASSIFY;
                case "tag", "tagging" -> TAG;
                case "multilabel", "multi-label", "multi_label", "multi-label-classification" -> MULTI_LABEL;
                case "pair", "sentence-pair", "pair-classify", "text-pair" -> PAIR;
                default -> throw new IllegalArgumentException("unknown task '" + s + "': use classify, tag, multilabel "
                        + "or pair");
            };
        }

        /** Human words for messages: "a sequence classifier", "a token tagger". */
        public String describe() {
            return description;
        }

        /**
         * config.json's {@code problem_type} as transformers' sequence classifiers read it
         * ("single_label_classification", "multi_label_classification"), or null where it has none (tagging).
         */
        public String problemType() {
            return problemType;
        }

        /** Whether the head pools the sequence into one vector (every task but tagging). */
        public boolean pooled() {
            return this != TAG;
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
        if (task.pooled() && pooling == null) {
            throw new IllegalArgumentException("a classification head needs a pooling");
        }
        if (maxLength < 2) {
            throw new IllegalArgumentException("max length must be at least 2, got " + maxLength);
        }
        if (thresholds != null) {
            if (task != Task.MULTI_LABEL) {
                throw new IllegalArgumentException("decision thresholds belong to a multi-label head, not " + task.id());
            }
            thresholds = List.copyOf(thresholds);
            if (thresholds.size() != labels.size()) {
                throw new IllegalArgumentException(thresholds.size() + " thresholds for " + labels.size() + " labels");
            }
            for (double t : thresholds) {
                if (!(t > 0 && t < 1)) {
                    throw new IllegalArgumentException("a decision threshold must be in (0, 1), got " + t);
                }
            }
        }
        if (pooler && pooling != Pooling.CLS) {
            throw new IllegalArgumentException("BERT's pooler belongs to cls pooling, not "
                    + (pooling == null ? "a tagger" : pooling.id() + " pooling"));
        }
        if (normalize && !task.pooled()) {
            throw new IllegalArgumentException("normalization belongs to a pooled head, not " + task.id());
        }
    }

    /** A head without thresholds; cls pooling with BERT's pooler; no normalization. */
    public HeadConfig(Task task, List<String> labels, Pooling pooling, int maxLength) {
        this(task, labels, pooling, maxLength, null);
    }

    /** A head with cls pooling through BERT's pooler and no normalization. */
    public HeadConfig(Task task, List<String> labels, Pooling pooling, int maxLength, List<Double> thresholds) {
        this(task, labels, pooling, maxLength, thresholds, pooling == Pooling.CLS, false);
    }

    /**
     * A head that pools as a sentence-transformers encoder: the mean, or the first token's state as it is (no
     * BERT pooler), L2-normalized when {@code normalize}; SetFit's head.
     */
    public static HeadConfig sentenceEmbedding(Task task, List<String> labels, Pooling pooling, int maxLength,
                                               boolean normalize) {
        return new HeadConfig(task, labels, pooling, maxLength, null, false, normalize);
    }

    /** This head with the given multi-label thresholds. */
    public HeadConfig withThresholds(List<Double> t) {
        return new HeadConfig(task, labels, pooling, maxLength, t, pooler, normalize);
    }

    /** The decision threshold of label {@code i} (multi-label; 0.5 when none was tuned). */
    public double threshold(int i) {
        return thresholds == null ? DEFAULT_THRESHOLD : thresholds.get(i);
    }

    /** The Hugging Face architecture name of this head on {@code config}'s family. */
    public String architecture(ModelConfig config) {
        if (task.pooled()) {
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
        if (task.problemType() != null) {
            o.put("problem_type", task.problemType());
        }
        o.put("graft_task", task.id());
        if (pooling != null) {
            o.put("graft_pooling", pooling.id());
        }
        o.put("graft_max_length", maxLength);
        if (thresholds != null) {
            var t = o.putArray("graft_thresholds");
            thresholds.forEach(t::add);
        }
        if (pooling == Pooling.CLS && !pooler) {
            o.put("graft_pooler", false);
        }
        if (normalize) {
            o.put("graft_normalize", true);
        }
        return o;
    }

    public void write(Path file, ModelConfig config) throws IOException {
        JsonFiles.write(file, toJson(config));
    }

    /** The first entry of {@code architectures}, or "" when absent. */
    public static String architectureOf(JsonNode o) {
        JsonNode a = o.path("architectures");
        return a.isArray() && !a.isEmpty() ? a.get(0).asText("") : "";
    }

    public static JsonNode readJson(Path file) throws IOException {
        try {
            return JsonFiles.read(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file + ": no config.json here; is this a model folder?");
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
            task = "multi_label_classification".equals(o.path("problem_type").asText()) ? Task.MULTI_LABEL
                    : Task.CLASSIFY;
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
        Pooling pooling = null;
        if (task.pooled()) {
            pooling = o.hasNonNull("graft_pooling") ? Pooling.parse(o.get("graft_pooling").asText())
                    : (config.isEncoder() ? Pooling.CLS : Pooling.LAST);
        }
        int maxLength = o.path("graft_max_length").asInt(config.maxPositions());
        List<Double> thresholds = null;
        JsonNode t = o.path("graft_thresholds");
        if (task == Task.MULTI_LABEL && t.isArray()) {
            thresholds = new ArrayList<>();
            for (JsonNode v : t) {
                if (!v.isNumber()) {
                    throw new IOException(file + ": graft_thresholds holds " + v + ", not a number; give one threshold "
                            + "in (0, 1) per label or remove the field (0.5 each)");
                }
                thresholds.add(v.asDouble());
            }
            if (thresholds.size() != labels.size()) {
                throw new IOException(file + ": graft_thresholds has " + thresholds.size() + " values for "
                        + labels.size() + " labels; give one per label or remove the field (0.5 each)");
            }
        }
        boolean pooler = pooling == Pooling.CLS && bool(o, "graft_pooler", true, file);
        if (pooling != Pooling.CLS && !o.path("graft_pooler").isMissingNode() && bool(o, "graft_pooler", false, file)) {
            throw new IOException(file + ": graft_pooler is true but the head's pooling is "
                    + (pooling == null ? "none (a tagger)" : pooling.id()) + "; BERT's pooler belongs to cls pooling: "
                    + "remove the field");
        }
        boolean normalize = bool(o, "graft_normalize", false, file);
        if (normalize && !task.pooled()) {
            throw new IOException(file + ": graft_normalize is true but " + task.describe() + " has no pooled "
                    + "vector to normalize: remove the field");
        }
        return Optional.of(new HeadConfig(task, labels, pooling, Math.min(maxLength, config.maxPositions()),
                thresholds, pooler, normalize));
    }

    /** A boolean field of config.json: {@code fallback} when absent or null, an error when not true or false. */
    private static boolean bool(JsonNode o, String field, boolean fallback, Path file) throws IOException {
        JsonNode v = o.path(field);
        if (v.isMissingNode() || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw new IOException(file + ": " + field + " holds " + v + ", not true or false; write true or false "
                    + "or remove the field (" + fallback + ")");
        }
        return v.booleanValue();
    }
}
