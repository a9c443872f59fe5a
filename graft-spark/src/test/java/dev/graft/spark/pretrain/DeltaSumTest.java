package dev.graft.spark.pretrain;

import dev.graft.task.EncodedCorpus;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DeltaSumTest {
    private static WorkerResult worker(int w, float[] delta) {
        return new WorkerResult(w, delta, new double[] {w}, w, 0, new double[3]);
    }

    /** ((w0 + w1) + (w2 + w3)) + w4, and so on: the tree DeltaSum fixes; {@code span} is a power of 2. */
    private static float[] tree(float[][] leaves, int from, int span) {
        if (span == 1) {
            return leaves[from];
        }
        int half = span / 2;
        float[] left = tree(leaves, from, half);
        if (from + half >= leaves.length) {
            return left;
        }
        float[] right = tree(leaves, from + half, half);
        float[] out = new float[left.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = left[i] + right[i];
        }
        return out;
    }

    @Test
    void theSumIsTheSameTreeWhateverTheOrderOfArrival() {
        Random r = new Random(5);
        for (int workers : new int[] {1, 2, 3, 5, 8, 11}) {
            float[][] deltas = new float[workers][37];
            for (float[] d : deltas) {
                for (int i = 0; i < d.length; i++) {
                    d[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(8) - 4));
                }
            }
            int span = 1;
            while (span < workers) {
                span *= 2;
            }
            float[] expected = tree(deltas, 0, span);
            for (int trial = 0; trial < 20; trial++) {
                List<Integer> order = new ArrayList<>();
                for (int w = 0; w < workers; w++) {
                    order.add(w);
                }
                Collections.shuffle(order, r);
                // random partitions, each summed with add, merged in random order
                List<DeltaSum> parts = new ArrayList<>();
                for (int w : order) {
                    if (parts.isEmpty() || r.nextBoolean()) {
                        parts.add(new DeltaSum(workers));
                    }
                    parts.get(parts.size() - 1).add(worker(w, deltas[w].clone()));
                }
                Collections.shuffle(parts, r);
                DeltaSum total = new DeltaSum(workers);
                for (DeltaSum p : parts) {
                    total = r.nextBoolean() ? total.merge(p) : p.merge(total);
                }
                assertThat(total.complete()).isTrue();
                assertThat(total.sum()).as("%d workers, trial %d", workers, trial).containsExactly(expected);
                assertThat(total.tokens()).isEqualTo((long) workers * (workers - 1) / 2);
                for (int w = 0; w < workers; w++) {
                    assertThat(total.losses(w)).containsExactly(w);
                }
            }
        }
    }

    @Test
    void aMissingOrDoubledWorkerIsAnError() {
        DeltaSum s = new DeltaSum(3).add(worker(0, new float[2])).add(worker(2, new float[2]));
        assertThat(s.complete()).isFalse();
        assertThatThrownBy(s::sum).hasMessageContaining("only workers [0, 2] of 3");
        assertThatThrownBy(() -> s.add(worker(0, new float[2]))).hasMessageContaining("worker 0 was added twice");
    }

    @Test
    void aFlatCorpusRebuildsTheSameCorpus() {
        EncodedCorpus c = new EncodedCorpus();
        c.addSentence(new int[] {5, 6, 7}, new int[] {0, 0, 1});
        c.addSentence(new int[] {8}, null);
        c.endDocument();
        c.addSentence(new int[] {9, 10}, new int[] {1, 2}); // word ids need not start at 0
        c.endDocument();
        c.addSentence(new int[] {11, 12, 13, 14}, new int[] {0, 1, 1, 3});
        c.endDocument();
        FlatCorpus flat = FlatCorpus.of(c);
        FlatCorpus again = FlatCorpus.of(flat.rebuild());
        assertThat(again.tokens()).containsExactly(flat.tokens());
        assertThat(again.words()).containsExactly(flat.words());
        assertThat(again.sentenceEnds()).containsExactly(flat.sentenceEnds());
        assertThat(again.documentEnds()).containsExactly(flat.documentEnds());
        assertThat(flat.documentEnds()).containsExactly(4, 6, 10);
    }
}
