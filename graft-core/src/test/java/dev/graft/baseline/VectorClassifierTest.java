package dev.graft.baseline;

import dev.graft.data.ClassificationExample;
import dev.graft.data.LabelSet;
import dev.graft.vectors.UnitCorpus;
import dev.graft.vectors.WordVectors;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The vector strategies on a fixture where only the vectors can generalize: the training sentences
 * carry the sentiment words "good"/"bad", the test sentences only their synonyms "great"/"awful",
 * which the vectors place beside them and the bag of words has never seen with a label.
 */
public class VectorClassifierTest {
    private static final int DIM = 5;
    private static final List<String> FILLERS = List.of("the", "film", "was", "plot", "actors", "quite", "a", "it");

    /** good/great near e0, bad/awful near e1, fillers spread over e2..e4 with a little noise. */
    public static WordVectors vectors() {
        List<String> vocabulary = new ArrayList<>(List.of("good", "great", "bad", "awful"));
        vocabulary.addAll(FILLERS);
        vocabulary.add("never-trained");
        float[] v = new float[vocabulary.size() * DIM];
        Random random = new Random(2);
        for (int i = 0; i < vocabulary.size() - 1; i++) {
            int axis = i < 2 ? 0 : i < 4 ? 1 : 2 + (i % 3);
            for (int c = 0; c < DIM; c++) {
                v[i * DIM + c] = (c == axis ? 1f : 0f) + 0.1f * (float) random.nextGaussian();
            }
        }
        return WordVectors.of(vocabulary, v, DIM, UnitCorpus.Units.WORDS, null);
    }

    public static List<ClassificationExample> sentences(int n, String positive, String negative, long seed) {
        Random random = new Random(seed);
        List<ClassificationExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean pos = i % 2 == 0;
            List<String> words = new ArrayList<>();
            for (int w = 0; w < 4 + random.nextInt(5); w++) {
                words.add(FILLERS.get(random.nextInt(FILLERS.size())));
            }
            words.add(random.nextInt(words.size() + 1), pos ? positive : negative);
            out.add(new ClassificationExample("x" + seed + "-" + i, String.join(" ", words) + ".", pos ? "pos" : "neg"));
        }
        return out;
    }

    @Test
    void pooledVectorsCarryTheLabelToUnseenSynonyms() {
        LabelSet labels = LabelSet.ordered(List.of("neg", "pos"));
        List<ClassificationExample> train = sentences(41, "good", "bad", 1);
        List<ClassificationExample> test = sentences(37, "great", "awful", 2);
        WordVectors v = vectors();
        VectorClassifier pooled = VectorClassifier.train(train, labels, v, VectorClassifier.Features.VECTORS,
                BagOfWords.Options.defaults(3));
        VectorClassifier joined = VectorClassifier.train(train, labels, v, VectorClassifier.Features.BOW_PLUS_VECTORS,
                BagOfWords.Options.defaults(3));
        BagOfWords bow = BagOfWords.train(train, labels, BagOfWords.Options.defaults(3));
        assertThat(pooled.evaluate(test).accuracy()).isEqualTo(1.0);
        double bowAccuracy = bow.evaluate(test).accuracy();
        assertThat(bowAccuracy).isLessThan(0.7); // the synonyms are unknown to it
        // joined, the training words "good"/"bad" take most of the weight, the pooled part still carries some
        assertThat(joined.evaluate(test).accuracy()).isGreaterThan(bowAccuracy + 0.1);
        assertThat(pooled.crossValidationAccuracy()).hasSize(BagOfWords.Options.defaults(3).cGrid().size());
    }
}
