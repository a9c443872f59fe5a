package dev.graft.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Unigram segmentation and the SentencePiece components on tiny cases worked out by hand. */
class UnigramModelTest {

    private static UnigramModel model(int unk, boolean byteFallback, Object... pieceScore) {
        List<UnigramModel.Piece> v = new ArrayList<>();
        for (int i = 0; i < pieceScore.length; i += 2) {
            v.add(new UnigramModel.Piece((String) pieceScore[i], ((Number) pieceScore[i + 1]).doubleValue()));
        }
        return new UnigramModel(v, unk, byteFallback);
    }

    /** "token/start/end" for each token. */
    private static List<String> split(UnigramModel m, String word) {
        List<String> out = new ArrayList<>();
        m.tokenize(word, (id, s, e) -> out.add(m.tokenString(id, word, s, e) + "/" + id + "/" + s + "/" + e));
        return out;
    }

    @Test
    void highestTotalScoreWins() {
        // abcd 10 beats ab+cd (3) and abc+d (5); "acd": a+cd = 1 beats a+c+d = 0; x is unknown (score 0 - 10), twice, fused
        UnigramModel m = model(0, false, "<unk>", 0, "a", 0, "b", 0, "c", 0, "d", 0, "cd", 1, "ab", 2, "abc", 5, "abcd", 10);
        assertThat(split(m, "abcdacdxx")).containsExactly("abcd/8/0/4", "a/1/4/5", "cd/5/5/7", "xx/0/7/9");
    }

    @Test
    void onEqualTotalsTheEarlierStartingLastPieceWins() {
        // "ab" alone (-1.0) and "a"+"b" (-0.5 + -0.5 = -1.0) tie exactly; the reference keeps the first
        // candidate found for the end position, which is "ab" (found from start 0 before "b" from start 1)
        UnigramModel m = model(0, false, "<unk>", 0, "a", -0.5, "b", -0.5, "ab", -1.0);
        assertThat(split(m, "ab")).containsExactly("ab/3/0/2");
        // a small difference decides the other way
        UnigramModel m2 = model(0, false, "<unk>", 0, "a", -0.5, "b", -0.5, "ab", -1.0000001);
        assertThat(split(m2, "ab")).containsExactly("a/1/0/1", "b/2/1/2");
    }

    @Test
    void unknownScoreIsTheLowestScoreMinusTen() {
        // lowest score -45 (zb itself), so an unknown character scores -55: unknown z + b = -55 + 12 = -43
        // beats zb = -45
        UnigramModel m = model(0, false, "<unk>", 0, "b", 12, "zb", -45, "q", -30);
        assertThat(split(m, "zb")).containsExactly("z/0/0/1", "b/1/1/2");
        // lowest -39, unknown -49: z + b = -44 loses to zb = -39
        UnigramModel m2 = model(0, false, "<unk>", 0, "b", 5, "zb", -39, "q", -30);
        assertThat(split(m2, "zb")).containsExactly("zb/2/0/2");
        // z has no piece of its own (zb covers it only together with b), so before c it is unknown,
        // and so is c: one fused unknown token with the text "zc"
        assertThat(split(m2, "zc")).containsExactly("zc/0/0/2");
    }

    @Test
    void unknownRunsFuseAndKeepTheirText() {
        UnigramModel m = model(1, false, "a", -1, "<unk>", 0, "b", -1);
        assertThat(split(m, "a日本b😀")).containsExactly("a/0/0/1", "日本/1/1/3", "b/2/3/4", "😀/1/4/6");
    }

    @Test
    void byteFallbackSpellsAnUnknownRunInUtf8Bytes() {
        UnigramModel m = model(0, true, "<unk>", 0, "a", -1, "<0xC3>", 0, "<0xA9>", 0);
        // é is C3 A9: both bytes exist, each token spans the whole character
        assertThat(split(m, "aé")).containsExactly("a/1/0/1", "<0xC3>/2/1/2", "<0xA9>/3/1/2");
        // ü is C3 BC: a byte is missing, so the run stays one unknown token
        assertThat(split(m, "aü")).containsExactly("a/1/0/1", "ü/0/1/2");
    }

    @Test
    void aCharacterNothingCoversWithoutAnUnknownTokenIsAnError() {
        UnigramModel m = model(-1, false, "a", -1);
        assertThat(split(m, "aa")).containsExactly("a/0/0/1", "a/0/1/2");
        assertThatThrownBy(() -> split(m, "ab")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'b'").hasMessageContaining("unk_id");
    }

    @Test
    void metaspaceSplitsBeforeTheLastReplacementOfARun() {
        Metaspace.Split always = new Metaspace.Split('▁', Metaspace.PrependScheme.ALWAYS, true);
        assertThat(words(always, "Hey  friend ")).containsExactly("▁Hey", "▁", "▁friend", "▁");
        Metaspace.Split never = new Metaspace.Split('▁', Metaspace.PrependScheme.NEVER, true);
        assertThat(words(never, "Hey friend")).containsExactly("Hey", "▁friend");
        Metaspace.Split whole = new Metaspace.Split('▁', Metaspace.PrependScheme.ALWAYS, false);
        assertThat(words(whole, "Hey friend")).containsExactly("▁Hey▁friend");
        Metaspace.Decode decode = new Metaspace.Decode('▁', Metaspace.PrependScheme.ALWAYS, true);
        assertThat(String.join("", decode.decodeChain(List.of("▁Hey", "▁", "▁friend")))).isEqualTo("Hey  friend");
    }

    private static List<String> words(PreTokenizers.PreTokenizer p, String text) {
        List<NormalizedText> out = new ArrayList<>();
        p.split(NormalizedText.of(text, 0, text.length()), out);
        return out.stream().map(w -> w.text).toList();
    }

    @Test
    void compiledCharsmapFindsTheShortestKeyThatPrefixesAChunk() {
        Precompiled p = Precompiled.build(Map.of("ﬁ", "fi", "Ⅻ", "XII", "e\u0301", "é", "e\u0301x", "never", "\u200b", ""));
        assertThat(p.transform("ﬁ")).isEqualTo("fi");
        assertThat(p.transform("e\u0301")).isEqualTo("é");
        assertThat(p.transform("e\u0301x")).isEqualTo("é"); // the shortest matching key, as the reference
        assertThat(p.transform("e")).isNull();
        assertThat(p.transform("\u200b")).isEmpty();
        assertThat(p.transform("a")).isNull();
        // the blob survives base64 and re-reading
        Precompiled again = Precompiled.fromBase64(p.base64());
        assertThat(again).isEqualTo(p);
        assertThat(again.transform("Ⅻ")).isEqualTo("XII");
        NormalizedText n = p.normalize(NormalizedText.of("aⅫ\u200bb", 0, 4));
        assertThat(n.text).isEqualTo("aXIIb");
        // the reference's list: X (0) replaces Ⅻ, I (+1) is inserted, I (+1) inserted; then the
        // zero-width space's removal (-1) is added to the last entry, which becomes 0 and so replaces
        // the zero-width space: spans X [1,2), first I [1,2), second I [2,3), b [3,4)
        assertThat(List.of(n.start(1), n.end(1), n.start(2), n.end(2), n.start(3), n.end(3), n.start(4), n.end(4)))
                .containsExactly(1, 2, 1, 2, 2, 3, 3, 4);
    }

    @Test
    void scoresAreReadAsTheReferenceReadsThem() throws Exception {
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper()
                .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        // 17 significant digits: the digits as an integer, rounded to a double, divided by 1e16 —
        // two roundings, one unit in the last place below the correctly rounded value here
        String text = "-9.9999999999999982";
        double reference = -(99999999999999982.0 / 1e16);
        double got = SentencePieceJson.referenceDouble(mapper.readTree(text));
        assertThat(got).isEqualTo(reference);
        assertThat(SentencePieceJson.referenceDouble(mapper.readTree("-1.5"))).isEqualTo(-1.5);
        assertThat(SentencePieceJson.referenceDouble(mapper.readTree("2.5E-3"))).isEqualTo(25.0 / 1e4);
    }
}
