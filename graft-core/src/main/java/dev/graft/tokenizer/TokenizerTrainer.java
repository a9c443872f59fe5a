package dev.graft.tokenizer;

import dev.graft.SpecException;
import dev.graft.tensor.Parallel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Trains a byte-level BPE (GPT-2 style), a WordPiece (BERT style) or a Unigram (SentencePiece style,
 * {@link UnigramTraining}) tokenizer on text files.
 *
 * <p>Two passes, as the Hugging Face trainers: first the corpus is streamed in chunks of whole
 * lines and its words counted (normalizer and pre-tokenizer of the tokenizer being trained; all
 * threads count, a reader feeds them), so memory holds the distinct words, not the text; then
 * merges are learned from the counts ({@link BpeTraining}). WordPiece learns its vocabulary the
 * way the reference's {@code WordPieceTrainer} does: BPE with the {@code ##} continuation prefix.
 * The result is the same for any thread count.
 */
public final class TokenizerTrainer {
    private TokenizerTrainer() {
    }

    /** The two tokenizer families. */
    public enum Type {
        /** Byte-level BPE: GPT-2 pre-tokenization, 256 byte symbols, never an unknown token. */
        BPE,
        /** WordPiece: BERT normalization and pre-tokenization, {@code ##} continuations, {@code [UNK]}. */
        WORDPIECE,
        /** Unigram (SentencePiece): Metaspace pre-tokenization, scored pieces, {@code <unk>} ({@link UnigramTraining}). */
        UNIGRAM
    }

    /** Unicode normalization applied before everything else. */
    public enum UnicodeNormalization {
        NONE,
        NFC,
        NFKC
    }

    /** BERT's special tokens, the WordPiece default. */
    public static final List<String> WORDPIECE_SPECIAL_TOKENS = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");
    /** The byte-level BPE default: GPT-2's document separator and a padding token. */
    public static final List<String> BPE_SPECIAL_TOKENS = List.of("<|endoftext|>", "<pad>");
    /** The Unigram default: XLM-R's special tokens. */
    public static final List<String> UNIGRAM_SPECIAL_TOKENS = List.of("<s>", "<pad>", "</s>", "<unk>", "<mask>");

    /**
     * @param vocabularySize     tokens in the result, special tokens included
     * @param minimumFrequency   a pair seen fewer times is never merged (training stops there)
     * @param lowercase          lowercase the text (WordPiece: and strip accents, as uncased BERT)
     * @param specialTokens      the first ids, in order; empty list: the type's defaults
     * @param limitAlphabet      WordPiece: keep the most frequent characters only (0: all); BPE ignores it
     * @param normalization      Unicode normalization before the rest
     * @param threads            word-counting threads
     * @param replaceInvalidUtf8 read invalid UTF-8 as U+FFFD instead of failing
     */
    public record Settings(Type type, int vocabularySize, int minimumFrequency, boolean lowercase,
            List<String> specialTokens, int limitAlphabet, UnicodeNormalization normalization, int threads,
            boolean replaceInvalidUtf8) {
        public Settings {
            if (type == null) {
                throw new IllegalArgumentException("tokenizer type is required (bpe or wordpiece)");
            }
            SpecException.atLeast("vocabularySize", vocabularySize, 1);
            SpecException.nonNegative("minimumFrequency", minimumFrequency);
            SpecException.nonNegative("limitAlphabet", limitAlphabet);
            SpecException.atLeast("threads", threads, 1);
            specialTokens = specialTokens == null || specialTokens.isEmpty()
                    ? switch (type) {
                        case BPE -> BPE_SPECIAL_TOKENS;
                        case WORDPIECE -> WORDPIECE_SPECIAL_TOKENS;
                        case UNIGRAM -> UNIGRAM_SPECIAL_TOKENS;
                    } : List.copyOf(specialTokens);
            for (String s : specialTokens) {
                if (s.isEmpty()) {
                    throw new IllegalArgumentException("special tokens must not be empty strings");
                }
            }
            if (type == Type.WORDPIECE && !specialTokens.contains("[UNK]")) {
                throw new IllegalArgumentException("WordPiece needs [UNK] among its special tokens, got " + specialTokens);
            }
            if (type == Type.UNIGRAM && !specialTokens.contains("<unk>")) {
                throw new IllegalArgumentException("Unigram needs <unk> among its special tokens, got " + specialTokens);
            }
            if (normalization == null) {
                normalization = UnicodeNormalization.NONE;
            }
        }

        /** Defaults for a type: minimum frequency 2, cased, default special tokens, alphabet limit 1000 for WordPiece. */
        public static Settings of(Type type, int vocabularySize) {
            return new Settings(type, vocabularySize, 2, false, List.of(), type == Type.WORDPIECE ? 1000 : 0,
                    UnicodeNormalization.NONE, Runtime.getRuntime().availableProcessors(), false);
        }

        public Settings withMinimumFrequency(int f) {
            return new Settings(type, vocabularySize, f, lowercase, specialTokens, limitAlphabet, normalization, threads,
                    replaceInvalidUtf8);
        }

        public Settings withLowercase(boolean l) {
            return new Settings(type, vocabularySize, minimumFrequency, l, specialTokens, limitAlphabet, normalization,
                    threads, replaceInvalidUtf8);
        }

        public Settings withSpecialTokens(List<String> tokens) {
            return new Settings(type, vocabularySize, minimumFrequency, lowercase, tokens, limitAlphabet, normalization,
                    threads, replaceInvalidUtf8);
        }

        public Settings withLimitAlphabet(int limit) {
            return new Settings(type, vocabularySize, minimumFrequency, lowercase, specialTokens, limit, normalization,
                    threads, replaceInvalidUtf8);
        }

        public Settings withNormalization(UnicodeNormalization n) {
            return new Settings(type, vocabularySize, minimumFrequency, lowercase, specialTokens, limitAlphabet, n,
                    threads, replaceInvalidUtf8);
        }

        public Settings withThreads(int t) {
            return new Settings(type, vocabularySize, minimumFrequency, lowercase, specialTokens, limitAlphabet,
                    normalization, t, replaceInvalidUtf8);
        }

        public Settings withReplaceInvalidUtf8(boolean r) {
            return new Settings(type, vocabularySize, minimumFrequency, lowercase, specialTokens, limitAlphabet,
                    normalization, threads, r);
        }
    }

    /**
     * What training produced and what it cost.
     *
     * @param coverage       fraction of word occurrences encoded without the unknown token
     * @param tokensPerWord  average tokens per word occurrence (fertility)
     * @param countSeconds   time reading and counting words
     * @param mergeSeconds   time learning merges and building the tokenizer
     */
    public record Result(Tokenizer tokenizer, long bytes, long wordOccurrences, int distinctWords, int alphabetSize,
            int merges, double coverage, double tokensPerWord, double countSeconds, double mergeSeconds) {
        /** One line for humans. */
        public String summary() {
            return String.format("%s vocabulary %,d (alphabet %,d, " + (tokenizer.modelType().equals("Unigram")
                    ? "pieces of 2+ characters" : "merges") + " %,d); %,d words (%,d distinct) in %.1f MB; "
                    + "coverage %.2f%%, %.2f tokens/word; counting %.1f s, merges %.1f s",
                    tokenizer.modelType(), tokenizer.vocabularySize(), alphabetSize, merges, wordOccurrences,
                    distinctWords, bytes / 1e6, 100 * coverage, tokensPerWord, countSeconds, mergeSeconds);
        }
    }

    /** Trains on UTF-8 text files. Nothing is written; save the result's tokenizer yourself. */
    public static Result train(Settings settings, List<Path> files) throws IOException {
        long bytes = CorpusReader.checkFiles(files);
        if (settings.type() == Type.BPE) {
            checkByteAlphabet(settings);
        }
        long start = System.nanoTime();
        Pipeline p = pipeline(settings);
        WordCounts counts = count(p, settings.threads(), sink -> {
            for (Path f : files) {
                CorpusReader.read(f, settings.replaceInvalidUtf8(), 1 << 20, sink);
            }
        });
        Result r = finish(settings, p, counts, bytes, start);
        if (r.wordOccurrences() == 0) {
            throw new IllegalArgumentException(String.join(", ", files.stream().map(Path::toString).toList())
                    + (files.size() == 1 ? " holds" : " hold") + " no words (" + bytes + " bytes): a tokenizer "
                    + "needs text to learn from; give a file with text in it");
        }
        return r;
    }

    /** Trains on texts in memory (each text is read as it is; include line ends if they matter). */
    public static Result train(Settings settings, Iterable<String> texts) {
        if (settings.type() == Type.BPE) {
            checkByteAlphabet(settings);
        }
        long start = System.nanoTime();
        Pipeline p = pipeline(settings);
        long[] bytes = {0};
        WordCounts counts;
        try {
            counts = count(p, settings.threads(), sink -> {
                for (String t : texts) {
                    bytes[0] += t.length();
                    sink.accept(t);
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Result r = finish(settings, p, counts, bytes[0], start);
        if (r.wordOccurrences() == 0) {
            throw new IllegalArgumentException("the corpus holds no words (" + bytes[0] + " characters): a tokenizer "
                    + "needs text to learn from; give a corpus with text in it");
        }
        return r;
    }

    private static void checkByteAlphabet(Settings s) {
        int needed = 256 + (int) s.specialTokens().stream().distinct().count();
        if (s.vocabularySize() < needed) {
            throw new IllegalArgumentException("vocabulary size " + s.vocabularySize()
                    + " is smaller than the byte-level alphabet (256 symbols) plus " + (needed - 256)
                    + " special tokens; use a vocabulary size of at least " + needed);
        }
    }

    /** The normalizer and pre-tokenizer of the tokenizer being trained. */
    private record Pipeline(Normalizers.Normalizer normalizer, PreTokenizers.PreTokenizer preTokenizer,
            boolean byteLevel) {
        boolean unigram() {
            return preTokenizer instanceof Metaspace.Split;
        }
    }

    private static Pipeline pipeline(Settings s) {
        List<Normalizers.Normalizer> steps = new ArrayList<>();
        switch (s.normalization()) {
            case NFC -> steps.add(new Normalizers.Unicode(UnicodeForms.Form.NFC));
            case NFKC -> steps.add(new Normalizers.Unicode(UnicodeForms.Form.NFKC));
            default -> {
            }
        }
        if (s.type() == Type.WORDPIECE) {
            steps.add(new Normalizers.Bert(true, true, null, s.lowercase()));
            return new Pipeline(single(steps), new PreTokenizers.Bert(), false);
        }
        if (s.lowercase()) {
            steps.add(new Normalizers.Lowercase());
        }
        if (s.type() == Type.UNIGRAM) {
            return new Pipeline(single(steps), new Metaspace.Split('\u2581', Metaspace.PrependScheme.ALWAYS, true), false);
        }
        return new Pipeline(single(steps), new PreTokenizers.ByteLevelSplit(false, true, true), true);
    }

    private static Normalizers.Normalizer single(List<Normalizers.Normalizer> steps) {
        return steps.isEmpty() ? null : steps.size() == 1 ? steps.get(0) : new Normalizers.Sequence(steps);
    }

    /** Produces the corpus chunk by chunk. */
    @FunctionalInterface
    private interface Source {
        void produce(CorpusReader.ChunkSink sink) throws IOException, InterruptedException;
    }

    private static final String END = new String("end of corpus");

    /** Counts the words of every chunk on {@code threads} threads while this thread reads. */
    private static WordCounts count(Pipeline p, int threads, Source source) throws IOException {
        BlockingQueue<String> queue = new ArrayBlockingQueue<>(2 * threads + 2);
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "graft-tokenizer-count");
            t.setDaemon(true);
            return t;
        });
        List<Future<WordCounts>> workers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            workers.add(pool.submit(() -> {
                WordCounts local = new WordCounts();
                while (true) {
                    String chunk = queue.take();
                    if (chunk == END) {
                        return local;
                    }
                    countChunk(p, chunk, local);
                }
            }));
        }
        try {
            try {
                source.produce(chunk -> hand(queue, chunk, workers));
            } finally {
                for (int i = 0; i < threads; i++) {
                    hand(queue, END, workers);
                }
            }
            WordCounts total = null;
            for (Future<WordCounts> f : workers) {
                WordCounts w = f.get();
                if (total == null || w.size() > total.size()) {
                    if (total != null) {
                        w.addAll(total);
                    }
                    total = w;
                } else {
                    total.addAll(w);
                }
            }
            return total;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while counting words", e);
        } catch (ExecutionException e) {
            throw Parallel.rethrow(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** Queues a chunk; if a counting thread has died, stops waiting and reports its failure. */
    private static void hand(BlockingQueue<String> queue, String chunk, List<Future<WordCounts>> workers)
            throws InterruptedException {
        while (!queue.offer(chunk, 200, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            for (Future<WordCounts> w : workers) {
                if (w.isDone()) { // a worker only ends early by failing: report it instead of waiting forever
                    try {
                        w.get();
                    } catch (ExecutionException e) {
                        throw Parallel.rethrow(e.getCause());
                    }
                }
            }
        }
    }

    /** Normalizes a chunk and counts its words (as raw normalized text; byte-level form comes later). */
    private static void countChunk(Pipeline p, String chunk, WordCounts counts) {
        String text = Utf8.replaceLoneSurrogates(chunk);
        NormalizedText n = NormalizedText.of(text, 0, text.length());
        if (p.normalizer() != null) {
            n = p.normalizer().normalize(n);
        }
        String s = n.text;
        if (p.byteLevel()) {
            ByteLevel.splitGpt2(s, (a, b) -> counts.add(s, a, b, 1));
        } else if (p.unigram()) {
            UnigramTrainerSupport.countWords(p.preTokenizer(), s, counts);
        } else {
            PreTokenizers.ranges(s, true, (a, b) -> counts.add(s, a, b, 1));
        }
    }

    private static Result finish(Settings s, Pipeline p, WordCounts counts, long bytes, long start) {
        long counted = System.nanoTime();
        WordCounts.Sorted sorted = counts.sorted();
        String[] words = sorted.words();
        long[] wordCounts = sorted.counts();
        if (p.byteLevel()) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < words.length; i++) {
                sb.setLength(0);
                String w = words[i];
                for (int k = 0; k < w.length(); ) {
                    int cp = w.codePointAt(k);
                    ByteLevel.appendBytes(cp, sb);
                    k += Character.charCount(cp);
                }
                words[i] = sb.toString();
            }
        }
        long occurrences = 0;
        for (long c : wordCounts) {
            occurrences += c;
        }
        if (p.unigram()) {
            UnigramTrainerSupport.Trained t = UnigramTrainerSupport.train(s, p.normalizer(), p.preTokenizer(), words,
                    wordCounts);
            long end = System.nanoTime();
            return new Result(t.tokenizer(), bytes, occurrences, words.length, t.alphabetSize(), t.multiCharacterPieces(),
                    t.coverage(), t.tokensPerWord(), (counted - start) / 1e9, (end - counted) / 1e9);
        }
        BpeTraining.Learned learned = p.byteLevel()
                ? BpeTraining.learn(words, wordCounts, s.specialTokens(), ByteLevel.alphabet(), 0, null,
                        s.vocabularySize(), s.minimumFrequency())
                : BpeTraining.learn(words, wordCounts, s.specialTokens(), null, s.limitAlphabet(), "##",
                        s.vocabularySize(), s.minimumFrequency());
        PipelineTokenizer tokenizer = build(s, p, learned);
        // Coverage and fertility over the counted words.
        long unknown = 0;
        long tokens = 0;
        int unknownId = tokenizer.model.tokenToId("[UNK]");
        for (int i = 0; i < words.length; i++) {
            long c = wordCounts[i];
            int[] n = {0, 0};
            tokenizer.model.tokenize(words[i], (id, a, b) -> {
                n[0]++;
                if (id == unknownId && !p.byteLevel()) {
                    n[1] = 1;
                }
            });
            tokens += n[0] * c;
            unknown += n[1] * c;
        }
        long end = System.nanoTime();
        return new Result(tokenizer, bytes, occurrences, words.length, learned.alphabetSize(),
                learned.merges().size(), occurrences == 0 ? 1.0 : 1.0 - (double) unknown / occurrences,
                occurrences == 0 ? 0.0 : (double) tokens / occurrences, (counted - start) / 1e9, (end - counted) / 1e9);
    }

    private static PipelineTokenizer build(Settings s, Pipeline p, BpeTraining.Learned learned) {
        Map<String, Integer> vocabulary = new HashMap<>();
        List<String> byId = learned.vocabulary();
        for (int id = 0; id < byId.size(); id++) {
            vocabulary.put(byId.get(id), id);
        }
        List<AddedVocabulary.AddedToken> added = new ArrayList<>();
        for (String t : s.specialTokens()) {
            added.add(new AddedVocabulary.AddedToken(vocabulary.get(t), t, false, false, false, false, true));
        }
        if (p.byteLevel()) {
            BpeModel model = new BpeModel(vocabulary, learned.merges(), null, null, null, false, false, false);
            return new PipelineTokenizer(p.normalizer(), p.preTokenizer(), model,
                    new PostProcessors.ByteLevelTrim(false, false, true), new Decoders.ByteLevelDecoder(false, true, true),
                    added, null);
        }
        WordPieceModel model = new WordPieceModel(vocabulary, "[UNK]", "##", 100);
        PostProcessors.PostProcessor post = null;
        if (vocabulary.containsKey("[CLS]") && vocabulary.containsKey("[SEP]")) {
            post = PostProcessors.Template.around("[CLS]", vocabulary.get("[CLS]"), "[SEP]", vocabulary.get("[SEP]"),
                    false);
        }
        return new PipelineTokenizer(p.normalizer(), p.preTokenizer(), model, post, new Decoders.WordPiece("##", true),
                added, null);
    }
}
