package dev.graft.baseline;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The word tokenizer, n-gram terms and TF-IDF values against scikit-learn's formulas worked by hand. */
class TfIdfTest {

    @Test
    void wordsAreLowercasedLetterDigitRunsAndSinglePunctuation() {
        assertThat(TfIdf.words("Don't STOP!! 42x, café\tnaïve\u00a0end."))
                .containsExactly("don", "'", "t", "stop", "!", "!", "42x", ",", "café", "naïve", "end", ".");
        assertThat(TfIdf.words("e\u0301te")).containsExactly("e\u0301te"); // a combining mark stays in its word
        assertThat(TfIdf.words("   ")).isEmpty();
    }

    @Test
    void termsAreUnigramsThenBigrams() {
        assertThat(TfIdf.terms("A b, c", 2)).containsExactly("a", "b", ",", "c", "a b", "b ,", ", c");
        assertThat(TfIdf.terms("A b", 1)).containsExactly("a", "b");
    }

    @Test
    void valuesMatchSmoothedIdfAndL2NormByHand() {
        // three documents, unigrams; df: the 2, cat 2, sat 2, dog 1, a 1, ! 1
        List<String> corpus = List.of("The cat sat", "the dog sat sat", "a cat!");
        TfIdf v = TfIdf.fit(corpus, 1, 1);
        assertThat(v.vocabulary()).containsExactly("!", "a", "cat", "dog", "sat", "the");
        double n = 3;
        double idf2 = Math.log((1 + n) / (1 + 2)) + 1; // smooth_idf: ln((1+n)/(1+df)) + 1
        double idf1 = Math.log((1 + n) / (1 + 1)) + 1;
        assertThat(v.idf(0)).isCloseTo(idf1, within(1e-15));
        assertThat(v.idf(2)).isCloseTo(idf2, within(1e-15));

        // "the dog sat sat": tf the 1, dog 1, sat 2
        TfIdf.Row row = v.transform(corpus.get(1));
        double the = idf2;
        double dog = idf1;
        double sat = 2 * idf2;
        double norm = Math.sqrt(the * the + dog * dog + sat * sat);
        assertThat(row.indexes()).containsExactly(3, 4, 5);
        assertThat(row.values()[0]).isCloseTo(dog / norm, within(1e-15));
        assertThat(row.values()[1]).isCloseTo(sat / norm, within(1e-15));
        assertThat(row.values()[2]).isCloseTo(the / norm, within(1e-15));
    }

    @Test
    void unknownTermsAreIgnoredAndAnEmptyRowStaysZero() {
        TfIdf v = TfIdf.fit(List.of("x y", "y z"), 2, 1);
        assertThat(v.vocabulary()).containsExactly("x", "x y", "y", "y z", "z");
        TfIdf.Row row = v.transform("q y");
        assertThat(row.indexes()).containsExactly(2);
        assertThat(row.values()[0]).isCloseTo(1.0, within(1e-15));
        assertThat(v.transform("q r").size()).isZero();
    }

    @Test
    void minDfDropsRareTermsButKeepsTheirDocumentsInTheIdf() {
        TfIdf v = TfIdf.fit(List.of("a b", "a c", "a b"), 1, 2);
        assertThat(v.vocabulary()).containsExactly("a", "b");
        assertThat(v.idf(1)).isCloseTo(Math.log(4.0 / 3) + 1, within(1e-15));
        assertThat(v.idf(0)).isCloseTo(Math.log(4.0 / 4) + 1, within(1e-15));
    }
}
