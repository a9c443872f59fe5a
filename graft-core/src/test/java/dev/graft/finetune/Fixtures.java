package dev.graft.finetune;

import dev.graft.data.ClassificationExample;
import dev.graft.data.Dataset;
import dev.graft.model.Checkpoint;
import dev.graft.model.LanguageModel;
import dev.graft.model.ModelConfig;
import dev.graft.nn.Compute;
import dev.graft.tensor.kernel.GeluForm;
import dev.graft.tokenizer.Tokenizer;
import dev.graft.tokenizer.TokenizerTrainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Tiny synthetic data, tokenizers and checkpoints for the fine-tuning tests. */
public final class Fixtures {
    private Fixtures() {
    }

    static final String[] POSITIVE = {"good", "great", "excellent", "lovely", "superb"};
    static final String[] NEGATIVE = {"bad", "awful", "terrible", "boring", "poor"};
    static final String[] FILLER = {"the", "movie", "was", "plot", "acting", "really", "quite", "and", "a", "film",
        "story", "very", "of", "it"};
    static final String[] NAMES = {"john", "mary", "smith", "anna", "peter"};
    static final String[] PLACES = {"paris", "london", "rome", "berlin"};

    /** {@link #sentiment} examples as a classification dataset, their ids {@code prefix} + index. */
    public static Dataset<ClassificationExample> sentimentData(int n, long seed, String prefix) {
        List<ClassificationExample> examples = new ArrayList<>();
        int i = 0;
        for (String[] s : sentiment(n, seed)) {
            examples.add(new ClassificationExample(prefix + i++, s[0], s[1]));
        }
        return Dataset.ofClassification(examples);
    }

    /** Writes the texts of {@link #sentiment} to {@code file}, one per line: an unlabeled corpus. */
    public static Path sentimentCorpus(Path file, int n, long seed) throws java.io.IOException {
        StringBuilder sb = new StringBuilder();
        for (String[] s : sentiment(n, seed)) {
            sb.append(s[0]).append('\n');
        }
        java.nio.file.Files.writeString(file, sb.toString());
        return file;
    }

    /** "text\tlabel" examples: a sentiment word decides the label, the rest is filler. */
    public static List<String[]> sentiment(int n, long seed) {
        Random r = new Random(seed);
        List<String[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean pos = i % 2 == 0;
            StringBuilder sb = new StringBuilder();
            int len = 3 + r.nextInt(6);
            int at = r.nextInt(len);
            for (int w = 0; w < len; w++) {
                if (w > 0) {
                    sb.append(' ');
                }
                sb.append(w == at ? (pos ? POSITIVE : NEGATIVE)[r.nextInt(5)] : FILLER[r.nextInt(FILLER.length)]);
            }
            out.add(new String[] {sb.toString(), pos ? "positive" : "negative"});
        }
        return out;
    }

    /** Sentences with PER and LOC chunks in BIO tags. */
    public static List<String[][]> chunks(int n, long seed) {
        Random r = new Random(seed);
        List<String[][]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<String> words = new ArrayList<>();
            List<String> tags = new ArrayList<>();
            int len = 3 + r.nextInt(6);
            for (int w = 0; w < len; w++) {
                int k = r.nextInt(4);
                if (k == 0) {
                    words.add(NAMES[r.nextInt(NAMES.length)]);
                    tags.add("B-PER");
                    if (r.nextBoolean()) {
                        words.add(NAMES[r.nextInt(NAMES.length)]);
                        tags.add("I-PER");
                    }
                } else if (k == 1) {
                    words.add(PLACES[r.nextInt(PLACES.length)]);
                    tags.add("B-LOC");
                } else {
                    words.add(FILLER[r.nextInt(FILLER.length)]);
                    tags.add("O");
                }
            }
            out.add(new String[][] {words.toArray(new String[0]), tags.toArray(new String[0])});
        }
        return out;
    }

    public static Path writeClassification(Path file, List<String[]> rows) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            sb.append("{\"text\": \"").append(r[0]).append("\", \"label\": \"").append(r[1]).append("\"}\n");
        }
        Files.writeString(file, sb.toString());
        return file;
    }

    public static Path writeTagging(Path file, List<String[][]> rows) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String[][] r : rows) {
            for (int i = 0; i < r[0].length; i++) {
                sb.append(r[0][i]).append(' ').append(r[1][i]).append('\n');
            }
            sb.append('\n');
        }
        Files.writeString(file, sb.toString());
        return file;
    }

    /** A lowercase WordPiece tokenizer trained on the fixture vocabulary (words split into pieces too). */
    public static Tokenizer wordPiece() {
        List<String> texts = new ArrayList<>();
        for (String[] s : sentiment(200, 1)) {
            texts.add(s[0]);
        }
        for (String[][] s : chunks(200, 2)) {
            texts.add(String.join(" ", s[0]));
        }
        return TokenizerTrainer.train(TokenizerTrainer.Settings.of(TokenizerTrainer.Type.WORDPIECE, 90)
                .withThreads(1).withLowercase(true), texts).tokenizer();
    }

    public static Tokenizer bpe() {
        List<String> texts = new ArrayList<>();
        for (String[] s : sentiment(200, 1)) {
            texts.add(s[0]);
        }
        return TokenizerTrainer.train(TokenizerTrainer.Settings.of(TokenizerTrainer.Type.BPE, 300).withThreads(1),
                texts).tokenizer();
    }

    public static ModelConfig tiny(ModelConfig.Architecture arch, int vocab, int padId) {
        boolean enc = arch == ModelConfig.Architecture.ENCODER;
        return new ModelConfig(arch, vocab, 16, 2, 2, 24, 32, enc ? 2 : 0, 1e-12f, 0.0f, 0.0f,
                enc ? GeluForm.ERF : GeluForm.TANH, 0.05f, enc ? padId : -1);
    }

    /** A "pretrained" checkpoint folder as graft pretrain writes it (random weights, tiny). */
    public static Path checkpoint(Path dir, Compute compute, Tokenizer tokenizer, ModelConfig.Architecture arch)
            throws IOException {
        ModelConfig c = tiny(arch, tokenizer.vocabularySize(), tokenizer.specialTokens().padding().orElse(-1));
        LanguageModel lm = new LanguageModel(compute, c, 3);
        Checkpoint.save(dir, c, c.isEncoder() ? "BertForMaskedLM" : "GPT2LMHeadModel", lm.parameterSet(), Map.of(),
                staged -> tokenizer.save(staged.resolve(Checkpoint.TOKENIZER)));
        return dir;
    }
}
