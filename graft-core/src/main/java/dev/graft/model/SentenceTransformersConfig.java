package dev.graft.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.graft.nn.Pooling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * How a model folder is meant to be used as a sentence encoder, in the files sentence-transformers
 * reads and writes beside a Hugging Face model: {@code modules.json} (Transformer, Pooling, and
 * Normalize when the vectors are L2-normalized), {@code 1_Pooling/config.json} (the pooling mode),
 * {@code sentence_bert_config.json} (the length the model was trained to embed) and
 * {@code config_sentence_transformers.json} (named prompts such as E5's {@code "query: "}, and the
 * default one). {@code graft import} writes them for the models it knows, from each model's own
 * documentation; {@code graft embed}, {@code graft serve} and {@code graft finetune} read them for their
 * defaults, and so does sentence-transformers.
 *
 * @param pooling           mean of the token states or the first ([CLS]) token's
 * @param normalize         whether the vectors are L2-normalized
 * @param maxSeqLength      tokens the model embeds (longer inputs are truncated), or null for the model's positions
 * @param prompts           named prefixes put before the text (empty when the model uses none)
 * @param defaultPromptName the prompt used when none is chosen, or null for none
 */
public record SentenceTransformersConfig(Pooling pooling, boolean normalize, Integer maxSeqLength,
                                         Map<String, String> prompts, String defaultPromptName) {
    public static final String MODULES = "modules.json";
    public static final String POOLING = "1_Pooling/config.json";
    public static final String BERT_CONFIG = "sentence_bert_config.json";
    public static final String ST_CONFIG = "config_sentence_transformers.json";
    private static final String TRANSFORMER = "sentence_transformers.models.Transformer";
    private static final String POOLING_TYPE = "sentence_transformers.models.Pooling";
    private static final String NORMALIZE_TYPE = "sentence_transformers.models.Normalize";
    private static final ObjectMapper JSON = new ObjectMapper();

    public SentenceTransformersConfig {
        if (pooling == null) {
            throw new IllegalArgumentException("a sentence encoder needs a pooling (mean or cls)");
        }
        if (maxSeqLength != null && maxSeqLength < 3) {
            throw new IllegalArgumentException("max_seq_length must be at least 3, got " + maxSeqLength);
        }
        prompts = Map.copyOf(new LinkedHashMap<>(prompts));
        if (defaultPromptName != null && !prompts.containsKey(defaultPromptName)) {
            throw new IllegalArgumentException("default prompt " + defaultPromptName + " is not among the prompts "
                    + prompts.keySet());
        }
    }

    /** Mean pooling, normalized, no prompts: sentence-transformers' usual encoder (all-MiniLM-L6-v2). */
    public static SentenceTransformersConfig meanNormalized(Integer maxSeqLength) {
        return new SentenceTransformersConfig(Pooling.MEAN, true, maxSeqLength, Map.of(), null);
    }

    /** The prefix named {@code name}, or an error listing the model's prompts. */
    public String prompt(String name) {
        String p = prompts.get(name);
        if (p == null) {
            throw new IllegalArgumentException("prompt " + name + ": this model's prompts are "
                    + (prompts.isEmpty() ? "none" : String.join(", ", new java.util.TreeSet<>(prompts.keySet()))));
        }
        return p;
    }

    /** The prefix used when no prompt is chosen ("" when the model has no default). */
    public String defaultPrompt() {
        return defaultPromptName == null ? "" : prompts.get(defaultPromptName);
    }

    /** A one-line description for logs: "cls pooling, normalized, up to 512 tokens, prompt query". */
    public String describe() {
        return pooling.name().toLowerCase(Locale.ROOT) + " pooling, " + (normalize ? "normalized" : "not normalized")
                + (maxSeqLength == null ? "" : ", up to " + maxSeqLength + " tokens")
                + (defaultPromptName == null ? "" : ", prompt " + defaultPromptName + " (\"" + defaultPrompt() + "\")");
    }

    /** Writes the sentence-transformers files into {@code folder} (which holds the model). */
    public void write(Path folder, int dimension) throws IOException {
        ArrayNode modules = JSON.createArrayNode();
        modules.add(module(0, "", TRANSFORMER));
        modules.add(module(1, "1_Pooling", POOLING_TYPE));
        if (normalize) {
            modules.add(module(2, "2_Normalize", NORMALIZE_TYPE));
            Files.createDirectories(folder.resolve("2_Normalize"));
        }
        write(folder.resolve(MODULES), modules);
        ObjectNode p = JSON.createObjectNode();
        p.put("word_embedding_dimension", dimension);
        p.put("pooling_mode_cls_token", pooling == Pooling.CLS);
        p.put("pooling_mode_mean_tokens", pooling == Pooling.MEAN);
        p.put("pooling_mode_max_tokens", false);
        p.put("pooling_mode_mean_sqrt_len_tokens", false);
        p.put("pooling_mode_weightedmean_tokens", false);
        p.put("pooling_mode_lasttoken", false);
        p.put("include_prompt", true);
        Files.createDirectories(folder.resolve("1_Pooling"));
        write(folder.resolve(POOLING), p);
        if (maxSeqLength != null) {
            ObjectNode b = JSON.createObjectNode();
            b.put("max_seq_length", maxSeqLength);
            b.put("do_lower_case", false);
            write(folder.resolve(BERT_CONFIG), b);
        }
        ObjectNode st = JSON.createObjectNode();
        ObjectNode pr = st.putObject("prompts");
        prompts.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> pr.put(e.getKey(), e.getValue()));
        if (defaultPromptName == null) {
            st.putNull("default_prompt_name");
        } else {
            st.put("default_prompt_name", defaultPromptName);
        }
        st.put("similarity_fn_name", "cosine");
        write(folder.resolve(ST_CONFIG), st);
    }

    private static ObjectNode module(int idx, String path, String type) {
        ObjectNode m = JSON.createObjectNode();
        m.put("idx", idx);
        m.put("name", String.valueOf(idx));
        m.put("path", path);
        m.put("type", type);
        return m;
    }

    private static void write(Path file, JsonNode node) throws IOException {
        JsonFiles.write(file, node);
    }

    /**
     * The folder's sentence-transformers configuration, or empty when it has no {@code modules.json}.
     * A configuration graft cannot follow (a pooling other than mean or cls, a Dense or other module) is
     * an error naming the file and what graft can do.
     */
    public static Optional<SentenceTransformersConfig> read(Path folder) throws IOException {
        Path modulesFile = folder.resolve(MODULES);
        if (!Files.isRegularFile(modulesFile)) {
            return Optional.empty();
        }
        JsonNode modules = JsonFiles.read(modulesFile);
        if (!modules.isArray()) {
            throw new IOException(modulesFile + ": expected a JSON array of modules");
        }
        Pooling pooling = null;
        boolean normalize = false;
        for (JsonNode m : modules) {
            String type = m.path("type").asText("");
            String path = m.path("path").asText("");
            switch (type) {
                case TRANSFORMER -> {
                }
                case POOLING_TYPE -> pooling = readPooling(folder.resolve(path).resolve("config.json"));
                case NORMALIZE_TYPE -> normalize = true;
                default -> throw new IOException(modulesFile + ": module " + m.path("name").asText("?") + " is "
                        + (type.isEmpty() ? "of no type" : type) + ", which graft cannot apply (it applies a Transformer,"
                        + " mean or cls Pooling and Normalize): remove " + MODULES + " to embed with graft's defaults");
            }
        }
        if (pooling == null) {
            throw new IOException(modulesFile + ": no Pooling module: add one (mean or cls) or remove " + MODULES);
        }
        Integer maxSeqLength = null;
        Path bert = folder.resolve(BERT_CONFIG);
        if (Files.isRegularFile(bert)) {
            JsonNode b = JsonFiles.read(bert);
            if (b.hasNonNull("max_seq_length")) {
                maxSeqLength = b.get("max_seq_length").asInt();
            }
        }
        Map<String, String> prompts = new LinkedHashMap<>();
        String defaultPrompt = null;
        Path st = folder.resolve(ST_CONFIG);
        if (Files.isRegularFile(st)) {
            JsonNode s = JsonFiles.read(st);
            s.path("prompts").fields().forEachRemaining(e -> prompts.put(e.getKey(), e.getValue().asText()));
            if (s.hasNonNull("default_prompt_name")) {
                defaultPrompt = s.get("default_prompt_name").asText();
            }
        }
        try {
            return Optional.of(new SentenceTransformersConfig(pooling, normalize, maxSeqLength, prompts, defaultPrompt));
        } catch (IllegalArgumentException e) {
            throw new IOException(folder + ": " + e.getMessage(), e);
        }
    }

    private static Pooling readPooling(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": missing (modules.json names a Pooling module here)");
        }
        JsonNode p = JsonFiles.read(file);
        List<String> modes = new ArrayList<>();
        p.fields().forEachRemaining(e -> {
            if (e.getKey().startsWith("pooling_mode_") && e.getValue().asBoolean(false)) {
                modes.add(e.getKey().substring("pooling_mode_".length()));
            }
        });
        if (modes.equals(List.of("cls_token"))) {
            return Pooling.CLS;
        }
        if (modes.equals(List.of("mean_tokens"))) {
            return Pooling.MEAN;
        }
        throw new IOException(file + ": pooling " + (modes.isEmpty() ? "(none)" : String.join(" + ", modes))
                + " is not one graft applies (mean_tokens or cls_token alone)");
    }

}
