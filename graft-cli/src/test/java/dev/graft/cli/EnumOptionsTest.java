package dev.graft.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Item 6 of issue 23: enum options take their values in any case, on every command ({@code --layout
 * paragraphs}, as the docs write it, used to fail on pretrain with "(case-sensitive)", while {@code
 * data check} took only lower case).
 */
class EnumOptionsTest {
    @TempDir
    Path dir;

    @Test
    void everyEnumOptionOfEveryCommandTakesAnyCase() {
        List<String> checked = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        walk(Main.commandLine(), checked, refused);
        assertThat(checked).as("enum options found").isNotEmpty();
        assertThat(refused).isEmpty();
    }

    private static void walk(CommandLine cl, List<String> checked, List<String> refused) {
        for (CommandLine.Model.OptionSpec o : cl.getCommandSpec().options()) {
            Class<?> type = o.type();
            if (!type.isEnum()) {
                continue;
            }
            for (Object constant : type.getEnumConstants()) {
                String name = ((Enum<?>) constant).name();
                for (String value : List.of(name.toLowerCase(Locale.ROOT), name.toUpperCase(Locale.ROOT))) {
                    String where = cl.getCommandSpec().qualifiedName() + " " + o.longestName() + " " + value;
                    checked.add(where);
                    List<String> args = new ArrayList<>(List.of(cl.getCommandSpec().qualifiedName().split(" ")));
                    args.remove(0); // "graft"
                    args.addAll(List.of(o.longestName(), value));
                    try {
                        Main.commandLine().parseArgs(args.toArray(String[]::new));
                    } catch (CommandLine.MissingParameterException e) {
                        // the value was taken; only a required option is missing
                    } catch (CommandLine.ParameterException e) {
                        refused.add(where + ": " + e.getMessage());
                    }
                }
            }
        }
        cl.getSubcommands().values().forEach(sub -> walk(sub, checked, refused));
    }

    @Test
    void layoutAsTheDocsWriteItWorksOnPretrainAndDataCheck() throws IOException {
        Path corpus = Files.writeString(dir.resolve("corpus.txt"),
                "the film was good.\nreally good.\n\nthe plot was bad.\na bad story.\n".repeat(20));
        ChildJvm.Result check = CliFixtures.run("", "data", "check", "--kind", "CORPUS", "--layout", "Paragraphs",
                corpus.toString());
        assertThat(check.exit()).as(check.both()).isZero();
        ChildJvm.Result pre = CliFixtures.run(CliFixtures.tinyPretrain(corpus, dir.resolve("run"), "--steps", "1",
                "--layout", "paragraphs"));
        assertThat(pre.exit()).as(pre.both()).isZero();
        assertThat(pre.both()).doesNotContain("case-sensitive");
    }
}
