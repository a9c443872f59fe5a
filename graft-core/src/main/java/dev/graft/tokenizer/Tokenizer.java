package dev.graft.tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

/**
 * Text to token ids and back: a byte-level BPE (GPT-2, RoBERTa), WordPiece (BERT) or Unigram
 * (SentencePiece: XLM-R, T5) tokenizer,
 * read from or written to a Hugging Face {@code tokenizer.json}, or trained by
 * {@link TokenizerTrainer}. Implementations are immutable and thread-safe.
 *
 * <p>The pipeline is the Hugging Face one and gives the same ids and offsets for the supported
 * components: added tokens are cut out of the text, each remaining piece is normalized, split into
 * words (pre-tokenized), and each word into tokens by the model; a post-processor template adds
 * special tokens; a decoder turns tokens back into text.
 *
 * <p><b>Offsets</b> are UTF-16 ({@code char}) indices into the string that was encoded:
 * {@code text.substring(e.startOffset(i), e.endOffset(i))} is the original text of token
 * {@code i}. Unpaired surrogates in the input are read as U+FFFD (same length, same offsets).
 */
public interface Tokenizer {

    /** Encodes one text without special tokens. */
    default Encoding encode(String text) {
        return encode(text, false);
    }

    /** Encodes one text, with the template's special tokens if {@code addSpecialTokens}. */
    Encoding encode(String text, boolean addSpecialTokens);

    /** Encodes a pair of texts ({@code [CLS] A [SEP] B [SEP]} for BERT), types from the template. */
    Encoding encodePair(String first, String second, boolean addSpecialTokens);

    /** Encodes texts with truncation and padding; the result has one encoding per text, in order. */
    List<Encoding> encodeBatch(List<String> texts, EncodeOptions options);

    /** Encodes pairs {@code (firsts[i], seconds[i])} with truncation and padding. */
    List<Encoding> encodeBatchPairs(List<String> firsts, List<String> seconds, EncodeOptions options);

    /** Text of the ids (unknown ids are skipped), dropping special added tokens if {@code skipSpecialTokens}. */
    String decode(int[] ids, boolean skipSpecialTokens);

    /** Text of the ids, special tokens included. */
    default String decode(int[] ids) {
        return decode(ids, false);
    }

    /** Number of distinct tokens: the model's vocabulary plus added tokens not in it. */
    int vocabularySize();

    /** Id of a token (model vocabulary or added token). */
    OptionalInt tokenToId(String token);

    /** Token of an id, or null if no token has it. */
    String idToToken(int id);

    /** Ids of the special tokens pretraining and fine-tuning need. */
    SpecialTokens specialTokens();

    /** The added tokens marked special (never split, skipped by {@code decode(ids, true)}), by id. */
    List<String> specialTokenStrings();

    /** The model family: {@code "BPE"}, {@code "WordPiece"} or {@code "Unigram"}. */
    String modelType();

    /** What {@code tokenizer.json} asks for in its truncation and padding fields, special tokens on. */
    EncodeOptions defaultOptions();

    /**
     * Writes this tokenizer as {@code tokenizer.json}: to {@code path} if it ends in {@code .json},
     * else into the directory {@code path} (created if missing). Written to a temporary file and
     * renamed, so a crash never leaves a partial file.
     *
     * @return the file written
     */
    Path save(Path path) throws IOException;

    /**
     * The SHA-256 of this tokenizer's {@code tokenizer.json} content (compact JSON): two tokenizers
     * with the same fingerprint encode every text alike. Keys caches of encoded text.
     */
    String fingerprint();

    /**
     * Reads a Hugging Face {@code tokenizer.json}: the file itself, or a directory containing it.
     *
     * @throws IOException              if the file is missing or unreadable
     * @throws IllegalArgumentException if it is not valid JSON or uses a component graft does not
     *                                  support (the message names it)
     */
    static Tokenizer load(Path fileOrDirectory) throws IOException {
        return TokenizerJson.load(fileOrDirectory);
    }
}
