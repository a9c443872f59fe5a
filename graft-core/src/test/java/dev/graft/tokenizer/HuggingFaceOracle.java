package dev.graft.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The reference: the Hugging Face tokenizers library (Rust) through DJL's Java binding, test
 * scope only. DJL's tracking and network are off (surefire sets {@code OPT_OUT_TRACKING} and
 * {@code offline}; set here too for runs outside Maven).
 *
 * <p>Units: DJL encodes with {@code encode_char_offsets}, so its spans count Unicode code points
 * (Rust {@code char}s); graft's offsets are UTF-16 indices. {@link #toCodePoints} converts graft's
 * to the reference's unit for comparison. Template tokens have no span in DJL (null); graft gives
 * them [0, 0).
 */
final class HuggingFaceOracle implements AutoCloseable {
    static {
        System.setProperty("OPT_OUT_TRACKING", "true");
        System.setProperty("offline", "true");
    }

    private final HuggingFaceTokenizer tokenizer;

    private HuggingFaceOracle(HuggingFaceTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Loads a tokenizer.json with the file's truncation and padding switched off. */
    static HuggingFaceOracle load(Path tokenizerJson) throws IOException {
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new IOException("oracle input missing: " + tokenizerJson);
        }
        HuggingFaceTokenizer t = HuggingFaceTokenizer.newInstance(tokenizerJson,
                Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "false"));
        return new HuggingFaceOracle(t);
    }

    /** One encoding as plain arrays, spans in code points (-1, -1 where the reference gives none). */
    record Result(long[] ids, String[] tokens, int[] starts, int[] ends, long[] words, long[] typeIds,
            long[] specialMask, long[] attention) {
    }

    Result encode(String text, boolean addSpecialTokens) {
        return convert(tokenizer.encode(text, addSpecialTokens, false));
    }

    Result encodePair(String a, String b, boolean addSpecialTokens) {
        return convert(tokenizer.encode(a, b, addSpecialTokens, false));
    }

    String decode(int[] ids, boolean skipSpecialTokens) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return tokenizer.decode(l, skipSpecialTokens);
    }

    private static Result convert(ai.djl.huggingface.tokenizers.Encoding e) {
        CharSpan[] spans = e.getCharTokenSpans();
        int[] s = new int[spans.length];
        int[] en = new int[spans.length];
        for (int i = 0; i < spans.length; i++) {
            s[i] = spans[i] == null ? -1 : spans[i].getStart();
            en[i] = spans[i] == null ? -1 : spans[i].getEnd();
        }
        return new Result(e.getIds(), e.getTokens(), s, en, e.getWordIds(), e.getTypeIds(),
                e.getSpecialTokenMask(), e.getAttentionMask());
    }

    /** A UTF-16 offset into {@code text} as a code point offset. */
    static int toCodePoints(String text, int utf16) {
        return text.codePointCount(0, Math.min(utf16, text.length()));
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
