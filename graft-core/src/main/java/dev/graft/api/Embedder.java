package dev.graft.api;

import dev.graft.model.Pretrained;
import dev.graft.model.SentenceEmbedder;
import dev.graft.model.SentenceTransformersConfig;

import dev.graft.nn.Pooling;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Sentence embeddings from an encoder folder, as {@code graft embed} computes them with its defaults:
 * the folder's sentence-transformers settings (pooling, normalization, maximum length, default prompt)
 * when it has them ({@link SentenceTransformersConfig}), else mean pooling, not normalized, up to the
 * model's positions.
 */
public final class Embedder {
    /** Texts per forward pass: {@code graft embed}'s default. */
    static final int BATCH_SIZE = 32;
    private final Path folder;
    private final SentenceEmbedder embedder;
    /** The folder's sentence-transformers settings, if it has them: its prompts. */
    private final Optional<SentenceTransformersConfig> settings;

    private Embedder(Path folder, SentenceEmbedder embedder, Optional<SentenceTransformersConfig> settings) {
        this.folder = folder;
        this.embedder = embedder;
        this.settings = settings;
    }

    /** The embedder of a loaded encoder ({@link dev.graft.Graft#embedder} calls this). */
    public static Embedder of(Pretrained p, Optional<SentenceTransformersConfig> st) throws java.io.IOException {
        int positions = p.config().maxPositions();
        int maxLength = st.map(SentenceTransformersConfig::maxSeqLength).map(m -> Math.min(m, positions))
                .orElse(positions);
        SentenceEmbedder e = new SentenceEmbedder(p.backbone(), p.requireTokenizer(),
                st.map(SentenceTransformersConfig::pooling).orElse(Pooling.MEAN),
                st.map(SentenceTransformersConfig::normalize).orElse(false), BATCH_SIZE, maxLength);
        return new Embedder(p.folder(), e, st);
    }

    public Path folder() {
        return folder;
    }

    /** The length of each vector (the model's hidden size). */
    public int dimension() {
        return embedder.dimension();
    }

    /** One vector per text, in order, with the model's default prompt (if any) before each text. */
    public float[][] embed(List<String> texts) {
        return embedder.embed(prefixed(texts, settings.map(SentenceTransformersConfig::defaultPrompt).orElse("")));
    }

    /**
     * As {@link #embed(List)} with the model's prompt {@code promptName} (e5: "query", "passage"); an
     * error naming the model's prompts for an unknown name.
     */
    public float[][] embed(List<String> texts, String promptName) {
        SentenceTransformersConfig s = settings.orElseThrow(() -> new IllegalArgumentException(folder + " has no "
                + "prompts (no sentence-transformers settings): put the prompt in the texts and call embed(texts)"));
        return embedder.embed(prefixed(texts, s.prompt(promptName)));
    }

    private static List<String> prefixed(List<String> texts, String prefix) {
        if (prefix.isEmpty()) {
            return texts;
        }
        List<String> out = new ArrayList<>(texts.size());
        for (String t : texts) {
            out.add(prefix + t);
        }
        return out;
    }
}
