package dev.graft.nn;

import java.util.Locale;

/**
 * How a sequence's token vectors become one vector: graft's one pooling type, used by sentence
 * embeddings ({@code embed}, {@code serve}, sentence-transformers folders), sequence heads
 * (classification, multi-label, pairs) and {@link SequencePooling}, which computes it over the real
 * (unpadded) tokens.
 * <ul>
 * <li>{@link #CLS}: the first token's vector ({@code [CLS]}). A sequence classifier passes it
 * through BERT's pooler (dense, tanh) first, as Hugging Face's BertForSequenceClassification does;
 * sentence embeddings use it as is, as sentence-transformers' CLS pooling does.</li>
 * <li>{@link #MEAN}: the mean of the real tokens (Sentence-BERT's masked mean).</li>
 * <li>{@link #LAST}: the last real token (GPT-2 sequence classification).</li>
 * <li>{@link #CONCAT}: [last, max, mean], ULMFiT's concat pooling (Howard and Ruder 2018, section
 * 3.3), three times as wide.</li>
 * </ul>
 */
public enum Pooling {
    CLS, MEAN, LAST, CONCAT;

    /** The flag and config.json spelling: cls, mean, last, concat. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The pooling spelled {@code s} (any case, surrounding blanks ignored). */
    public static Pooling parse(String s) {
        for (Pooling p : values()) {
            if (p.id().equalsIgnoreCase(s.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown pooling '" + s + "': use cls, mean, last or concat");
    }

    /** Width of the pooled vector for token vectors {@code width} wide. */
    public int outputWidth(int width) {
        return this == CONCAT ? 3 * width : width;
    }
}
