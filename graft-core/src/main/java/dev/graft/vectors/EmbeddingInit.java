package dev.graft.vectors;

import dev.graft.nn.Embedding;
import dev.graft.tensor.Tensor;
import dev.graft.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A transformer's token embedding table initialized from static vectors ({@code graft vectors train
 * --tokenizer T}): the cheap transfer of issue 17's {@code vectors-init} arms, which asks what the
 * transformer's layers add beyond word vectors.
 *
 * <p>Row i of the table takes row i of the vectors, scaled so that the trained rows' entries have the
 * initializer's standard deviation ({@link WordVectors#matrixScaledTo}); rows the vectors never trained
 * (tokens seen fewer than {@code --min-count} times, special tokens) keep the initializer's random draw. The
 * vectors must be over this tokenizer's tokens, in its order, and as wide as the table.
 */
public final class EmbeddingInit {
    private EmbeddingInit() {
    }

    /** What was set: rows taken from the vectors, out of the table's rows. */
    public record Applied(int rowsSet, int rows, int dim) {
        /** The run log's line for a table set from the vectors in {@code dir} at this {@code scale}. */
        public String describe(Path dir, double scale) {
            return String.format(java.util.Locale.ROOT, "token embeddings: %,d of %,d rows from the vectors in %s "
                    + "(scaled to the initializer's standard deviation %.3g), the rest random", rowsSet, rows, dir,
                    scale);
        }
    }

    /**
     * Sets {@code table} from the vectors in {@code vectorsDir}; errors name the folder and say what to do.
     *
     * @param tokenizer         the model's tokenizer: the vectors' units must be its tokens, id for id
     * @param standardDeviation the initializer's scale (the model config's initializer range)
     */
    public static Applied apply(Path vectorsDir, Tokenizer tokenizer, Embedding table, double standardDeviation)
            throws IOException {
        Tensor w = table.weight().value();
        int dim = w.shape()[1];
        WordVectors v = checked(vectorsDir, tokenizer, dim);
        float[] scaled = v.matrixScaledTo(standardDeviation);
        float[] data = w.data();
        int base = w.offset();
        int set = 0;
        for (int id = 0; id < v.size(); id++) {
            if (v.trained(id)) {
                System.arraycopy(scaled, id * dim, data, base + id * dim, dim);
                set++;
            }
        }
        return new Applied(set, table.count(), dim);
    }

    /**
     * Checks, without a model, that the vectors in {@code vectorsDir} fit a model with this tokenizer and token
     * embeddings {@code dim} wide: the errors of {@link #apply}, for a run to give before it writes anything.
     */
    public static void check(Path vectorsDir, Tokenizer tokenizer, int dim) throws IOException {
        checked(vectorsDir, tokenizer, dim);
    }

    private static WordVectors checked(Path vectorsDir, Tokenizer tokenizer, int dim) throws IOException {
        WordVectors v = WordVectors.load(vectorsDir);
        if (v.units() != UnitCorpus.Units.TOKENIZER) {
            throw new IllegalArgumentException(vectorsDir + " holds vectors of words, not of tokens: an embedding table "
                    + "needs one vector per token id; train them with graft vectors train --tokenizer (the model's "
                    + "tokenizer)");
        }
        if (v.size() != tokenizer.vocabularySize()) {
            throw new IllegalArgumentException(vectorsDir + " has vectors for " + v.size() + " tokens but the model's "
                    + "tokenizer has " + tokenizer.vocabularySize() + ": train the vectors with the model's tokenizer");
        }
        for (int id = 0; id < v.size(); id++) {
            if (!v.unit(id).equals(tokenizer.idToToken(id))) {
                throw new IllegalArgumentException(vectorsDir + ": token " + id + " is '" + v.unit(id) + "' in the "
                        + "vectors but '" + tokenizer.idToToken(id) + "' in the model's tokenizer: train the vectors "
                        + "with the model's tokenizer");
            }
        }
        if (v.dim() != dim) {
            throw new IllegalArgumentException(vectorsDir + " has vectors of " + v.dim() + " dimensions but the "
                    + "model's token embeddings are " + dim + " wide: train them with graft vectors train --dim " + dim);
        }
        return v;
    }
}
