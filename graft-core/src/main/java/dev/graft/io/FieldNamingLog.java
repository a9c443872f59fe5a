package dev.graft.io;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A log for the library's runs that prints the spec fields its hints name ({@code "to continue, run it again
 * with run.resume"}) as the caller names them: a command line gives its flags ({@code --resume}), as it does
 * for the fields of a {@link dev.graft.SpecException}. A field is a dotted path into a spec's shared records
 * ({@code run.epochs}, {@code optimizer.learningRate}); one the caller has no name for, and any other text
 * ({@code run.json}, {@code runs/run.resume}), is printed as it is.
 */
public final class FieldNamingLog {
    /** A dotted path into a spec's shared records, as a whole word (not inside a file name or a longer path). */
    private static final Pattern FIELD = Pattern.compile(
            "(?<![\\w./\\\\-])(?:run|optimizer|monitoring|model|tokenizer)\\.[a-z][A-Za-z]*(?![\\w/\\\\-]|\\.\\w)");

    private FieldNamingLog() {
    }

    /** {@code out}, printing each field as {@code nameOf} names it (null: as it is). */
    public static PrintStream of(PrintStream out, Function<String, String> nameOf) {
        Charset charset = out.charset();
        return new PrintStream(new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                // the print methods encode whole strings, so a chunk never ends inside a character
                out.write(translate(new String(b, off, len, charset), nameOf).getBytes(charset));
            }
        }, true, charset);
    }

    /** {@code text} with every field {@code nameOf} names replaced by that name. */
    public static String translate(String text, Function<String, String> nameOf) {
        Matcher m = FIELD.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String name = nameOf.apply(m.group());
            m.appendReplacement(sb, Matcher.quoteReplacement(name != null ? name : m.group()));
        }
        return m.appendTail(sb).toString();
    }
}
