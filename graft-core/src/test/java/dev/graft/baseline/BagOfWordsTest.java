package dev.graft.baseline;

import dev.graft.data.ClassificationExample;
import dev.graft.data.LabelSet;
import dev.graft.eval.ClassificationMetrics;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The bag-of-words baseline on synthetic sets whose answer is known. */
class BagOfWordsTest {
    private static final List<String> TOPICS = List.of("food", "sport", "weather");
    private static final List<List<String>> KEYWORDS = List.of(
            List.of("delicious", "recipe", "spicy", "dinner"),
            List.of("goal", "referee", "tournament", "striker"),
            List.of("rain", "forecast", "sunny", "humid"));

    /** Filler words w0..w1999 (rarely repeated, so they carry little signal) and one keyword of the topic. */
    private static List<ClassificationExample> keywordSet(int n, long seed) {
        Random random = new Random(seed);
        List<ClassificationExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int topic = i % TOPICS.size();
            List<String> words = new ArrayList<>();
            int length = 5 + random.nextInt(8);
            for (int w = 0; w < length; w++) {
                words.add("w" + random.nextInt(2000));
            }
            List<String> keys = KEYWORDS.get(topic);
            words.add(random.nextInt(words.size() + 1), keys.get(random.nextInt(keys.size())));
            out.add(new ClassificationExample("s" + seed + "-" + i, String.join(" ", words) + ".", TOPICS.get(topic)));
        }
        return out;
    }

    @Test
    void learnsAKeywordLabeledSet() {
        List<ClassificationExample> train = keywordSet(150, 1);
        List<ClassificationExample> test = keywordSet(300, 2);
        LabelSet labels = LabelSet.ofClassification(train);
        BagOfWords model = BagOfWords.train(train, labels, BagOfWords.Options.defaults(3));
        ClassificationMetrics m = model.evaluate(test);
        assertThat(m.accuracy()).isGreaterThan(0.95);
        assertThat(model.folds()).isEqualTo(5);
        assertThat(model.crossValidationAccuracy()).containsOnlyKeys(BagOfWords.Options.defaults(3).cGrid());
        assertThat(model.crossValidationAccuracy().get(model.chosenC()))
                .isEqualTo(model.crossValidationAccuracy().values().stream().mapToDouble(Double::doubleValue).max()
                        .orElseThrow());
        double[][] p = model.probabilities(List.of("the forecast says w1 w2"));
        assertThat(p[0][0] + p[0][1] + p[0][2]).isCloseTo(1.0, within(1e-12));
        assertThat(model.predict(List.of("the forecast says w1 w2"))).containsExactly(labels.indexOf("weather"));
    }

    @Test
    void crossValidationPicksALargerCOnSeparableDataThanOnNoise() {
        // 70/30 labels both times. Separable: the class is given by a keyword, so weak regularization
        // reaches ~100%. Noise: the labels are independent of the text, so the best a model can do is the
        // majority class, which strong regularization (small C) gives.
        Random random = new Random(5);
        List<ClassificationExample> separable = new ArrayList<>();
        List<ClassificationExample> noise = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            StringBuilder text = new StringBuilder();
            for (int w = 0; w < 8; w++) {
                text.append('w').append(random.nextInt(1000)).append(' ');
            }
            String label = i % 10 < 7 ? "a" : "b";
            separable.add(new ClassificationExample("s" + i, text + (label.equals("a") ? "alpha" : "beta"), label));
            noise.add(new ClassificationExample("n" + i, text.toString(), random.nextInt(10) < 7 ? "a" : "b"));
        }
        LabelSet labels = LabelSet.of(List.of("a", "b"));
        BagOfWords.Options options = BagOfWords.Options.defaults(9);
        BagOfWords onSeparable = BagOfWords.train(separable, labels, options);
        BagOfWords onNoise = BagOfWords.train(noise, labels, options);
        assertThat(onSeparable.chosenC()).isGreaterThan(onNoise.chosenC());
        assertThat(onSeparable.crossValidationAccuracy().get(onSeparable.chosenC())).isGreaterThan(0.9);
        assertThat(onNoise.crossValidationAccuracy().get(onNoise.chosenC())).isLessThan(0.8);
    }

    @Test
    void sameSeedSameModel() {
        List<ClassificationExample> train = keywordSet(60, 4);
        LabelSet labels = LabelSet.ofClassification(train);
        List<String> probe = keywordSet(20, 8).stream().map(ClassificationExample::text).toList();
        BagOfWords a = BagOfWords.train(train, labels, BagOfWords.Options.defaults(21));
        BagOfWords b = BagOfWords.train(train, labels, BagOfWords.Options.defaults(21));
        assertThat(b.chosenC()).isEqualTo(a.chosenC());
        assertThat(b.crossValidationAccuracy()).isEqualTo(a.crossValidationAccuracy());
        assertThat(b.features()).isEqualTo(a.features());
        assertThat(b.probabilities(probe)).isDeepEqualTo(a.probabilities(probe));
    }

    @Test
    void aSingleCSkipsCrossValidation() {
        List<ClassificationExample> train = keywordSet(30, 6);
        BagOfWords model = BagOfWords.train(train, LabelSet.ofClassification(train),
                BagOfWords.Options.defaults(1).withCGrid(List.of(10.0)));
        assertThat(model.chosenC()).isEqualTo(10.0);
        assertThat(model.crossValidationAccuracy()).isEmpty();
        assertThat(model.folds()).isZero();
    }

    @Test
    void foldsShrinkToTheSmallestClassAndAnAbsentClassIsNeverPredicted() {
        List<ClassificationExample> train = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            train.add(new ClassificationExample("a" + i, "good w" + i, "pos"));
        }
        train.add(new ClassificationExample("b0", "bad", "neg"));
        train.add(new ClassificationExample("b1", "bad thing", "neg"));
        train.add(new ClassificationExample("b2", "so bad", "neg"));
        LabelSet labels = LabelSet.of(List.of("neg", "neutral", "pos"));
        BagOfWords model = BagOfWords.train(train, labels, BagOfWords.Options.defaults(2));
        assertThat(model.folds()).isEqualTo(3);
        double[][] p = model.probabilities(List.of("bad", "good", "unseen"));
        for (double[] row : p) {
            assertThat(row[labels.indexOf("neutral")]).isZero();
        }
        assertThat(model.predict(List.of("bad", "good"))).containsExactly(labels.indexOf("neg"), labels.indexOf("pos"));

        train.add(new ClassificationExample("x", "meh", "neutral")); // smallest class has one example: 2 folds
        assertThat(BagOfWords.train(train, labels, BagOfWords.Options.defaults(2)).folds()).isEqualTo(2);
    }

    @Test
    void badTrainingSetsAreRejectedWithClearMessages() {
        LabelSet labels = LabelSet.of(List.of("a", "b"));
        BagOfWords.Options options = BagOfWords.Options.defaults(0);
        assertThatThrownBy(() -> BagOfWords.train(List.of(), labels, options))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("training set is empty");
        List<ClassificationExample> oneClass = List.of(new ClassificationExample("1", "x y", "a"),
                new ClassificationExample("2", "y z", "a"));
        assertThatThrownBy(() -> BagOfWords.train(oneClass, labels, options))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("all 2 training examples have the label 'a'")
                .hasMessageContaining("at least two classes");
        List<ClassificationExample> stray = List.of(new ClassificationExample("1", "x", "a"),
                new ClassificationExample("7", "y", "c"));
        assertThatThrownBy(() -> BagOfWords.train(stray, labels, options))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("example 7 has label 'c'");
        assertThatThrownBy(() -> options.withCGrid(List.of(1.0, -1.0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive");
        assertThatThrownBy(() -> options.withCGrid(List.of(1.0, 1.0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("twice");
    }

    @Test
    void gridIsSortedAndCrossValidationIsReportedInThatOrder() {
        BagOfWords.Options options = BagOfWords.Options.defaults(0).withCGrid(List.of(10.0, 0.1, 1.0));
        assertThat(options.cGrid()).containsExactly(0.1, 1.0, 10.0);
        List<ClassificationExample> train = keywordSet(30, 12);
        Map<Double, Double> cv = BagOfWords.train(train, LabelSet.ofClassification(train), options)
                .crossValidationAccuracy();
        assertThat(cv.keySet()).containsExactly(0.1, 1.0, 10.0);
    }
}
