package dev.graft.task;

import dev.graft.model.TokenBatch;
import dev.graft.tokenizer.EncodeOptions;
import dev.graft.tokenizer.Encoding;
import dev.graft.tokenizer.Tokenizer;
import dev.graft.train.BatchStream;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Pre-split sentences encoded for token tagging, with word labels on sub-words (Devlin et al. 2019,
 * section 5.3): the words are joined with spaces and encoded once (with the tokenizer's special
 * tokens); each token is assigned to the word its characters come from; the first sub-word of each
 * word carries the word's tag, the other sub-words, special tokens and padding are ignored
 * ({@link TokenBatch#IGNORE}) in the loss and in the metric, and predictions are read from the first
 * sub-words, so they come back one per word.
 *
 * <p>A word the tokenizer drops entirely (only control characters, say) is given the unknown token,
 * so every word has a position and a prediction. A sentence longer than the model can take is
 * <b>split into windows</b> at word boundaries, each window framed by the special tokens and tagged
 * on its own; no word is lost ({@link #splitSentences()} counts them). A single word longer than a
 * whole window keeps only its first tokens ({@link #cutWords()}).
 *
 * @param windows          the model inputs, in sentence order
 * @param wordsPerSentence each sentence's word count
 * @param padId            the padding token's id
 * @param splitSentences   sentences longer than the model can take, tagged in several windows
 * @param cutWords         words longer than a whole window, of which only the first tokens were kept
 * @param emptyWords       words the tokenizer dropped, given the unknown token
 */
public record TaggingData(List<Window> windows, int[] wordsPerSentence, int padId, int splitSentences, int cutWords,
                          int emptyWords) implements Encoded<TaggingBatch> {
    /** One model input: a sentence or a window of one, and the position of each of its words' first token. */
    public record Window(int sentence, int firstWord, int[] ids, int[] wordPositions, int[] tags) {
    }

    /**
     * @param words     each sentence's words
     * @param tagIds    each sentence's tag ids (parallel to words), or null when unlabeled
     * @param maxLength tokens per model input, specials included
     */
    public static TaggingData encode(Tokenizer tokenizer, List<List<String>> words, List<int[]> tagIds,
                                     int maxLength, int padId) {
        if (tagIds != null && tagIds.size() != words.size()) {
            throw new IllegalArgumentException(words.size() + " sentences but " + tagIds.size() + " tag lists");
        }
        int unk = tokenizer.specialTokens().unknown().orElse(-1);
        List<String> texts = new ArrayList<>(words.size());
        List<int[]> starts = new ArrayList<>(words.size());
        for (List<String> sentence : words) {
            StringBuilder sb = new StringBuilder();
            int[] s = new int[sentence.size()];
            for (int w = 0; w < sentence.size(); w++) {
                if (w > 0) {
                    sb.append(' ');
                }
                s[w] = sb.length();
                String word = sentence.get(w);
                if (word.isEmpty() || word.chars().anyMatch(Character::isWhitespace)) {
                    throw new IllegalArgumentException("sentence " + (texts.size() + 1) + ", word " + (w + 1)
                            + " is empty or holds whitespace: words must be whitespace-free tokens");
                }
                sb.append(word);
            }
            texts.add(sb.toString());
            starts.add(s);
        }
        List<Encoding> encodings = tokenizer.encodeBatch(texts, EncodeOptions.defaults());
        List<Window> windows = new ArrayList<>();
        int[] wordsPer = new int[words.size()];
        int split = 0;
        int cut = 0;
        int empty = 0;
        for (int s = 0; s < words.size(); s++) {
            int nWords = words.get(s).size();
            wordsPer[s] = nWords;
            if (nWords == 0) {
                continue;
            }
            Encoding e = encodings.get(s);
            int[] ids = e.ids();
            int[] special = e.specialTokenMask();
            int[] ends = e.endOffsets();
            int[] wordStart = starts.get(s);
            // leading and trailing template tokens frame every window
            int lead = 0;
            while (lead < ids.length && special[lead] == 1) {
                lead++;
            }
            int trail = ids.length;
            while (trail > lead && special[trail - 1] == 1) {
                trail--;
            }
            int[] prefix = Arrays.copyOfRange(ids, 0, lead);
            int[] suffix = Arrays.copyOfRange(ids, trail, ids.length);
            List<List<Integer>> perWord = new ArrayList<>(nWords);
            for (int w = 0; w < nWords; w++) {
                perWord.add(new ArrayList<>(2));
            }
            for (int t = lead; t < trail; t++) {
                if (special[t] == 1) {
                    continue;
                }
                int w = wordAt(wordStart, ends[t] - 1);
                perWord.get(w).add(ids[t]);
            }
            for (List<Integer> toks : perWord) {
                if (toks.isEmpty()) {
                    if (unk < 0) {
                        throw new IllegalArgumentException("sentence " + (s + 1) + " has a word the tokenizer "
                                + "drops, and the tokenizer has no unknown token to stand for it");
                    }
                    toks.add(unk);
                    empty++;
                }
            }
            int budget = maxLength - prefix.length - suffix.length;
            if (budget < 1) {
                throw new IllegalArgumentException("max length " + maxLength + " leaves no room between the "
                        + (prefix.length + suffix.length) + " special tokens");
            }
            int[] tags = tagIds == null ? null : tagIds.get(s);
            if (tags != null && tags.length != nWords) {
                throw new IllegalArgumentException("sentence " + (s + 1) + " has " + nWords + " words but "
                        + tags.length + " tags");
            }
            int first = 0;
            int windowsHere = 0;
            while (first < nWords) {
                int used = 0;
                int last = first;
                while (last < nWords) {
                    int len = perWord.get(last).size();
                    if (used + len > budget) {
                        if (last == first) { // one word longer than a whole window: keep its first tokens
                            cut++;
                            last++;
                            used = budget;
                        }
                        break;
                    }
                    used += len;
                    last++;
                }
                int[] win = new int[prefix.length + used + suffix.length];
                int[] positions = new int[last - first];
                System.arraycopy(prefix, 0, win, 0, prefix.length);
                int at = prefix.length;
                for (int w = first; w < last; w++) {
                    positions[w - first] = at;
                    List<Integer> toks = perWord.get(w);
                    for (int k = 0; k < toks.size() && at < prefix.length + used; k++) {
                        win[at++] = toks.get(k);
                    }
                }
                System.arraycopy(suffix, 0, win, at, suffix.length);
                int[] windowTags = tags == null ? null : Arrays.copyOfRange(tags, first, last);
                windows.add(new Window(s, first, win, positions, windowTags));
                windowsHere++;
                first = last;
            }
            if (windowsHere > 1) {
                split++;
            }
        }
        return new TaggingData(windows, wordsPer, padId, split, cut, empty);
    }

    /** The word whose characters include {@code charIndex} (words start at {@code starts}). */
    private static int wordAt(int[] starts, int charIndex) {
        int lo = 0;
        int hi = starts.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (starts[mid] <= charIndex) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    public int sentenceCount() {
        return wordsPerSentence.length;
    }

    /** Sentences (the examples; {@link #windowCount()} model inputs). */
    @Override
    public int size() {
        return wordsPerSentence.length;
    }

    public int windowCount() {
        return windows.size();
    }

    public int words(int sentence) {
        return wordsPerSentence[sentence];
    }

    public long tokenCount() {
        long n = 0;
        for (Window w : windows) {
            n += w.ids().length;
        }
        return n;
    }

    /** The windows {@code indices} as one batch, targets on first sub-words when tagged. */
    public TaggingBatch batch(int[] indices) {
        int b = indices.length;
        int time = 1;
        for (int i : indices) {
            time = Math.max(time, windows.get(i).ids().length);
        }
        int[] input = new int[b * time];
        int[] mask = new int[b * time];
        int[] targets = new int[b * time];
        Arrays.fill(input, padId);
        Arrays.fill(targets, TokenBatch.IGNORE);
        boolean tagged = true;
        for (int r = 0; r < b; r++) {
            Window w = windows.get(indices[r]);
            System.arraycopy(w.ids(), 0, input, r * time, w.ids().length);
            Arrays.fill(mask, r * time, r * time + w.ids().length, 1);
            if (w.tags() == null) {
                tagged = false;
            } else {
                for (int j = 0; j < w.wordPositions().length; j++) {
                    targets[r * time + w.wordPositions()[j]] = w.tags()[j];
                }
            }
        }
        return new TaggingBatch(new TokenBatch(b, time, input, null, mask, tagged ? targets : null),
                indices.clone());
    }

    /** Every window once, grouped by length, in batches of up to {@code batchSize}. */
    public List<TaggingBatch> batches(int batchSize) {
        return Encoded.byLength(windows.size(), i -> windows.get(i).ids().length, batchSize, this::batch);
    }

    /** An endless stream of shuffled training batches (seeded per epoch, resumable by position). */
    public BatchStream<TaggingBatch> stream(int batchSize, long seed) {
        if (windows.isEmpty()) {
            throw new IllegalArgumentException("the training set is empty: there is nothing to fine-tune on");
        }
        return new ClassificationData.Shuffled<>(windows.size(), batchSize, seed, i -> windows.get(i).ids().length,
                this::batch);
    }

    /**
     * Word-level predictions per sentence from per-window predictions: {@code windowPredictions.get(i)}
     * holds one tag id per word of window i.
     */
    public int[][] assemble(List<int[]> windowPredictions) {
        int[][] out = new int[wordsPerSentence.length][];
        for (int s = 0; s < out.length; s++) {
            out[s] = new int[wordsPerSentence[s]];
        }
        for (int i = 0; i < windows.size(); i++) {
            Window w = windows.get(i);
            int[] p = windowPredictions.get(i);
            System.arraycopy(p, 0, out[w.sentence()], w.firstWord(), p.length);
        }
        return out;
    }
}
