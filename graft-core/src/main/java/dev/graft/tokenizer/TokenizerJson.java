package dev.graft.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.io.FileModes;
import dev.graft.io.Sha256;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the Hugging Face {@code tokenizer.json} format (huggingface/tokenizers
 * {@code tokenizer/serialization.rs} and the {@code type}-tagged components) for byte-level BPE,
 * WordPiece and Unigram (SentencePiece) tokenizers. A component graft does not implement is an error that names it;
 * nothing is approximated.
 */
final class TokenizerJson {
    private TokenizerJson() {
    }

    static final String FILE_NAME = "tokenizer.json";
    /** Floats kept as their decimal text (BigDecimal): Unigram scores are read as the reference reads them. */
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private static final String NORMALIZERS = "BertNormalizer, Lowercase, NFC, NFD, NFKC, NFKD, StripAccents, Precompiled, Replace, Prepend, Sequence";
    private static final String PRE_TOKENIZERS = "BertPreTokenizer, ByteLevel, Whitespace, WhitespaceSplit, Metaspace, Sequence";
    private static final String POST_PROCESSORS = "TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence";
    private static final String DECODERS = "ByteLevel, WordPiece, Metaspace, Sequence";
    private static final String MODELS = "BPE, WordPiece, Unigram";

    // ----- reading -----

    static Tokenizer load(Path fileOrDirectory) throws IOException {
        Path file = fileOrDirectory;
        if (Files.isDirectory(fileOrDirectory)) {
            file = fileOrDirectory.resolve(FILE_NAME);
            if (!Files.isRegularFile(file)) {
                throw new NoSuchFileException(fileOrDirectory.toString(), null, "directory has no " + FILE_NAME
                        + "; pass the directory a tokenizer was saved to, or the .json file itself");
            }
        } else if (!Files.exists(fileOrDirectory)) {
            throw new NoSuchFileException(fileOrDirectory.toString(), null, "no such file or directory; pass a "
                    + FILE_NAME + " file or a directory containing one");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            throw new IllegalArgumentException(file + ": not valid JSON"
                    + (loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr())
                    + " (" + e.getOriginalMessage() + "); regenerate the file or pass another tokenizer");
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(file + ": not a tokenizer.json (expected a JSON object with a "
                    + "\"model\"); pass a Hugging Face tokenizer.json");
        }
        return fromJson(root, file.toString());
    }

    static Tokenizer fromJson(JsonNode root, String where) {
        Reader r = new Reader(where);
        return r.tokenizer(root);
    }

    /** Reads one tokenizer.json tree; errors say where. */
    private record Reader(String where) {
        IllegalArgumentException error(String message) {
            return new IllegalArgumentException(where + ": " + message);
        }

        IllegalArgumentException unsupported(String component, String type, String supported) {
            return error(component + " type '" + type + "' is not supported by graft (supported: " + supported
                    + "); use a tokenizer built from supported components");
        }

        PipelineTokenizer tokenizer(JsonNode root) {
            JsonNode modelNode = root.get("model");
            if (modelNode == null || !modelNode.isObject()) {
                throw error("no \"model\" object; this is not a Hugging Face tokenizer.json");
            }
            Normalizers.Normalizer normalizer = nullOr(root.get("normalizer"), this::normalizer);
            PreTokenizers.PreTokenizer pre = nullOr(root.get("pre_tokenizer"), this::preTokenizer);
            TokenModel model = model(modelNode);
            PostProcessors.PostProcessor post = nullOr(root.get("post_processor"), this::postProcessor);
            Decoders.Decoder decoder = nullOr(root.get("decoder"), this::decoder);
            List<AddedVocabulary.AddedToken> added = new ArrayList<>();
            JsonNode addedNode = root.get("added_tokens");
            if (addedNode != null && !addedNode.isNull()) {
                if (!addedNode.isArray()) {
                    throw error("\"added_tokens\" must be an array");
                }
                for (JsonNode t : addedNode) {
                    added.add(new AddedVocabulary.AddedToken(intField(t, "id", -1, "added_tokens"),
                            text(t, "content", "added_tokens"), bool(t, "single_word", false),
                            bool(t, "lstrip", false), bool(t, "rstrip", false), bool(t, "normalized", true),
                            bool(t, "special", false)));
                }
            }
            EncodeOptions options = new EncodeOptions(true, nullOr(root.get("truncation"), this::truncation),
                    nullOr(root.get("padding"), this::padding));
            return new PipelineTokenizer(normalizer, pre, model, post, decoder, added, options);
        }

        private static <T> T nullOr(JsonNode n, java.util.function.Function<JsonNode, T> f) {
            return n == null || n.isNull() ? null : f.apply(n);
        }

        private String type(JsonNode n, String component) {
            JsonNode t = n.get("type");
            if (t == null || !t.isTextual()) {
                throw error(component + " has no \"type\"; expected one of the Hugging Face component types");
            }
            return t.asText();
        }

        Normalizers.Normalizer normalizer(JsonNode n) {
            String type = type(n, "normalizer");
            return switch (type) {
                case "BertNormalizer" -> new Normalizers.Bert(bool(n, "clean_text", true),
                        bool(n, "handle_chinese_chars", true),
                        n.hasNonNull("strip_accents") ? Boolean.valueOf(n.get("strip_accents").asBoolean()) : null,
                        bool(n, "lowercase", true));
                case "Lowercase" -> new Normalizers.Lowercase();
                case "NFC" -> new Normalizers.Unicode(UnicodeForms.Form.NFC);
                case "NFD" -> new Normalizers.Unicode(UnicodeForms.Form.NFD);
                case "NFKC" -> new Normalizers.Unicode(UnicodeForms.Form.NFKC);
                case "NFKD" -> new Normalizers.Unicode(UnicodeForms.Form.NFKD);
                case "StripAccents" -> new Normalizers.StripAccents();
                case "Precompiled" -> SentencePieceJson.precompiled(n, this::error);
                case "Replace" -> SentencePieceJson.replace(n, this::error);
                case "Prepend" -> SentencePieceJson.prepend(n, this::error);
                case "Sequence" -> new Normalizers.Sequence(each(n, "normalizers", "normalizer Sequence", this::normalizer));
                default -> throw unsupported("normalizer", type, NORMALIZERS);
            };
        }

        PreTokenizers.PreTokenizer preTokenizer(JsonNode n) {
            String type = type(n, "pre_tokenizer");
            return switch (type) {
                case "BertPreTokenizer" -> new PreTokenizers.Bert();
                case "Whitespace" -> new PreTokenizers.Whitespace();
                case "WhitespaceSplit" -> new PreTokenizers.WhitespaceSplit();
                case "Metaspace" -> SentencePieceJson.metaspaceSplit(n, this::error);
                case "ByteLevel" -> new PreTokenizers.ByteLevelSplit(bool(n, "add_prefix_space", true),
                        bool(n, "trim_offsets", true), bool(n, "use_regex", true));
                case "Sequence" -> new PreTokenizers.Sequence(each(n, "pretokenizers", "pre_tokenizer Sequence", this::preTokenizer));
                default -> throw unsupported("pre_tokenizer", type, PRE_TOKENIZERS);
            };
        }

        PostProcessors.PostProcessor postProcessor(JsonNode n) {
            String type = type(n, "post_processor");
            return switch (type) {
                case "TemplateProcessing" -> template(n);
                case "BertProcessing" -> new PostProcessors.Bert(pairText(n, "sep"), pairId(n, "sep"),
                        pairText(n, "cls"), pairId(n, "cls"));
                case "RobertaProcessing" -> new PostProcessors.Roberta(pairText(n, "sep"), pairId(n, "sep"),
                        pairText(n, "cls"), pairId(n, "cls"), bool(n, "trim_offsets", true),
                        bool(n, "add_prefix_space", true));
                case "ByteLevel" -> new PostProcessors.ByteLevelTrim(bool(n, "add_prefix_space", true),
                        bool(n, "trim_offsets", true), bool(n, "use_regex", true));
                case "Sequence" -> new PostProcessors.Sequence(each(n, "processors", "post_processor Sequence", this::postProcessor));
                default -> throw unsupported("post_processor", type, POST_PROCESSORS);
            };
        }

        private String pairText(JsonNode n, String field) {
            JsonNode p = n.get(field);
            if (p == null || !p.isArray() || p.size() != 2) {
                throw error("post_processor " + n.get("type").asText() + ": \"" + field
                        + "\" must be [token, id]");
            }
            return p.get(0).asText();
        }

        private int pairId(JsonNode n, String field) {
            pairText(n, field);
            return n.get(field).get(1).asInt();
        }

        private PostProcessors.Template template(JsonNode n) {
            Map<String, PostProcessors.SpecialToken> specials = new LinkedHashMap<>();
            JsonNode st = n.get("special_tokens");
            if (st != null && st.isObject()) {
                Iterator<Map.Entry<String, JsonNode>> it = st.fields();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> e = it.next();
                    JsonNode v = e.getValue();
                    JsonNode ids = v.get("ids");
                    JsonNode tokens = v.get("tokens");
                    if (ids == null || tokens == null || !ids.isArray() || !tokens.isArray()
                            || ids.size() != tokens.size()) {
                        throw error("post_processor TemplateProcessing: special token '" + e.getKey()
                                + "' needs \"ids\" and \"tokens\" arrays of the same length");
                    }
                    int[] idArray = new int[ids.size()];
                    String[] tokenArray = new String[tokens.size()];
                    for (int i = 0; i < idArray.length; i++) {
                        idArray[i] = ids.get(i).asInt();
                        tokenArray[i] = tokens.get(i).asText();
                    }
                    specials.put(e.getKey(), new PostProcessors.SpecialToken(v.path("id").asText(e.getKey()),
                            idArray, tokenArray));
                }
            }
            return new PostProcessors.Template(pieces(n.get("single"), "single"), pieces(n.get("pair"), "pair"),
                    specials);
        }

        private List<PostProcessors.Piece> pieces(JsonNode n, String which) {
            List<PostProcessors.Piece> out = new ArrayList<>();
            if (n == null || n.isNull()) {
                return out;
            }
            if (!n.isArray()) {
                throw error("post_processor TemplateProcessing: \"" + which + "\" must be an array of pieces");
            }
            for (JsonNode p : n) {
                if (p.has("Sequence")) {
                    JsonNode s = p.get("Sequence");
                    out.add(PostProcessors.Piece.sequence(s.path("id").asText("A"), s.path("type_id").asInt(0)));
                } else if (p.has("SpecialToken")) {
                    JsonNode s = p.get("SpecialToken");
                    out.add(PostProcessors.Piece.special(s.path("id").asText(), s.path("type_id").asInt(0)));
                } else {
                    throw error("post_processor TemplateProcessing: piece " + p + " is neither a Sequence nor a "
                            + "SpecialToken");
                }
            }
            return out;
        }

        Decoders.Decoder decoder(JsonNode n) {
            String type = type(n, "decoder");
            return switch (type) {
                case "ByteLevel" -> new Decoders.ByteLevelDecoder(bool(n, "add_prefix_space", true),
                        bool(n, "trim_offsets", true), bool(n, "use_regex", true));
                case "WordPiece" -> new Decoders.WordPiece(n.path("prefix").asText("##"), bool(n, "cleanup", true));
                case "Metaspace" -> SentencePieceJson.metaspaceDecoder(n, this::error);
                case "Sequence" -> new Decoders.Sequence(each(n, "decoders", "decoder Sequence", this::decoder));
                default -> throw unsupported("decoder", type, DECODERS);
            };
        }

        TokenModel model(JsonNode n) {
            String type;
            if (n.hasNonNull("type")) {
                type = n.get("type").asText();
            } else if (n.has("merges")) {
                type = "BPE";
            } else if (n.has("max_input_chars_per_word") || n.has("continuing_subword_prefix")) {
                type = "WordPiece";
            } else if (n.path("vocab").isArray()) {
                type = "Unigram";
            } else {
                throw error("model has no \"type\" and is neither BPE, WordPiece nor Unigram; graft supports " + MODELS);
            }
            return switch (type) {
                case "BPE" -> bpe(n);
                case "WordPiece" -> new WordPieceModel(vocabulary(n), n.path("unk_token").asText("[UNK]"),
                        n.path("continuing_subword_prefix").asText("##"),
                        n.path("max_input_chars_per_word").asInt(100));
                case "Unigram" -> SentencePieceJson.unigram(n, this::error);
                default -> throw unsupported("model", type, MODELS);
            };
        }

        private BpeModel bpe(JsonNode n) {
            JsonNode dropout = n.get("dropout");
            if (dropout != null && !dropout.isNull() && dropout.asDouble() != 0.0) {
                throw error("model BPE with dropout " + dropout.asDouble() + " is not supported by graft "
                        + "(encoding would be random); set \"dropout\" to null");
            }
            List<String[]> merges = new ArrayList<>();
            JsonNode m = n.get("merges");
            if (m != null && !m.isNull()) {
                if (!m.isArray()) {
                    throw error("model BPE: \"merges\" must be an array");
                }
                int i = 0;
                for (JsonNode e : m) {
                    i++;
                    if (e.isTextual()) {
                        String[] parts = e.asText().split(" ", -1);
                        if (parts.length != 2) {
                            throw error("model BPE: merge " + i + " '" + e.asText()
                                    + "' is not two tokens separated by one space");
                        }
                        merges.add(parts);
                    } else if (e.isArray() && e.size() == 2) {
                        merges.add(new String[] {e.get(0).asText(), e.get(1).asText()});
                    } else {
                        throw error("model BPE: merge " + i + " must be \"left right\" or [left, right]");
                    }
                }
            }
            return new BpeModel(vocabulary(n), merges, textOrNull(n, "unk_token"),
                    textOrNull(n, "continuing_subword_prefix"), textOrNull(n, "end_of_word_suffix"),
                    bool(n, "fuse_unk", false), bool(n, "byte_fallback", false), bool(n, "ignore_merges", false));
        }

        private Map<String, Integer> vocabulary(JsonNode n) {
            JsonNode v = n.get("vocab");
            if (v == null || !v.isObject()) {
                throw error("model: \"vocab\" must be an object mapping tokens to ids");
            }
            Map<String, Integer> out = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = v.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                    throw error("model: vocab entry '" + e.getKey() + "' has id " + e.getValue()
                            + "; ids must be non-negative integers");
                }
                out.put(e.getKey(), e.getValue().asInt());
            }
            return out;
        }

        EncodeOptions.Truncation truncation(JsonNode n) {
            EncodeOptions.TruncationStrategy strategy = switch (n.path("strategy").asText("LongestFirst")) {
                case "LongestFirst" -> EncodeOptions.TruncationStrategy.LONGEST_FIRST;
                case "OnlyFirst" -> EncodeOptions.TruncationStrategy.ONLY_FIRST;
                case "OnlySecond" -> EncodeOptions.TruncationStrategy.ONLY_SECOND;
                default -> throw unsupported("truncation strategy", n.path("strategy").asText(),
                        "LongestFirst, OnlyFirst, OnlySecond");
            };
            return new EncodeOptions.Truncation(n.path("max_length").asInt(512), strategy,
                    side(n.path("direction").asText("Right"), "truncation"), n.path("stride").asInt(0));
        }

        EncodeOptions.Padding padding(JsonNode n) {
            JsonNode s = n.get("strategy");
            int length;
            if (s == null || s.isNull() || (s.isTextual() && s.asText().equals("BatchLongest"))) {
                length = 0;
            } else if (s.isObject() && s.has("Fixed")) {
                length = s.get("Fixed").asInt();
            } else {
                throw unsupported("padding strategy", String.valueOf(s), "BatchLongest, {\"Fixed\": n}");
            }
            return new EncodeOptions.Padding(length, side(n.path("direction").asText("Right"), "padding"),
                    n.path("pad_to_multiple_of").asInt(0), n.path("pad_token").asText("[PAD]"),
                    n.path("pad_type_id").asInt(0));
        }

        private EncodeOptions.Side side(String s, String what) {
            return switch (s) {
                case "Right" -> EncodeOptions.Side.RIGHT;
                case "Left" -> EncodeOptions.Side.LEFT;
                default -> throw unsupported(what + " direction", s, "Right, Left");
            };
        }

        /** The elements of the array {@code field}, each read by {@code read}. */
        private <T> List<T> each(JsonNode n, String field, String component, java.util.function.Function<JsonNode, T> read) {
            List<T> list = new ArrayList<>();
            for (JsonNode c : array(n, field, component)) {
                list.add(read.apply(c));
            }
            return list;
        }

        private JsonNode array(JsonNode n, String field, String component) {
            JsonNode a = n.get(field);
            if (a == null || !a.isArray()) {
                throw error(component + ": \"" + field + "\" must be an array");
            }
            return a;
        }

        private String text(JsonNode n, String field, String component) {
            JsonNode t = n.get(field);
            if (t == null || !t.isTextual()) {
                throw error(component + ": \"" + field + "\" must be a string");
            }
            return t.asText();
        }

        private int intField(JsonNode n, String field, int fallback, String component) {
            JsonNode t = n.get(field);
            if (t == null || t.isNull()) {
                return fallback;
            }
            if (!t.canConvertToInt()) {
                throw error(component + ": \"" + field + "\" must be an integer");
            }
            return t.asInt();
        }

        private static String textOrNull(JsonNode n, String field) {
            JsonNode t = n.get(field);
            return t == null || t.isNull() ? null : t.asText();
        }

        private static boolean bool(JsonNode n, String field, boolean fallback) {
            JsonNode t = n.get(field);
            return t == null || t.isNull() ? fallback : t.asBoolean();
        }
    }

    // ----- writing -----

    static Path save(PipelineTokenizer t, Path path) throws IOException {
        Path file = path.getFileName() != null && path.getFileName().toString().endsWith(".json")
                ? path : path.resolve(FILE_NAME);
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        ObjectNode root = toJson(t);
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
                .withObjectIndenter(new DefaultIndenter("  ", "\n"))
                .withArrayIndenter(new DefaultIndenter("  ", "\n"));
        Path tmp = FileModes.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.TRUNCATE_EXISTING)) {
                MAPPER.writer(printer).writeValue(new NonClosing(out), root);
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return file;
    }

    /** Lets Jackson write without closing the stream (we close it ourselves). */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }

    /** The SHA-256 (hex) of {@code t}'s tokenizer.json as compact JSON. */
    static String fingerprint(PipelineTokenizer t) {
        try {
            return Sha256.hex(MAPPER.writeValueAsBytes(toJson(t)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectNode toJson(PipelineTokenizer t) {
        ObjectNode root = F.objectNode();
        root.put("version", "1.0");
        EncodeOptions d = t.defaultOptions();
        root.set("truncation", d.truncation() == null ? F.nullNode() : truncation(d.truncation()));
        root.set("padding", d.padding() == null ? F.nullNode() : padding(d.padding(), t));
        ArrayNode added = root.putArray("added_tokens");
        List<AddedVocabulary.AddedToken> tokens = new ArrayList<>(t.added.tokens());
        tokens.sort(java.util.Comparator.comparingInt(AddedVocabulary.AddedToken::id));
        for (AddedVocabulary.AddedToken a : tokens) {
            ObjectNode o = added.addObject();
            o.put("id", a.id());
            o.put("content", a.content());
            o.put("single_word", a.singleWord());
            o.put("lstrip", a.lstrip());
            o.put("rstrip", a.rstrip());
            o.put("normalized", a.normalized());
            o.put("special", a.special());
        }
        root.set("normalizer", t.normalizer == null ? F.nullNode() : normalizer(t.normalizer));
        root.set("pre_tokenizer", t.preTokenizer == null ? F.nullNode() : preTokenizer(t.preTokenizer));
        root.set("post_processor", t.postProcessor == null ? F.nullNode() : postProcessor(t.postProcessor));
        root.set("decoder", t.decoder == null ? F.nullNode() : decoder(t.decoder));
        root.set("model", model(t.model));
        return root;
    }

    private static ObjectNode truncation(EncodeOptions.Truncation t) {
        ObjectNode o = F.objectNode();
        o.put("direction", t.side() == EncodeOptions.Side.LEFT ? "Left" : "Right");
        o.put("max_length", t.maxLength());
        o.put("strategy", switch (t.strategy()) {
            case LONGEST_FIRST -> "LongestFirst";
            case ONLY_FIRST -> "OnlyFirst";
            case ONLY_SECOND -> "OnlySecond";
        });
        o.put("stride", t.stride());
        return o;
    }

    private static ObjectNode padding(EncodeOptions.Padding p, PipelineTokenizer t) {
        ObjectNode o = F.objectNode();
        if (p.length() == 0) {
            o.put("strategy", "BatchLongest");
        } else {
            o.putObject("strategy").put("Fixed", p.length());
        }
        o.put("direction", p.side() == EncodeOptions.Side.LEFT ? "Left" : "Right");
        if (p.multipleOf() > 0) {
            o.put("pad_to_multiple_of", p.multipleOf());
        } else {
            o.putNull("pad_to_multiple_of");
        }
        String token = p.token() != null ? p.token() : t.specialTokens().padding().isPresent()
                ? t.idToToken(t.specialTokens().padding().getAsInt()) : "[PAD]";
        o.put("pad_id", t.tokenToId(token).orElse(0));
        o.put("pad_type_id", p.typeId());
        o.put("pad_token", token);
        return o;
    }

    private static ObjectNode normalizer(Normalizers.Normalizer n) {
        ObjectNode o = F.objectNode();
        switch (n) {
            case Normalizers.Bert b -> {
                o.put("type", "BertNormalizer");
                o.put("clean_text", b.cleanText());
                o.put("handle_chinese_chars", b.handleChineseChars());
                if (b.stripAccents() == null) {
                    o.putNull("strip_accents");
                } else {
                    o.put("strip_accents", b.stripAccents());
                }
                o.put("lowercase", b.lowercase());
            }
            case Normalizers.Lowercase l -> o.put("type", "Lowercase");
            case Normalizers.Unicode u -> o.put("type", u.form().name());
            case Normalizers.StripAccents s -> o.put("type", "StripAccents");
            case Precompiled p -> o = SentencePieceJson.write(p);
            case SentencePieceNormalizers.Replace r -> o = SentencePieceJson.write(r);
            case SentencePieceNormalizers.Prepend p -> o = SentencePieceJson.write(p);
            case Normalizers.Sequence s -> sequence(o, "normalizers", s.normalizers(), TokenizerJson::normalizer);
        }
        return o;
    }

    private static ObjectNode preTokenizer(PreTokenizers.PreTokenizer p) {
        ObjectNode o = F.objectNode();
        switch (p) {
            case PreTokenizers.Bert b -> o.put("type", "BertPreTokenizer");
            case PreTokenizers.Whitespace w -> o.put("type", "Whitespace");
            case PreTokenizers.WhitespaceSplit w -> o.put("type", "WhitespaceSplit");
            case Metaspace.Split m -> o = SentencePieceJson.write(m);
            case PreTokenizers.ByteLevelSplit b -> byteLevel(o, b.addPrefixSpace(), b.trimOffsets(), b.useRegex());
            case PreTokenizers.Sequence s -> sequence(o, "pretokenizers", s.preTokenizers(), TokenizerJson::preTokenizer);
        }
        return o;
    }

    private static ObjectNode postProcessor(PostProcessors.PostProcessor p) {
        ObjectNode o = F.objectNode();
        switch (p) {
            case PostProcessors.Template t -> templateProcessing(o, t);
            case PostProcessors.Bert b ->
                    separatorAndClassifier(o, "BertProcessing", b.separator(), b.separatorId(), b.classifier(),
                            b.classifierId());
            case PostProcessors.Roberta r -> {
                separatorAndClassifier(o, "RobertaProcessing", r.separator(), r.separatorId(), r.classifier(),
                        r.classifierId());
                o.put("trim_offsets", r.trimOffsets());
                o.put("add_prefix_space", r.addPrefixSpace());
            }
            case PostProcessors.ByteLevelTrim b -> byteLevel(o, b.addPrefixSpace(), b.trimOffsets(), b.useRegex());
            case PostProcessors.Sequence s -> sequence(o, "processors", s.processors(), TokenizerJson::postProcessor);
        }
        return o;
    }

    private static <T> void sequence(ObjectNode o, String field, List<T> parts,
                                     java.util.function.Function<T, ObjectNode> write) {
        o.put("type", "Sequence");
        ArrayNode a = o.putArray(field);
        for (T part : parts) {
            a.add(write.apply(part));
        }
    }

    /** The fields of a TemplateProcessing post-processor: the two templates and the special tokens they name. */
    private static void templateProcessing(ObjectNode o, PostProcessors.Template t) {
        o.put("type", "TemplateProcessing");
        o.set("single", pieces(t.single()));
        o.set("pair", pieces(t.pair()));
        ObjectNode specials = o.putObject("special_tokens");
        for (Map.Entry<String, PostProcessors.SpecialToken> e : t.specialTokens().entrySet()) {
            ObjectNode s = specials.putObject(e.getKey());
            s.put("id", e.getValue().id());
            ArrayNode ids = s.putArray("ids");
            for (int id : e.getValue().ids()) {
                ids.add(id);
            }
            ArrayNode tokens = s.putArray("tokens");
            for (String tok : e.getValue().tokens()) {
                tokens.add(tok);
            }
        }
    }

    /** The fields of the three ByteLevel components (pre-tokenizer, post-processor, decoder). */
    private static void byteLevel(ObjectNode o, boolean addPrefixSpace, boolean trimOffsets, boolean useRegex) {
        o.put("type", "ByteLevel");
        o.put("add_prefix_space", addPrefixSpace);
        o.put("trim_offsets", trimOffsets);
        o.put("use_regex", useRegex);
    }

    private static void separatorAndClassifier(ObjectNode o, String type, String separator, int separatorId,
                                               String classifier, int classifierId) {
        o.put("type", type);
        o.putArray("sep").add(separator).add(separatorId);
        o.putArray("cls").add(classifier).add(classifierId);
    }

    private static ArrayNode pieces(List<PostProcessors.Piece> pieces) {
        ArrayNode a = F.arrayNode();
        for (PostProcessors.Piece p : pieces) {
            ObjectNode inner = a.addObject().putObject(p.sequence() ? "Sequence" : "SpecialToken");
            inner.put("id", p.idOrToken());
            inner.put("type_id", p.typeId());
        }
        return a;
    }

    private static ObjectNode decoder(Decoders.Decoder d) {
        ObjectNode o = F.objectNode();
        switch (d) {
            case Decoders.ByteLevelDecoder b -> byteLevel(o, b.addPrefixSpace(), b.trimOffsets(), b.useRegex());
            case Metaspace.Decode m -> o = SentencePieceJson.write(m);
            case Decoders.WordPiece w -> {
                o.put("type", "WordPiece");
                o.put("prefix", w.prefix());
                o.put("cleanup", w.cleanup());
            }
            case Decoders.Sequence s -> sequence(o, "decoders", s.decoders(), TokenizerJson::decoder);
        }
        return o;
    }

    private static ObjectNode model(TokenModel m) {
        ObjectNode o = F.objectNode();
        switch (m) {
            case BpeModel b -> {
                o.put("type", "BPE");
                o.putNull("dropout");
                putNullable(o, "unk_token", b.unknownToken);
                putNullable(o, "continuing_subword_prefix", b.continuingSubwordPrefix);
                putNullable(o, "end_of_word_suffix", b.endOfWordSuffix);
                o.put("fuse_unk", b.fuseUnknown);
                o.put("byte_fallback", b.byteFallback);
                if (b.ignoreMerges) {
                    o.put("ignore_merges", true); // written only when set: older readers do not know it
                }
                o.set("vocab", vocab(b.vocabularyById()));
                // "left right" strings, readable by every version of the reference, unless a token has a space
                boolean strings = b.merges.stream().noneMatch(p -> p[0].contains(" ") || p[1].contains(" "));
                ArrayNode merges = o.putArray("merges");
                for (String[] pair : b.merges) {
                    if (strings) {
                        merges.add(pair[0] + " " + pair[1]);
                    } else {
                        merges.addArray().add(pair[0]).add(pair[1]);
                    }
                }
            }
            case UnigramModel u -> o = SentencePieceJson.write(u);
            case WordPieceModel w -> {
                o.put("type", "WordPiece");
                o.put("unk_token", w.unknownToken);
                o.put("continuing_subword_prefix", w.continuingSubwordPrefix);
                o.put("max_input_chars_per_word", w.maxInputCharsPerWord);
                o.set("vocab", vocab(w.vocabularyById()));
            }
        }
        return o;
    }

    private static ObjectNode vocab(String[] byId) {
        ObjectNode v = F.objectNode();
        for (int id = 0; id < byId.length; id++) {
            if (byId[id] != null) {
                v.put(byId[id], id);
            }
        }
        return v;
    }

    private static void putNullable(ObjectNode o, String field, String value) {
        if (value == null) {
            o.putNull(field);
        } else {
            o.put(field, value);
        }
    }
}
