package dev.graft.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.data.Words;
import dev.graft.eval.SpanMetrics;
import dev.graft.finetune.FineTunedModel;
import dev.graft.model.Checkpoint;
import dev.graft.model.HeadConfig;
import dev.graft.model.HfConfig;
import dev.graft.model.ModelConfig;
import dev.graft.model.Pretrained;
import dev.graft.model.SentenceEmbedder;
import dev.graft.nn.Compute;
import dev.graft.nn.Pooling;
import dev.graft.task.ClassificationData;
import dev.graft.task.ClassificationTask;
import dev.graft.task.MultiLabelData;
import dev.graft.task.MultiLabelTask;
import dev.graft.task.PairTask;
import dev.graft.task.TaggingData;
import dev.graft.task.TaggingTask;
import dev.graft.tokenizer.Encoding;
import dev.graft.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One model the server answers with, and the only place that touches it: {@link #prepare} runs on
 * a request's thread (tokenizing, checking the length; thread-safe), {@link #run} on the model's
 * batcher thread (one forward pass over many requests' inputs; never concurrently).
 *
 * <p>{@link #run} goes through the code {@code graft embed} and {@code graft predict} use:
 * {@link SentenceEmbedder#embedBatch} and its pooling and normalization for embeddings,
 * {@link ClassificationData#encode}'s encodings (made by {@link #prepare}, {@link ClassificationData#cut} for a
 * text cut to the length) and {@link ClassificationTask#predict} for classification,
 * {@link TaggingData#encode} and {@link TaggingTask#predict} for tagging, {@link MultiLabelData#encode} and
 * {@link MultiLabelTask#predict} for multi-label classification, {@link ClassificationData#encodePairs}'s
 * encodings (made by {@link PairClassifier#preparePair}) and {@link PairTask#predict} for sentence pairs.
 *
 * <p><b>Batch invariance.</b> An embedding does not depend on which other inputs share its batch
 * ({@link dev.graft.model.EncoderInference} computes only real tokens, each row of its GEMMs in the same
 * order whatever the batch; tested bit for bit), and neither does a single-label or pair classifier's
 * answer on an encoder ({@link dev.graft.model.ClassifierInference}, which {@code graft predict} runs too).
 * The multi-label classifier, the tagger and decoder classifiers run the padded training forward
 * ({@link dev.graft.model.Backbone#forward}), whose hidden states differ in the last bits with the batch's
 * size and padded length (its GEMMs choose a direct or a packed algorithm by problem size): their
 * probabilities depend on the batch by float rounding (about 1e-7), as {@code graft predict}'s own depend
 * on the other lines of its input. Their batches are cut as {@code graft predict} cuts them (sorted by
 * length, {@value #PREDICT_BATCH_SIZE} per forward), so a request that runs alone gets exactly what
 * {@code graft predict} prints for the same lines.
 */
abstract class ServedModel {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Inputs per forward pass of the classifier and the tagger: {@code graft predict}'s default batch size. */
    static final int PREDICT_BATCH_SIZE = 64;

    /** What a model answers. */
    enum Kind {
        EMBEDDING("embedding"), CLASSIFIER("classifier"), TAGGER("tagger"),
        /** A multi-label classifier: the labels whose probability reaches their threshold. */
        MULTI_LABEL("multilabel-classifier"),
        /** A sentence-pair classifier: its inputs are pairs of texts. */
        PAIR("pair-classifier");

        final String id;

        Kind(String id) {
            this.id = id;
        }
    }

    /**
     * One input as the batcher takes it: the text (and a pair's second text, else null), its token count
     * (special tokens included, after truncation), its encoding when the model embeds, its words when it tags.
     */
    record Input(String text, String textPair, int tokens, boolean truncated, Encoding encoding, Words words) {
        Input(String text, int tokens, boolean truncated, Encoding encoding, Words words) {
            this(text, null, tokens, truncated, encoding, words);
        }
    }

    protected final String name;
    protected final ModelConfig config;
    protected final Tokenizer tokenizer;
    protected final String architecture;
    /** Where {@link #load} read the model and the pooling it was asked for: to load it again for another worker. */
    private Path folder;
    private Pooling requestedPooling;

    ServedModel(String name, ModelConfig config, Tokenizer tokenizer, String architecture) {
        this.name = name;
        this.config = config;
        this.tokenizer = tokenizer;
        this.architecture = architecture;
    }

    String name() {
        return name;
    }

    abstract Kind kind();

    /** Longest input in tokens, special tokens included. */
    abstract int maxLength();

    /**
     * Tokenizes one input on the caller's thread. An input longer than {@link #maxLength} is cut to it
     * when {@code truncate}, else refused with {@code overLengthStatus} (413 as TEI, 400 as OpenAI).
     */
    Input prepare(String text, int index, boolean truncate, int overLengthStatus) {
        Encoding e = tokenizer.encode(text, true);
        int max = maxLength();
        if (e.length() <= max) {
            return input(text, e, false);
        }
        if (!truncate) {
            throw new ApiError(overLengthStatus, ApiError.Kind.VALIDATION, "input " + index + " has " + e.length()
                    + " tokens, more than the " + max + " model " + name + " takes: shorten it or send "
                    + "\"truncate\": true", null, "context_length_exceeded");
        }
        return input(text, null, true);
    }

    /** The input as this model keeps it ({@code encoding} is null when it was too long). */
    abstract Input input(String text, Encoding encoding, boolean truncated);

    /**
     * Results of the inputs, in order: one forward pass over all of them (the classifier and the tagger:
     * one per {@value #PREDICT_BATCH_SIZE} inputs, as graft predict). Called by one thread at a time.
     */
    abstract List<Object> run(List<Input> inputs);

    /**
     * The model's forward pass on each worker: this instance's {@link #run} on worker 0 (it was loaded with
     * worker 0's compute), {@link #runnerFor} every other worker's compute.
     */
    List<Batcher.Runner> runners(Workers workers) throws IOException {
        List<Batcher.Runner> runners = new ArrayList<>(workers.count());
        runners.add(this::run);
        for (int i = 1; i < workers.count(); i++) {
            runners.add(runnerFor(workers.compute(i)));
        }
        return runners;
    }

    /**
     * A forward pass of this model computing on {@code compute}, safe to run while this instance's runs
     * (forward passes keep buffers): by default the model loaded again from its folder.
     */
    Batcher.Runner runnerFor(Compute compute) throws IOException {
        if (folder == null) {
            throw new IllegalStateException("model " + name + " was not loaded from a folder: it runs on one worker only");
        }
        return load(name, folder, compute, requestedPooling)::run;
    }

    /** What /info says of this model. */
    ObjectNode info() {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", name);
        o.put("kind", kind().id);
        o.put("architecture", architecture);
        o.put("model_type", config.isEncoder() ? "bert" : "gpt2");
        o.put("hidden_size", config.hiddenSize());
        o.put("layers", config.numberOfLayers());
        o.put("heads", config.numberOfHeads());
        o.put("vocab_size", config.vocabSize());
        o.put("max_positions", config.maxPositions());
        o.put("max_input_length", maxLength());
        o.put("tokenizer", tokenizer.modelType());
        return o;
    }

    /**
     * Loads the model in {@code folder}: a fine-tuned classifier or tagger (config.json with a head) as
     * {@code graft predict} does, any other checkpoint as an encoder for embeddings as {@code graft embed} does.
     */
    static ServedModel load(String name, Path folder, Compute compute, Pooling pooling)
            throws IOException {
        ServedModel m = read(name, folder, compute, pooling);
        m.folder = folder;
        m.requestedPooling = pooling;
        return m;
    }

    private static ServedModel read(String name, Path folder, Compute compute, Pooling pooling)
            throws IOException {
        Path configFile = folder.resolve(Checkpoint.CONFIG);
        if (!Files.isRegularFile(configFile)) {
            throw new NoSuchFileException(configFile + ": model " + name + " has no config.json (give a folder from "
                    + "graft finetune, graft import or graft pretrain)");
        }
        JsonNode json = HeadConfig.readJson(configFile);
        ModelConfig config = HfConfig.fromJson(json, configFile);
        String architecture = HeadConfig.architectureOf(json);
        if (HeadConfig.read(json, config, configFile).isPresent()) {
            FineTunedModel m = FineTunedModel.load(folder, compute);
            return switch (m.head().task()) {
                case CLASSIFY -> new Classifier(name, m, architecture);
                case TAG -> new Tagger(name, m, architecture);
                case MULTI_LABEL -> new MultiLabelClassifier(name, m, architecture);
                case PAIR -> new PairClassifier(name, m, architecture);
            };
        }
        Pretrained p = Pretrained.loadBackbone(folder, compute);
        if (!p.config().isEncoder()) {
            java.util.logging.Logger.getLogger(ServedModel.class.getName()).warning("model " + name + " is a GPT-2 "
                    + "decoder (causal attention): its mean-pooled states are not trained as sentence embeddings");
        }
        java.util.Optional<dev.graft.model.SentenceTransformersConfig> st =
                dev.graft.model.SentenceTransformersConfig.read(folder);
        return new Embedder(name, p, pooling != null ? pooling
                : st.map(dev.graft.model.SentenceTransformersConfig::pooling).orElse(Pooling.MEAN),
                st.orElse(null));
    }

    // ------------------------------------------------------------------ embeddings

    /**
     * Sentence embeddings as {@code graft embed}: [CLS] text [SEP], the encoder, mean or CLS pooling;
     * normalization per request ({@link SentenceEmbedder#normalizeInPlace}, what {@code --normalize} does).
     */
    static final class Embedder extends ServedModel {
        private final SentenceEmbedder embedder;
        private final Pooling pooling;
        /** The folder's sentence-transformers settings (prompts, length), or null. */
        private final dev.graft.model.SentenceTransformersConfig settings;
        private final int maxLength;

        Embedder(String name, Pretrained p, Pooling pooling,
                 dev.graft.model.SentenceTransformersConfig settings) throws IOException {
            super(name, p.config(), p.requireTokenizer(), p.architecture());
            this.pooling = pooling;
            this.settings = settings;
            int positions = p.config().maxPositions();
            this.maxLength = settings == null || settings.maxSeqLength() == null ? positions
                    : Math.min(positions, settings.maxSeqLength());
            // normalize off: each request chooses; the batch size is unused (run hands embedBatch the batch)
            this.embedder = new SentenceEmbedder(p.backbone(), tokenizer, pooling, false, 32, maxLength);
        }

        /**
         * The text to embed: the prompt named {@code promptName} (TEI's {@code prompt_name}), else the model's
         * default prompt, before the input.
         */
        String withPrompt(String text, String promptName) {
            if (promptName != null) {
                if (settings == null) {
                    throw ApiError.badRequest("\"prompt_name\" " + promptName + ": model " + name + " has no prompts "
                            + "(its folder has no sentence-transformers settings); put the prompt in the text");
                }
                try {
                    return settings.prompt(promptName) + text;
                } catch (IllegalArgumentException e) {
                    throw ApiError.badRequest("\"prompt_name\": model " + name + ": " + e.getMessage());
                }
            }
            return settings == null ? text : settings.defaultPrompt() + text;
        }

        @Override
        Kind kind() {
            return Kind.EMBEDDING;
        }

        @Override
        int maxLength() {
            return maxLength;
        }

        int dimension() {
            return embedder.dimension();
        }

        @Override
        Input input(String text, Encoding encoding, boolean truncated) {
            Encoding e = encoding != null ? encoding : embedder.encode(text);
            return new Input(text, e.length(), truncated, e, null);
        }

        /** An encoder's workers share its weights, each with an embedder of its own; a decoder loads again. */
        @Override
        Batcher.Runner runnerFor(Compute compute) throws IOException {
            if (!dev.graft.model.EncoderInference.supports(config)) {
                return super.runnerFor(compute);
            }
            SentenceEmbedder own = embedder.onCompute(compute);
            return inputs -> embed(own, inputs);
        }

        /** Unnormalized pooled vectors (float[]), in input order; the batch sorted by length first. */
        @Override
        List<Object> run(List<Input> inputs) {
            return embed(embedder, inputs);
        }

        private static List<Object> embed(SentenceEmbedder embedder, List<Input> inputs) {
            int n = inputs.size();
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Integer.compare(inputs.get(a).tokens(), inputs.get(b).tokens()));
            List<Encoding> sorted = new ArrayList<>(n);
            for (Integer i : order) {
                sorted.add(inputs.get(i).encoding());
            }
            float[][] vectors = embedder.embedBatch(sorted);
            Object[] out = new Object[n];
            for (int i = 0; i < n; i++) {
                out[order[i]] = vectors[i];
            }
            return Arrays.asList(out);
        }

        @Override
        ObjectNode info() {
            ObjectNode o = super.info();
            o.put("dimension", dimension());
            o.put("pooling", pooling.name().toLowerCase(java.util.Locale.ROOT));
            if (settings != null) {
                ObjectNode prompts = o.putObject("prompts");
                settings.prompts().forEach(prompts::put);
                o.put("default_prompt_name", settings.defaultPromptName());
            }
            return o;
        }
    }

    // ------------------------------------------------------------------ classification

    /**
     * A fine-tuned model that labels texts (single-label, multi-label, pairs): its folder's head gives the
     * length it takes, its labels and pooling, which /info lists.
     */
    abstract static class LabelModel extends ServedModel {
        protected final FineTunedModel model;

        LabelModel(String name, FineTunedModel model, String architecture) {
            super(name, model.config(), model.tokenizer(), architecture);
            this.model = model;
        }

        @Override
        int maxLength() {
            return model.head().maxLength();
        }

        List<String> labels() {
            return model.head().labels();
        }

        /**
         * Keeps the input's encoding (a classifier predicts from it): the one {@link #prepare} made, or for a text
         * cut to the length, the text encoded again cut as graft predict cuts it ({@link ClassificationData#cut}),
         * here on the request's thread, so that the batch never tokenizes.
         */
        @Override
        Input input(String text, Encoding encoding, boolean truncated) {
            Encoding e = truncated ? ClassificationData.cut(tokenizer, text, maxLength()) : encoding;
            return new Input(text, e.length(), truncated, e, null);
        }

        /** The inputs' encodings, in order. */
        static List<Encoding> encodings(List<Input> inputs) {
            List<Encoding> encodings = new ArrayList<>(inputs.size());
            for (Input in : inputs) {
                if (in.encoding() == null) {
                    throw new IllegalStateException("input \"" + in.text() + "\" was not encoded when its request came");
                }
                encodings.add(in.encoding());
            }
            return encodings;
        }

        /** The inputs' first texts, in order. */
        static List<String> texts(List<Input> inputs) {
            return inputs.stream().map(Input::text).toList();
        }

        @Override
        ObjectNode info() {
            ObjectNode o = super.info();
            if (kind() != Kind.CLASSIFIER) {
                o.put("task", model.head().task().id());
            }
            o.put("pooling", model.head().pooling().id());
            ArrayNode labels = o.putArray("labels");
            labels().forEach(labels::add);
            return o;
        }
    }

    /** Labels with probabilities as {@code graft predict}: float[] per input, in the head's label order. */
    static final class Classifier extends LabelModel {
        private final ClassificationTask task;

        Classifier(String name, FineTunedModel model, String architecture) {
            super(name, model, architecture);
            this.task = new ClassificationTask(model.classifier(), model.head(), null, 1, null).frozen();
        }

        @Override
        Kind kind() {
            return Kind.CLASSIFIER;
        }

        @Override
        List<Object> run(List<Input> inputs) {
            return predict(task, inputs);
        }

        /** An encoder's workers share its weights, each with a task of its own; a decoder loads again. */
        @Override
        Batcher.Runner runnerFor(Compute compute) throws IOException {
            java.util.Optional<ClassificationTask> own = task.frozenOn(compute);
            if (own.isEmpty()) {
                return super.runnerFor(compute);
            }
            return inputs -> predict(own.get(), inputs);
        }

        /** From the inputs' encodings ({@link #input}: made on the requests' threads; nothing tokenized here). */
        private List<Object> predict(ClassificationTask task, List<Input> inputs) {
            ClassificationData data = ClassificationData.ofEncodings(encodings(inputs), model.padId());
            ClassificationTask.Predictions p = task.predict(data, data.batches(PREDICT_BATCH_SIZE));
            return Arrays.asList((Object[]) p.probabilities());
        }
    }

    // ------------------------------------------------------------------ multi-label

    /**
     * Multi-label classification as {@code graft predict}: a sigmoid probability per label (float[] per input,
     * in the head's label order); a label is chosen when its probability reaches its threshold (the ones tuned
     * on dev and saved in config.json, else 0.5).
     */
    static final class MultiLabelClassifier extends LabelModel {
        private final MultiLabelTask task;

        MultiLabelClassifier(String name, FineTunedModel model, String architecture) {
            super(name, model, architecture);
            this.task = new MultiLabelTask(model.classifier(), model.head(), null, 1, null);
        }

        @Override
        Kind kind() {
            return Kind.MULTI_LABEL;
        }

        /** The decision threshold of label {@code j}. */
        double threshold(int j) {
            return model.head().threshold(j);
        }

        @Override
        List<Object> run(List<Input> inputs) {
            MultiLabelData data = MultiLabelData.encode(tokenizer, texts(inputs), null, labels().size(), maxLength(),
                    model.padId());
            return Arrays.asList((Object[]) task.predict(data, data.batches(PREDICT_BATCH_SIZE)).probabilities());
        }

        @Override
        ObjectNode info() {
            ObjectNode o = super.info();
            ArrayNode thresholds = o.putArray("thresholds");
            for (int j = 0; j < labels().size(); j++) {
                thresholds.add(threshold(j));
            }
            return o;
        }

        /**
         * A multi-label answer: {@code {"labels": [...], "scores": [{"label", "score", "threshold"}, ...]}}, the
         * labels whose probability reaches their threshold in the head's label order (as graft predict lists them),
         * then every label with its probability, highest first.
         */
        void write(com.fasterxml.jackson.core.JsonGenerator g, float[] p) throws java.io.IOException {
            List<String> labels = labels();
            g.writeStartObject();
            g.writeArrayFieldStart("labels");
            for (int j = 0; j < p.length; j++) {
                if (p[j] >= threshold(j)) {
                    g.writeString(labels.get(j));
                }
            }
            g.writeEndArray();
            Integer[] order = new Integer[p.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Float.compare(p[b], p[a]));
            g.writeArrayFieldStart("scores");
            for (int j : order) {
                g.writeStartObject();
                g.writeStringField("label", labels.get(j));
                g.writeNumberField("score", p[j]);
                g.writeNumberField("threshold", threshold(j));
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    // ------------------------------------------------------------------ sentence pairs

    /**
     * Sentence-pair classification as {@code graft predict}: the two texts encoded together with the tokenizer's
     * pair template ({@link ClassificationData#encodePairs}), labels with probabilities (float[] per input).
     */
    static final class PairClassifier extends LabelModel {
        private final PairTask task;

        PairClassifier(String name, FineTunedModel model, String architecture) {
            super(name, model, architecture);
            this.task = new PairTask(model.classifier(), model.head(), null, 1, null);
            task.frozen();
        }

        @Override
        Kind kind() {
            return Kind.PAIR;
        }

        /** True when {@code n} is one pair of texts: an array of exactly two strings. */
        static boolean isPair(JsonNode n) {
            return n != null && n.isArray() && n.size() == 2 && n.get(0).isTextual() && n.get(1).isTextual();
        }

        /**
         * The pairs of a pair model's request, as TEI's /predict takes them: {@code "inputs"} is one pair
         * {@code ["text a", "text b"]} or an array of 1 to {@code maxClientBatch} pairs
         * {@code [["a", "b"], ...]}; no text empty.
         */
        static List<String[]> pairs(JsonNode body, int maxClientBatch) {
            JsonNode n = body.get("inputs");
            String shape = "send a pair [\"text a\", \"text b\"] or an array of pairs [[\"a\", \"b\"], ...]";
            if (n == null || n.isNull()) {
                throw ApiError.badRequest("the request has no \"inputs\": " + shape, "inputs");
            }
            List<JsonNode> items = new ArrayList<>();
            if (isPair(n)) {
                items.add(n);
            } else if (n.isArray() && !n.isEmpty()) {
                if (n.size() > maxClientBatch) {
                    throw ApiError.badRequest("\"inputs\" has " + n.size() + " pairs, more than the "
                            + maxClientBatch + " one request may hold (--max-client-batch): split it", "inputs");
                }
                n.forEach(items::add);
            } else {
                throw ApiError.badRequest("\"inputs\" is " + (n.isArray() ? "an empty array" : kindOf(n))
                        + ": the model classifies pairs of texts; " + shape, "inputs");
            }
            List<String[]> out = new ArrayList<>(items.size());
            for (int i = 0; i < items.size(); i++) {
                JsonNode e = items.get(i);
                String where = items.size() == 1 && isPair(n) ? "\"inputs\"" : "inputs[" + i + "]";
                if (!isPair(e)) {
                    throw ApiError.badRequest(where + " must be a pair of two strings, got " + kindOf(e)
                            + (e.isArray() ? " of " + e.size() : "") + "; " + shape, "inputs");
                }
                if (e.get(0).asText().isEmpty() || e.get(1).asText().isEmpty()) {
                    throw ApiError.badRequest(where + " has an empty text: send some text in both", "inputs");
                }
                out.add(new String[] {e.get(0).asText(), e.get(1).asText()});
            }
            return out;
        }

        private static String kindOf(JsonNode n) {
            if (n == null || n.isNull() || n.isMissingNode()) {
                return "null";
            }
            return n.isTextual() ? "a string" : n.isNumber() ? "a number" : n.isBoolean() ? "a boolean"
                    : n.isArray() ? "an array" : "an object";
        }

        @Override
        Input prepare(String text, int index, boolean truncate, int overLengthStatus) {
            throw ApiError.badRequest("input " + index + " is one text: model " + name + " classifies pairs of texts; "
                    + "send \"inputs\": [[\"text a\", \"text b\"], ...]", "inputs");
        }

        /**
         * Tokenizes one pair on the caller's thread; a pair longer than {@link #maxLength} is cut to it (as graft
         * predict cuts it) when {@code truncate}, else refused with {@code overLengthStatus}.
         */
        Input preparePair(String text, String textPair, int index, boolean truncate, int overLengthStatus) {
            Encoding e = tokenizer.encodeBatchPairs(List.of(text), List.of(textPair),
                    dev.graft.tokenizer.EncodeOptions.defaults()).get(0);
            int length = e.length();
            int max = maxLength();
            if (length > max && !truncate) {
                throw new ApiError(overLengthStatus, ApiError.Kind.VALIDATION, "input " + index + " has " + length
                        + " tokens, more than the " + max + " model " + name + " takes: shorten it or send "
                        + "\"truncate\": true", null, "context_length_exceeded");
            }
            if (length > max) {
                e = ClassificationData.cutPair(tokenizer, text, textPair, max);
            }
            return new Input(text, textPair, e.length(), length > max, e, null);
        }

        @Override
        Input input(String text, Encoding encoding, boolean truncated) {
            throw new UnsupportedOperationException("the pair classifier prepares its own inputs");
        }

        /** From the pairs' encodings ({@link #preparePair}: made on the requests' threads; nothing tokenized here). */
        @Override
        List<Object> run(List<Input> inputs) {
            ClassificationData data = ClassificationData.ofPairEncodings(encodings(inputs), model.padId());
            return Arrays.asList((Object[]) task.predict(data, data.batches(PREDICT_BATCH_SIZE)).probabilities());
        }

    }

    // ------------------------------------------------------------------ tagging

    /**
     * Word tags as {@code graft predict}: the text split at whitespace into words, one tag id per word
     * (int[], empty for a blank text); a sentence longer than the model takes is tagged in windows cut
     * at word boundaries (nothing truncated, no word lost), as {@link TaggingData} does.
     */
    static final class Tagger extends ServedModel {
        private final FineTunedModel model;
        private final TaggingTask task;
        private final boolean chunkTags;

        Tagger(String name, FineTunedModel model, String architecture) {
            super(name, model.config(), model.tokenizer(), architecture);
            this.model = model;
            this.task = new TaggingTask(model.tagger(), model.head(), null, null, 1, null);
            this.chunkTags = SpanMetrics.looksLikeChunkTags(model.head().labels());
        }

        @Override
        Kind kind() {
            return Kind.TAGGER;
        }

        @Override
        int maxLength() {
            return model.head().maxLength();
        }

        List<String> labels() {
            return model.head().labels();
        }

        /** Whether the tags are chunk tags (B-/I-/E-/S-, O), so spans are read from them. */
        boolean chunkTags() {
            return chunkTags;
        }

        /** Long sentences are split into windows, never cut: nothing to refuse. */
        @Override
        Input prepare(String text, int index, boolean truncate, int overLengthStatus) {
            Words w = Words.of(text);
            int tokens = w.words().isEmpty() ? 0 : tokenizer.encode(String.join(" ", w.words()), true).length();
            return new Input(text, tokens, false, null, w);
        }

        @Override
        Input input(String text, Encoding encoding, boolean truncated) {
            throw new UnsupportedOperationException("the tagger prepares its own inputs");
        }

        @Override
        List<Object> run(List<Input> inputs) {
            List<List<String>> present = new ArrayList<>();
            for (Input in : inputs) {
                if (!in.words().words().isEmpty()) {
                    present.add(in.words().words());
                }
            }
            int[][] tags = new int[0][];
            if (!present.isEmpty()) {
                TaggingData data = TaggingData.encode(tokenizer, present, null, maxLength(), model.padId());
                tags = task.predict(data, data.batches(PREDICT_BATCH_SIZE)).tags();
            }
            Object[] out = new Object[inputs.size()];
            int k = 0;
            for (int i = 0; i < out.length; i++) {
                out[i] = inputs.get(i).words().words().isEmpty() ? new int[0] : tags[k++];
            }
            return Arrays.asList(out);
        }

        @Override
        ObjectNode info() {
            ObjectNode o = super.info();
            ArrayNode labels = o.putArray("labels");
            labels().forEach(labels::add);
            o.put("chunk_tags", chunkTags);
            return o;
        }
    }
}
