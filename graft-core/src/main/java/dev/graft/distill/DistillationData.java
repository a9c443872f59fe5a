package dev.graft.distill;

import dev.graft.SpecException;
import dev.graft.model.TokenBatch;
import dev.graft.task.EncodedCorpus;
import dev.graft.train.BatchStream;
import dev.graft.train.EpochStream;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Unlabeled sequences for distillation, in batches fixed for the whole run. Consecutive sentences (lines) of a
 * document are packed up to {@code seqLen - 2} tokens and framed as {@code [CLS] ... [SEP]}, as graft's masked-LM
 * pretraining packs them (a sentence longer than that is cut). The sequences are shuffled once (seeded) and
 * cut into batches; the first batches' worth of sequences are held out for validation. Each epoch visits the
 * training batches in a new seeded order, but a batch always holds the same sequences with the same padding:
 * so the teacher computes the same floats for it every time and its outputs can be cached
 * ({@link TeacherCache}) without changing the run.
 */
public final class DistillationData {
    /** One fixed batch: its number (training and validation batches are numbered separately) and its tokens. */
    public record Batch(int index, TokenBatch tokens) {
    }

    private final int[] tokens;
    private final int[][] training; // per batch, sequence ids
    private final int[][] validation;
    private final int[] starts;
    private final int[] ends;
    private final int cls;
    private final int sep;
    private final int pad;

    private DistillationData(int[] tokens, int[] starts, int[] ends, int[][] training, int[][] validation, int cls,
                             int sep, int pad) {
        this.tokens = tokens;
        this.starts = starts;
        this.ends = ends;
        this.training = training;
        this.validation = validation;
        this.cls = cls;
        this.sep = sep;
        this.pad = pad;
    }

    /**
     * @param validationSequences sequences held out (at most a tenth of them; 0 for none)
     */
    public static DistillationData build(EncodedCorpus corpus, int seqLen, int batchSize, int validationSequences,
                                         int cls, int sep, int pad, long seed) {
        if (seqLen < 4) {
            throw new SpecException("seqLen", "seqLen must be at least 4, got " + seqLen);
        }
        if (batchSize < 1) {
            throw new SpecException("batchSize", "batchSize must be at least 1, got " + batchSize);
        }
        if (corpus.tokenCount() == 0) {
            throw new IllegalArgumentException("the corpus has no tokens: is it empty?");
        }
        int budget = seqLen - 2;
        List<int[]> seqs = new ArrayList<>();
        int sentence = 0;
        int docStart = 0;
        for (int d = 0; d < corpus.documentCount(); d++) {
            int end = corpus.documentEnd(d);
            int seqStart = docStart;
            int cursor = docStart;
            while (sentence < corpus.sentenceCount() && corpus.sentenceEnd(sentence) <= end) {
                int sEnd = corpus.sentenceEnd(sentence++);
                if (sEnd - seqStart > budget && cursor > seqStart) {
                    seqs.add(new int[] {seqStart, cursor});
                    seqStart = cursor;
                }
                while (sEnd - seqStart > budget) {
                    seqs.add(new int[] {seqStart, seqStart + budget});
                    seqStart += budget;
                }
                cursor = sEnd;
            }
            if (cursor > seqStart) {
                seqs.add(new int[] {seqStart, cursor});
            }
            docStart = end;
        }
        int count = seqs.size();
        int[] starts = new int[count];
        int[] ends = new int[count];
        for (int i = 0; i < count; i++) {
            starts[i] = seqs.get(i)[0];
            ends[i] = seqs.get(i)[1];
        }
        int[] order = EpochStream.shuffled(count, seed ^ 0xD157L);
        int held = Math.min(Math.max(0, validationSequences), count / 10);
        int trainCount = count - held;
        int perEpoch = Math.max(1, trainCount / batchSize); // the last partial batch is dropped unless it is the only one
        int[][] training = new int[perEpoch][];
        for (int b = 0; b < perEpoch; b++) {
            int from = held + b * batchSize;
            training[b] = Arrays.copyOfRange(order, from, Math.min(count, from + batchSize));
        }
        int validBatches = (held + batchSize - 1) / batchSize;
        int[][] validation = new int[validBatches][];
        for (int b = 0; b < validBatches; b++) {
            validation[b] = Arrays.copyOfRange(order, b * batchSize, Math.min(held, (b + 1) * batchSize));
        }
        int[] ids = new int[corpus.tokenCount()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = corpus.token(i);
        }
        return new DistillationData(ids, starts, ends, training, validation, cls, sep, pad);
    }

    public int trainingBatches() {
        return training.length;
    }

    public int trainingSequences() {
        int n = 0;
        for (int[] b : training) {
            n += b.length;
        }
        return n;
    }

    public int validationSequences() {
        int n = 0;
        for (int[] b : validation) {
            n += b.length;
        }
        return n;
    }

    /** The held-out batches. */
    public List<Batch> validationBatches() {
        List<Batch> list = new ArrayList<>();
        for (int b = 0; b < validation.length; b++) {
            list.add(new Batch(b, assemble(validation[b])));
        }
        return list;
    }

    /** Training batch {@code index}. */
    public Batch trainingBatch(int index) {
        return new Batch(index, assemble(training[index]));
    }

    /** The endless stream of training batches, in a new seeded order each epoch. */
    public BatchStream<Batch> trainingStream(long seed) {
        return new BatchStream<>() {
            private long position;
            private long permutationEpoch = -1;
            private int[] permutation;

            @Override
            public Batch next() {
                long epoch = position / training.length;
                if (epoch != permutationEpoch) {
                    permutation = EpochStream.shuffled(training.length, seed * 31 + epoch);
                    permutationEpoch = epoch;
                }
                int index = permutation[(int) (position % training.length)];
                position++;
                return trainingBatch(index);
            }

            @Override
            public long position() {
                return position;
            }

            @Override
            public void seek(long p) {
                position = p;
            }

            @Override
            public long batchesPerEpoch() {
                return training.length;
            }
        };
    }

    private TokenBatch assemble(int[] sequences) {
        int b = sequences.length;
        int time = 0;
        for (int s : sequences) {
            time = Math.max(time, ends[s] - starts[s] + 2);
        }
        int[] ids = new int[b * time];
        int[] mask = new int[b * time];
        Arrays.fill(ids, pad);
        for (int row = 0; row < b; row++) {
            int s = sequences[row];
            int len = ends[s] - starts[s];
            int o = row * time;
            ids[o] = cls;
            System.arraycopy(tokens, starts[s], ids, o + 1, len);
            ids[o + len + 1] = sep;
            Arrays.fill(mask, o, o + len + 2, 1);
        }
        return new TokenBatch(b, time, ids, null, mask, null);
    }

}
