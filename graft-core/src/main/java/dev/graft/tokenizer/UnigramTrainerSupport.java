package dev.graft.tokenizer;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Unigram training inside {@link TokenizerTrainer}: word counting and building the tokenizer. */
final class UnigramTrainerSupport {
    private UnigramTrainerSupport() {
    }

    /** What Unigram training produced. */
    record Trained(PipelineTokenizer tokenizer, int alphabetSize, int multiCharacterPieces, double coverage,
            double tokensPerWord) {
    }

    /** Counts the Metaspace words of each line of a normalized chunk (lines are trained separately). */
    static void countWords(PreTokenizers.PreTokenizer pre, String text, WordCounts counts) {
        List<NormalizedText> words = new ArrayList<>();
        int lineStart = 0;
        for (int i = 0; i <= text.length(); i++) {
            if (i == text.length() || text.charAt(i) == '\n') {
                int end = i > lineStart && text.charAt(i - 1) == '\r' ? i - 1 : i;
                if (end > lineStart) {
                    words.clear();
                    pre.split(NormalizedText.of(text, lineStart, end), words);
                    for (NormalizedText w : words) {
                        counts.add(w.text, 0, w.text.length(), 1);
                    }
                }
                lineStart = i + 1;
            }
        }
    }

    static Trained train(TokenizerTrainer.Settings s, Normalizers.Normalizer normalizer,
            PreTokenizers.PreTokenizer pre, String[] words, long[] counts) {
        Map<String, Integer> specials = new LinkedHashMap<>();
        for (String t : s.specialTokens()) {
            specials.putIfAbsent(t, specials.size());
        }
        int wanted = s.vocabularySize() - specials.size();
        if (wanted < 1) {
            throw new IllegalArgumentException("vocabulary size " + s.vocabularySize() + " leaves no room next to the "
                    + specials.size() + " special tokens; use a larger vocabulary size");
        }
        UnigramTraining.Learned learned = UnigramTraining.learn(words, counts, wanted, s.limitAlphabet(), specials.keySet());
        List<UnigramModel.Piece> vocab = new ArrayList<>();
        for (String t : specials.keySet()) {
            vocab.add(new UnigramModel.Piece(t, 0.0));
        }
        int multi = 0;
        for (UnigramModel.Piece p : learned.pieces()) {
            if (specials.containsKey(p.piece())) {
                continue;
            }
            // 15 significant digits: such a number's shortest text has at most 15 digits, which the reference's
            // JSON reader parses exactly, so the saved file holds exactly these scores for graft and the reference
            double score = new BigDecimal(p.score()).round(new java.math.MathContext(15)).doubleValue();
            vocab.add(new UnigramModel.Piece(p.piece(), score));
            if (p.piece().codePointCount(0, p.piece().length()) > 1) {
                multi++;
            }
        }
        int unk = specials.get("<unk>");
        UnigramModel model = new UnigramModel(vocab, unk, false);
        List<AddedVocabulary.AddedToken> added = new ArrayList<>();
        for (Map.Entry<String, Integer> e : specials.entrySet()) {
            added.add(new AddedVocabulary.AddedToken(e.getValue(), e.getKey(), false, false, false, false, true));
        }
        PostProcessors.PostProcessor post = null;
        if (specials.containsKey("<s>") && specials.containsKey("</s>")) {
            post = PostProcessors.Template.around("<s>", specials.get("<s>"), "</s>", specials.get("</s>"), true);
        }
        Metaspace.Split split = (Metaspace.Split) pre;
        PipelineTokenizer tokenizer = new PipelineTokenizer(normalizer, pre, model, post,
                new Metaspace.Decode(split.replacement(), split.prependScheme(), split.split()), added, null);
        long occurrences = 0;
        long unknown = 0;
        long tokens = 0;
        for (int w = 0; w < words.length; w++) {
            long c = counts[w];
            occurrences += c;
            int[] n = {0, 0};
            model.tokenize(words[w], (id, a, b) -> {
                n[0]++;
                if (id == unk) {
                    n[1] = 1;
                }
            });
            tokens += n[0] * c;
            unknown += n[1] * c;
        }
        return new Trained(tokenizer, learned.alphabetSize(), multi,
                occurrences == 0 ? 1.0 : 1.0 - (double) unknown / occurrences,
                occurrences == 0 ? 0.0 : (double) tokens / occurrences);
    }
}
