package dev.graft.tokenizer;

import dev.graft.SpecException;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The tokenizer of a run: a given one, or how to train one on the corpus. A spec's {@code tokenizer}
 * component; immutable, validated here (errors name {@code tokenizer.vocabSize} and so on).
 *
 * @param path      a tokenizer.json (or a folder holding one) to use, or null to train one
 * @param type      the trained tokenizer's type ({@code bpe} or {@code wordpiece}), or null for the run's default
 * @param vocabSize vocabulary of a trained tokenizer
 * @param cased     keep case in a trained WordPiece tokenizer
 */
public record TokenizerSpec(Path path, String type, int vocabSize, boolean cased) {
    /** The component's name in a spec: the prefix of the fields its errors name. */
    public static final String FIELD = "tokenizer";

    /** A WordPiece or BPE tokenizer of 8,192 entries trained on the corpus, lowercase. */
    public static final TokenizerSpec DEFAULT = new TokenizerSpec(null, null, 8192, false);

    public TokenizerSpec {
        if (type != null) {
            type = type.toLowerCase(Locale.ROOT);
            if (!type.equals("bpe") && !type.equals("wordpiece")) {
                throw new SpecException(FIELD + ".type", "unknown " + FIELD + ".type '" + type
                        + "': use bpe or wordpiece");
            }
        }
        SpecException.positive(FIELD + ".vocabSize", vocabSize);
    }

    /** This tokenizer spec using the tokenizer at {@code v} (null: train one). */
    public TokenizerSpec withPath(Path v) {
        return new TokenizerSpec(v, type, vocabSize, cased);
    }

    /** This tokenizer spec with a trained vocabulary of {@code v} entries. */
    public TokenizerSpec withVocabSize(int v) {
        return new TokenizerSpec(path, type, v, cased);
    }

    /** A trained tokenizer of {@code t} ({@code bpe}, {@code wordpiece} or null), {@code size} entries. */
    public TokenizerSpec trained(String t, int size, boolean keepCase) {
        return new TokenizerSpec(path, t, size, keepCase);
    }

    /** The trained tokenizer's type: {@code type}, or WordPiece for an encoder and BPE for a decoder. */
    public TokenizerTrainer.Type trainedType(boolean encoder) {
        String t = type != null ? type : encoder ? "wordpiece" : "bpe";
        return TokenizerTrainer.Type.valueOf(t.toUpperCase(Locale.ROOT));
    }
}
