package dev.graft.task;

import dev.graft.model.TokenBatch;
import dev.graft.train.BatchStream;
import dev.graft.train.EpochStream;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Training sequences cut from an {@link EncodedCorpus}, split into training and validation by
 * whole documents (by sentences when the corpus has fewer than 100 documents), with a seeded
 * shuffle per epoch.
 * <ul>
 * <li>Masked LM (BERT/RoBERTa): consecutive sentences of one document packed up to
 * {@code seqLen - 2} tokens (RoBERTa's DOC-SENTENCES; a sentence longer than that is cut), framed
 * as {@code [CLS] ... [SEP]}; masks drawn per epoch by {@link MaskedLanguageModeling}.</li>
 * <li>Causal LM (GPT-2): documents joined with an end-of-text token into one stream, cut into
 * windows of {@code seqLen + 1} tokens with stride {@code seqLen}: inputs are the first
 * {@code seqLen}, targets the last, so every position is predicted. As in GPT-2, attention is not
 * blocked at document boundaries inside a window.</li>
 * </ul>
 */
public final class PretrainingData {
    /** Which objective the sequences are for. */
    public enum Objective {
        MLM,
        CLM
    }

    /**
     * Special token ids. For MLM: pad, cls, sep, mask are required; for CLM: endOfText (used as
     * padding too when pad is -1). {@code firstRegular} is the first id that is not special
     * (random replacements come from [firstRegular, vocabSize)).
     */
    public record SpecialIds(int pad, int cls, int sep, int mask, int endOfText, int firstRegular) {
    }

    private final Objective objective;
    private final int seqLen;
    private final int vocabSize;
    private final SpecialIds special;
    private final int[] stream; // token ids the sequences index (for CLM with end-of-text separators)
    private final int[] words; // word ids parallel to stream (MLM)
    private final int[] trainStarts;
    private final int[] trainEnds;
    private final int[] validStarts;
    private final int[] validEnds;

    private PretrainingData(Objective objective, int seqLen, int vocabSize, SpecialIds special, int[] stream,
                            int[] words, List<int[]> train, List<int[]> valid) {
        this.objective = objective;
        this.seqLen = seqLen;
        this.vocabSize = vocabSize;
        this.special = special;
        this.stream = stream;
        this.words = words;
        this.trainStarts = train.get(0);
        this.trainEnds = train.get(1);
        this.validStarts = valid.get(0);
        this.validEnds = valid.get(1);
    }

    /** The shortest sequence {@link #build} cuts: room for the special tokens and a few words. */
    public static final int MIN_SEQUENCE_LENGTH = 4;

    /**
     * Cuts the corpus into sequences.
     *
     * @param validationFraction  most of the corpus held out for validation, e.g. 0.05
     * @param maxValidationSeqs   validation aims at this many sequences, and keeps at most this many
     */
    public static PretrainingData build(EncodedCorpus corpus, Objective objective, int seqLen, int vocabSize,
                                        SpecialIds special, double validationFraction, int maxValidationSeqs,
                                        long seed) {
        if (seqLen < MIN_SEQUENCE_LENGTH) {
            throw new IllegalArgumentException("sequence length must be at least " + MIN_SEQUENCE_LENGTH + ", got "
                    + seqLen);
        }
        if (corpus.tokenCount() == 0) {
            throw new IllegalArgumentException("the corpus has no tokens: is it empty?");
        }
        boolean byDocument = corpus.documentCount() >= 100;
        int units = byDocument ? corpus.documentCount() : corpus.sentenceCount();
        // hold out whole units, in a seeded random order, until they hold about enough tokens for
        // maxValidationSeqs sequences (at most validationFraction of the corpus, at least one unit)
        boolean[] heldOut = new boolean[units];
        long wanted = (long) Math.min(validationFraction * corpus.tokenCount(), (long) maxValidationSeqs * seqLen);
        if (validationFraction > 0 && units > 1) {
            int[] order = EpochStream.shuffled(units, seed ^ 0x7E57L);
            long held = 0;
            for (int k = 0; k < units - 1 && (held == 0 || held < wanted); k++) {
                int u = order[k];
                int start = u == 0 ? 0 : (byDocument ? corpus.documentEnd(u - 1) : corpus.sentenceEnd(u - 1));
                int end = byDocument ? corpus.documentEnd(u) : corpus.sentenceEnd(u);
                heldOut[u] = true;
                held += end - start;
            }
        }
        // unit boundaries as token ranges
        int[] unitEnds = new int[units];
        for (int u = 0; u < units; u++) {
            unitEnds[u] = byDocument ? corpus.documentEnd(u) : corpus.sentenceEnd(u);
        }
        if (objective == Objective.MLM) {
            int[] ids = corpus.tokens();
            int[] w = corpus.words();
            SeqList train = new SeqList();
            SeqList valid = new SeqList();
            int budget = seqLen - 2;
            int sentence = 0;
            int unitStart = 0;
            for (int u = 0; u < units; u++) {
                SeqList target = heldOut[u] ? valid : train;
                int end = unitEnds[u];
                int seqStart = unitStart;
                int cursor = unitStart;
                // walk the sentences inside this unit
                while (sentence < corpus.sentenceCount() && corpus.sentenceEnd(sentence) <= end) {
                    int sEnd = corpus.sentenceEnd(sentence++);
                    if (sEnd - seqStart > budget && cursor > seqStart) {
                        target.add(seqStart, cursor);
                        seqStart = cursor;
                    }
                    while (sEnd - seqStart > budget) { // an over-long sentence: cut it
                        target.add(seqStart, seqStart + budget);
                        seqStart += budget;
                    }
                    cursor = sEnd;
                }
                if (cursor > seqStart) {
                    target.add(seqStart, cursor);
                }
                unitStart = end;
            }
            return new PretrainingData(objective, seqLen, vocabSize, special, ids, w, train.toArrays(),
                    valid.limit(maxValidationSeqs).toArrays());
        }
        // CLM: two streams (train, validation), documents separated by end-of-text
        int[] ids = corpus.tokens();
        int[] joined = new int[corpus.tokenCount() + units * 2];
        int n = 0;
        SeqList train = new SeqList();
        SeqList valid = new SeqList();
        for (int pass = 0; pass < 2; pass++) {
            boolean wantHeld = pass == 1;
            int streamStart = n;
            int unitStart = 0;
            for (int u = 0; u < units; u++) {
                int end = unitEnds[u];
                if (heldOut[u] == wantHeld) {
                    System.arraycopy(ids, unitStart, joined, n, end - unitStart);
                    n += end - unitStart;
                    joined[n++] = special.endOfText();
                }
                unitStart = end;
            }
            SeqList target = wantHeld ? valid : train;
            for (int s = streamStart; s + 1 < n; s += seqLen) {
                target.add(s, Math.min(n, s + seqLen + 1));
            }
        }
        return new PretrainingData(objective, seqLen, vocabSize, special, Arrays.copyOf(joined, n), null,
                train.toArrays(), valid.limit(maxValidationSeqs).toArrays());
    }

    public int trainingSequences() {
        return trainStarts.length;
    }

    public int validationSequences() {
        return validStarts.length;
    }

    /** Tokens in the training sequences (without specials). */
    public long trainingTokens() {
        long t = 0;
        for (int i = 0; i < trainStarts.length; i++) {
            t += trainEnds[i] - trainStarts[i];
        }
        return t;
    }

    /** The validation set as fixed batches (masks drawn once, with epoch -1). */
    public List<TokenBatch> validationBatches(int batchSize, MaskedLanguageModeling masker) {
        List<TokenBatch> list = new ArrayList<>();
        for (int b = 0; b * batchSize < validStarts.length; b++) {
            int count = Math.min(batchSize, validStarts.length - b * batchSize);
            int[] order = new int[count];
            for (int i = 0; i < count; i++) {
                order[i] = b * batchSize + i;
            }
            list.add(assemble(validStarts, validEnds, order, masker, -1));
        }
        return list;
    }

    /** An endless stream of shuffled training batches. */
    public BatchStream<TokenBatch> trainingStream(int batchSize, MaskedLanguageModeling masker, long seed) {
        return trainingStream(batchSize, masker, seed, false);
    }

    /**
     * An endless stream of shuffled training batches; with {@code groupByLength}, each batch holds sequences
     * of about one length ({@link EpochStream#bucketedByLength}; the last partial batch is dropped either way).
     * A batch is as long as its longest sequence and the model computes its padding too, so when sequences
     * differ in length (every sentence its own example) grouping saves most of that work; an epoch still
     * sees the same sequences.
     */
    public BatchStream<TokenBatch> trainingStream(int batchSize, MaskedLanguageModeling masker, long seed,
                                                  boolean groupByLength) {
        if (trainStarts.length == 0) {
            throw new IllegalArgumentException("the corpus gave no training sequences");
        }
        return new Stream(batchSize, masker, seed, groupByLength);
    }

    /**
     * The share of the positions an epoch's batches compute that hold a real token (the rest is padding to
     * the batch's longest sequence), for batches of {@code batchSize} drawn with or without grouping by
     * length; the epoch of {@code seed}'s first shuffle.
     */
    public double realShare(int batchSize, long seed, boolean groupByLength) {
        long real = 0;
        long computed = 0;
        for (int[] batch : epochBatches(batchSize, seed, 0, groupByLength)) {
            int longest = 0;
            for (int s : batch) {
                real += length(s);
                longest = Math.max(longest, length(s));
            }
            computed += (long) longest * batch.length;
        }
        return computed == 0 ? 1 : (double) real / computed;
    }

    /** The positions training sequence {@code s} takes in a batch (its tokens with the special ones). */
    private int length(int s) {
        return objective == Objective.MLM ? trainEnds[s] - trainStarts[s] + 2 : trainEnds[s] - trainStarts[s] - 1;
    }

    /**
     * The batches of epoch {@code epoch} (sequence indices): a seeded shuffle cut into batches, the last partial
     * one dropped unless it is the only one; or, grouped, {@link EpochStream#bucketedByLength} of the same.
     */
    private int[][] epochBatches(int batchSize, long seed, long epoch, boolean groupByLength) {
        if (groupByLength) {
            return EpochStream.bucketedByLength(trainStarts.length, batchSize, true, seed, epoch, this::length);
        }
        int[] permutation = EpochStream.shuffled(trainStarts.length, seed * 31 + epoch);
        int batches = Math.max(1, trainStarts.length / batchSize);
        int[][] out = new int[batches][];
        for (int b = 0; b < batches; b++) {
            out[b] = Arrays.copyOfRange(permutation, b * batchSize, Math.min(trainStarts.length, (b + 1) * batchSize));
        }
        return out;
    }

    private TokenBatch assemble(int[] starts, int[] ends, int[] order, MaskedLanguageModeling masker, long epoch) {
        int b = order.length;
        if (objective == Objective.MLM) {
            int time = 0;
            for (int s : order) {
                time = Math.max(time, ends[s] - starts[s] + 2);
            }
            int n = b * time;
            int[] ids = new int[n];
            int[] mask = new int[n];
            int[] wordIds = new int[n];
            boolean[] maskable = new boolean[n];
            int[] targets = new int[n];
            Arrays.fill(ids, special.pad());
            for (int row = 0; row < b; row++) {
                int s = order[row];
                int len = ends[s] - starts[s];
                int o = row * time;
                ids[o] = special.cls();
                System.arraycopy(stream, starts[s], ids, o + 1, len);
                System.arraycopy(words, starts[s], wordIds, o + 1, len);
                ids[o + len + 1] = special.sep();
                for (int i = 0; i < len + 2; i++) {
                    mask[o + i] = 1;
                }
                for (int i = 1; i <= len; i++) {
                    maskable[o + i] = true;
                }
                masker.mask(ids, o, time, maskable, wordIds, targets, epoch, s);
            }
            return new TokenBatch(b, time, ids, null, mask, targets);
        }
        int time = 0;
        for (int s : order) {
            time = Math.max(time, ends[s] - starts[s] - 1);
        }
        int n = b * time;
        int pad = special.pad() >= 0 ? special.pad() : special.endOfText();
        int[] ids = new int[n];
        int[] mask = new int[n];
        int[] targets = new int[n];
        Arrays.fill(ids, pad);
        Arrays.fill(targets, TokenBatch.IGNORE);
        for (int row = 0; row < b; row++) {
            int s = order[row];
            int len = ends[s] - starts[s] - 1;
            int o = row * time;
            System.arraycopy(stream, starts[s], ids, o, len);
            System.arraycopy(stream, starts[s] + 1, targets, o, len);
            Arrays.fill(mask, o, o + len, 1);
        }
        return new TokenBatch(b, time, ids, null, mask, targets);
    }

    private final class Stream extends EpochStream<TokenBatch> {
        private final int batchSize;
        private final MaskedLanguageModeling masker;
        private final long seed;
        private final boolean groupByLength;
        private int[][] batches;

        Stream(int batchSize, MaskedLanguageModeling masker, long seed, boolean groupByLength) {
            // the last partial batch of an epoch is dropped (as DataLoader(drop_last=True)), unless it is the only one
            super(Math.max(1, trainStarts.length / batchSize));
            this.batchSize = batchSize;
            this.masker = masker;
            this.seed = seed;
            this.groupByLength = groupByLength;
        }

        @Override
        protected void plan(long epoch) {
            batches = epochBatches(batchSize, seed, epoch, groupByLength);
        }

        @Override
        public double meanTokensPerBatch() {
            if (!groupByLength) {
                return Double.NaN; // every batch about as long as the longest sequences: its step time says enough
            }
            long positions = 0;
            for (int s = 0; s < trainStarts.length; s++) {
                positions += length(s);
            }
            return (double) positions / trainStarts.length * Math.min(batchSize, trainStarts.length);
        }

        @Override
        protected TokenBatch batch(long epoch, int index) {
            return assemble(trainStarts, trainEnds, batches[index], masker, epoch);
        }
    }

    /** A growable list of [start, end) ranges. */
    private static final class SeqList {
        private int[] starts = new int[256];
        private int[] ends = new int[256];
        private int size;

        void add(int s, int e) {
            if (size == starts.length) {
                starts = Arrays.copyOf(starts, size * 2);
                ends = Arrays.copyOf(ends, size * 2);
            }
            starts[size] = s;
            ends[size] = e;
            size++;
        }

        SeqList limit(int max) {
            size = Math.min(size, max);
            return this;
        }

        List<int[]> toArrays() {
            return List.of(Arrays.copyOf(starts, size), Arrays.copyOf(ends, size));
        }
    }
}
