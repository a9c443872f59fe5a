package dev.graft.task;

import dev.graft.model.TokenBatch;

import java.util.SplittableRandom;

/**
 * BERT's masking (Devlin et al. 2019, section 3.1; RoBERTa's dynamic masking, Liu et al. 2019):
 * each maskable token is selected with probability {@code selectProbability} (0.15); a selected
 * token becomes {@code [MASK]} with probability 0.8, a random token with 0.1, and stays as it is
 * with 0.1; the loss is taken only on selected tokens. Special and padding tokens are never
 * selected. With whole-word masking, words are selected and all their sub-words follow
 * (Hugging Face DataCollatorForWholeWordMask); the 80/10/10 split stays per token.
 *
 * <p>Dynamic: the mask of a sequence is drawn from a generator seeded by (seed, epoch, sequence
 * index), so every epoch masks differently while a resumed run re-draws exactly the same masks.
 */
public final class MaskedLanguageModeling {
    private final double selectProbability;
    private final int maskId;
    private final int firstRandomId;
    private final int vocabSize;
    private final boolean wholeWords;
    private final long seed;

    /**
     * @param maskId        id of [MASK]
     * @param firstRandomId random replacements are drawn from [firstRandomId, vocabSize) (skipping the
     *                      special tokens at the start of the vocabulary)
     * @param wholeWords    whether to select whole words (needs word ids)
     */
    public MaskedLanguageModeling(double selectProbability, int maskId, int firstRandomId, int vocabSize,
                                  boolean wholeWords, long seed) {
        if (!(selectProbability > 0 && selectProbability < 1)) {
            throw new IllegalArgumentException("mask probability must be in (0, 1), got " + selectProbability);
        }
        if (maskId < 0 || maskId >= vocabSize || firstRandomId < 0 || firstRandomId >= vocabSize) {
            throw new IllegalArgumentException("mask id " + maskId + " or first random id " + firstRandomId
                    + " is outside the vocabulary of " + vocabSize);
        }
        this.selectProbability = selectProbability;
        this.maskId = maskId;
        this.firstRandomId = firstRandomId;
        this.vocabSize = vocabSize;
        this.wholeWords = wholeWords;
        this.seed = seed;
    }

    /**
     * Masks one sequence in place.
     *
     * @param ids       (len) token ids; becomes the model input
     * @param maskable  (len) whether each position may be selected (false for [CLS], [SEP], padding)
     * @param wordIds   (len) word index of each position (equal for sub-words of one word), or null
     * @param targets   (len) written: the original id at selected positions, {@link TokenBatch#IGNORE} elsewhere
     * @return the number of selected positions
     */
    public int mask(int[] ids, int off, int len, boolean[] maskable, int[] wordIds, int[] targets, long epoch,
                    long sequenceIndex) {
        SplittableRandom r = new SplittableRandom(mix(seed, epoch, sequenceIndex));
        int selected = 0;
        int previousWord = Integer.MIN_VALUE;
        boolean wordSelected = false;
        for (int i = 0; i < len; i++) {
            int p = off + i;
            targets[p] = TokenBatch.IGNORE;
            if (!maskable[p]) {
                continue;
            }
            boolean select;
            if (wholeWords && wordIds != null) {
                if (wordIds[p] != previousWord) {
                    previousWord = wordIds[p];
                    wordSelected = r.nextDouble() < selectProbability;
                }
                select = wordSelected;
            } else {
                select = r.nextDouble() < selectProbability;
            }
            if (!select) {
                continue;
            }
            selected++;
            targets[p] = ids[p];
            double u = r.nextDouble();
            if (u < 0.8) {
                ids[p] = maskId;
            } else if (u < 0.9) {
                ids[p] = firstRandomId + r.nextInt(vocabSize - firstRandomId);
            }
        }
        return selected;
    }

    static long mix(long seed, long epoch, long index) {
        long z = seed * 0x9E3779B97F4A7C15L + epoch * 0xC2B2AE3D27D4EB4FL + index * 0x165667B19E3779F9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
