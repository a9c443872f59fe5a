package dev.graft.cli;

import dev.graft.data.BadInput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Item 5 of issue 23: every message that names an option names one that exists on the command that
 * prints it. Walks every string literal of the main sources (both modules, comments stripped) and
 * every {@code --option} in it, and finds the commands that print it:
 * <ul>
 * <li>a literal that quotes a command line ("run 'graft data fetch --force NAME'") is checked against
 *     that command;</li>
 * <li>in a command's own source file, against the commands defined in that file;</li>
 * <li>in a library file, against the commands listed in {@link #PRINTED_BY} (a file that names options
 *     and is not listed fails the test: list it);</li>
 * <li>the readers' bad-input hints name the fields {@code skipBad}, {@code textField}, {@code
 *     labelField} and {@code tagColumn} only through {@link BadInput#ifOffered} / {@link
 *     BadInput#orSkip}, that is only when the command offers them: checked by the commands that create
 *     a {@code BadInput.of(...)} (it stands for {@link BadInput#COMMAND_OPTIONS}) or call {@code
 *     offering("x")} having options for those fields ({@link Main#flagOf}).</li>
 * </ul>
 * Core errors name spec fields ({@code new SpecException("maxTime", ...)}), which the command line prints
 * as flags ({@link Main#flagOf}): every field a library file's {@code SpecException} or {@code
 * SpecIOException} names must be a flag of each command that prints it ({@link #PRINTED_BY}, with "file
 * field" entries as "file --option" ones).
 */
class HintOptionsTest {
    private static final List<String> RUN_FOLDER_COMMANDS = List.of("pretrain", "finetune", "lm-finetune",
            "tokenizer train", "import");
    /** Library files (relative to the source root), or "file --option", and the commands that print them. */
    private static final Map<String, List<String>> PRINTED_BY = new LinkedHashMap<>();
    /** Options of other programs that messages name on purpose. */
    private static final Map<String, String> OTHER_PROGRAMS = Map.of(
            "--add-modules", "the java launcher's flag, in the message about a missing Vector API",
            "--pack-destination", "npm's flag, in the command the registry client runs");

    static {
        PRINTED_BY.put("dev/graft/model/OnnxImport.java", List.of("import"));
        PRINTED_BY.put("dev/graft/finetune/StartingPoint.java", List.of("finetune"));
        PRINTED_BY.put("dev/graft/finetune/LmFineTuneSpec.java", List.of("lm-finetune"));
        PRINTED_BY.put("dev/graft/finetune/FineTunedModel.java", List.of("eval", "predict"));
        PRINTED_BY.put("dev/graft/finetune/FineTuneSpec.java", List.of("finetune"));
        PRINTED_BY.put("dev/graft/finetune/FineTuning.java", List.of("finetune"));
        PRINTED_BY.put("dev/graft/finetune/FineTuneWarnings.java", List.of("finetune"));
        PRINTED_BY.put("dev/graft/finetune/SetFit.java", List.of("finetune"));
        PRINTED_BY.put("dev/graft/experiment/ExperimentSpec.java", List.of("experiment"));
        PRINTED_BY.put("dev/graft/experiment/Experiment.java", List.of("experiment"));
        PRINTED_BY.put("dev/graft/experiment/SharedRuns.java", List.of("experiment"));
        PRINTED_BY.put("dev/graft/experiment/SetFitStrategy.java", List.of("experiment"));
        PRINTED_BY.put("dev/graft/train/TrainingOptions.java", List.of("pretrain", "finetune", "lm-finetune"));
        // the length check: fine-tuning always passes a number of epochs
        PRINTED_BY.put("dev/graft/train/TrainingOptions.java --steps", List.of("pretrain", "lm-finetune"));
        PRINTED_BY.put("dev/graft/train/TrainingOptions.java steps", List.of("pretrain", "lm-finetune"));
        PRINTED_BY.put("dev/graft/train/Trainer.java", List.of("pretrain", "finetune", "lm-finetune"));
        // only with offeringSkipNonFinite(), which pretraining alone calls
        PRINTED_BY.put("dev/graft/train/Trainer.java --skip-nonfinite", List.of("pretrain"));
        PRINTED_BY.put("dev/graft/train/Trainer.java skipNonFinite", List.of("pretrain"));
        PRINTED_BY.put("dev/graft/tokenizer/CorpusReader.java", List.of("tokenizer train", "tokenizer bench"));
        PRINTED_BY.put("dev/graft/tokenizer/UnigramTraining.java", List.of("tokenizer train", "tokenizer bench"));
        PRINTED_BY.put("dev/graft/io/RunLock.java", RUN_FOLDER_COMMANDS);
        PRINTED_BY.put("dev/graft/io/RunFolder.java", RUN_FOLDER_COMMANDS);
        // only for a request with a resume point, which pretraining and both fine-tunings make
        PRINTED_BY.put("dev/graft/io/RunFolder.java --resume", List.of("pretrain", "finetune", "lm-finetune"));
        PRINTED_BY.put("dev/graft/io/RunFolder.java resume", List.of("pretrain", "finetune", "lm-finetune"));
        PRINTED_BY.put("dev/graft/finetune/LanguageModelFineTuning.java", List.of("lm-finetune"));
        // the state of a fine-tuning recipe (early stopping) in a checkpoint
        PRINTED_BY.put("dev/graft/train/RecipeControl.java", List.of("finetune"));
        PRINTED_BY.put("dev/graft/pretrain/Pretraining.java", List.of("pretrain"));
        PRINTED_BY.put("dev/graft/pretrain/PretrainSpec.java", List.of("pretrain"));
        PRINTED_BY.put("dev/graft/pretrain/ArchAuto.java", List.of("pretrain"));
        PRINTED_BY.put("dev/graft/pretrain/ElectraTask.java", List.of("pretrain"));
        PRINTED_BY.put("dev/graft/serve/InferenceServer.java", List.of("serve"));
        PRINTED_BY.put("dev/graft/serve/ModelSpec.java", List.of("serve"));
        PRINTED_BY.put("dev/graft/serve/ServeSettings.java", List.of("serve"));
        PRINTED_BY.put("dev/graft/serve/LoadGenerator.java", List.of("bench serve"));
        // fields no flag sets, named as the library caller (or an experiment.json) sets them: no command to check
        PRINTED_BY.put("dev/graft/experiment/Protocol.java", List.of("experiment"));
        PRINTED_BY.put("dev/graft/experiment/PretrainingPlan.java", List.of("experiment"));
        // set in an experiment.json only, or refused (an experiment's length is its cells)
        PRINTED_BY.put("dev/graft/experiment/Protocol.java protocol.devFraction", List.of());
        for (String field : List.of("run.steps", "run.epochs", "run.maxTime", "run.overwrite")) {
            PRINTED_BY.put("dev/graft/experiment/ExperimentSpec.java " + field, List.of());
        }
        PRINTED_BY.put("dev/graft/finetune/FineTuneSpec.java stopAfterEpochs", List.of());
        PRINTED_BY.put("dev/graft/serve/ServedModel.java", List.of("serve"));
        PRINTED_BY.put("dev/graft/distill/Distillation.java", List.of("distill"));
        PRINTED_BY.put("dev/graft/distill/DistillSpec.java", List.of("distill"));
        PRINTED_BY.put("dev/graft/distill/DistillationData.java", List.of("distill"));
        PRINTED_BY.put("dev/graft/distill/LayerMap.java", List.of("distill"));
        PRINTED_BY.put("dev/graft/distill/DistillationTask.java", List.of("distill"));
        PRINTED_BY.put("dev/graft/vectors/VectorTraining.java", List.of("vectors train"));
        PRINTED_BY.put("dev/graft/vectors/VectorsSpec.java", List.of("vectors train"));
        PRINTED_BY.put("dev/graft/vectors/WordVectors.java", List.of("vectors neighbors"));
    }

    private static final Pattern LITERAL = Pattern.compile("\"(?:[^\"\\\\\\n]|\\\\.)*\"");
    private static final Pattern FLAG = Pattern.compile("(?<![\\w-])--[a-z][a-z0-9-]*");
    private static final Pattern QUOTED_COMMAND = Pattern.compile("graft ((?:[a-z][a-z-]* ?){1,2})");
    private static final Pattern OF_COMMAND = Pattern.compile("\\s+(?:folder |file |option )?of graft ([a-z-]+)");
    private static final Set<String> GUARDED = Set.of("--skip-bad", "--text-column", "--label-column", "--tag-column");

    private final Map<String, Set<String>> options = new LinkedHashMap<>();
    private final Map<String, CommandLine> commandLines = new LinkedHashMap<>();
    private final Map<String, List<String>> commandsOfFile = new LinkedHashMap<>();

    private void collect(CommandLine cl) {
        CommandLine.Model.CommandSpec spec = cl.getCommandSpec();
        String path = spec.qualifiedName().replaceFirst("^graft ?", "");
        Set<String> names = new TreeSet<>();
        spec.options().forEach(o -> names.addAll(List.of(o.names())));
        options.put(path, names);
        commandLines.put(path, cl);
        Class<?> top = spec.userObject().getClass();
        while (top.getEnclosingClass() != null) {
            top = top.getEnclosingClass();
        }
        commandsOfFile.computeIfAbsent(top.getName().replace('.', '/') + ".java", k -> new ArrayList<>()).add(path);
        cl.getSubcommands().values().forEach(this::collect);
    }

    @Test
    void everyOptionAMessageNamesExistsOnTheCommandThatPrintsIt() throws IOException {
        collect(Main.commandLine());
        Path base = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
        List<Path> roots = List.of(base.resolve("src/main/java"), base.resolve("../graft-core/src/main/java").normalize());
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Path root : roots) {
            assertThat(root).isDirectory();
            List<Path> files;
            try (Stream<Path> s = Files.walk(root)) {
                files = s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
            }
            for (Path file : files) {
                String relative = root.relativize(file).toString().replace('\\', '/');
                String code = stripComments(Files.readString(file, StandardCharsets.UTF_8));
                Matcher lit = LITERAL.matcher(code);
                while (lit.find()) {
                    String literal = lit.group();
                    String before = code.substring(Math.max(0, lit.start() - 40), lit.start());
                    if (before.contains("names =") || before.contains("names = {")) {
                        continue; // an option's own name
                    }
                    Matcher flag = FLAG.matcher(literal);
                    while (flag.find()) {
                        String option = flag.group();
                        if (OTHER_PROGRAMS.containsKey(option)) {
                            continue;
                        }
                        checked++;
                        String where = relative + ": " + literal;
                        String quoted = quotedCommand(literal.substring(0, flag.start()));
                        Matcher ofCommand = OF_COMMAND.matcher(literal.substring(flag.end()));
                        if (ofCommand.lookingAt() && options.containsKey(ofCommand.group(1))) {
                            quoted = ofCommand.group(1); // "the --out folder of graft finetune"
                        }
                        if (quoted != null) {
                            require(quoted, option, where, problems);
                        } else if (GUARDED.contains(option) && usesBadInputHints(code)) {
                            continue; // checked below, where the commands create their BadInput
                        } else if (commandsOfFile.containsKey(relative)) {
                            List<String> commands = commandsOfFile.get(relative);
                            if (commands.stream().noneMatch(c -> options.get(c).contains(option))) {
                                problems.add(where + " names " + option + ", which none of " + commands + " has");
                            }
                        } else if (relative.startsWith("dev/graft/cli/")) {
                            if (options.values().stream().noneMatch(o -> o.contains(option))) {
                                problems.add(where + " names " + option + ", which no command has");
                            }
                        } else {
                            List<String> commands = PRINTED_BY.getOrDefault(relative + " " + option,
                                    PRINTED_BY.get(relative));
                            if (commands == null) {
                                problems.add(relative + " names " + option + " in " + literal + ": list the commands "
                                        + "that print its messages in PRINTED_BY");
                                continue;
                            }
                            for (String c : commands) {
                                require(c, option, where, problems);
                            }
                        }
                    }
                }
                checkBadInputOffers(root, relative, code, problems);
                checked += checkSpecFields(relative, code, problems);
            }
        }
        assertThat(problems).isEmpty();
        assertThat(checked).as("hints checked").isGreaterThan(150);
    }

    @TempDir
    Path dir;

    @Test
    void finetuneAndEvalReadOtherColumnsTheHintNames() throws IOException {
        Path corpus = CliFixtures.corpus(dir, 60);
        Path pre = dir.resolve("pre");
        assertThat(CliFixtures.run(CliFixtures.tinyPretrain(corpus, pre, "--steps", "1")).exit()).isZero();
        StringBuilder csv = new StringBuilder("review,stars\n");
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < 40; i++) {
            csv.append(CliFixtures.sentence(r, i % 2 == 0)).append(',').append(i % 2 == 0 ? "5" : "1").append('\n');
        }
        Path reviews = Files.writeString(dir.resolve("reviews.csv"), csv.toString());
        List<String> finetune = new ArrayList<>(List.of("finetune", "--task", "classify", "--from", pre.toString(),
                "--train", reviews.toString(), "--epochs", "1", "--threads", "1", "--out", dir.resolve("clf").toString()));
        ChildJvm.Result refused = CliFixtures.run(finetune);
        assertThat(refused.exit()).isEqualTo(2);
        assertThat(refused.err()).contains(reviews + ", line 1: the header has no column 'text'",
                "name the right column with --text-column");
        finetune.addAll(List.of("--text-column", "review", "--label-column", "stars"));
        ChildJvm.Result ok = CliFixtures.run(finetune);
        assertThat(ok.exit()).as(ok.both()).isZero();
        ChildJvm.Result eval = CliFixtures.run("", "eval", "--model", dir.resolve("clf").toString(), "--data",
                reviews.toString(), "--text-column", "review", "--label-column", "stars", "--json", "--threads", "1");
        assertThat(eval.exit()).as(eval.both()).isZero();
        assertThat(eval.out()).contains("\"examples\":40");
    }

    @Test
    void pretrainingOnBadUtf8DoesNotOfferSkipBad() throws IOException {
        Path bad = Files.write(dir.resolve("latin1.txt"), new byte[] {'c', 'a', 'f', (byte) 0xE9, '\n'});
        ChildJvm.Result r = CliFixtures.run(CliFixtures.tinyPretrain(bad, dir.resolve("run"), "--steps", "1"));
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains(bad + ", line 1: invalid UTF-8 at byte offset 3", "iconv")
                .doesNotContain("--skip-bad", "skipBad");
    }

    @Test
    void aSigtermDuringFinetuneKeepsACheckpointAndNamesResume() throws Exception {
        Path corpus = CliFixtures.corpus(dir, 60);
        Path labeled = CliFixtures.labeled(dir, 200);
        Path pre = dir.resolve("pre");
        assertThat(CliFixtures.run(CliFixtures.tinyPretrain(corpus, pre, "--steps", "1")).exit()).isZero();
        Path logs = dir.resolve("logs");
        Process p = ChildJvm.start("022", logs, "finetune", "--task", "classify", "--from", pre.toString(), "--train",
                labeled.toString(), "--epochs", "500", "--threads", "1", "--out", dir.resolve("ft").toString());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        Path metrics = dir.resolve("ft").resolve("metrics.jsonl");
        while (!(Files.exists(metrics) && Files.size(metrics) > 0)) {
            assertThat(p.isAlive()).as(ChildJvm.output(logs)).isTrue();
            assertThat(System.nanoTime()).as("training did not start in 90 s").isLessThan(deadline);
            Thread.sleep(100);
        }
        p.destroy(); // SIGTERM
        ChildJvm.Result r = ChildJvm.await(p, logs, 120);
        assertThat(r.out()).contains("interrupted at step", "the model trained so far is in",
                "to continue, run it again with --resume (the other settings unchanged)");
        // the checkpoint the message names is kept for --resume
        Path ft = dir.resolve("ft");
        assertThat(dev.graft.train.Trainer.latestCheckpoint(ft)).as(r.both()).isNotNull();
        assertThat(r.out()).contains("(checkpoint " + dev.graft.train.Trainer.latestCheckpoint(ft).getFileName());
    }

    /** A command creating a BadInput.of(...) has the options it stands for; offering("x") has an option for x. */
    private void checkBadInputOffers(Path root, String relative, String code, List<String> problems) {
        List<String> commands = commandsOfFile.containsKey(relative) ? commandsOfFile.get(relative)
                : PRINTED_BY.get(relative);
        List<String> offered = new ArrayList<>();
        if (code.contains("BadInput.of(")) {
            offered.addAll(BadInput.COMMAND_OPTIONS);
        }
        Matcher m = Pattern.compile("offering\\(([^)]*)\\)").matcher(code);
        while (m.find()) {
            Matcher f = Pattern.compile("\"(\\w+)\"").matcher(m.group(1));
            while (f.find()) {
                offered.add(f.group(1));
            }
        }
        if (offered.isEmpty()) {
            return;
        }
        if (commands == null) {
            problems.add(relative + " offers " + offered + " to bad-input hints: list its commands in PRINTED_BY");
            return;
        }
        for (String field : offered) {
            if (commands.stream().noneMatch(c -> Main.flagOf(commandLines.get(c), field) != null)) {
                problems.add(relative + " lets bad-input hints name " + field + ", which none of " + commands
                        + " has an option for");
            }
        }
    }

    private static final Pattern SPEC_ERROR = Pattern.compile("new Spec(?:IO)?(?:Exception|Warning)\\(");
    private static final Pattern FIELD_LITERAL = Pattern.compile("\"([A-Za-z]\\w*(?:\\.\\w+)*)\"");

    /**
     * The fields of each {@code new SpecException(...)} / {@code new SpecIOException(...)} in a library file: the
     * name-like literals before its message (the first literal that is not a bare name). Each must be the field of
     * an option of every command that prints the file's messages. Returns how many were checked.
     */
    private int checkSpecFields(String relative, String code, List<String> problems) {
        if (relative.startsWith("dev/graft/cli/")) {
            return 0;
        }
        int checked = 0;
        Matcher m = SPEC_ERROR.matcher(code);
        while (m.find()) {
            Matcher lit = LITERAL.matcher(code);
            int from = m.end();
            while (lit.find(from)) {
                Matcher field = FIELD_LITERAL.matcher(lit.group());
                if (!field.matches()) {
                    break; // the message
                }
                from = lit.end();
                String name = field.group(1);
                List<String> commands = PRINTED_BY.getOrDefault(relative + " " + name, PRINTED_BY.get(relative));
                checked++;
                if (commands == null) {
                    problems.add(relative + " names spec field " + name + ": list the commands that print its messages "
                            + "in PRINTED_BY");
                    continue;
                }
                for (String c : commands) {
                    if (!commandLines.containsKey(c)) {
                        problems.add(relative + ": no command 'graft " + c + "'");
                    } else if (Main.flagOf(commandLines.get(c), name) == null) {
                        problems.add(relative + " names spec field " + name + ", which no option of graft " + c
                                + " sets (give the option descriptionKey = \"" + name + "\")");
                    }
                }
            }
        }
        return checked;
    }

    private static boolean usesBadInputHints(String code) {
        return code.contains("orSkip(") || code.contains("ifOffered(") || code.contains(".offers(");
    }

    private String quotedCommand(String textBeforeFlag) {
        Matcher m = QUOTED_COMMAND.matcher(textBeforeFlag);
        String found = null;
        while (m.find()) {
            String[] words = m.group(1).strip().split(" ");
            String two = words.length > 1 ? words[0] + " " + words[1] : null;
            found = two != null && options.containsKey(two) ? two : options.containsKey(words[0]) ? words[0] : null;
        }
        return found;
    }

    private void require(String command, String option, String where, List<String> problems) {
        Set<String> names = options.get(command);
        if (names == null) {
            problems.add(where + ": no command 'graft " + command + "'");
        } else if (!names.contains(option)) {
            problems.add(where + " names " + option + ", which graft " + command + " does not have");
        }
    }

    /** The code without comments (string literals kept intact). */
    static String stripComments(String code) {
        StringBuilder out = new StringBuilder(code.length());
        int i = 0;
        while (i < code.length()) {
            char c = code.charAt(i);
            if (c == '"') {
                if (code.startsWith("\"\"\"", i)) {
                    int end = code.indexOf("\"\"\"", i + 3);
                    end = end < 0 ? code.length() : end + 3;
                    out.append(code, i, end);
                    i = end;
                    continue;
                }
                int j = i + 1;
                while (j < code.length() && code.charAt(j) != '"' && code.charAt(j) != '\n') {
                    j += code.charAt(j) == '\\' ? 2 : 1;
                }
                out.append(code, i, Math.min(j + 1, code.length()));
                i = j + 1;
            } else if (c == '\'') {
                int j = i + 1;
                while (j < code.length() && code.charAt(j) != '\'' && code.charAt(j) != '\n') {
                    j += code.charAt(j) == '\\' ? 2 : 1;
                }
                out.append(code, i, Math.min(j + 1, code.length()));
                i = j + 1;
            } else if (code.startsWith("//", i)) {
                int end = code.indexOf('\n', i);
                i = end < 0 ? code.length() : end;
            } else if (code.startsWith("/*", i)) {
                int end = code.indexOf("*/", i + 2);
                i = end < 0 ? code.length() : end + 2;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }
}
