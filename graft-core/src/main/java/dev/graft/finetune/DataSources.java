package dev.graft.finetune;

import dev.graft.data.BadInput;
import dev.graft.data.ClassificationExample;
import dev.graft.data.ClassificationReader;
import dev.graft.data.CorpusReader;
import dev.graft.data.Dataset;
import dev.graft.data.DatasetDefinition;
import dev.graft.data.DatasetRegistry;
import dev.graft.data.LabelSet;
import dev.graft.data.ResolvedSet;
import dev.graft.data.Split;
import dev.graft.data.TaggingExample;
import dev.graft.task.ClassificationTask;
import dev.graft.task.Head;
import dev.graft.task.TaggingTask;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Labeled data named on a command line or in a spec: a file (classification: .jsonl/.csv/.tsv with
 * text and label; tagging: CoNLL, word/TAG or .jsonl) or a dataset name from the registry
 * ({@code sentiment-uci}, {@code brown-pos}, ...), optionally with a split ({@code brown-pos:test});
 * a bare name means the split the role asks for (train for training, test for testing).
 */
public final class DataSources {
    private final DatasetRegistry registry;
    private final PrintStream log;
    private final Head.Columns columns;

    public DataSources(DatasetRegistry registry, PrintStream log) {
        this(registry, log, Head.Columns.defaults());
    }

    private DataSources(DatasetRegistry registry, PrintStream log, Head.Columns columns) {
        this.registry = registry;
        this.log = log;
        this.columns = columns;
    }

    /**
     * These sources reading labeled files' text and label from the named field or column
     * ({@code --text-column} / {@code --label-column}; default "text" and "label", "labels" for
     * multi-label; a null label means the head's default).
     */
    public DataSources withColumns(String text, String label) {
        return new DataSources(registry, log, new Head.Columns(text, label, columns.textPair()));
    }

    /** These sources reading the second text of a pair from the named field or column (default "text_pair"). */
    public DataSources withPairColumn(String textPair) {
        return new DataSources(registry, log, new Head.Columns(columns.text(), columns.label(), textPair));
    }

    public DatasetRegistry registry() {
        return registry;
    }

    /** Whether {@code spec} names a registry set (not an existing file). */
    public boolean isDataset(String spec) {
        if (Files.exists(Path.of(spec))) {
            return false;
        }
        return registry.allSetNames().contains(setName(spec));
    }

    private static String setName(String spec) {
        int colon = spec.indexOf(':');
        return colon < 0 ? spec : spec.substring(0, colon);
    }

    private ResolvedSet resolve(String spec, DatasetDefinition.SetKind kind) throws IOException {
        String name = setName(spec);
        if (!registry.allSetNames().contains(name)) {
            throw new IllegalArgumentException("'" + spec + "' is neither a file nor a dataset name; datasets: "
                    + String.join(", ", registry.allSetNames()));
        }
        String dataset = registry.definition(name).name();
        if (!registry.isFetched(dataset)) {
            registry.fetch(dataset, false, log);
        }
        ResolvedSet set = registry.resolve(spec);
        if (set.kind() != kind) {
            throw new IllegalArgumentException("'" + spec + "' is a " + set.kind().id() + " set, not a " + kind.id()
                    + " set");
        }
        return set;
    }

    private static Split split(String spec, Split fallback) {
        int colon = spec.indexOf(':');
        return colon < 0 ? fallback : Split.parse(spec.substring(colon + 1));
    }

    private static void requireFile(String spec) {
        Path p = Path.of(spec);
        if (Files.isDirectory(p)) {
            throw new IllegalArgumentException(spec + " is a directory: give the data file in it");
        }
    }

    /** The label set a dataset declares (all splits), or null for a file. */
    public LabelSet declaredLabels(String spec, DatasetDefinition.SetKind kind) throws IOException {
        return isDataset(spec) ? resolve(spec, kind).labels() : null;
    }

    /**
     * A labeled set for {@code head}: a file, or a registry set of the head's kind; {@code known}
     * (evaluation data) makes a label outside it bad input.
     *
     * @param role the split a bare dataset name stands for
     */
    public <E> Dataset<E> labeled(Head<E, ?> head, String spec, Split role, LabelSet known, BadInput bad)
            throws IOException {
        if (isDataset(spec)) {
            if (head.registryKind() == null) {
                throw new IllegalArgumentException("'" + spec + "' is a dataset name, but no dataset holds "
                        + head.task().id() + " data; give a .jsonl file (docs/DATA.md describes the format)");
            }
            Dataset<E> d = head.fromRegistry(resolve(spec, head.registryKind()), split(spec, role));
            if (known != null) {
                checkLabels(spec, d.labelSet().labels(), known);
            }
            return d;
        }
        requireFile(spec);
        return head.readFile(Path.of(spec), columns, known, bad);
    }

    /**
     * A classification set; {@code known} (evaluation data) makes a label outside it bad input.
     *
     * @param role the split a bare dataset name stands for
     */
    public Dataset<ClassificationExample> classification(String spec, Split role, LabelSet known, BadInput bad)
            throws IOException {
        return labeled(ClassificationTask.HEAD, spec, role, known, bad);
    }

    /** A tagging set; {@code known} (evaluation data) makes a tag outside it bad input. */
    public Dataset<TaggingExample> tagging(String spec, Split role, LabelSet known, BadInput bad) throws IOException {
        return labeled(TaggingTask.HEAD, spec, role, known, bad);
    }

    private static void checkLabels(String spec, List<String> labels, LabelSet known) {
        List<String> unknown = new ArrayList<>();
        for (String l : labels) {
            if (!known.contains(l)) {
                unknown.add(l);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(spec + " has labels the model was not trained on: " + unknown
                    + "; the model knows " + known.labels());
        }
    }

    /**
     * Unlabeled text for language modeling: text files (a line per document) and text datasets (their
     * train split, by paragraph), plus the <em>train</em> split's texts of labeled datasets and files
     * (labels dropped; never their dev or test text). The stream must be closed.
     */
    public Stream<String> texts(List<String> specs) throws IOException {
        if (specs.isEmpty()) {
            throw new IllegalArgumentException("no corpus given: name text files or datasets");
        }
        List<Stream<String>> parts = new ArrayList<>();
        for (String spec : specs) {
            Path p = Path.of(spec);
            if (Files.isDirectory(p)) {
                throw new IllegalArgumentException(spec + " is a directory: give the text files in it");
            }
            if (Files.isRegularFile(p)) {
                String name = p.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
                if (name.endsWith(".jsonl") || name.endsWith(".csv") || name.endsWith(".tsv")
                        || name.endsWith(".jsonl.gz")) {
                    parts.add(ClassificationReader.read(p, ClassificationReader.Options.defaults(), BadInput.skipping())
                            .stream().map(ClassificationExample::text));
                } else {
                    parts.add(CorpusReader.documents(p, CorpusReader.Options.defaults()
                            .withLayout(CorpusReader.Layout.LINES), BadInput.strict()));
                }
                continue;
            }
            String name = setName(spec);
            if (!registry.allSetNames().contains(name)) {
                throw new IllegalArgumentException("corpus '" + spec + "' is neither a file nor a dataset name; "
                        + "datasets: " + String.join(", ", registry.allSetNames()));
            }
            DatasetDefinition.SetKind kind = registry.definition(name).sets().stream()
                    .filter(s -> s.name().equals(name)).findFirst().orElseThrow().kind();
            ResolvedSet set = resolve(spec, kind);
            Split s = split(spec, Split.TRAIN);
            if (s != Split.TRAIN && kind != DatasetDefinition.SetKind.TEXT) {
                throw new IllegalArgumentException("'" + spec + "': only the train split of a labeled set may be "
                        + "used as unlabeled text (its dev and test text would leak into training)");
            }
            switch (kind) {
                case TEXT -> parts.add(set.documents(s, CorpusReader.Layout.PARAGRAPHS));
                case CLASSIFICATION -> parts.add(set.classification(s).stream().map(ClassificationExample::text));
                case TAGGING -> parts.add(set.tagging(s).stream().map(e -> String.join(" ", e.tokens())));
            }
        }
        Stream<String> all = Stream.empty();
        for (Stream<String> s : parts) {
            all = Stream.concat(all, s);
        }
        return all.onClose(() -> parts.forEach(Stream::close));
    }
}
