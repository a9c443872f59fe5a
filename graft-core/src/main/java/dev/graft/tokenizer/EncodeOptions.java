package dev.graft.tokenizer;

/**
 * How {@link Tokenizer#encodeBatch} shapes its encodings: special tokens from the template,
 * truncation to a length, padding to a common length. Truncation happens per sequence before the
 * template adds its tokens (leaving room for them), padding after, as in the Hugging Face
 * library. Tokens cut by truncation are dropped (no overflow windows).
 *
 * @param addSpecialTokens whether the post-processor's template adds its special tokens
 * @param truncation       null for none
 * @param padding          null for none
 */
public record EncodeOptions(boolean addSpecialTokens, Truncation truncation, Padding padding) {

    /** Which end loses or gains tokens. */
    public enum Side {
        RIGHT,
        LEFT
    }

    /** Which sequence of a pair loses tokens. */
    public enum TruncationStrategy {
        /** Take tokens from the longer sequence first (the reference's {@code LongestFirst}). */
        LONGEST_FIRST,
        ONLY_FIRST,
        ONLY_SECOND
    }

    /**
     * @param maxLength total tokens after the template's special tokens are added
     * @param stride    kept only for tokenizer.json round trips (graft keeps no overflow windows)
     */
    public record Truncation(int maxLength, TruncationStrategy strategy, Side side, int stride) {
        public Truncation {
            if (maxLength < 0) {
                throw new IllegalArgumentException("truncation max length must be >= 0, got " + maxLength);
            }
            if (strategy == null || side == null) {
                throw new IllegalArgumentException("truncation needs a strategy and a side");
            }
        }

        /** Keep the first {@code maxLength} tokens, longer sequence of a pair first. */
        public static Truncation toLength(int maxLength) {
            return new Truncation(maxLength, TruncationStrategy.LONGEST_FIRST, Side.RIGHT, 0);
        }
    }

    /**
     * @param length     pad every encoding to this length; 0 pads to the longest encoding of the batch
     * @param multipleOf then round the length up to a multiple of this (0 or 1: no rounding)
     * @param token      the padding token; null means the tokenizer's own ({@code [PAD]} or {@code <pad>})
     * @param typeId     token-type id of padding
     */
    public record Padding(int length, Side side, int multipleOf, String token, int typeId) {
        public Padding {
            if (length < 0 || multipleOf < 0) {
                throw new IllegalArgumentException("padding length and multiple must be >= 0, got " + length
                        + " and " + multipleOf);
            }
            if (side == null) {
                throw new IllegalArgumentException("padding needs a side");
            }
        }

        /** Pad on the right to the longest encoding of the batch, with the tokenizer's padding token. */
        public static Padding toLongest() {
            return new Padding(0, Side.RIGHT, 0, null, 0);
        }

        /** Pad on the right to {@code length}, with the tokenizer's padding token. */
        public static Padding toLength(int length) {
            return new Padding(length, Side.RIGHT, 0, null, 0);
        }
    }

    /** Special tokens on, no truncation, no padding. */
    public static EncodeOptions defaults() {
        return new EncodeOptions(true, null, null);
    }

    public EncodeOptions withAddSpecialTokens(boolean add) {
        return new EncodeOptions(add, truncation, padding);
    }

    public EncodeOptions withTruncation(Truncation t) {
        return new EncodeOptions(addSpecialTokens, t, padding);
    }

    public EncodeOptions withPadding(Padding p) {
        return new EncodeOptions(addSpecialTokens, truncation, p);
    }
}
