package dev.graft.tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The post-processors graft reads and writes in {@code tokenizer.json}: they add special tokens
 * around the encoded sequences ({@code [CLS] A [SEP] B [SEP]}), set token-type ids, and may trim
 * offsets, with the semantics of the Hugging Face types of the same names.
 */
final class PostProcessors {
    private PostProcessors() {
    }

    /** A post-processor step: maps the sequence encodings (one or two) to encodings that are then concatenated. */
    sealed interface PostProcessor permits Template, Bert, Roberta, ByteLevelTrim, Sequence {
        /** Tokens added with special tokens on (for truncation to leave room). */
        int addedTokens(boolean pair);

        List<Encoding> process(List<Encoding> encodings, boolean addSpecialTokens);
    }

    /** A piece of a template: a sequence (A or B) or a special token, each with its type id. */
    record Piece(boolean sequence, String idOrToken, int typeId) {
        static Piece sequence(String which, int typeId) {
            return new Piece(true, which, typeId);
        }

        static Piece special(String token, int typeId) {
            return new Piece(false, token, typeId);
        }
    }

    /** What a template's special-token name expands to. */
    record SpecialToken(String id, int[] ids, String[] tokens) {
    }

    /** {@code TemplateProcessing}: explicit single and pair templates. */
    record Template(List<Piece> single, List<Piece> pair, Map<String, SpecialToken> specialTokens)
            implements PostProcessor {
        Template {
            single = List.copyOf(single);
            pair = List.copyOf(pair);
            for (Piece p : single) {
                check(p, specialTokens, "single");
            }
            for (Piece p : pair) {
                check(p, specialTokens, "pair");
            }
        }

        /**
         * The template of a trained tokenizer around its two special tokens: {@code cls A sep} for one
         * sequence; for pairs {@code cls A sep B sep} with B of type 1 (BERT), or {@code cls A sep sep B sep}
         * all of type 0 ({@code doubleSeparator}: RoBERTa, XLM-R).
         */
        static Template around(String cls, int clsId, String sep, int sepId, boolean doubleSeparator) {
            Map<String, SpecialToken> specials = new LinkedHashMap<>();
            specials.put(cls, new SpecialToken(cls, new int[] {clsId}, new String[] {cls}));
            specials.put(sep, new SpecialToken(sep, new int[] {sepId}, new String[] {sep}));
            List<Piece> single = List.of(Piece.special(cls, 0), Piece.sequence("A", 0), Piece.special(sep, 0));
            List<Piece> pair = new ArrayList<>(single);
            int second = doubleSeparator ? 0 : 1;
            if (doubleSeparator) {
                pair.add(Piece.special(sep, 0));
            }
            pair.add(Piece.sequence("B", second));
            pair.add(Piece.special(sep, second));
            return new Template(single, pair, specials);
        }

        private static void check(Piece p, Map<String, SpecialToken> specials, String which) {
            if (!p.sequence() && !specials.containsKey(p.idOrToken())) {
                throw new IllegalArgumentException("post_processor TemplateProcessing: the " + which
                        + " template uses special token '" + p.idOrToken() + "', which is not in special_tokens");
            }
        }

        @Override
        public int addedTokens(boolean isPair) {
            int n = 0;
            for (Piece p : isPair ? pair : single) {
                if (!p.sequence()) {
                    n += specialTokens.get(p.idOrToken()).ids().length;
                }
            }
            return n;
        }

        @Override
        public List<Encoding> process(List<Encoding> encodings, boolean addSpecialTokens) {
            List<Piece> template = encodings.size() == 2 ? pair : single;
            List<Encoding> out = new ArrayList<>();
            for (Piece p : template) {
                if (p.sequence()) {
                    int i = p.idOrToken().equals("A") ? 0 : 1;
                    out.add(encodings.get(i).withTypeId(p.typeId()).withSequenceIndex(i));
                } else if (addSpecialTokens) {
                    SpecialToken t = specialTokens.get(p.idOrToken());
                    out.add(Encoding.special(t.ids(), t.tokens(), p.typeId()));
                }
            }
            return out;
        }
    }

    /** {@code BertProcessing}: {@code [CLS] A [SEP]} (type 0) {@code B [SEP]} (type 1). */
    record Bert(String separator, int separatorId, String classifier, int classifierId) implements PostProcessor {
        @Override
        public int addedTokens(boolean pair) {
            return pair ? 3 : 2;
        }

        @Override
        public List<Encoding> process(List<Encoding> encodings, boolean addSpecialTokens) {
            if (!addSpecialTokens) {
                return encodings;
            }
            List<Encoding> out = new ArrayList<>();
            out.add(Encoding.special(new int[] {classifierId}, new String[] {classifier}, 0));
            out.add(encodings.get(0).withTypeId(0));
            out.add(Encoding.special(new int[] {separatorId}, new String[] {separator}, 0));
            if (encodings.size() == 2) {
                out.add(encodings.get(1).withTypeId(1));
                out.add(Encoding.special(new int[] {separatorId}, new String[] {separator}, 1));
            }
            return out;
        }
    }

    /** {@code RobertaProcessing}: {@code <s> A </s> </s> B </s>}, all type 0, optional offset trimming. */
    record Roberta(String separator, int separatorId, String classifier, int classifierId, boolean trimOffsets,
            boolean addPrefixSpace) implements PostProcessor {
        @Override
        public int addedTokens(boolean pair) {
            return pair ? 4 : 2;
        }

        @Override
        public List<Encoding> process(List<Encoding> encodings, boolean addSpecialTokens) {
            List<Encoding> in = new ArrayList<>();
            for (Encoding e : encodings) {
                in.add((trimOffsets ? ByteLevelTrim.trim(e, addPrefixSpace) : e).withTypeId(0));
            }
            if (!addSpecialTokens) {
                return in;
            }
            List<Encoding> out = new ArrayList<>();
            out.add(Encoding.special(new int[] {classifierId}, new String[] {classifier}, 0));
            out.add(in.get(0));
            out.add(Encoding.special(new int[] {separatorId}, new String[] {separator}, 0));
            if (in.size() == 2) {
                out.add(Encoding.special(new int[] {separatorId}, new String[] {separator}, 0));
                out.add(in.get(1));
                out.add(Encoding.special(new int[] {separatorId}, new String[] {separator}, 0));
            }
            return out;
        }
    }

    /**
     * {@code ByteLevel} as a post-processor: with {@code trimOffsets}, a token's span leaves out
     * its leading and trailing spaces (the byte-level {@code Ġ}).
     */
    record ByteLevelTrim(boolean addPrefixSpace, boolean trimOffsets, boolean useRegex) implements PostProcessor {
        @Override
        public int addedTokens(boolean pair) {
            return 0;
        }

        @Override
        public List<Encoding> process(List<Encoding> encodings, boolean addSpecialTokens) {
            if (!trimOffsets) {
                return encodings;
            }
            List<Encoding> out = new ArrayList<>();
            for (Encoding e : encodings) {
                out.add(trim(e, addPrefixSpace));
            }
            return out;
        }

        static Encoding trim(Encoding e, boolean addPrefixSpace) {
            int n = e.length();
            int[] starts = e.rawStarts().clone();
            int[] ends = e.rawEnds().clone();
            String[] tokens = e.rawTokens();
            char space = ByteLevel.BYTE_TO_CHAR[' '];
            for (int i = 0; i < n; i++) {
                String t = tokens[i];
                int leading = 0;
                while (leading < t.length() && isSpace(t.charAt(leading), space)) {
                    leading++;
                }
                int trailing = 0;
                while (trailing < t.length() && isSpace(t.charAt(t.length() - 1 - trailing), space)) {
                    trailing++;
                }
                if (leading > 0) {
                    boolean first = i == 0 || starts[i] == 0;
                    if (first && addPrefixSpace && leading == 1) {
                        leading = 0;
                    }
                    starts[i] = Math.min(starts[i] + leading, ends[i]);
                }
                if (trailing > 0 && ends[i] >= trailing) {
                    ends[i] = Math.max(ends[i] - trailing, starts[i]);
                }
            }
            return e.withOffsets(starts, ends);
        }

        private static boolean isSpace(char c, char space) {
            return c == space || CharClasses.isWhitespace(c);
        }
    }

    /** Post-processors applied in order. */
    record Sequence(List<PostProcessor> processors) implements PostProcessor {
        Sequence {
            processors = List.copyOf(processors);
        }

        @Override
        public int addedTokens(boolean pair) {
            int n = 0;
            for (PostProcessor p : processors) {
                n += p.addedTokens(pair);
            }
            return n;
        }

        @Override
        public List<Encoding> process(List<Encoding> encodings, boolean addSpecialTokens) {
            List<Encoding> e = encodings;
            for (PostProcessor p : processors) {
                e = p.process(e, addSpecialTokens);
            }
            return e;
        }
    }
}
