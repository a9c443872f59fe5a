package dev.graft.baseline;

import dev.graft.data.TaggingExample;
import dev.graft.eval.TaggingMetrics;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The most-frequent-tag baseline on sentences tagged by hand. */
class MostFrequentTagTest {

    private static TaggingExample sentence(String id, String tokens, String tags) {
        return new TaggingExample(id, List.of(tokens.split(" ")), List.of(tags.split(" ")));
    }

    // tag counts: NOUN 11, VERB 7, DET 3, ADV 1, ADJ 1, NUM 1
    private static final List<TaggingExample> TRAIN = List.of(
            sentence("1", "The dog runs", "DET NOUN VERB"),
            sentence("2", "the runs", "DET NOUN"),
            sentence("3", "runs fast", "VERB ADV"),
            sentence("4", "May may walking", "NOUN VERB VERB"),
            sentence("5", "dogs talking cats", "NOUN VERB NOUN"),
            sentence("6", "a cat sings", "DET NOUN VERB"),
            sentence("7", "seven birds", "NUM NOUN"),
            sentence("8", "green birds fly", "ADJ NOUN VERB"),
            sentence("9", "cows geese horses", "NOUN NOUN NOUN"));

    @Test
    void knownWordsGetTheirMostFrequentTagExactFormFirst() {
        MostFrequentTag t = MostFrequentTag.train(TRAIN, MostFrequentTag.UnknownWords.MOST_FREQUENT_TAG);
        assertThat(t.defaultTag()).isEqualTo("NOUN");
        assertThat(t.tags()).containsExactly("ADJ", "ADV", "DET", "NOUN", "NUM", "VERB");
        // runs: VERB 2, NOUN 1; May: NOUN (exact form) though may is VERB; THE: lowercased to the
        assertThat(t.predict(List.of("runs", "May", "may", "THE", "Runs")))
                .containsExactly("VERB", "NOUN", "VERB", "DET", "VERB");
        // unknown words get the most frequent tag overall
        assertThat(t.predict(List.of("jumping", "42"))).containsExactly("NOUN", "NOUN");
    }

    @Test
    void tiesGoToTheTagMoreFrequentOverall() {
        List<TaggingExample> train = List.of(sentence("1", "run run x x x", "VERB NOUN NOUN NOUN VERB"),
                sentence("2", "y", "NOUN"));
        // run: VERB 1, NOUN 1 -> NOUN (4 overall against VERB 2)
        assertThat(MostFrequentTag.train(train).tag("run")).isEqualTo("NOUN");
        // equal overall counts too -> the alphabetically first
        List<TaggingExample> even = List.of(sentence("1", "run run", "VERB NOUN"));
        assertThat(MostFrequentTag.train(even).tag("run")).isEqualTo("NOUN");
    }

    @Test
    void suffixAndShapeTagUnknownWordsLikeRareTrainingWords() {
        MostFrequentTag t = MostFrequentTag.train(TRAIN, MostFrequentTag.UnknownWords.SUFFIX_AND_SHAPE);
        // walking, talking: rare lowercase words ending in "ing", both VERB -> jumping is a VERB
        assertThat(t.tag("jumping")).isEqualTo("VERB");
        // rare lowercase words ending in "s": dogs cats cows horses (NOUN), sings (VERB) -> NOUN
        assertThat(t.tag("trees")).isEqualTo("NOUN");
        // a digit shape was never seen rare: backs off to the most frequent tag
        assertThat(t.tag("42")).isEqualTo("NOUN");
        assertThat(MostFrequentTag.shape("Oslo")).isEqualTo("upper");
        assertThat(MostFrequentTag.shape("1960s")).isEqualTo("alnum");
        assertThat(MostFrequentTag.shape("3,000")).isEqualTo("digits");
        assertThat(MostFrequentTag.shape("well-known")).isEqualTo("lower-");
        assertThat(MostFrequentTag.shape("-")).isEqualTo("punct");
    }

    @Test
    void evaluateScoresTokenAccuracy() {
        MostFrequentTag t = MostFrequentTag.train(TRAIN, MostFrequentTag.UnknownWords.MOST_FREQUENT_TAG);
        // predicted: the/DET dog/NOUN runs/VERB fast/ADV | may/VERB runs/VERB -> 5 of 6 right (gold runs = NOUN)
        List<TaggingExample> test = List.of(sentence("t1", "the dog runs fast", "DET NOUN VERB ADV"),
                sentence("t2", "may runs", "VERB NOUN"));
        TaggingMetrics m = t.evaluate(test, t.tags());
        assertThat(m.words()).isEqualTo(6);
        assertThat(m.tokenAccuracy()).isCloseTo(5.0 / 6, within(1e-12));
    }

    @Test
    void anEmptyTrainingSetIsRejected() {
        assertThatThrownBy(() -> MostFrequentTag.train(List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no tagged tokens");
        assertThatThrownBy(() -> MostFrequentTag.train(List.of(new TaggingExample("e", List.of(), List.of()))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no tagged tokens");
    }
}
