package dev.graft.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import dev.graft.model.AtomicFiles;
import dev.graft.model.JsonFiles;
import dev.graft.model.SafeTensors;
import dev.graft.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Static unit vectors as {@code graft vectors train} writes them: {@code vectors.safetensors} (one
 * F32 tensor {@value #TENSOR}, {@code (V, d)}), {@code vocab.txt} (line i = the unit of row i),
 * {@code config.json}, and {@code tokenizer.json} when the units are a tokenizer's tokens. Immutable.
 * Rows of units never trained are zero: they are unknown to {@link #nearest} and {@link #embed}.
 */
public final class WordVectors {
    public static final String VECTORS_FILE = "vectors.safetensors";
    public static final String VOCAB_FILE = "vocab.txt";
    public static final String CONFIG_FILE = "config.json";
    public static final String TOKENIZER_FILE = "tokenizer.json";
    public static final String TENSOR = "vectors";


    /** A neighbour: its unit, row and cosine similarity. */
    public record Neighbor(String unit, int id, double cosine) {
    }

    private final List<String> vocabulary;
    private final Map<String, Integer> index;
    private final float[] vectors;    // (V, d)
    private final float[] normalized; // (V, d), zero rows stay zero
    private final int dim;
    private final UnitCorpus.Units units;
    private final Tokenizer tokenizer;
    private final String source;

    private WordVectors(List<String> vocabulary, float[] vectors, int dim, UnitCorpus.Units units, Tokenizer tokenizer,
                        String source) {
        if (dim < 1 || vectors.length != (long) vocabulary.size() * dim) {
            throw new IllegalArgumentException(source + ": " + vocabulary.size() + " units of dimension " + dim
                    + " need " + (long) vocabulary.size() * dim + " values, not " + vectors.length);
        }
        if (units == UnitCorpus.Units.TOKENIZER && tokenizer == null) {
            throw new IllegalArgumentException(source + ": tokenizer units need the tokenizer");
        }
        this.vocabulary = List.copyOf(vocabulary);
        this.vectors = vectors;
        this.dim = dim;
        this.units = units;
        this.tokenizer = tokenizer;
        this.source = source;
        this.index = new HashMap<>();
        for (int i = 0; i < vocabulary.size(); i++) {
            if (!vocabulary.get(i).isEmpty()) {
                index.putIfAbsent(vocabulary.get(i), i);
            }
        }
        this.normalized = new float[vectors.length];
        for (int i = 0; i < vocabulary.size(); i++) {
            double s = 0;
            for (int c = 0; c < dim; c++) {
                s += (double) vectors[i * dim + c] * vectors[i * dim + c];
            }
            if (s > 0) {
                float inv = (float) (1 / Math.sqrt(s));
                for (int c = 0; c < dim; c++) {
                    normalized[i * dim + c] = vectors[i * dim + c] * inv;
                }
            }
        }
    }

    /** Vectors in memory; {@code vectors} is {@code (V, dim)} row-major and is not copied. */
    public static WordVectors of(List<String> vocabulary, float[] vectors, int dim, UnitCorpus.Units units,
                                 Tokenizer tokenizer) {
        return new WordVectors(vocabulary, vectors, dim, units, tokenizer, "vectors");
    }

    /** Reads a folder written by {@link #save}; errors name the file and what is wrong. */
    public static WordVectors load(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + " is not a folder of vectors: pass the folder a vectors "
                    + "training (graft vectors train) wrote");
        }
        Path configFile = dir.resolve(CONFIG_FILE);
        Path vocabFile = dir.resolve(VOCAB_FILE);
        Path vectorsFile = dir.resolve(VECTORS_FILE);
        for (Path p : List.of(configFile, vocabFile, vectorsFile)) {
            if (!Files.isRegularFile(p)) {
                throw new IOException(p + " is missing: " + dir + " is not a finished graft vectors folder (an "
                        + "interrupted sgns run finishes when it is resumed)");
            }
        }
        JsonNode config = JsonFiles.read(configFile);
        String unitsName = config.path("units").asText("");
        UnitCorpus.Units units = switch (unitsName) {
            case "tokenizer" -> UnitCorpus.Units.TOKENIZER;
            case "words" -> UnitCorpus.Units.WORDS;
            default -> throw new IOException(configFile + ": \"units\" is '" + unitsName
                    + "', expected tokenizer or words");
        };
        List<String> vocabulary = readVocabulary(vocabFile);
        SafeTensors.Entry e = SafeTensors.read(vectorsFile).get(TENSOR);
        if (e == null) {
            throw new IOException(vectorsFile + ": no tensor named '" + TENSOR + "'");
        }
        int[] shape = e.shape();
        if (shape.length != 2 || shape[0] != vocabulary.size()) {
            throw new IOException(vectorsFile + ": tensor '" + TENSOR + "' has shape "
                    + java.util.Arrays.toString(shape) + " but " + vocabFile + " has " + vocabulary.size()
                    + " lines; expected (" + vocabulary.size() + ", dim)");
        }
        Tokenizer tokenizer = null;
        if (units == UnitCorpus.Units.TOKENIZER) {
            Path t = dir.resolve(TOKENIZER_FILE);
            if (!Files.isRegularFile(t)) {
                throw new IOException(t + " is missing: vectors over tokenizer units need the tokenizer they were "
                        + "trained with");
            }
            tokenizer = Tokenizer.load(t);
        }
        return new WordVectors(vocabulary, e.floats(), shape[1], units, tokenizer, dir.toString());
    }

    private static List<String> readVocabulary(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        return lines;
    }

    /**
     * Writes the folder: {@code vectors.safetensors}, {@code vocab.txt}, {@code config.json} (the
     * given entries, with {@code units} and {@code dim} added), each atomically.
     */
    void save(Path dir, Map<String, Object> config) throws IOException {
        Files.createDirectories(dir);
        StringBuilder vocab = new StringBuilder();
        for (int i = 0; i < vocabulary.size(); i++) {
            String u = vocabulary.get(i);
            if (u.indexOf('\n') >= 0 || u.indexOf('\r') >= 0) {
                throw new IllegalArgumentException("unit " + i + " contains a line break and cannot be written to "
                        + VOCAB_FILE);
            }
            vocab.append(u).append('\n');
        }
        SafeTensors.write(dir.resolve(VECTORS_FILE),
                List.of(new SafeTensors.Named(TENSOR, new int[] {vocabulary.size(), dim}, vectors)), Map.of());
        AtomicFiles.writeString(dir.resolve(VOCAB_FILE), vocab.toString());
        Map<String, Object> all = new java.util.LinkedHashMap<>();
        all.put("units", units == UnitCorpus.Units.TOKENIZER ? "tokenizer" : "words");
        all.put("dim", dim);
        all.put("size", vocabulary.size());
        all.putAll(config);
        JsonFiles.write(dir.resolve(CONFIG_FILE), all);
    }

    public int dim() {
        return dim;
    }

    /** Rows, trained or not. */
    public int size() {
        return vocabulary.size();
    }

    public UnitCorpus.Units units() {
        return units;
    }

    /** The unit of row {@code id}. */
    public String unit(int id) {
        return vocabulary.get(id);
    }

    /** The row of {@code unit}: the exact string, else (word units) its lowercase. */
    public OptionalInt id(String unit) {
        Integer i = index.get(unit);
        if (i == null && units == UnitCorpus.Units.WORDS) {
            i = index.get(unit.toLowerCase(Locale.ROOT));
        }
        return i == null ? OptionalInt.empty() : OptionalInt.of(i);
    }

    /** A copy of the vector of {@code unit}; an unknown unit is an error naming it. */
    public float[] vector(String unit) {
        return row(require(unit));
    }

    /** A copy of row {@code id}. */
    public float[] row(int id) {
        if (id < 0 || id >= vocabulary.size()) {
            throw new IndexOutOfBoundsException("row " + id + " is outside the " + vocabulary.size() + " rows of "
                    + source);
        }
        float[] out = new float[dim];
        System.arraycopy(vectors, id * dim, out, 0, dim);
        return out;
    }

    /** Whether row {@code id} was trained (is not zero). */
    public boolean trained(int id) {
        for (int c = 0; c < dim; c++) {
            if (vectors[id * dim + c] != 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * The whole {@code (V, d)} matrix, row-major, scaled so that the entries of the trained rows have
     * standard deviation {@code standardDeviation} about zero (untrained rows stay zero): what a
     * transformer's embedding table initialized from these vectors needs, since its initializer draws
     * at a fixed scale (e.g. 0.02) and vectors of another scale would dominate or vanish beside the
     * position embeddings and layer norms. A copy.
     */
    public float[] matrixScaledTo(double standardDeviation) {
        if (!(standardDeviation > 0)) {
            throw new IllegalArgumentException("standard deviation " + standardDeviation + " must be positive");
        }
        double squares = 0;
        long entries = 0;
        for (int i = 0; i < vocabulary.size(); i++) {
            if (trained(i)) {
                for (int c = 0; c < dim; c++) {
                    squares += (double) vectors[i * dim + c] * vectors[i * dim + c];
                }
                entries += dim;
            }
        }
        float[] out = vectors.clone();
        if (entries == 0) {
            return out;
        }
        float scale = (float) (standardDeviation / Math.sqrt(squares / entries));
        for (int i = 0; i < out.length; i++) {
            out[i] *= scale;
        }
        return out;
    }

    /** The {@code k} trained units most cosine-similar to {@code unit}, most similar first, itself left out. */
    public List<Neighbor> nearest(String unit, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k " + k + " must be at least 1");
        }
        int q = require(unit);
        if (!trained(q)) {
            throw new IllegalArgumentException("'" + unit + "' is in the vocabulary of " + source + " but was never "
                    + "trained (seen fewer than min-count times): its vector is zero and has no neighbours");
        }
        List<Neighbor> all = new ArrayList<>();
        for (int i = 0; i < vocabulary.size(); i++) {
            if (i == q || !trained(i)) {
                continue;
            }
            double s = 0;
            for (int c = 0; c < dim; c++) {
                s += (double) normalized[q * dim + c] * normalized[i * dim + c];
            }
            all.add(new Neighbor(vocabulary.get(i), i, s));
        }
        all.sort((a, b) -> a.cosine() != b.cosine() ? Double.compare(b.cosine(), a.cosine())
                : Integer.compare(a.id(), b.id()));
        return Collections.unmodifiableList(new ArrayList<>(all.subList(0, Math.min(k, all.size()))));
    }

    /**
     * A sentence feature: the mean of the unit-length vectors of the text's known units (split as
     * in training: the tokenizer, or {@link WordSplitter}); the zero vector when none is known.
     */
    public float[] embed(String text) {
        float[] out = new float[dim];
        int known = 0;
        for (int id : ids(text)) {
            if (id < 0 || id >= vocabulary.size() || !trained(id)) {
                continue;
            }
            for (int c = 0; c < dim; c++) {
                out[c] += normalized[id * dim + c];
            }
            known++;
        }
        if (known > 0) {
            for (int c = 0; c < dim; c++) {
                out[c] /= known;
            }
        }
        return out;
    }

    private int[] ids(String text) {
        if (units == UnitCorpus.Units.TOKENIZER) {
            return tokenizer.encode(text, false).ids();
        }
        List<String> words = WordSplitter.words(text);
        int[] ids = new int[words.size()];
        for (int i = 0; i < ids.length; i++) {
            Integer id = index.get(words.get(i));
            ids[i] = id == null ? -1 : id;
        }
        return ids;
    }

    private int require(String unit) {
        OptionalInt id = id(unit);
        if (id.isPresent()) {
            return id.getAsInt();
        }
        String hint = units == UnitCorpus.Units.WORDS
                ? "words are lowercased letters and digits; rarer words than min-count are left out"
                : "units are the tokenizer's tokens; it splits '" + unit + "' into "
                + String.join(" ", tokenizer.encode(unit, false).tokens()) + ": look those up instead";
        throw new IllegalArgumentException("'" + unit + "' is not in the vocabulary of " + source + " ("
                + vocabulary.size() + " units; " + hint + ")");
    }
}
