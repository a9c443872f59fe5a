package dev.graft.tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/** The one {@link Tokenizer}: added tokens, normalizer, pre-tokenizer, model, post-processor, decoder. */
final class PipelineTokenizer implements Tokenizer {
    final Normalizers.Normalizer normalizer;
    final PreTokenizers.PreTokenizer preTokenizer;
    final TokenModel model;
    final PostProcessors.PostProcessor postProcessor;
    final Decoders.Decoder decoder;
    final AddedVocabulary added;
    private final EncodeOptions defaultOptions;
    private final SpecialTokens specialTokens;
    private final int vocabularySize;
    private volatile String fingerprint; // computed on first use; every field above is final

    PipelineTokenizer(Normalizers.Normalizer normalizer, PreTokenizers.PreTokenizer preTokenizer, TokenModel model,
            PostProcessors.PostProcessor postProcessor, Decoders.Decoder decoder,
            List<AddedVocabulary.AddedToken> addedTokens, EncodeOptions defaultOptions) {
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.model = model;
        this.postProcessor = postProcessor;
        this.decoder = decoder;
        this.added = new AddedVocabulary(addedTokens, model, normalizer);
        this.defaultOptions = defaultOptions == null ? EncodeOptions.defaults() : defaultOptions;
        int size = model.size();
        for (AddedVocabulary.AddedToken t : added.tokens()) {
            if (model.tokenToId(t.content()) < 0) {
                size++;
            }
        }
        this.vocabularySize = size;
        this.specialTokens = SpecialTokens.of(this);
    }

    // ----- encoding -----

    /** One sequence: added tokens, normalization, pre-tokenization, model; all type {@code typeId}. */
    Encoding encodeSequence(String input, int typeId) {
        String text = Utf8.replaceLoneSurrogates(input);
        List<AddedVocabulary.Piece> pieces = added.extractAndNormalize(text, normalizer);
        Encoding.Builder b = new Encoding.Builder();
        List<NormalizedText> words = new ArrayList<>();
        int word = 0;
        for (AddedVocabulary.Piece p : pieces) {
            NormalizedText piece = p.text();
            if (p.isAddedToken()) {
                b.add(p.addedTokenId(), piece.text, piece.start(0), piece.end(piece.length() - 1), word++);
                continue;
            }
            if (preTokenizer instanceof PreTokenizers.ByteLevelSplit bl && bl.useRegex()) {
                word = encodeByteLevel(bl.withPrefixSpace(piece), b, word);
                continue;
            }
            words.clear();
            if (preTokenizer == null) {
                words.add(piece);
            } else {
                preTokenizer.split(piece, words);
            }
            for (NormalizedText w : words) {
                if (w.isEmpty()) {
                    continue;
                }
                int index = word++;
                model.tokenize(w.text, (id, start, end) ->
                        b.add(id, model.tokenString(id, w.text, start, end), w.start(start), w.end(end - 1), index));
            }
        }
        return b.build(typeId);
    }

    /**
     * The byte-level pre-tokenizer and the model in one pass, without building a text per word:
     * the same words, tokens and offsets as {@link PreTokenizers.ByteLevelSplit} followed by the
     * model (each byte aligned to the character it encodes), fewer allocations.
     *
     * @return the next word index
     */
    private int encodeByteLevel(NormalizedText piece, Encoding.Builder b, int firstWord) {
        String s = piece.text;
        int[] word = {firstWord};
        StringBuilder bytes = new StringBuilder(32);
        int[][] unitOfByte = {new int[64]};
        ByteLevel.splitGpt2(s, (start, end) -> {
            bytes.setLength(0);
            int k = 0;
            for (int i = start; i < end; ) {
                int cp = s.codePointAt(i);
                int n = ByteLevel.appendBytes(cp, bytes);
                if (k + n > unitOfByte[0].length) {
                    unitOfByte[0] = java.util.Arrays.copyOf(unitOfByte[0], 2 * (k + n));
                }
                for (int j = 0; j < n; j++) {
                    unitOfByte[0][k++] = i;
                }
                i += Character.charCount(cp);
            }
            int index = word[0]++;
            int[] units = unitOfByte[0];
            model.tokenize(bytes.toString(), (id, from, to) -> b.add(id, model.idToToken(id),
                    piece.start(units[from]), piece.charEnd(units[to - 1]), index));
        });
        return word[0];
    }

    @Override
    public Encoding encode(String text, boolean addSpecialTokens) {
        return finish(encodeSequence(text, 0), null, addSpecialTokens, null);
    }

    @Override
    public Encoding encodePair(String first, String second, boolean addSpecialTokens) {
        return finish(encodeSequence(first, 0), encodeSequence(second, 1), addSpecialTokens, null);
    }

    @Override
    public List<Encoding> encodeBatch(List<String> texts, EncodeOptions options) {
        List<Encoding> out = new ArrayList<>(texts.size());
        for (String t : texts) {
            out.add(finish(encodeSequence(t, 0), null, options.addSpecialTokens(), options.truncation()));
        }
        return pad(out, options.padding());
    }

    @Override
    public List<Encoding> encodeBatchPairs(List<String> firsts, List<String> seconds, EncodeOptions options) {
        if (firsts.size() != seconds.size()) {
            throw new IllegalArgumentException("pair batch: " + firsts.size() + " first texts but " + seconds.size()
                    + " second texts; pass one second text per first text");
        }
        List<Encoding> out = new ArrayList<>(firsts.size());
        for (int i = 0; i < firsts.size(); i++) {
            out.add(finish(encodeSequence(firsts.get(i), 0), encodeSequence(seconds.get(i), 1),
                    options.addSpecialTokens(), options.truncation()));
        }
        return pad(out, options.padding());
    }

    /** Truncation, then the post-processor, then concatenation (the reference's {@code post_process}). */
    private Encoding finish(Encoding first, Encoding second, boolean addSpecialTokens,
            EncodeOptions.Truncation truncation) {
        Encoding a = first;
        Encoding b = second;
        if (truncation != null) {
            int added = addSpecialTokens && postProcessor != null ? postProcessor.addedTokens(b != null) : 0;
            if (truncation.maxLength() < added) {
                throw new IllegalArgumentException("truncation max length " + truncation.maxLength()
                        + " leaves no room for the template's " + added + " special tokens; use at least " + added);
            }
            Encoding[] t = truncate(a, b, truncation.maxLength() - added, truncation);
            a = t[0];
            b = t[1];
        }
        List<Encoding> list = new ArrayList<>(2);
        list.add(a.withSequenceIndex(0));
        if (b != null) {
            list.add(b.withSequenceIndex(1));
        }
        if (postProcessor != null) {
            list = postProcessor.process(list, addSpecialTokens);
        }
        return Encoding.concat(list);
    }

    /** The reference's {@code truncate_encodings}. */
    private static Encoding[] truncate(Encoding a, Encoding b, int maxLength, EncodeOptions.Truncation t) {
        boolean left = t.side() == EncodeOptions.Side.LEFT;
        if (maxLength == 0) {
            return new Encoding[] {a.truncate(0, left), b == null ? null : b.truncate(0, left)};
        }
        int total = a.length() + (b == null ? 0 : b.length());
        if (total <= maxLength) {
            return new Encoding[] {a, b};
        }
        int toRemove = total - maxLength;
        switch (t.strategy()) {
            case LONGEST_FIRST -> {
                if (b == null) {
                    return new Encoding[] {a.truncate(maxLength, left), null};
                }
                int n1 = a.length();
                int n2 = b.length();
                boolean swap = n1 > n2;
                if (swap) {
                    int x = n1;
                    n1 = n2;
                    n2 = x;
                }
                if (n1 > maxLength) {
                    n2 = n1;
                } else {
                    n2 = Math.max(n1, maxLength - n1);
                }
                if (n1 + n2 > maxLength) {
                    n1 = maxLength / 2;
                    n2 = n1 + maxLength % 2;
                }
                if (swap) {
                    int x = n1;
                    n1 = n2;
                    n2 = x;
                }
                return new Encoding[] {a.truncate(n1, left), b.truncate(n2, left)};
            }
            case ONLY_FIRST, ONLY_SECOND -> {
                boolean first = t.strategy() == EncodeOptions.TruncationStrategy.ONLY_FIRST;
                if (!first && b == null) {
                    throw new IllegalArgumentException("truncation ONLY_SECOND needs a pair of texts");
                }
                Encoding target = first ? a : b;
                if (target.length() <= toRemove) {
                    throw new IllegalArgumentException("truncation " + t.strategy() + " to " + maxLength
                            + " tokens would remove the whole sequence; use LONGEST_FIRST or a larger max length");
                }
                Encoding cut = target.truncate(target.length() - toRemove, left);
                return first ? new Encoding[] {cut, b} : new Encoding[] {a, cut};
            }
            default -> throw new IllegalStateException();
        }
    }

    private List<Encoding> pad(List<Encoding> encodings, EncodeOptions.Padding padding) {
        if (padding == null || encodings.isEmpty()) {
            return encodings;
        }
        int length = padding.length();
        if (length == 0) {
            for (Encoding e : encodings) {
                length = Math.max(length, e.length());
            }
        }
        if (padding.multipleOf() > 1 && length % padding.multipleOf() != 0) {
            length += padding.multipleOf() - length % padding.multipleOf();
        }
        String token = padding.token();
        if (token == null) {
            OptionalInt pad = specialTokens.padding();
            if (pad.isEmpty()) {
                throw new IllegalArgumentException("padding needs a padding token, and this tokenizer has neither "
                        + "[PAD] nor <pad>; name one in EncodeOptions.Padding");
            }
            token = idToToken(pad.getAsInt());
        }
        OptionalInt id = tokenToId(token);
        if (id.isEmpty()) {
            throw new IllegalArgumentException("padding token '" + token + "' is not in the vocabulary");
        }
        boolean left = padding.side() == EncodeOptions.Side.LEFT;
        List<Encoding> out = new ArrayList<>(encodings.size());
        for (Encoding e : encodings) {
            out.add(e.pad(length, id.getAsInt(), padding.typeId(), token, left));
        }
        return out;
    }

    // ----- decoding and vocabulary -----

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            AddedVocabulary.AddedToken a = added.byId(id);
            String t = a != null ? a.content() : model.idToToken(id);
            if (t == null || (skipSpecialTokens && added.isSpecial(t))) {
                continue;
            }
            tokens.add(t);
        }
        if (decoder == null) {
            return String.join(" ", tokens);
        }
        return String.join("", decoder.decodeChain(tokens));
    }

    @Override
    public int vocabularySize() {
        return vocabularySize;
    }

    @Override
    public OptionalInt tokenToId(String token) {
        int id = added.idOf(token);
        if (id < 0) {
            id = model.tokenToId(token);
        }
        return id < 0 ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public String idToToken(int id) {
        AddedVocabulary.AddedToken a = added.byId(id);
        return a != null ? a.content() : model.idToToken(id);
    }

    @Override
    public SpecialTokens specialTokens() {
        return specialTokens;
    }

    @Override
    public List<String> specialTokenStrings() {
        List<String> out = new ArrayList<>();
        for (AddedVocabulary.AddedToken t : added.tokens()) {
            if (t.special()) {
                out.add(t.content());
            }
        }
        return out;
    }

    @Override
    public String modelType() {
        return switch (model) {
            case BpeModel b -> "BPE";
            case WordPieceModel w -> "WordPiece";
            case UnigramModel u -> "Unigram";
        };
    }

    @Override
    public EncodeOptions defaultOptions() {
        return defaultOptions;
    }

    @Override
    public Path save(Path path) throws IOException {
        return TokenizerJson.save(this, path);
    }

    @Override
    public String fingerprint() {
        String f = fingerprint;
        if (f == null) {
            f = TokenizerJson.fingerprint(this);
            fingerprint = f;
        }
        return f;
    }

    @Override
    public String toString() {
        return modelType() + " tokenizer, " + vocabularySize + " tokens";
    }
}
