package dev.graft.tokenizer;

import java.util.OptionalInt;

/**
 * The ids of the special tokens other parts of graft need, found by their usual names: BERT's
 * {@code [PAD] [UNK] [CLS] [SEP] [MASK]}, GPT-2's {@code <|endoftext|>}, and RoBERTa's
 * {@code <pad> <unk> <s> </s> <mask>}. Empty when the vocabulary has none of the names.
 *
 * @param padding    {@code [PAD]} or {@code <pad>}
 * @param unknown    {@code [UNK]} or {@code <unk>}
 * @param classifier {@code [CLS]} or {@code <s>}
 * @param separator  {@code [SEP]} or {@code </s>}
 * @param mask       {@code [MASK]} or {@code <mask>}
 * @param endOfText  {@code <|endoftext|>} or {@code </s>}
 */
public record SpecialTokens(OptionalInt padding, OptionalInt unknown, OptionalInt classifier, OptionalInt separator,
        OptionalInt mask, OptionalInt endOfText) {

    static SpecialTokens of(Tokenizer t) {
        return new SpecialTokens(find(t, "[PAD]", "<pad>"), find(t, "[UNK]", "<unk>"), find(t, "[CLS]", "<s>"),
                find(t, "[SEP]", "</s>"), find(t, "[MASK]", "<mask>"), find(t, "<|endoftext|>", "</s>"));
    }

    private static OptionalInt find(Tokenizer t, String first, String second) {
        OptionalInt id = t.tokenToId(first);
        return id.isPresent() ? id : t.tokenToId(second);
    }
}
