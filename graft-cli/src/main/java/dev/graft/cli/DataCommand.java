package dev.graft.cli;

import dev.graft.data.BadInput;
import dev.graft.data.ClassificationExample;
import dev.graft.data.ClassificationReader;
import dev.graft.data.CorpusReader;
import dev.graft.data.DatasetCard;
import dev.graft.data.DatasetDefinition;
import dev.graft.data.DatasetRegistry;
import dev.graft.data.LabelSet;
import dev.graft.data.ResolvedSet;
import dev.graft.data.Split;
import dev.graft.data.TaggingExample;
import dev.graft.data.TaggingReader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code graft data}: fetch named datasets into {@code $GRAFT_HOME/datasets}, show their cards and
 * paths, and check users' own files. See docs/DATA.md.
 */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = {"Fetch real corpora and labeled sets by name; check your own data files.",
            "Data lives under $GRAFT_HOME/datasets (default ~/.cache/graft/datasets). See docs/DATA.md."},
        subcommands = {DataCommand.ListCommand.class, DataCommand.FetchCommand.class, DataCommand.InfoCommand.class,
            DataCommand.PathCommand.class, DataCommand.CheckCommand.class})
final class DataCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the datasets and their sets.")
    static final class ListCommand implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec command;

        @Override
        public Integer call() {
            PrintWriter stdout = command.commandLine().getOut();
            DatasetRegistry registry = DatasetRegistry.standard();
            stdout.println("datasets in " + registry.datasetsDirectory() + ":");
            for (DatasetDefinition d : registry.definitions()) {
                String state = registry.isFetched(d.name()) ? "fetched" : "not fetched";
                stdout.printf("  %-15s %-12s %s%n", d.name(), "[" + state + "]", d.description());
                StringBuilder sets = new StringBuilder();
                for (var s : d.sets()) {
                    sets.append(sets.isEmpty() ? "" : ", ").append(s.name()).append(" (").append(s.kind().id()).append(')');
                }
                stdout.printf("  %-15s sets: %s%n", "", sets);
                StringBuilder src = new StringBuilder();
                d.sources().forEach(s -> src.append(src.isEmpty() ? "" : ", ").append(s.describe()));
                if (!d.dependencies().isEmpty()) {
                    src.append("made from ").append(String.join(" + ", d.dependencies()));
                }
                stdout.printf("  %-15s from: %s%n", "", src);
            }
            stdout.println("Fetch with 'graft data fetch NAME...'; read a split as NAME:train, NAME:dev, NAME:test.");
            return 0;
        }
    }

    @Command(name = "fetch", mixinStandardHelpOptions = true,
            description = "Download datasets with the registry clients, verify checksums, convert them (no-op when present).")
    static final class FetchCommand implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "NAME", description = "Dataset or set names (see 'graft data list').")
        List<String> names;

        @Option(names = "--force", description = "Fetch and convert again even when present.")
        boolean force;

        @Override
        public Integer call() throws IOException {
            DatasetRegistry registry = DatasetRegistry.standard();
            for (String n : names) {
                registry.definition(n); // unknown names fail before anything is downloaded
            }
            for (String n : names) {
                registry.fetch(n, force, System.out);
            }
            return 0;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "Print the card of a fetched dataset.")
    static final class InfoCommand implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec command;

        @Parameters(paramLabel = "NAME", description = "Dataset or set name.")
        String name;

        @Option(names = "--json", description = "Print card.json as is.")
        boolean json;

        @Override
        public Integer call() throws IOException {
            PrintWriter stdout = command.commandLine().getOut();
            DatasetRegistry registry = DatasetRegistry.standard();
            DatasetCard card = registry.card(name);
            if (json) {
                stdout.print(card.toJson());
                stdout.println();
                return 0;
            }
            stdout.println(card.name() + ": " + card.description());
            stdout.println("  directory: " + registry.directory(card.name()));
            stdout.println("  license:   " + card.license());
            for (var s : card.sources()) {
                stdout.println("  source:    " + s.registry() + " " + s.packageName() + " " + s.version() + " ("
                        + s.file() + ", sha256 " + s.sha256() + ")");
            }
            if (card.sourceCounts() != null && !card.sourceCounts().isEmpty()) {
                stdout.println("  before the split:");
                card.sourceCounts().forEach((k, v) -> stdout.printf("    %-40s %,d%n", k, v));
            }
            if (card.dropped() != null && !card.dropped().isEmpty()) {
                stdout.println("  dropped:");
                card.dropped().forEach((k, v) -> stdout.printf("    %-60s %,d%n", k, v));
            }
            var split = card.split();
            if (split != null) {
                stdout.println("  split:     unit " + split.unit()
                        + (split.stratifiedBy() == null || split.stratifiedBy().isEmpty() ? "" : ", stratified by " + split.stratifiedBy())
                        + (split.seed() == null ? "" : ", seed \"" + split.seed() + "\"")
                        + (split.units() == null ? "" : ", units " + split.units()));
            }
            for (var e : card.sets().entrySet()) {
                DatasetCard.SetInfo set = e.getValue();
                stdout.println("  set " + e.getKey() + " (" + set.kind() + "): " + set.description());
                stdout.println("    format: " + set.format());
                if (set.labels() != null && !set.labels().isEmpty()) {
                    stdout.println("    labels (" + set.labels().size() + "): " + String.join(", ", set.labels()));
                }
                for (var c : set.counts().entrySet()) {
                    DatasetCard.SplitCounts n = c.getValue();
                    StringBuilder line = new StringBuilder(String.format("    %-5s %,10d %s", c.getKey(), n.records(),
                            set.kind().equals("text") ? "lines" : set.kind().equals("tagging") ? "sentences" : "examples"));
                    if (n.documents() != null) {
                        line.append(String.format(", %,d documents", n.documents()));
                    }
                    line.append(String.format(", %,d tokens", n.tokens()));
                    if (set.kind().equals("classification") && n.labels() != null) {
                        line.append("  ").append(n.labels());
                    }
                    stdout.println(line);
                }
            }
            if (card.notes() != null) {
                card.notes().forEach(n -> stdout.println("  note: " + n));
            }
            stdout.println("  fetched:   " + card.fetchedAt() + "  (full card: graft data info --json " + name + ")");
            return 0;
        }
    }

    @Command(name = "path", mixinStandardHelpOptions = true,
            description = "Print the directory of a set (NAME) or the file of one split (NAME:train|dev|test).")
    static final class PathCommand implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec command;

        @Parameters(paramLabel = "NAME[:SPLIT]")
        String spec;

        @Override
        public Integer call() throws IOException {
            command.commandLine().getOut().println(DatasetRegistry.standard().path(spec));
            return 0;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Read one of your own files as graft will and report counts, or the first bad record.",
                "Bad input (malformed JSON, missing text or label, unknown label, empty file, invalid UTF-8,",
                "wrong CoNLL column count, line over 1 MiB) stops with file and line (exit 2) unless --skip-bad."})
    static final class CheckCommand implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec command;

        enum Kind { corpus, classification, tagging }

        @Parameters(paramLabel = "FILE", description = "A .txt, .jsonl, .csv, .tsv, CoNLL or word/TAG file (optionally .gz).")
        Path file;

        @Option(names = "--kind", required = true, description = "corpus, classification or tagging.")
        Kind kind;

        @Option(names = "--format", description = "classification: auto, jsonl, csv, tsv; tagging: auto, conll, slash, jsonl (default: auto).")
        String format = "auto";

        @Option(names = "--text-column", descriptionKey = "textField",
                description = "Field or column with the text (default: ${DEFAULT-VALUE}).")
        String textColumn = "text";

        @Option(names = "--label-column", descriptionKey = "labelField",
                description = "Field or column with the label (default: ${DEFAULT-VALUE}).")
        String labelColumn = "label";

        @Option(names = "--tag-column", description = "CoNLL column with the tag, 0-based, negative from the end (default: ${DEFAULT-VALUE}).")
        int tagColumn = -1;

        @Option(names = "--layout", description = "corpus .txt: lines or paragraphs (default: ${DEFAULT-VALUE}).")
        String layout = "lines";

        @Option(names = "--labels-from", paramLabel = "FILE|NAME:split",
                description = "Training data whose labels are the known ones: labels outside them are bad input.")
        String labelsFrom;

        @Option(names = "--skip-bad", description = "Skip bad records and report how many and why, instead of stopping.")
        boolean skipBad;

        @Override
        public Integer call() throws IOException {
            PrintWriter stdout = command.commandLine().getOut();
            BadInput bad = BadInput.of(skipBad).offering("tagColumn");
            try {
                switch (kind) {
                    case corpus -> checkCorpus(bad);
                    case classification -> checkClassification(bad);
                    case tagging -> checkTagging(bad);
                }
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            if (bad.skipped() > 0) {
                stdout.println(bad.summary());
                bad.examples().forEach(e -> stdout.println("  " + e));
            }
            return 0;
        }

        private void checkCorpus(BadInput bad) throws IOException {
            CorpusReader.Layout l = switch (layout.toLowerCase(java.util.Locale.ROOT)) {
                case "lines" -> CorpusReader.Layout.LINES;
                case "paragraphs" -> CorpusReader.Layout.PARAGRAPHS;
                default -> throw new IllegalArgumentException("--layout must be lines or paragraphs, got " + layout);
            };
            long docs = 0;
            long chars = 0;
            try (Stream<String> s = CorpusReader.documents(file,
                    CorpusReader.Options.defaults().withLayout(l).withTextField(textColumn), bad)) {
                for (var it = s.iterator(); it.hasNext(); ) {
                    chars += it.next().length();
                    docs++;
                }
            }
            command.commandLine().getOut().printf("%s: %,d documents, %,d characters%n", file, docs, chars);
        }

        private void checkClassification(BadInput bad) throws IOException {
            ClassificationReader.Options o = ClassificationReader.Options.defaults()
                    .withFormat(ClassificationReader.Format.valueOf(format.toUpperCase(java.util.Locale.ROOT)))
                    .withColumns(textColumn, labelColumn);
            if (labelsFrom != null) {
                o = o.withKnownLabels(knownLabels(true));
            }
            List<ClassificationExample> examples = ClassificationReader.read(file, o, bad);
            Map<String, Long> counts = new java.util.TreeMap<>();
            examples.forEach(e -> counts.merge(e.label(), 1L, Long::sum));
            command.commandLine().getOut().printf("%s: %,d examples, %d labels %s%n", file, examples.size(),
                    counts.size(), counts);
        }

        private void checkTagging(BadInput bad) throws IOException {
            TaggingReader.Options o = TaggingReader.Options.defaults()
                    .withFormat(TaggingReader.Format.valueOf(format.toUpperCase(java.util.Locale.ROOT)))
                    .withTagColumn(tagColumn);
            if (labelsFrom != null) {
                o = o.withKnownTags(knownLabels(false));
            }
            List<TaggingExample> sentences = TaggingReader.read(file, o, bad);
            long tokens = sentences.stream().mapToLong(TaggingExample::size).sum();
            command.commandLine().getOut().printf("%s: %,d sentences, %,d tokens, %d tags %s%n", file,
                    sentences.size(), tokens, LabelSet.ofTagging(sentences).size(),
                    LabelSet.ofTagging(sentences).describe());
        }

        /** The labels of --labels-from: a file read like FILE, or a fetched NAME:split. */
        private LabelSet knownLabels(boolean classification) throws IOException {
            Path p = Path.of(labelsFrom);
            if (!Files.exists(p) && labelsFrom.contains(":")) {
                ResolvedSet set = DatasetRegistry.standard().resolve(labelsFrom);
                Split split = Split.parse(labelsFrom.substring(labelsFrom.indexOf(':') + 1));
                return classification ? set.classification(split).labelSet() : set.tagging(split).labelSet();
            }
            if (classification) {
                return LabelSet.ofClassification(ClassificationReader.read(p, ClassificationReader.Options.defaults()
                        .withColumns(textColumn, labelColumn), BadInput.strict()));
            }
            return LabelSet.ofTagging(TaggingReader.read(p, TaggingReader.Options.defaults().withTagColumn(tagColumn),
                    BadInput.strict()));
        }
    }
}
