package dev.graft.experiment;

import dev.graft.data.ClassificationExample;
import dev.graft.data.LabelSet;
import dev.graft.eval.ClassificationMetrics;
import dev.graft.model.LanguageModel;
import dev.graft.model.ModelConfig;
import dev.graft.model.TokenBatch;
import dev.graft.tokenizer.Encoding;
import dev.graft.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * The labels-as-text strategy for a causal (GPT-style) language model: labeled examples are written
 * as text with their label by a fixed {@link Template} ({@code "review: <text> sentiment: <label>"})
 * and added to the pretraining corpus ({@link #documents}); a text is then classified with no
 * fine-tuning, by the label whose words the language model finds most likely after the template's
 * prompt ({@code "review: <text> sentiment:"}), as in GPT-2's zero-shot use of prompts (Radford et
 * al. 2019) and GPT-3's multiple-choice scoring (Brown et al. 2020, section 2.4).
 *
 * <p><b>What is scored.</b> A scored sequence is what the model saw in pretraining: an end-of-text
 * token (the separator that precedes every document in the causal-LM stream of
 * {@link dev.graft.task.PretrainingData}), then the whole document {@code template.document(text,
 * label)} encoded in one piece, exactly as the corpus encoder encodes a corpus line (no special
 * tokens added). The label's tokens are the tokens of that document after those of the prompt, so
 * they are the tokens pretraining saw, whatever the tokenizer does at the boundary (byte-level BPE
 * gives {@code " positive"} with its space). The score of a label is the <b>sum</b> of the
 * log-probabilities of its tokens, each given everything before it: the log-likelihood of the
 * label's text ({@link Scoring#SUM}); {@link Scoring#MEAN} divides it by the label's token count.
 * In the rare case that the tokenizer merges the end of the prompt with the label (the prompt's
 * tokens are not a prefix of a document's), scoring starts at the first token where any label's
 * document departs from the prompt's tokens, so that score differences remain differences of whole
 * document log-likelihoods; such texts are counted ({@link Scores#mergedBoundaries()}).
 *
 * <p><b>Long texts</b> are cut from the left of the text part (the end of a review usually holds
 * its verdict) until the end-of-text token, the template and the longest label fit in
 * {@code maxLength} tokens; the kept part starts at a word start where one is near, and is encoded
 * afresh as a document of its own. Truncated texts are counted.
 *
 * <p><b>Batching.</b> The candidate sequences of one text share the prompt; a label needs the model
 * to read its sequence but its last token, and a causal model's output at a position depends only
 * on the tokens up to it, so one row serves every label whose input is a prefix of that row's
 * input: single-token labels need one row per text, whatever their number. Rows are sorted by
 * length and cut into batches of about {@value #BATCH_TOKENS} tokens; the model's own
 * {@link dev.graft.nn.Compute} runs them on its threads; texts are tokenized on the same pool.
 *
 * <p>A scorer is not thread-safe (the model's buffers are reused). It switches the model's dropout
 * off.
 */
public final class LabelsAsText {
    /** Tokens (rows x padded length) per forward batch. */
    static final int BATCH_TOKENS = 4096;
    /** Rows per forward batch at most. */
    static final int BATCH_ROWS = 64;

    private static final Pattern WHITESPACE = Pattern.compile("(?U)\\s+");
    private static final Pattern LINE_BREAK = Pattern.compile("[\\n\\r\\u000B\\u000C\\u0085\\u2028\\u2029]");

    /**
     * How an example is written as text: {@code textPrefix + text + labelPrefix + " " + label}, and
     * the prompt a label is scored after: {@code textPrefix + text + labelPrefix}. The space before
     * the label belongs to the label (byte-level BPE tokens carry their leading space), so
     * {@code labelPrefix} must not end with whitespace. Texts are cleaned by {@link #clean}; neither
     * prefix may hold a line break (a corpus document is one line).
     *
     * @param textPrefix  written before the text, e.g. {@code "review: "}
     * @param labelPrefix written after the text, before the space and the label, e.g. {@code " sentiment:"}
     */
    public record Template(String textPrefix, String labelPrefix) {
        public Template {
            if (textPrefix == null || labelPrefix == null) {
                throw new IllegalArgumentException("a template needs a text prefix and a label prefix (either may be "
                        + "empty, not null)");
            }
            if (LINE_BREAK.matcher(textPrefix).find() || LINE_BREAK.matcher(labelPrefix).find()) {
                throw new IllegalArgumentException("template prefixes '" + textPrefix + "' and '" + labelPrefix
                        + "' must not contain line breaks: each written example is one corpus line");
            }
            if (!labelPrefix.isEmpty() && Character.isWhitespace(labelPrefix.charAt(labelPrefix.length() - 1))) {
                throw new IllegalArgumentException("label prefix '" + labelPrefix + "' ends with whitespace: the "
                        + "template puts one space before the label itself; drop the trailing space");
            }
        }

        /** {@code "review: "} and {@code " sentiment:"}: {@code "review: <text> sentiment: <label>"}. */
        public static Template defaults() {
            return new Template("review: ", " sentiment:");
        }

        /** The example as one corpus line: {@code textPrefix + clean(text) + labelPrefix + " " + label}. */
        public String document(String text, String label) {
            checkLabel(label);
            return prompt(text) + " " + label;
        }

        /** What a label is scored after: {@code textPrefix + clean(text) + labelPrefix}. */
        public String prompt(String text) {
            return textPrefix + clean(text) + labelPrefix;
        }
    }

    /** How a label's token log-probabilities make its score. */
    public enum Scoring {
        /** Their sum: the log-likelihood of the label's text. */
        SUM,
        /** Their mean: the sum divided by the label's token count (length-normalized). */
        MEAN,
        /**
         * The sum minus the label's log-likelihood after the prompt with an empty text: contextual
         * calibration (Zhao et al. 2021, "Calibrate before use"), which removes the model's prior for
         * each label word, so a model that says "positive" after any review no longer says it for every
         * review. The default of {@link #evaluate(List)} and of graft experiment.
         */
        CALIBRATED
    }

    /**
     * Scores of some texts.
     *
     * @param logLikelihoods   [text][label] the sum of the log-probabilities (natural log) of the label's tokens
     * @param labelTokens      [text][label] how many tokens were scored
     * @param truncated        texts cut to fit the maximum length
     * @param mergedBoundaries texts whose prompt tokens were not a prefix of some label's document
     * @param contentFree      [label] the log-likelihood of the label after the prompt with an empty text
     */
    public record Scores(double[][] logLikelihoods, int[][] labelTokens, int truncated, int mergedBoundaries,
                         double[] contentFree) {
        /** The best label of each text; ties go to the first label. */
        public int[] predicted(Scoring scoring) {
            int[] out = new int[logLikelihoods.length];
            for (int i = 0; i < out.length; i++) {
                double best = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < logLikelihoods[i].length; k++) {
                    double s = switch (scoring) {
                        case SUM -> logLikelihoods[i][k];
                        case MEAN -> logLikelihoods[i][k] / labelTokens[i][k];
                        case CALIBRATED -> logLikelihoods[i][k] - contentFree[k];
                    };
                    if (s > best) {
                        best = s;
                        out[i] = k;
                    }
                }
            }
            return out;
        }
    }

    /**
     * One text ready to score.
     *
     * @param keptText   the cleaned text, or the end of it that fits
     * @param truncated  whether the text was cut
     * @param sequences  [label] token ids: end-of-text, then the document of the kept text with that label
     * @param scoredFrom index in every sequence of the first scored token (the same for all labels)
     * @param merged     whether the prompt's tokens were not a prefix of every label's document (scoring
     *                   then starts where the first document departs from them)
     */
    public record Encoded(String keptText, boolean truncated, int[][] sequences, int scoredFrom, boolean merged) {
    }

    private final LanguageModel model;
    private final Tokenizer tokenizer;
    private final LabelSet labels;
    private final Template template;
    private final int maxLength;
    private final int endOfText;
    private long truncatedTexts;

    private LabelsAsText(LanguageModel model, Tokenizer tokenizer, LabelSet labels, Template template, int maxLength,
                         int endOfText) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.labels = labels;
        this.template = template;
        this.maxLength = maxLength;
        this.endOfText = endOfText;
    }

    /**
     * A text as the template writes it: every run of whitespace (line breaks included) becomes one
     * space, and leading and trailing whitespace is dropped.
     */
    public static String clean(String text) {
        return WHITESPACE.matcher(text).replaceAll(" ").strip();
    }

    /**
     * The examples written as corpus documents, one line each, in order: add them to the causal
     * LM's pretraining corpus (as separate documents, one per line).
     */
    public static List<String> documents(List<ClassificationExample> examples, Template template) {
        List<String> out = new ArrayList<>(examples.size());
        for (ClassificationExample e : examples) {
            try {
                out.add(template.document(e.text(), e.label()));
            } catch (IllegalArgumentException x) {
                throw new IllegalArgumentException("example " + e.id() + ": " + x.getMessage(), x);
            }
        }
        return out;
    }

    /**
     * A scorer of {@code labels} with a causal language model.
     *
     * @param causalLm  a decoder (GPT-style) language model, for example
     *                  {@code StartingPoint.fromCheckpoint(...).languageModel()}
     * @param tokenizer its tokenizer, with an end-of-text token
     * @param maxLength most tokens in a scored sequence (end-of-text, prompt and label), at most the model's positions
     * @throws IllegalArgumentException for an encoder model, a tokenizer without end-of-text or larger than the
     *                                  model's vocabulary, a bad label, or a maximum length the template and
     *                                  labels do not fit in
     */
    public static LabelsAsText scorer(LanguageModel causalLm, Tokenizer tokenizer, LabelSet labels, Template template,
                                      int maxLength) {
        ModelConfig config = causalLm.config();
        if (config.isEncoder()) {
            throw new IllegalArgumentException("labels-as-text scores labels with a causal (GPT-style) language model, "
                    + "but this is an encoder (masked LM, BERT-style): pretrain a decoder (a gpt-* preset) for this "
                    + "strategy, or fine-tune the encoder instead");
        }
        OptionalInt eot = tokenizer.specialTokens().endOfText();
        if (eot.isEmpty()) {
            throw new IllegalArgumentException("the tokenizer has no end-of-text token (<|endoftext|>): labels-as-text "
                    + "starts every scored sequence with it, as pretraining separates documents with it");
        }
        if (tokenizer.vocabularySize() > config.vocabSize()) {
            throw new IllegalArgumentException("the tokenizer has " + tokenizer.vocabularySize() + " tokens but the "
                    + "model only " + config.vocabSize() + " token embeddings: the tokenizer does not belong to this "
                    + "model");
        }
        if (labels.size() < 2) {
            throw new IllegalArgumentException("labels-as-text needs at least 2 labels to choose from, got "
                    + labels.size() + " (" + labels.describe() + ")");
        }
        for (String l : labels.labels()) {
            checkLabel(l);
        }
        if (maxLength < 2 || maxLength > config.maxPositions()) {
            throw new IllegalArgumentException("max length " + maxLength + " must be in [2, " + config.maxPositions()
                    + "] (the model's positions)");
        }
        LabelsAsText s = new LabelsAsText(causalLm, tokenizer, labels, template, maxLength, eot.getAsInt());
        // the template and every label must fit with an empty text, and labels must differ as tokens
        Encoded empty = s.encodeOnce("");
        int longest = 0;
        for (int[] q : empty.sequences()) {
            longest = Math.max(longest, q.length);
        }
        if (longest > maxLength) {
            throw new IllegalArgumentException("the template and the longest label take " + longest + " tokens with an "
                    + "empty text, more than the max length " + maxLength + ": raise the max length or shorten the "
                    + "template");
        }
        for (int a = 0; a < labels.size(); a++) {
            for (int b = a + 1; b < labels.size(); b++) {
                if (Arrays.equals(empty.sequences()[a], empty.sequences()[b])) {
                    throw new IllegalArgumentException("labels '" + labels.label(a) + "' and '" + labels.label(b)
                            + "' give the same tokens (the tokenizer normalizes them alike): the model cannot tell "
                            + "them apart; rename one");
                }
            }
        }
        return s;
    }

    private static void checkLabel(String label) {
        if (label == null || label.isBlank()) {
            throw new IllegalArgumentException("a label must not be empty or blank: it is written as text after the "
                    + "template");
        }
        if (LINE_BREAK.matcher(label).find() || !label.equals(label.strip())) {
            throw new IllegalArgumentException("label '" + label + "' has a line break or leading/trailing whitespace: "
                    + "a written example must be one corpus line with one space before the label; rename the label");
        }
    }

    public LabelSet labels() {
        return labels;
    }

    public Template template() {
        return template;
    }

    public int maxLength() {
        return maxLength;
    }

    /** Texts cut to fit {@link #maxLength()} since this scorer was made. */
    public long truncatedTexts() {
        return truncatedTexts;
    }

    /**
     * The sequences scored for {@code text}, one per label: the cleaned text, cut from the left if
     * the longest sequence would exceed {@link #maxLength()}.
     */
    public Encoded encode(String text) {
        String kept = clean(text);
        Encoded full = encodeOnce(kept);
        if (fits(full)) {
            return full;
        }
        // cut points: starts of the text's tokens; the shortest cut that fits, found by bisection
        // (an empty text fits, checked when the scorer was made)
        String prompt = template.prompt(kept);
        Encoding e = tokenizer.encode(prompt, false);
        int textStart = template.textPrefix().length();
        int textEnd = textStart + kept.length();
        List<Integer> cuts = new ArrayList<>();
        for (int i = 0; i < e.length(); i++) {
            int s = e.startOffset(i) - textStart;
            if (s > 0 && s + textStart < textEnd && (cuts.isEmpty() || cuts.get(cuts.size() - 1) < s)) {
                cuts.add(s);
            }
        }
        cuts.add(kept.length());
        int lo = -1; // cutting at lo does not fit (-1: the whole text)
        int hi = cuts.size() - 1; // cutting at hi fits
        Encoded best = encodeOnce("");
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            Encoded m = encodeOnce(kept.substring(cuts.get(mid)).strip());
            if (fits(m)) {
                hi = mid;
                best = m;
            } else {
                lo = mid;
            }
        }
        int cut = cuts.get(hi);
        // prefer to start at a word: move to the next word start if the cut is inside a word
        if (cut > 0 && cut < kept.length() && !Character.isWhitespace(kept.charAt(cut - 1))
                && !Character.isWhitespace(kept.charAt(cut))) {
            int next = kept.indexOf(' ', cut);
            if (next >= 0) {
                Encoded w = encodeOnce(kept.substring(next).strip());
                if (fits(w)) {
                    best = w;
                }
            }
        }
        return new Encoded(best.keptText(), true, best.sequences(), best.scoredFrom(), best.merged());
    }

    private boolean fits(Encoded e) {
        for (int[] q : e.sequences()) {
            if (q.length > maxLength) {
                return false;
            }
        }
        return true;
    }

    /** End-of-text plus the whole document per label; the scored tokens start after the prompt's. */
    private Encoded encodeOnce(String kept) {
        int[] prompt = tokenizer.encode(template.prompt(kept), false).ids();
        int k = labels.size();
        int[][] sequences = new int[k][];
        int from = prompt.length;
        for (int c = 0; c < k; c++) {
            int[] doc = tokenizer.encode(template.document(kept, labels.label(c)), false).ids();
            int common = 0;
            while (common < prompt.length && common < doc.length && prompt[common] == doc[common]) {
                common++;
            }
            from = Math.min(from, common);
            int[] q = new int[doc.length + 1];
            q[0] = endOfText;
            System.arraycopy(doc, 0, q, 1, doc.length);
            sequences[c] = q;
        }
        for (int c = 0; c < k; c++) {
            if (sequences[c].length <= from + 1) {
                throw new IllegalArgumentException("label '" + labels.label(c) + "' adds no tokens after the prompt '"
                        + template.prompt(kept) + "': the tokenizer drops its characters; rename the label");
            }
        }
        return new Encoded(kept, false, sequences, from + 1, from < prompt.length);
    }

    /** {@code [text][label]}: the sum of the log-probabilities of the label's tokens after the prompt. */
    public double[][] logLikelihoods(List<String> texts) {
        return score(texts).logLikelihoods();
    }

    /** The most likely label of each text (index into {@link #labels()}), by {@link Scoring#CALIBRATED}. */
    public int[] predict(List<String> texts) {
        return score(texts).predicted(Scoring.CALIBRATED);
    }

    /** Accuracy, macro-F1 and the rest of the predictions on labeled texts, by {@link Scoring#CALIBRATED}. */
    public ClassificationMetrics evaluate(List<ClassificationExample> test) {
        return evaluate(test, Scoring.CALIBRATED).get(Scoring.CALIBRATED);
    }

    /**
     * The metrics of each of {@code scorings} from one scoring pass over the test texts.
     *
     * @throws IllegalArgumentException if a test label is not one of {@link #labels()}
     */
    public Map<Scoring, ClassificationMetrics> evaluate(List<ClassificationExample> test, Scoring... scorings) {
        int[] gold = new int[test.size()];
        List<String> texts = new ArrayList<>(test.size());
        for (int i = 0; i < gold.length; i++) {
            ClassificationExample e = test.get(i);
            try {
                gold[i] = labels.indexOf(e.label());
            } catch (IllegalArgumentException x) {
                throw new IllegalArgumentException("test example " + e.id() + ": " + x.getMessage(), x);
            }
            texts.add(e.text());
        }
        Scores scores = score(texts);
        Map<Scoring, ClassificationMetrics> out = new java.util.EnumMap<>(Scoring.class);
        for (Scoring s : scorings) {
            out.put(s, ClassificationMetrics.compute(gold, scores.predicted(s), labels.labels()));
        }
        return out;
    }

    /** Scores every label for every text, and for the empty text (the content-free scores). */
    public Scores score(List<String> texts) {
        Scores raw = scoreTexts(texts);
        double[] contentFree = scoreTexts(List.of("")).logLikelihoods()[0];
        return new Scores(raw.logLikelihoods(), raw.labelTokens(), raw.truncated(), raw.mergedBoundaries(),
                contentFree);
    }

    private Scores scoreTexts(List<String> texts) {
        int n = texts.size();
        int k = labels.size();
        model.setTraining(false);
        Encoded[] encoded = new Encoded[n];
        model.backbone().compute().parallel().forRange(n, 4, (s, e) -> {
            for (int i = s; i < e; i++) {
                encoded[i] = encode(texts.get(i));
            }
        });
        // rows: per text, a label's input (its sequence but the last token) served by the longest row
        // whose input starts with it
        List<Row> rows = new ArrayList<>();
        int[][] labelTokens = new int[n][k];
        int truncated = 0;
        int merged = 0;
        for (int i = 0; i < n; i++) {
            Encoded en = encoded[i];
            truncated += en.truncated() ? 1 : 0;
            merged += en.merged() ? 1 : 0;
            Integer[] byLength = new Integer[k];
            for (int c = 0; c < k; c++) {
                byLength[c] = c;
                labelTokens[i][c] = en.sequences()[c].length - en.scoredFrom();
            }
            Arrays.sort(byLength, Comparator.comparingInt((Integer c) -> -en.sequences()[c].length));
            List<Row> mine = new ArrayList<>();
            for (int c : byLength) {
                int[] q = en.sequences()[c];
                Row host = null;
                for (Row r : mine) {
                    if (r.input.length >= q.length - 1
                            && Arrays.equals(r.input, 0, q.length - 1, q, 0, q.length - 1)) {
                        host = r;
                        break;
                    }
                }
                if (host == null) {
                    host = new Row(Arrays.copyOf(q, q.length - 1), i);
                    mine.add(host);
                }
                host.labels.add(c);
            }
            rows.addAll(mine);
        }
        rows.sort(Comparator.comparingInt((Row r) -> r.input.length));
        double[][] scores = new double[n][k];
        int start = 0;
        while (start < rows.size()) {
            int end = start + 1;
            while (end < rows.size() && end - start < BATCH_ROWS
                    && (long) (end - start + 1) * rows.get(end).input.length <= BATCH_TOKENS) {
                end++;
            }
            scoreBatch(rows.subList(start, end), encoded, scores);
            start = end;
        }
        truncatedTexts += truncated;
        return new Scores(scores, labelTokens, truncated, merged, null);
    }

    /** A model input and the labels of one text read from it. */
    private static final class Row {
        final int[] input;
        final int text;
        final List<Integer> labels = new ArrayList<>(2);

        Row(int[] input, int text) {
            this.input = input;
            this.text = text;
        }
    }

    private void scoreBatch(List<Row> rows, Encoded[] encoded, double[][] scores) {
        int b = rows.size();
        int time = rows.get(b - 1).input.length; // sorted by length
        int[] ids = new int[b * time];
        int[] mask = new int[b * time];
        Arrays.fill(ids, endOfText); // padding: masked out, and after every real token (causal)
        int queries = 0;
        for (int r = 0; r < b; r++) {
            Row row = rows.get(r);
            System.arraycopy(row.input, 0, ids, r * time, row.input.length);
            Arrays.fill(mask, r * time, r * time + row.input.length, 1);
            for (int c : row.labels) {
                queries += encoded[row.text].sequences()[c].length - encoded[row.text].scoredFrom();
            }
        }
        int[] positions = new int[queries];
        int[] tokens = new int[queries];
        int j = 0;
        for (int r = 0; r < b; r++) {
            Row row = rows.get(r);
            Encoded en = encoded[row.text];
            for (int c : row.labels) {
                int[] q = en.sequences()[c];
                for (int t = en.scoredFrom(); t < q.length; t++) { // the output at t-1 predicts token t
                    positions[j] = r * time + t - 1;
                    tokens[j++] = q[t];
                }
            }
        }
        double[] logProbabilities = model.tokenLogProbabilities(new TokenBatch(b, time, ids, null, mask, null),
                positions, tokens);
        j = 0;
        for (Row row : rows) {
            Encoded en = encoded[row.text];
            for (int c : row.labels) {
                double sum = 0;
                for (int t = en.scoredFrom(); t < en.sequences()[c].length; t++) {
                    sum += logProbabilities[j++];
                }
                scores[row.text][c] = sum;
            }
        }
    }
}
