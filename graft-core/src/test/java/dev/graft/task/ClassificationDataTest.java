package dev.graft.task;

import dev.graft.finetune.Fixtures;
import dev.graft.tokenizer.Tokenizer;
import dev.graft.train.BatchStream;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Encoding with truncation counted, and the bucketed, seeded, resumable training stream. */
class ClassificationDataTest {
    private static final Tokenizer TOK = Fixtures.wordPiece();

    private static ClassificationData data(int n) {
        List<String> texts = new ArrayList<>();
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            texts.add("good ".repeat(1 + (i * 7) % 23).strip());
            labels[i] = i % 2;
        }
        return ClassificationData.encode(TOK, texts, labels, 16, TOK.specialTokens().padding().getAsInt());
    }

    /** A server's encodings (tokenized once, to check the length) give the batches that encode gives. */
    @Test
    void encodingsGiveTheSameBatchesAsTexts() {
        List<String> texts = List.of("good", "good good good", "not good at all", "good good");
        int pad = TOK.specialTokens().padding().getAsInt();
        ClassificationData fromTexts = ClassificationData.encode(TOK, texts, null, 16, pad);
        ClassificationData fromEncodings = ClassificationData.ofEncodings(
                texts.stream().map(t -> TOK.encode(t, true)).toList(), pad);
        assertThat(fromEncodings.size()).isEqualTo(4);
        ClassificationBatch a = fromTexts.batch(new int[] {2, 0, 3, 1});
        ClassificationBatch b = fromEncodings.batch(new int[] {2, 0, 3, 1});
        assertThat(b.tokens().time()).isEqualTo(a.tokens().time());
        assertThat(b.tokens().inputIds()).isEqualTo(a.tokens().inputIds());
        assertThat(b.tokens().attentionMask()).isEqualTo(a.tokens().attentionMask());
        assertThat(b.labels()).isEqualTo(a.labels());
        assertThat(fromEncodings.truncated()).isZero();
        assertThatThrownBy(() -> ClassificationData.ofEncodings(List.of(TOK.encode("", false)), pad))
                .hasMessageContaining("text 1 gives no tokens");
    }

    @Test
    void longTextsAreTruncatedWithTheirClosingTokenAndCounted() {
        ClassificationData d = data(30);
        assertThat(d.truncated()).isPositive();
        ClassificationBatch b = d.batch(new int[] {3}); // 22 words: cut to 16 tokens
        assertThat(b.tokens().time()).isEqualTo(16);
        assertThat(b.tokens().inputIds()[15]).isEqualTo(TOK.specialTokens().separator().getAsInt());
    }

    @Test
    void eachEpochSeesEveryExampleOnceInLengthBucketsAndResumes() {
        ClassificationData d = data(1000);
        BatchStream<ClassificationBatch> s = d.stream(8, 5);
        assertThat(s.batchesPerEpoch()).isEqualTo(125);
        int[] seen = new int[1000];
        long padded = 0;
        long real = 0;
        List<int[]> epoch0 = new ArrayList<>();
        for (int b = 0; b < 125; b++) {
            ClassificationBatch cb = s.next();
            epoch0.add(cb.examples());
            for (int e : cb.examples()) {
                seen[e]++;
            }
            padded += cb.tokens().rows();
            for (int m : cb.tokens().attentionMask()) {
                real += m;
            }
        }
        assertThat(seen).containsOnly(1);
        assertThat((double) real / padded).as("little padding").isGreaterThan(0.9);
        int[] firstOfEpoch1 = s.next().examples();
        BatchStream<ClassificationBatch> again = d.stream(8, 5);
        again.seek(3);
        assertThat(again.next().examples()).containsExactly(epoch0.get(3));
        again.seek(125);
        assertThat(again.next().examples()).containsExactly(firstOfEpoch1);
        assertThat(Arrays.equals(epoch0.get(0), firstOfEpoch1) && Arrays.equals(epoch0.get(1), s.next().examples()))
                .as("epochs are shuffled differently").isFalse();
    }
}
