package dev.graft.tokenizer;

/** A model splits one pre-tokenized word into vocabulary tokens. Implementations are thread-safe. */
sealed interface TokenModel permits BpeModel, WordPieceModel, UnigramModel {

    /** Receives one token: its id and the [start, end) UTF-16 span within the word. */
    @FunctionalInterface
    interface TokenSink {
        void token(int id, int start, int end);
    }

    /** Splits {@code word} (never empty) into tokens, in order. */
    void tokenize(String word, TokenSink sink);

    /** The model's vocabulary. */
    Vocabulary vocabulary();

    /** The id of a vocabulary entry, or -1. */
    default int tokenToId(String token) {
        return vocabulary().id(token);
    }

    /** The vocabulary entry of an id, or null. */
    default String idToToken(int id) {
        return vocabulary().token(id);
    }

    /**
     * The token string the reference reports for token {@code id} spanning [start, end) of
     * {@code word}: the vocabulary entry (Unigram reports an unknown run by its text).
     */
    default String tokenString(int id, String word, int start, int end) {
        return idToToken(id);
    }

    /** Number of vocabulary entries. */
    default int size() {
        return vocabulary().size();
    }

    /** The vocabulary entries by id (null where an id is unused). */
    default String[] vocabularyById() {
        return vocabulary().byId();
    }
}
