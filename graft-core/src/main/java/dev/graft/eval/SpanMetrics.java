package dev.graft.eval;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Span-level precision, recall and F1 of chunk tags (BIO and its relatives) with the semantics of
 * seqeval 1.2 (Nakayama 2018, github.com/chakki-works/seqeval), in its two modes:
 * <ul>
 * <li><b>default</b> ({@link #lenient}): seqeval's {@code get_entities}, which follows conlleval: the
 * sentences are joined into one sequence with an {@code O} after each; a chunk starts at a B or S, at
 * an I or E that follows O, E or S, or where the type changes; it ends before a B, S or O, after an E
 * or S, or where the type changes. Ill-formed sequences are repaired rather than rejected (an
 * {@code I-X} after {@code O} starts a chunk), so IOB1 and IOB2 input give the same chunks.</li>
 * <li><b>strict</b> ({@link #strict}, seqeval's {@code mode='strict'}): the chunks a scheme
 * ({@link Scheme}) allows, found with seqeval's start/inside/end patterns per sentence; a chunk that
 * does not close as the scheme requires is dropped, so ill-formed predictions score as misses, and
 * IOB1 and IOB2 read the same tags differently.</li>
 * </ul>
 * The tag of a token is its first character (the prefix) and its type is what follows the prefix
 * and delimiter ({@code B-PER} → B, PER; a bare {@code B} has type {@code _}). Micro scores count a
 * predicted chunk as correct only when type, start and end all match a gold chunk.
 */
public final class SpanMetrics {
    private SpanMetrics() {
    }

    /** Chunk encodings of seqeval's strict mode. */
    public enum Scheme {
        IOB1, IOB2, IOE1, IOE2, IOBES
    }

    /**
     * A chunk: its type and token range [start, end) in its sentence (strict mode) or in the joined
     * sequence (lenient mode, where sentence is -1).
     */
    public record Chunk(int sentence, String type, int start, int end) {
    }

    /** Per-type and micro-averaged span scores. */
    public record Scores(double precision, double recall, double f1, long goldChunks, long predictedChunks,
                         long correctChunks, Map<String, TypeScores> perType) {

        /** precision, recall, f1, the chunk counts and per_type {type: {precision, recall, f1, support}}. */
        public ObjectNode toJson() {
            ObjectNode m = JsonNodeFactory.instance.objectNode();
            m.put("precision", precision);
            m.put("recall", recall);
            m.put("f1", f1);
            m.put("gold_chunks", goldChunks);
            m.put("predicted_chunks", predictedChunks);
            m.put("correct_chunks", correctChunks);
            ObjectNode t = m.putObject("per_type");
            for (Map.Entry<String, TypeScores> e : perType.entrySet()) {
                ObjectNode v = t.putObject(e.getKey());
                v.put("precision", e.getValue().precision());
                v.put("recall", e.getValue().recall());
                v.put("f1", e.getValue().f1());
                v.put("support", e.getValue().support());
            }
            return m;
        }
    }

    /** Scores of one chunk type (support = gold chunks of that type). */
    public record TypeScores(double precision, double recall, double f1, long support) {
    }

    // ------------------------------------------------------------------ default (lenient) mode

    /** seqeval's {@code get_entities} on the sentences joined with an O after each. */
    public static List<Chunk> lenient(List<List<String>> sentences) {
        List<String> joined = new ArrayList<>();
        for (List<String> s : sentences) {
            joined.addAll(s);
            joined.add("O");
        }
        return lenientFlat(joined);
    }

    /** seqeval's {@code get_entities} on one flat sequence; ends are exclusive (seqeval's are inclusive). */
    public static List<Chunk> lenientFlat(List<String> sequence) {
        List<Chunk> chunks = new ArrayList<>();
        char prevTag = 'O';
        String prevType = "";
        int begin = 0;
        int n = sequence.size();
        for (int i = 0; i <= n; i++) {
            String chunk = i < n ? sequence.get(i) : "O";
            if (chunk.isEmpty()) {
                throw new IllegalArgumentException("empty tag at position " + i);
            }
            char tag = chunk.charAt(0);
            String rest = chunk.substring(1);
            int dash = rest.indexOf('-');
            String type = dash < 0 ? rest : rest.substring(dash + 1);
            if (type.isEmpty()) {
                type = "_";
            }
            if (endOfChunk(prevTag, tag, prevType, type)) {
                chunks.add(new Chunk(-1, prevType, begin, i));
            }
            if (startOfChunk(prevTag, tag, prevType, type)) {
                begin = i;
            }
            prevTag = tag;
            prevType = type;
        }
        return chunks;
    }

    private static boolean endOfChunk(char prevTag, char tag, String prevType, String type) {
        boolean end = prevTag == 'E' || prevTag == 'S';
        if ((prevTag == 'B' || prevTag == 'I') && (tag == 'B' || tag == 'S' || tag == 'O')) {
            end = true;
        }
        if (prevTag != 'O' && prevTag != '.' && !prevType.equals(type)) {
            end = true;
        }
        return end;
    }

    private static boolean startOfChunk(char prevTag, char tag, String prevType, String type) {
        boolean start = tag == 'B' || tag == 'S';
        if ((prevTag == 'E' || prevTag == 'S' || prevTag == 'O') && (tag == 'E' || tag == 'I')) {
            start = true;
        }
        if (tag != 'O' && tag != '.' && !prevType.equals(type)) {
            start = true;
        }
        return start;
    }

    // ------------------------------------------------------------------ strict mode

    private static final int I = 1;
    private static final int O = 2;
    private static final int B = 4;
    private static final int E = 8;
    private static final int S = 16;
    private static final int ANY_PREFIX = I | O | B | E | S;
    private static final int SAME = 1;
    private static final int DIFF = 2;
    private static final int ANY_TAG = SAME | DIFF;

    /** seqeval's scheme tables: allowed prefixes and (previous, current, tag condition) patterns. */
    private record Patterns(int allowed, int[][] start, int[][] inside, int[][] end) {
    }

    private static Patterns patterns(Scheme scheme) {
        return switch (scheme) {
            case IOB1 -> new Patterns(I | O | B,
                    new int[][] {{O, I, ANY_TAG}, {I, I, DIFF}, {B, I, ANY_TAG}, {I, B, SAME}, {B, B, SAME}},
                    new int[][] {{B, I, SAME}, {I, I, SAME}},
                    new int[][] {{I, I, DIFF}, {I, O, ANY_TAG}, {I, B, ANY_TAG}, {B, O, ANY_TAG}, {B, I, DIFF},
                        {B, B, SAME}});
            case IOE1 -> new Patterns(I | O | E,
                    new int[][] {{O, I, ANY_TAG}, {I, I, DIFF}, {E, I, ANY_TAG}, {E, E, SAME}},
                    new int[][] {{I, I, SAME}, {I, E, SAME}},
                    new int[][] {{I, I, DIFF}, {I, O, ANY_TAG}, {I, E, DIFF}, {E, I, SAME}, {E, E, SAME}});
            case IOB2 -> new Patterns(I | O | B,
                    new int[][] {{ANY_PREFIX, B, ANY_TAG}},
                    new int[][] {{B, I, SAME}, {I, I, SAME}},
                    new int[][] {{I, O, ANY_TAG}, {I, I, DIFF}, {I, B, ANY_TAG}, {B, O, ANY_TAG}, {B, I, DIFF},
                        {B, B, ANY_TAG}});
            case IOE2 -> new Patterns(I | O | E,
                    new int[][] {{O, I, ANY_TAG}, {O, E, ANY_TAG}, {E, I, ANY_TAG}, {E, E, ANY_TAG}, {I, I, DIFF},
                        {I, E, DIFF}},
                    new int[][] {{I, E, SAME}, {I, I, SAME}},
                    new int[][] {{E, ANY_PREFIX, ANY_TAG}});
            case IOBES -> new Patterns(I | O | B | E | S,
                    new int[][] {{ANY_PREFIX, B, ANY_TAG}, {ANY_PREFIX, S, ANY_TAG}},
                    new int[][] {{B, I, SAME}, {B, E, SAME}, {I, I, SAME}, {I, E, SAME}},
                    new int[][] {{S, ANY_PREFIX, ANY_TAG}, {E, ANY_PREFIX, ANY_TAG}});
        };
    }

    /** A token of strict mode: its prefix bit and its type. */
    private record Token(int prefix, String type) {
        static Token of(String token, Scheme scheme, Patterns p) {
            if (token.isEmpty()) {
                throw new IllegalArgumentException("empty tag");
            }
            int prefix = switch (token.charAt(0)) {
                case 'I' -> I;
                case 'O' -> O;
                case 'B' -> B;
                case 'E' -> E;
                case 'S' -> S;
                default -> throw new IllegalArgumentException("tag '" + token + "' has no chunk prefix (I, O, B, E, S)");
            };
            if ((prefix & p.allowed()) == 0) {
                throw new IllegalArgumentException("tag '" + token + "' is not allowed in the " + scheme
                        + " scheme");
            }
            String type = strip(token.substring(1), '-');
            return new Token(prefix, type.isEmpty() ? "_" : type);
        }

        boolean matches(Token prev, int[][] patterns) {
            for (int[] pat : patterns) {
                if ((prev.prefix & pat[0]) != 0 && (prefix & pat[1]) != 0 && tagCondition(prev, pat[2])) {
                    return true;
                }
            }
            return false;
        }

        private boolean tagCondition(Token prev, int cond) {
            if (cond == ANY_TAG) {
                return true;
            }
            boolean same = prev.type.equals(type);
            return same ? cond == SAME : cond == DIFF;
        }
    }

    private static String strip(String s, char c) {
        int a = 0;
        int b = s.length();
        while (a < b && s.charAt(a) == c) {
            a++;
        }
        while (b > a && s.charAt(b - 1) == c) {
            b--;
        }
        return s.substring(a, b);
    }

    /** seqeval's {@code Tokens(sentence, scheme).entities} for each sentence; ends are exclusive. */
    public static List<Chunk> strict(List<List<String>> sentences, Scheme scheme) {
        Patterns p = patterns(scheme);
        List<Chunk> chunks = new ArrayList<>();
        for (int s = 0; s < sentences.size(); s++) {
            List<String> sentence = sentences.get(s);
            int n = sentence.size();
            Token[] tokens = new Token[n + 1]; // with the O sentinel
            for (int i = 0; i < n; i++) {
                tokens[i] = Token.of(sentence.get(i), scheme, p);
            }
            Token outside = Token.of("O", scheme, p);
            tokens[n] = outside;
            int i = 0;
            Token prev = outside;
            while (i < tokens.length) {
                Token token = tokens[i];
                if (token.matches(prev, p.start())) {
                    int end = forward(tokens, i + 1, token, p, n);
                    if (tokens[end].matches(tokens[end - 1], p.end())) {
                        chunks.add(new Chunk(s, token.type(), i, end));
                    }
                    i = end;
                } else {
                    i++;
                }
                prev = tokens[i - 1];
            }
        }
        return chunks;
    }

    private static int forward(Token[] tokens, int start, Token prev, Patterns p, int n) {
        for (int i = start; i < tokens.length; i++) {
            if (tokens[i].matches(prev, p.inside())) {
                prev = tokens[i];
            } else {
                return i;
            }
        }
        return n - 1;
    }

    // ------------------------------------------------------------------ scores

    /** Micro and per-type scores; {@code scheme} null means seqeval's default (lenient) mode. */
    public static Scores score(List<List<String>> gold, List<List<String>> predicted, Scheme scheme) {
        if (gold.size() != predicted.size()) {
            throw new IllegalArgumentException(gold.size() + " gold sentences but " + predicted.size() + " predicted");
        }
        for (int i = 0; i < gold.size(); i++) {
            if (gold.get(i).size() != predicted.get(i).size()) {
                throw new IllegalArgumentException("sentence " + i + " has " + gold.get(i).size()
                        + " gold tags but " + predicted.get(i).size() + " predicted");
            }
        }
        List<Chunk> g = scheme == null ? lenient(gold) : strict(gold, scheme);
        List<Chunk> pr = scheme == null ? lenient(predicted) : strict(predicted, scheme);
        Set<Chunk> goldSet = new HashSet<>(g);
        Set<Chunk> predSet = new HashSet<>(pr);
        Map<String, long[]> byType = new TreeMap<>(); // type -> {gold, predicted, correct}
        for (Chunk c : goldSet) {
            byType.computeIfAbsent(c.type(), t -> new long[3])[0]++;
        }
        long correct = 0;
        for (Chunk c : predSet) {
            long[] counts = byType.computeIfAbsent(c.type(), t -> new long[3]);
            counts[1]++;
            if (goldSet.contains(c)) {
                counts[2]++;
                correct++;
            }
        }
        Map<String, TypeScores> per = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : byType.entrySet()) {
            long[] c = e.getValue();
            if (c[0] == 0) {
                continue; // seqeval reports the types of the gold chunks
            }
            double p = c[1] == 0 ? 0 : (double) c[2] / c[1];
            double r = (double) c[2] / c[0];
            per.put(e.getKey(), new TypeScores(p, r, f1(p, r), c[0]));
        }
        double p = predSet.isEmpty() ? 0 : (double) correct / predSet.size();
        double r = goldSet.isEmpty() ? 0 : (double) correct / goldSet.size();
        return new Scores(p, r, f1(p, r), goldSet.size(), predSet.size(), correct, per);
    }

    private static double f1(double p, double r) {
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    /**
     * Whether a tag set reads as chunk tags: every tag is O or starts with B-, I-, E- or S- (so span
     * scores mean something; part-of-speech tags such as NOUN do not).
     */
    public static boolean looksLikeChunkTags(List<String> tags) {
        boolean any = false;
        for (String t : tags) {
            if (t.equals("O")) {
                continue;
            }
            if (t.length() < 3 || t.charAt(1) != '-' || "BIES".indexOf(t.charAt(0)) < 0) {
                return false;
            }
            any = true;
        }
        return any;
    }

    /** The scheme a chunk tag set implies: IOBES when E- or S- occur, else IOB2. */
    public static Scheme detectScheme(List<String> tags) {
        for (String t : tags) {
            if (t.startsWith("E-") || t.startsWith("S-")) {
                return Scheme.IOBES;
            }
        }
        return Scheme.IOB2;
    }
}
