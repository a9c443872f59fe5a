package dev.graft.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * seqeval's published examples (README, docstrings of get_entities / f1_score / accuracy_score /
 * classification_report, and the scheme tables of its tests), each worked through by hand below,
 * against graft's implementation of the same rules.
 */
class SpanMetricsTest {

    private static List<String> tags(String s) {
        return s.isBlank() ? List.of() : List.of(s.trim().split("\\s+"));
    }

    /** "PER 0 2, LOC 3 4" -> chunks (type, start, end exclusive). */
    private static List<String> expected(String s) {
        List<String> out = new ArrayList<>();
        if (s == null || s.isBlank()) {
            return out;
        }
        for (String part : s.split(",")) {
            out.add(part.trim());
        }
        return out;
    }

    private static List<String> render(List<SpanMetrics.Chunk> chunks) {
        List<String> out = new ArrayList<>();
        for (SpanMetrics.Chunk c : chunks) {
            out.add(c.type() + " " + c.start() + " " + c.end());
        }
        return out;
    }

    @Test
    void getEntitiesDocstring() {
        // B-PER I-PER O B-LOC: PER starts at the B (0), ends before the O (so 0..1 inclusive);
        // LOC starts at the B (3) and ends at the sentinel O. seqeval: [('PER', 0, 1), ('LOC', 3, 3)]
        // (inclusive ends); graft's ends are exclusive.
        assertThat(render(SpanMetrics.lenientFlat(tags("B-PER I-PER O B-LOC")))).containsExactly("PER 0 2", "LOC 3 4");
    }

    @Test
    void readmeExample() {
        // y_true: O O O B-MISC I-MISC I-MISC O | B-PER I-PER O  -> MISC 3..5, PER 0..1 of sentence 2
        // y_pred: O O B-MISC I-MISC I-MISC I-MISC O | B-PER I-PER O -> MISC 2..5 (wrong start), PER right
        // 1 correct of 2 predicted and 2 gold: P = R = F1 = 0.5; MISC 0/0/0, PER 1/1/1.
        // accuracy_score: 10 words, 2 differ (positions 2 and 3) -> 0.8
        List<List<String>> gold = List.of(tags("O O O B-MISC I-MISC I-MISC O"), tags("B-PER I-PER O"));
        List<List<String>> pred = List.of(tags("O O B-MISC I-MISC I-MISC I-MISC O"), tags("B-PER I-PER O"));
        SpanMetrics.Scores s = SpanMetrics.score(gold, pred, null);
        assertThat(s.f1()).isCloseTo(0.5, within(1e-12));
        assertThat(s.precision()).isCloseTo(0.5, within(1e-12));
        assertThat(s.recall()).isCloseTo(0.5, within(1e-12));
        assertThat(s.perType().get("MISC").f1()).isZero();
        assertThat(s.perType().get("MISC").support()).isEqualTo(1);
        assertThat(s.perType().get("PER").f1()).isCloseTo(1.0, within(1e-12));
        // sentences are joined with an O after each: PER of sentence 2 sits at 8..9 of the joined sequence
        assertThat(render(SpanMetrics.lenient(gold))).containsExactly("MISC 3 6", "PER 8 10");

        TaggingMetrics t = TaggingMetrics.compute(gold, pred, List.of("B-MISC", "B-PER", "I-MISC", "I-PER", "O"));
        assertThat(t.tokenAccuracy()).isCloseTo(0.8, within(1e-12));
        assertThat(t.spans().f1()).isCloseTo(0.5, within(1e-12));
        assertThat(t.strictScheme()).isEqualTo(SpanMetrics.Scheme.IOB2);
    }

    @Test
    void strictModeReadmeExample() {
        // y_true B-NP I-NP O ; y_pred I-NP I-NP O.
        // default mode: the I after the sentence start (prev O) starts a chunk, so pred has NP 0..1: F1 1.0.
        // strict IOB2: only a B starts a chunk; pred has no chunk: P 0, R 0, F1 0.
        List<List<String>> gold = List.of(tags("B-NP I-NP O"));
        List<List<String>> pred = List.of(tags("I-NP I-NP O"));
        assertThat(SpanMetrics.score(gold, pred, null).f1()).isCloseTo(1.0, within(1e-12));
        assertThat(SpanMetrics.score(gold, pred, SpanMetrics.Scheme.IOB2).f1()).isZero();
    }

    @Test
    void illFormedSequencesInDefaultMode() {
        // B-PER I-LOC: the type changes at 1, so PER ends at 0 and LOC starts at 1 (repaired, not dropped)
        assertThat(render(SpanMetrics.lenientFlat(tags("B-PER I-LOC")))).containsExactly("PER 0 1", "LOC 1 2");
        // O I-PER I-PER: I after O starts a chunk (IOB1 reading)
        assertThat(render(SpanMetrics.lenientFlat(tags("O I-PER I-PER")))).containsExactly("PER 1 3");
        // IOBES: S-X is a chunk on its own; B-X E-X one chunk; E after O starts (and ends) a chunk
        assertThat(render(SpanMetrics.lenientFlat(tags("S-X B-X E-X O E-Y"))))
                .containsExactly("X 0 1", "X 1 3", "Y 4 5");
        // I-PER B-PER: the B starts a new chunk of the same type
        assertThat(render(SpanMetrics.lenientFlat(tags("I-PER B-PER")))).containsExactly("PER 0 1", "PER 1 2");
    }

    /**
     * seqeval tests/test_scheme.py test_iob1_tokens: strict IOB1, where I starts a chunk and B only
     * separates two adjacent chunks of one type. Worked example, B-PER I-PER: at 0, (O, B) is no
     * start pattern; at 1, (B, I) starts; the sentinel O after it ends (I, O) -> PER [1, 2).
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "B-PER|",
        "I-PER|PER 0 1",
        "O|",
        "O I-PER|PER 1 2",
        "O B-PER|",
        "I-PER O|PER 0 1",
        "I-PER I-PER|PER 0 2",
        "I-PER I-ORG|PER 0 1, ORG 1 2",
        "I-PER B-PER|PER 0 1, PER 1 2",
        "I-PER B-ORG|PER 0 1",
        "B-PER O|",
        "B-PER I-PER|PER 1 2",
        "B-PER I-ORG|ORG 1 2",
        "B-PER B-PER|PER 1 2",
        "B-PER B-ORG|",
        "I I|_ 0 2",
        "I B|_ 0 1, _ 1 2",
    })
    void strictIob1(String tokens, String chunks) {
        assertThat(render(SpanMetrics.strict(List.of(tags(tokens)), SpanMetrics.Scheme.IOB1)))
                .containsExactlyElementsOf(expected(chunks));
    }

    /**
     * seqeval test_iob2_tokens: strict IOB2, where only B starts a chunk. Worked example, I-PER B-ORG:
     * at 0, I is no start; at 1, B starts; the sentinel ends (B, O) -> ORG [1, 2). The same tags read
     * as IOB1 give PER [0, 1) instead: IOB1 and IOB2 differ.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "B-PER|PER 0 1",
        "I-PER|",
        "O|",
        "O I-PER|",
        "O B-PER|PER 1 2",
        "I-PER O|",
        "I-PER I-PER|",
        "I-PER I-ORG|",
        "I-PER B-PER|PER 1 2",
        "I-PER B-ORG|ORG 1 2",
        "B-PER O|PER 0 1",
        "B-PER I-PER|PER 0 2",
        "B-PER I-ORG|PER 0 1",
        "B-PER B-PER|PER 0 1, PER 1 2",
        "B-PER B-ORG|PER 0 1, ORG 1 2",
        "B I|_ 0 2",
    })
    void strictIob2(String tokens, String chunks) {
        assertThat(render(SpanMetrics.strict(List.of(tags(tokens)), SpanMetrics.Scheme.IOB2)))
                .containsExactlyElementsOf(expected(chunks));
    }

    /**
     * seqeval test_iobes_tokens: an ill-formed chunk (a B never closed by an E, an E without a B) is
     * dropped. Worked example, B-PER B-PER: at 0, B starts; (B, B) is not inside, so the chunk stops at
     * 1, and (B, B) is no end pattern (only S or E may end): dropped; at 1 the same happens with the
     * sentinel: nothing.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "S-PER|PER 0 1",
        "B-PER|",
        "E-PER|",
        "O S-PER|PER 1 2",
        "I-PER S-PER|PER 1 2",
        "B-PER I-PER|",
        "B-PER B-PER|",
        "B-PER E-PER|PER 0 2",
        "B-PER E-ORG|",
        "B-PER S-PER|PER 1 2",
        "E-PER S-PER|PER 1 2",
        "S-PER I-PER|PER 0 1",
        "S-PER E-PER|PER 0 1",
        "S-PER S-PER|PER 0 1, PER 1 2",
        "B I E|_ 0 3",
    })
    void strictIobes(String tokens, String chunks) {
        assertThat(render(SpanMetrics.strict(List.of(tags(tokens)), SpanMetrics.Scheme.IOBES)))
                .containsExactlyElementsOf(expected(chunks));
    }

    @Test
    void strictRejectsTagsOutsideTheScheme() {
        assertThatThrownBy(() -> SpanMetrics.strict(List.of(tags("B-PER E-PER")), SpanMetrics.Scheme.IOB2))
                .hasMessageContaining("'E-PER' is not allowed in the IOB2 scheme");
        assertThatThrownBy(() -> SpanMetrics.strict(List.of(tags("X-PER")), SpanMetrics.Scheme.IOB2))
                .hasMessageContaining("no chunk prefix");
    }

    @Test
    void typesAfterTheFirstDelimiter() {
        // seqeval test_token_tag: I-ORG-COMPANY has type ORG-COMPANY
        assertThat(render(SpanMetrics.strict(List.of(tags("B-ORG-COMPANY I-ORG-COMPANY")), SpanMetrics.Scheme.IOB2)))
                .containsExactly("ORG-COMPANY 0 2");
        assertThat(render(SpanMetrics.lenientFlat(tags("B-ORG-COMPANY I-ORG-COMPANY"))))
                .containsExactly("ORG-COMPANY 0 2");
    }

    @Test
    void chunkTagDetection() {
        assertThat(SpanMetrics.looksLikeChunkTags(List.of("O", "B-PER", "I-PER"))).isTrue();
        assertThat(SpanMetrics.looksLikeChunkTags(List.of("NOUN", "VERB", "."))).isFalse();
        assertThat(SpanMetrics.detectScheme(List.of("O", "S-PER", "B-PER", "E-PER"))).isEqualTo(SpanMetrics.Scheme.IOBES);
    }
}
