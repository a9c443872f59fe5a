package dev.graft.cli;

import picocli.CommandLine;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The log a command gives the library: what the library prints, with the spec fields its hints name
 * ({@code "to continue, run it again with run.resume"}) printed as the command's flags ({@code --resume}), the
 * translation {@link Main#flagOf} makes for errors. A field is a dotted path into a spec's shared records
 * ({@code run.epochs}, {@code optimizer.learningRate}); one the command has no flag for, and any other text
 * ({@code run.json}), is printed as it is.
 */
final class FlagLog {
    /** A dotted path into a spec's shared records, as a whole word (not inside a file name or a longer path). */
    private static final Pattern FIELD = Pattern.compile(
            "(?<![\\w./\\\\-])(?:run|optimizer|monitoring|model|tokenizer)\\.[a-z][A-Za-z]*(?![\\w/\\\\-]|\\.\\w)");

    private FlagLog() {
    }

    /** {@code out}, translating the fields of {@code command}'s spec into its flags. */
    static PrintStream of(CommandLine command, PrintStream out) {
        Charset charset = out.charset();
        return new PrintStream(new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                // the print methods encode whole strings, so a chunk never ends inside a character
                out.write(translate(command, new String(b, off, len, charset)).getBytes(charset));
            }
        }, true, charset);
    }

    /** {@code text} with every field {@code command} has a flag for replaced by that flag. */
    static String translate(CommandLine command, String text) {
        Matcher m = FIELD.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String flag = Main.flagOf(command, m.group());
            m.appendReplacement(sb, Matcher.quoteReplacement(flag != null ? flag : m.group()));
        }
        return m.appendTail(sb).toString();
    }
}
