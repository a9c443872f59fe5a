package dev.graft.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.graft.io.RunFolder;
import dev.graft.tokenizer.Encoding;
import dev.graft.tokenizer.Tokenizer;
import dev.graft.tokenizer.TokenizerTrainer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** {@code graft tokenizer train|encode|decode|bench}: byte-level BPE, WordPiece and Unigram, Hugging Face tokenizer.json. */
@Command(name = "tokenizer", mixinStandardHelpOptions = true,
        description = "Train a byte-level BPE, WordPiece or Unigram tokenizer, encode and decode text with any supported "
                + "tokenizer.json (Hugging Face format).",
        subcommands = {TokenizerCommand.Train.class, TokenizerCommand.Encode.class, TokenizerCommand.Decode.class,
            TokenizerCommand.Bench.class})
final class TokenizerCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Options shared by train and bench. */
    static final class TrainingOptions {
        @Option(names = "--type", required = true, description = "bpe (byte-level, GPT-2 style), wordpiece (BERT style) or unigram (SentencePiece style).")
        String type;

        @Option(names = "--vocab-size", required = true, description = "Tokens in the vocabulary, special tokens included.")
        int vocabularySize;

        @Option(names = "--min-frequency", description = "Never merge a pair seen fewer times (default: ${DEFAULT-VALUE}).")
        int minimumFrequency = 2;

        @Option(names = "--lowercase", description = "Lowercase the text (wordpiece: and strip accents, as uncased BERT).")
        boolean lowercase;

        @Option(names = "--special-tokens", split = ",", paramLabel = "TOKEN",
                description = "Special tokens, comma-separated, first ids (default: [PAD],[UNK],[CLS],[SEP],[MASK] "
                        + "for wordpiece; <|endoftext|>,<pad> for bpe; <s>,<pad>,</s>,<unk>,<mask> for unigram).")
        List<String> specialTokens = new ArrayList<>();

        @Option(names = "--limit-alphabet", description = "wordpiece, unigram: keep the N most frequent characters "
                + "(default: 1000 for wordpiece, all for unigram; 0 keeps all).")
        Integer limitAlphabet;

        @Option(names = "--normalization", description = "Unicode normalization first: none, nfc or nfkc (default: ${DEFAULT-VALUE}).")
        String normalization = "none";

        @picocli.CommandLine.Mixin
        ThreadsOption threads = new ThreadsOption();

        @Option(names = "--replace-invalid-utf8", description = "Read invalid UTF-8 as U+FFFD instead of stopping.")
        boolean replaceInvalidUtf8;

        TokenizerTrainer.Settings settings() {
            TokenizerTrainer.Type t = switch (type.toLowerCase(Locale.ROOT)) {
                case "bpe" -> TokenizerTrainer.Type.BPE;
                case "wordpiece" -> TokenizerTrainer.Type.WORDPIECE;
                case "unigram" -> TokenizerTrainer.Type.UNIGRAM;
                default -> throw new IllegalArgumentException("--type " + type
                        + " is not a tokenizer type; use bpe, wordpiece or unigram");
            };
            TokenizerTrainer.UnicodeNormalization n = switch (normalization.toLowerCase(Locale.ROOT)) {
                case "none" -> TokenizerTrainer.UnicodeNormalization.NONE;
                case "nfc" -> TokenizerTrainer.UnicodeNormalization.NFC;
                case "nfkc" -> TokenizerTrainer.UnicodeNormalization.NFKC;
                default -> throw new IllegalArgumentException("--normalization " + normalization
                        + " is not supported; use none, nfc or nfkc");
            };
            int limit = limitAlphabet != null ? limitAlphabet : t == TokenizerTrainer.Type.WORDPIECE ? 1000 : 0;
            return new TokenizerTrainer.Settings(t, vocabularySize, minimumFrequency, lowercase, specialTokens, limit, n,
                    threads.threads(), replaceInvalidUtf8);
        }
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Train a tokenizer on UTF-8 text files and write DIR/tokenizer.json.")
    static final class Train implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec command;

        @picocli.CommandLine.Mixin
        TrainingOptions options = new TrainingOptions();

        @picocli.CommandLine.Mixin
        OutputOptions output = new OutputOptions();

        @Parameters(arity = "1..*", paramLabel = "FILE", description = "Training text (UTF-8), read line by line.")
        List<Path> files;

        @Override
        public Integer call() throws IOException {
            PrintWriter stdout = command.commandLine().getOut();
            Path out = output.out();
            if (out.getFileName() != null && out.getFileName().toString().endsWith(".json")) {
                throw new IllegalArgumentException("--out " + out + " names a file; give the folder (tokenizer.json is "
                        + "written into it), e.g. --out " + (out.getParent() == null ? "tok" : out.getParent()));
            }
            TokenizerTrainer.Settings settings = options.settings();
            long start = System.nanoTime();
            TokenizerTrainer.Result r;
            Path written;
            try (RunFolder folder = RunFolder.open(out, RunFolder.Request.of("tokenizer train", output.overwrite()),
                    System.err)) {
                r = TokenizerTrainer.train(settings, files);
                folder.begin();
                written = r.tokenizer().save(out);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            stdout.printf(Locale.ROOT, "vocabulary: %,d tokens (%s, alphabet %,d, %,d "
                    + (settings.type() == TokenizerTrainer.Type.UNIGRAM ? "pieces of 2+ characters" : "merges")
                    + ", special %s)%n",
                    r.tokenizer().vocabularySize(), r.tokenizer().modelType(), r.alphabetSize(), r.merges(),
                    String.join(" ", settings.specialTokens()));
            stdout.printf(Locale.ROOT, "corpus: %,d files, %.1f MB, %,d words (%,d distinct)%n", files.size(),
                    r.bytes() / 1e6, r.wordOccurrences(), r.distinctWords());
            stdout.printf(Locale.ROOT, "coverage: %.2f%% of words without an unknown token, %.3f tokens per word%n",
                    100 * r.coverage(), r.tokensPerWord());
            stdout.printf(Locale.ROOT, "time: %.1f s (counting %.1f s on %d threads, merges %.1f s)%n", seconds,
                    r.countSeconds(), settings.threads(), r.mergeSeconds());
            stdout.println("wrote " + written);
            return 0;
        }
    }

    /** Output formats of encode: exactly one. */
    static final class Format {
        @Option(names = "--ids", description = "Space-separated token ids (the default).")
        boolean ids;

        @Option(names = "--tokens", description = "Space-separated tokens.")
        boolean tokens;

        @Option(names = "--json", description = "One JSON object per line: ids, tokens, offsets ([start, end) in "
                + "UTF-16 code units of the line), word indices.")
        boolean json;
    }

    @Command(name = "encode", mixinStandardHelpOptions = true,
            description = "Encode lines of text (stdin or --input) into one output line each.")
    static final class Encode implements java.util.concurrent.Callable<Integer> {
        @Option(names = "--tokenizer", required = true, paramLabel = "DIR|FILE",
                description = "tokenizer.json, or a directory containing it.")
        Path tokenizer;

        @ArgGroup(exclusive = true, multiplicity = "0..1")
        Format format = new Format();

        @Option(names = "--add-special-tokens", description = "Add the template's special tokens ([CLS] ... [SEP]).")
        boolean addSpecialTokens;

        @Option(names = "--input", paramLabel = "FILE", description = "Read this UTF-8 file instead of stdin.")
        Path input;

        @Override
        public Integer call() throws IOException {
            Tokenizer t = Tokenizer.load(tokenizer);
            String source = input == null ? "stdin" : input.toString();
            try (InputStream in = input == null ? System.in : Files.newInputStream(input);
                 PrintWriter out = new PrintWriter(new OutputStreamWriter(new BufferedOutputStream(System.out, 1 << 16),
                         StandardCharsets.UTF_8), false)) {
                LineReader lines = new LineReader(in, source);
                JsonFactory json = new JsonFactory();
                String line;
                while ((line = lines.next()) != null) {
                    Encoding e = t.encode(line, addSpecialTokens);
                    if (format != null && format.json) {
                        out.println(json(json, e));
                    } else if (format != null && format.tokens) {
                        out.println(String.join(" ", e.tokens()));
                    } else {
                        int[] ids = e.ids();
                        StringBuilder sb = new StringBuilder(ids.length * 6);
                        for (int i = 0; i < ids.length; i++) {
                            if (i > 0) {
                                sb.append(' ');
                            }
                            sb.append(ids[i]);
                        }
                        out.println(sb);
                    }
                }
            }
            return 0;
        }

        private static String json(JsonFactory f, Encoding e) throws IOException {
            StringWriter w = new StringWriter();
            try (JsonGenerator g = f.createGenerator(w)) {
                g.writeStartObject();
                g.writeArrayFieldStart("ids");
                for (int id : e.ids()) {
                    g.writeNumber(id);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("tokens");
                for (String s : e.tokens()) {
                    g.writeString(s);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("offsets");
                for (int i = 0; i < e.length(); i++) {
                    g.writeStartArray();
                    g.writeNumber(e.startOffset(i));
                    g.writeNumber(e.endOffset(i));
                    g.writeEndArray();
                }
                g.writeEndArray();
                g.writeArrayFieldStart("words");
                for (int wi : e.wordIndices()) {
                    g.writeNumber(wi);
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            return w.toString();
        }
    }

    @Command(name = "decode", mixinStandardHelpOptions = true,
            description = "Decode lines of space-separated token ids (stdin or --input) back to text.")
    static final class Decode implements java.util.concurrent.Callable<Integer> {
        @Option(names = "--tokenizer", required = true, paramLabel = "DIR|FILE",
                description = "tokenizer.json, or a directory containing it.")
        Path tokenizer;

        @Option(names = "--skip-special-tokens", description = "Leave out special tokens ([CLS], <|endoftext|>, ...).")
        boolean skipSpecialTokens;

        @Option(names = "--input", paramLabel = "FILE", description = "Read this file instead of stdin.")
        Path input;

        @Override
        public Integer call() throws IOException {
            Tokenizer t = Tokenizer.load(tokenizer);
            String source = input == null ? "stdin" : input.toString();
            try (InputStream in = input == null ? System.in : Files.newInputStream(input);
                 PrintWriter out = new PrintWriter(new OutputStreamWriter(new BufferedOutputStream(System.out),
                         StandardCharsets.UTF_8), false)) {
                LineReader lines = new LineReader(in, source);
                String line;
                while ((line = lines.next()) != null) {
                    String[] parts = line.isBlank() ? new String[0] : line.trim().split("\\s+");
                    int[] ids = new int[parts.length];
                    for (int i = 0; i < parts.length; i++) {
                        try {
                            ids[i] = Integer.parseInt(parts[i]);
                        } catch (NumberFormatException e) {
                            out.flush();
                            throw new IllegalArgumentException(source + ", line " + lines.lineNumber() + ": '" + parts[i]
                                    + "' is not a token id; pass space-separated integers (the output of encode --ids)");
                        }
                    }
                    out.println(t.decode(ids, skipSpecialTokens));
                }
            }
            return 0;
        }
    }

    @Command(name = "bench", mixinStandardHelpOptions = true,
            description = "Train on the files (timed), then encode them line by line on one thread, several rounds; "
                    + "prints MB/s per thread (figures for docs/PERFORMANCE.md).")
    static final class Bench implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec command;

        @picocli.CommandLine.Mixin
        TrainingOptions options = new TrainingOptions();

        @Option(names = "--rounds", description = "Encoding rounds over the files (default: ${DEFAULT-VALUE}).")
        int rounds = 5;

        @Parameters(arity = "1..*", paramLabel = "FILE", description = "UTF-8 text files.")
        List<Path> files;

        @Override
        public Integer call() throws IOException {
            PrintWriter stdout = command.commandLine().getOut();
            TokenizerTrainer.Settings settings = options.settings();
            long start = System.nanoTime();
            TokenizerTrainer.Result r = TokenizerTrainer.train(settings, files);
            double train = (System.nanoTime() - start) / 1e9;
            stdout.printf(Locale.ROOT, "train %s %,d: %.2f s on %d threads (counting %.2f s, merges %.2f s), "
                    + "%.1f MB%n", r.tokenizer().modelType(), r.tokenizer().vocabularySize(), train, settings.threads(),
                    r.countSeconds(), r.mergeSeconds(), r.bytes() / 1e6);
            List<String> lines = new ArrayList<>();
            long bytes = 0;
            for (Path f : files) {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    lines.add(line);
                    bytes += line.getBytes(StandardCharsets.UTF_8).length + 1;
                }
            }
            double[] rates = new double[rounds];
            for (int round = 0; round < rounds; round++) {
                Tokenizer t = Tokenizer.load(r.tokenizer().save(Files.createTempDirectory("graft-bench")));
                long tokens = 0;
                long t0 = System.nanoTime();
                for (String line : lines) {
                    tokens += t.encode(line).length();
                }
                double s = (System.nanoTime() - t0) / 1e9;
                rates[round] = bytes / 1e6 / s;
                stdout.printf(Locale.ROOT, "encode round %d (fresh tokenizer, empty cache): %.1f MB in %.2f s = "
                        + "%.2f MB/s, %,d tokens%n", round + 1, bytes / 1e6, s, rates[round], tokens);
            }
            double[] sorted = rates.clone();
            Arrays.sort(sorted);
            stdout.printf(Locale.ROOT, "encode MB/s per thread: median %.2f (min %.2f, max %.2f)%n",
                    sorted[sorted.length / 2], sorted[0], sorted[sorted.length - 1]);
            return 0;
        }
    }

    /**
     * Lines of strict UTF-8 from a stream ({@code \n} or {@code \r\n} ends); invalid bytes are an
     * error naming the source, line and byte offset.
     */
    static final class LineReader {
        private final InputStream in;
        private final String source;
        private final byte[] buffer = new byte[1 << 16];
        private int position;
        private int limit;
        private long offset; // bytes before buffer[0]
        private long line;
        private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        private final ByteArrayOutputStream current = new ByteArrayOutputStream();

        LineReader(InputStream in, String source) {
            this.in = in;
            this.source = source;
        }

        long lineNumber() {
            return line;
        }

        /** The next line without its end, or null at the end of input. */
        String next() throws IOException {
            current.reset();
            long lineStart = offset + position;
            boolean any = false;
            while (true) {
                if (position == limit) {
                    offset += limit;
                    position = 0;
                    limit = Math.max(0, in.read(buffer));
                    if (limit == 0) {
                        if (!any) {
                            return null;
                        }
                        break;
                    }
                }
                any = true;
                int start = position;
                while (position < limit && buffer[position] != '\n') {
                    position++;
                }
                current.write(buffer, start, position - start);
                if (position < limit) {
                    position++; // the '\n'
                    break;
                }
            }
            line++;
            byte[] bytes = current.toByteArray();
            int length = bytes.length;
            if (length > 0 && bytes[length - 1] == '\r') {
                length--;
            }
            try {
                return decoder.decode(ByteBuffer.wrap(bytes, 0, length)).toString();
            } catch (CharacterCodingException e) {
                ByteBuffer b = ByteBuffer.wrap(bytes, 0, length);
                long bad = lineStart;
                decoder.reset();
                var out = java.nio.CharBuffer.allocate(length + 1);
                var result = decoder.decode(b, out, true);
                if (result.isError()) {
                    bad = lineStart + b.position();
                }
                throw new IOException(source + ": invalid UTF-8 at byte " + bad + " (line " + line
                        + "); convert the input to UTF-8 (e.g. iconv -f latin1 -t utf-8)");
            }
        }
    }
}
