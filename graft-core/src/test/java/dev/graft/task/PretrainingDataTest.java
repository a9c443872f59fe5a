package dev.graft.task;

import dev.graft.model.TokenBatch;
import dev.graft.train.BatchStream;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class PretrainingDataTest {
    static final int PAD = 0;
    static final int UNK = 1;
    static final int CLS = 2;
    static final int SEP = 3;
    static final int MASK = 4;
    static final int VOCAB = 97;
    static final PretrainingData.SpecialIds SPECIAL = new PretrainingData.SpecialIds(PAD, CLS, SEP, MASK, 5, 6);

    /** Documents of sentences of random regular ids; every token id encodes (doc, position) loosely. */
    static EncodedCorpus corpus(int documents, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        EncodedCorpus c = new EncodedCorpus();
        for (int d = 0; d < documents; d++) {
            int sentences = 1 + r.nextInt(6);
            for (int s = 0; s < sentences; s++) {
                int len = 1 + r.nextInt(d % 10 == 0 ? 40 : 12);
                int[] ids = new int[len];
                int[] words = new int[len];
                int w = 0;
                for (int i = 0; i < len; i++) {
                    ids[i] = 6 + r.nextInt(VOCAB - 6);
                    if (i > 0 && r.nextInt(3) != 0) {
                        w++;
                    }
                    words[i] = w;
                }
                c.addSentence(ids, words);
            }
            c.endDocument();
        }
        return c;
    }

    @Test
    void maskingFollowsBertProportions() {
        MaskedLanguageModeling m = new MaskedLanguageModeling(0.15, MASK, 6, VOCAB, false, 11);
        int n = 200_000;
        int[] ids = new int[n];
        int[] original = new int[n];
        boolean[] maskable = new boolean[n];
        int[] targets = new int[n];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < n; i++) {
            ids[i] = i % 50 == 0 ? CLS : 6 + r.nextInt(VOCAB - 6);
            original[i] = ids[i];
            maskable[i] = ids[i] != CLS;
        }
        int selected = m.mask(ids, 0, n, maskable, null, targets, 0, 0);
        int masked = 0;
        int same = 0;
        int maskableCount = 0;
        for (int i = 0; i < n; i++) {
            maskableCount += maskable[i] ? 1 : 0;
            if (targets[i] == TokenBatch.IGNORE) {
                assertThat(ids[i]).isEqualTo(original[i]);
                continue;
            }
            assertThat(maskable[i]).as("special tokens are never selected").isTrue();
            assertThat(targets[i]).isEqualTo(original[i]);
            if (ids[i] == MASK) {
                masked++;
            } else if (ids[i] == original[i]) {
                same++;
            }
        }
        assertThat((double) selected / maskableCount).isCloseTo(0.15, within(0.005));
        assertThat((double) masked / selected).isCloseTo(0.8, within(0.01));
        // unchanged: 10% kept plus the 10% random replacements that drew the same id (1/91 of them)
        assertThat((double) same / selected).isCloseTo(0.1 + 0.1 / 91, within(0.01));
    }

    @Test
    void masksAreDynamicAcrossEpochsAndReproducible() {
        MaskedLanguageModeling m = new MaskedLanguageModeling(0.15, MASK, 6, VOCAB, false, 3);
        int[] a = draw(m, 0, 7);
        assertThat(draw(m, 0, 7)).isEqualTo(a);
        assertThat(draw(m, 1, 7)).isNotEqualTo(a);
        assertThat(draw(m, 0, 8)).isNotEqualTo(a);
    }

    private static int[] draw(MaskedLanguageModeling m, long epoch, long index) {
        int n = 300;
        int[] ids = new int[n];
        java.util.Arrays.fill(ids, 50);
        boolean[] maskable = new boolean[n];
        java.util.Arrays.fill(maskable, true);
        int[] targets = new int[n];
        m.mask(ids, 0, n, maskable, null, targets, epoch, index);
        return targets;
    }

    @Test
    void wholeWordMaskingSelectsEverySubWordOfAWord() {
        MaskedLanguageModeling m = new MaskedLanguageModeling(0.3, MASK, 6, VOCAB, true, 5);
        int n = 5000;
        int[] ids = new int[n];
        int[] words = new int[n];
        boolean[] maskable = new boolean[n];
        int[] targets = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = 10 + i % 50;
            words[i] = i / 3; // three sub-words per word
            maskable[i] = true;
        }
        m.mask(ids, 0, n, maskable, words, targets, 0, 0);
        int selectedWords = 0;
        for (int w = 0; w < n / 3; w++) {
            boolean first = targets[3 * w] != TokenBatch.IGNORE;
            for (int k = 1; k < 3; k++) {
                assertThat(targets[3 * w + k] != TokenBatch.IGNORE).as("word %d sub-word %d", w, k).isEqualTo(first);
            }
            selectedWords += first ? 1 : 0;
        }
        assertThat((double) selectedWords / (n / 3)).isCloseTo(0.3, within(0.04));
    }

    @Test
    void mlmSequencesCoverEveryTokenOnceAndAreFramed() {
        EncodedCorpus c = corpus(300, 2);
        int seqLen = 24;
        PretrainingData d = PretrainingData.build(c, PretrainingData.Objective.MLM, seqLen, VOCAB, SPECIAL, 0.05, 1000,
                9);
        assertThat(d.validationSequences()).isPositive();
        MaskedLanguageModeling never = new MaskedLanguageModeling(1e-9, MASK, 6, VOCAB, false, 1);
        BatchStream<TokenBatch> s = d.trainingStream(1, never, 4);
        long tokens = 0;
        Map<Integer, Integer> tokenCounts = new HashMap<>();
        for (int i = 0; i < d.trainingSequences(); i++) {
            TokenBatch b = s.next();
            assertThat(b.time()).isLessThanOrEqualTo(seqLen);
            assertThat(b.inputIds()[0]).isEqualTo(CLS);
            assertThat(b.inputIds()[b.time() - 1]).isEqualTo(SEP);
            tokens += b.time() - 2;
            for (int t = 1; t < b.time() - 1; t++) {
                tokenCounts.merge(b.inputIds()[t], 1, Integer::sum);
            }
        }
        long validTokens = 0;
        for (TokenBatch b : d.validationBatches(1, never)) {
            validTokens += b.time() - 2;
        }
        assertThat(tokens + validTokens).as("every token in exactly one sequence").isEqualTo(c.tokenCount());
        assertThat(tokens).isEqualTo(d.trainingTokens());
    }

    @Test
    void clmTargetsAreTheNextTokenAndEpochsReshuffle() {
        EncodedCorpus c = corpus(150, 3);
        int seqLen = 16;
        PretrainingData d = PretrainingData.build(c, PretrainingData.Objective.CLM, seqLen, VOCAB, SPECIAL, 0.05, 1000,
                9);
        BatchStream<TokenBatch> s = d.trainingStream(4, null, 4);
        List<Integer> firstEpoch = new ArrayList<>();
        Set<Integer> eot = new HashSet<>();
        for (long i = 0; i < s.batchesPerEpoch(); i++) {
            TokenBatch b = s.next();
            for (int row = 0; row < b.batch(); row++) {
                firstEpoch.add(b.inputIds()[row * b.time()]);
                for (int t = 0; t + 1 < b.time(); t++) {
                    int at = row * b.time() + t;
                    if (b.attentionMask()[at + 1] == 1) {
                        assertThat(b.targets()[at]).as("target is the next input").isEqualTo(b.inputIds()[at + 1]);
                    }
                    if (b.inputIds()[at] == SPECIAL.endOfText()) {
                        eot.add(at);
                    }
                }
            }
        }
        assertThat(eot).as("documents are separated by end-of-text").isNotEmpty();
        List<Integer> secondEpoch = new ArrayList<>();
        for (long i = 0; i < s.batchesPerEpoch(); i++) {
            TokenBatch b = s.next();
            for (int row = 0; row < b.batch(); row++) {
                secondEpoch.add(b.inputIds()[row * b.time()]);
            }
        }
        // each epoch is a new permutation; the last partial batch is dropped (drop_last), so which
        // sequences are left out changes from epoch to epoch
        assertThat(secondEpoch).hasSameSizeAs(firstEpoch).isNotEqualTo(firstEpoch);
        assertThat(firstEpoch).hasSize((int) s.batchesPerEpoch() * 4);
        s.seek(s.batchesPerEpoch());
        assertThat(s.next().inputIds()[0]).as("seek replays the same batch").isEqualTo(secondEpoch.get(0));
    }

    /** One sentence per document (what --layout sentences makes), of lengths 1 to 60, each starting with a mark. */
    static EncodedCorpus sentencesOfVariedLength(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        EncodedCorpus c = new EncodedCorpus();
        for (int d = 0; d < n; d++) {
            int len = 1 + r.nextInt(r.nextInt(4) == 0 ? 60 : 20);
            int[] ids = new int[len];
            int[] words = new int[len];
            for (int i = 0; i < len; i++) {
                ids[i] = 6 + r.nextInt(VOCAB - 6);
                words[i] = i;
            }
            c.addSentence(ids, words);
            c.endDocument();
        }
        return c;
    }

    private static List<String> rows(TokenBatch b) {
        List<String> rows = new ArrayList<>();
        for (int row = 0; row < b.batch(); row++) {
            StringBuilder sb = new StringBuilder();
            for (int t = 0; t < b.time() && b.attentionMask()[row * b.time() + t] == 1; t++) {
                sb.append(b.inputIds()[row * b.time() + t]).append(' ');
            }
            rows.add(sb.toString());
        }
        return rows;
    }

    @Test
    void batchesGroupedByLengthHoldTheSameSequencesWithLittlePadding() {
        EncodedCorpus c = sentencesOfVariedLength(3_000, 5);
        PretrainingData d = PretrainingData.build(c, PretrainingData.Objective.MLM, 64, VOCAB, SPECIAL, 0.05, 100, 9);
        MaskedLanguageModeling never = new MaskedLanguageModeling(1e-9, MASK, 6, VOCAB, false, 1);
        int batch = 7;
        BatchStream<TokenBatch> plain = d.trainingStream(batch, never, 4, false);
        BatchStream<TokenBatch> grouped = d.trainingStream(batch, never, 4, true);
        assertThat(grouped.batchesPerEpoch()).isEqualTo(plain.batchesPerEpoch());
        for (int epoch = 0; epoch < 2; epoch++) {
            List<String> plainRows = new ArrayList<>();
            List<String> groupedRows = new ArrayList<>();
            long real = 0;
            long computed = 0;
            List<Integer> longest = new ArrayList<>();
            for (long i = 0; i < plain.batchesPerEpoch(); i++) {
                plainRows.addAll(rows(plain.next()));
                TokenBatch g = grouped.next();
                groupedRows.addAll(rows(g));
                real += g.realTokens();
                computed += (long) g.batch() * g.time();
                longest.add(g.time());
            }
            // the same sequences (the same ones left out by drop_last), in another order
            assertThat(groupedRows).containsExactlyInAnyOrderElementsOf(plainRows).isNotEqualTo(plainRows);
            assertThat((double) real / computed).as("real share of the grouped epoch")
                    .isGreaterThan(0.9).isCloseTo(d.realShare(batch, 4, true), within(epoch == 0 ? 1e-12 : 0.05));
            // batches come shuffled, not from short to long
            assertThat(longest).isNotEqualTo(longest.stream().sorted().toList());
        }
        assertThat(d.realShare(batch, 4, false)).isLessThan(d.realShare(batch, 4, true) - 0.2);
        // a stream sought to a position continues with the batch the first one gave there
        BatchStream<TokenBatch> again = d.trainingStream(batch, never, 4, true);
        again.seek(plain.batchesPerEpoch() + 5);
        BatchStream<TokenBatch> replay = d.trainingStream(batch, never, 4, true);
        for (long i = 0; i < plain.batchesPerEpoch() + 5; i++) {
            replay.next();
        }
        assertThat(rows(again.next())).isEqualTo(rows(replay.next()));
        // the trainer plans a time budget from the mean tokens of a batch: the epoch's own mean
        BatchStream<TokenBatch> fresh = d.trainingStream(batch, never, 4, true);
        long tokens = 0;
        for (long i = 0; i < fresh.batchesPerEpoch(); i++) {
            tokens += fresh.next().realTokens();
        }
        assertThat(fresh.meanTokensPerBatch()).isCloseTo((double) tokens / fresh.batchesPerEpoch(), within(
                0.01 * tokens / fresh.batchesPerEpoch()));
        assertThat(plain.meanTokensPerBatch()).isNaN();
    }
}
