package dev.graft.api;

import dev.graft.data.BadInput;
import dev.graft.data.ClassificationExample;
import dev.graft.data.Dataset;
import dev.graft.data.LabelSet;
import dev.graft.data.Split;
import dev.graft.data.TaggingExample;
import dev.graft.finetune.DataSources;
import dev.graft.finetune.LabeledSplits;
import dev.graft.model.HeadConfig;
import dev.graft.task.Head;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Labeled examples for fine-tuning and evaluation, typed by the model they train: a
 * {@code LabeledData<Classifier>} (labeled texts) or a {@code LabeledData<Tagger>} (tagged sentences).
 * Each part comes from one explicit place: examples in memory, a file, or a registry set by name and
 * split; nothing is inferred. The main part is what {@link dev.graft.Graft#fineTune} trains on and what
 * {@code evaluate} scores; a dev part (else a share of the training set is carved as dev) and a test part
 * (scored after fine-tuning) are optional.
 *
 * <p>Files are read as {@code graft finetune --train FILE} reads them (docs/DATA.md): classification from
 * JSON Lines ({@code {"text", "label"}}), CSV or TSV; tagging from CoNLL columns.
 *
 * @param <M> the model the data trains: {@link Classifier} or {@link Tagger}
 */
public final class LabeledData<M extends Model> {

    /** Where one part's examples are. */
    private sealed interface Source {
        String describe();
    }

    private record InMemory(List<?> examples) implements Source {
        public String describe() {
            return "in memory (" + examples.size() + " examples)";
        }
    }

    private record FileSource(Path file) implements Source {
        public String describe() {
            return file.toString();
        }
    }

    private record RegistrySource(String name, Split split) implements Source {
        public String describe() {
            // not "name:split": the run's record must not read as a registry spec whose test split is implied
            return "dataset " + name + " (" + split.id() + " split)";
        }
    }

    private final HeadConfig.Task task;
    private final Class<M> model;
    private final Source main;
    private final Source dev;
    private final Source test;

    private LabeledData(HeadConfig.Task task, Class<M> model, Source main, Source dev, Source test) {
        this.task = task;
        this.model = model;
        this.main = main;
        this.dev = dev;
        this.test = test;
    }

    // ------------------------------------------------------------------ classification

    /** Labeled texts in memory. */
    public static LabeledData<Classifier> of(List<TextExample> examples) {
        return new LabeledData<>(HeadConfig.Task.CLASSIFY, Classifier.class, new InMemory(List.copyOf(examples)),
                null, null);
    }

    /** A labeled-text file (JSON Lines with {@code text} and {@code label}, CSV or TSV). */
    public static LabeledData<Classifier> fromFile(Path file) {
        return new LabeledData<>(HeadConfig.Task.CLASSIFY, Classifier.class, new FileSource(file), null, null);
    }

    /** One split of a classification set of the registry ({@code graft data list}), fetched when missing. */
    public static LabeledData<Classifier> fromRegistry(String name, Split split) {
        return new LabeledData<>(HeadConfig.Task.CLASSIFY, Classifier.class, new RegistrySource(name, split), null,
                null);
    }

    // ------------------------------------------------------------------ tagging

    /** Tagged sentences in memory. */
    public static LabeledData<Tagger> ofTagged(List<TaggedSentence> sentences) {
        return new LabeledData<>(HeadConfig.Task.TAG, Tagger.class, new InMemory(List.copyOf(sentences)), null,
                null);
    }

    /** A tagged file (CoNLL: a word and its tag per line, a blank line between sentences). */
    public static LabeledData<Tagger> fromTaggedFile(Path file) {
        return new LabeledData<>(HeadConfig.Task.TAG, Tagger.class, new FileSource(file), null, null);
    }

    /** One split of a tagging set of the registry ({@code brown-pos}), fetched when missing. */
    public static LabeledData<Tagger> fromTaggedRegistry(String name, Split split) {
        return new LabeledData<>(HeadConfig.Task.TAG, Tagger.class, new RegistrySource(name, split), null, null);
    }

    // ------------------------------------------------------------------ parts

    /** This data with {@code other}'s main part as the dev set (early stopping and model choice). */
    public LabeledData<M> withDev(LabeledData<M> other) {
        return new LabeledData<>(task, model, main, other.main, test);
    }

    /** This data with {@code other}'s main part as the test set, scored once after fine-tuning. */
    public LabeledData<M> withTest(LabeledData<M> other) {
        return new LabeledData<>(task, model, main, dev, other.main);
    }

    /** The dev part as data of its own, or null. */
    public LabeledData<M> dev() {
        return dev == null ? null : new LabeledData<>(task, model, dev, null, null);
    }

    /** The test part as data of its own, or null. */
    public LabeledData<M> test() {
        return test == null ? null : new LabeledData<>(task, model, test, null, null);
    }

    /** The task of the model this data trains. */
    public HeadConfig.Task task() {
        return task;
    }

    /** The type of the model this data trains. */
    public Class<M> modelType() {
        return model;
    }

    /** Where the main part comes from, for messages and run records. */
    public String describe() {
        return main.describe();
    }

    String describeDev() {
        return dev == null ? null : dev.describe();
    }

    String describeTest() {
        return test == null ? null : test.describe();
    }

    boolean hasExtraParts() {
        return dev != null || test != null;
    }

    // ------------------------------------------------------------------ reading

    /** Every part, read for {@code head}; dev and test labels must be among the training set's. */
    public <E> LabeledSplits<E> read(Head<E, ?> head, DataSources sources, BadInput bad) throws IOException {
        Dataset<E> train = read(head, main, sources, null, bad);
        LabelSet labels = head.labels(train);
        Dataset<E> d = dev == null ? null : read(head, dev, sources, labels, bad);
        Dataset<E> t = test == null ? null : read(head, test, sources, labels, bad);
        return new LabeledSplits<>(train, d, t, labels);
    }

    /** The main part, with labels among {@code known} (evaluation). */
    public <E> Dataset<E> readMain(Head<E, ?> head, DataSources sources, LabelSet known, BadInput bad)
            throws IOException {
        return read(head, main, sources, known, bad);
    }

    @SuppressWarnings("unchecked")
    private <E> Dataset<E> read(Head<E, ?> head, Source source, DataSources sources, LabelSet known, BadInput bad)
            throws IOException {
        if (head.task() != task) {
            throw new IllegalArgumentException("this data is for " + task.describe() + ", not " + head.task().describe());
        }
        return switch (source) {
            case FileSource f -> {
                if (!Files.isRegularFile(f.file())) {
                    throw new NoSuchFileException(f.file() + (Files.isDirectory(f.file()) ? " is a folder: give the "
                            + "data file in it" : " does not exist: give a labeled data file (docs/DATA.md)"));
                }
                yield head.readFile(f.file(), Head.Columns.defaults(), known, bad);
            }
            case RegistrySource r -> {
                if (!sources.registry().allSetNames().contains(r.name())) {
                    throw new IllegalArgumentException("'" + r.name() + "' is not a dataset of the registry; its "
                            + "labeled and corpus sets are " + String.join(", ", sources.registry().allSetNames())
                            + " (or read a file with fromFile)");
                }
                yield sources.labeled(head, r.name() + ":" + r.split().id(), r.split(), known, bad);
            }
            case InMemory m -> (Dataset<E>) inMemory(m.examples(), known);
        };
    }

    private Dataset<?> inMemory(List<?> examples, LabelSet known) {
        if (task == HeadConfig.Task.CLASSIFY) {
            List<ClassificationExample> list = new ArrayList<>(examples.size());
            for (int i = 0; i < examples.size(); i++) {
                TextExample e = (TextExample) examples.get(i);
                if (known != null && !known.contains(e.label())) {
                    throw new IllegalArgumentException("example " + i + " (\"" + e.text() + "\") has label '"
                            + e.label() + "', which the model does not know: its labels are " + known.labels());
                }
                list.add(new ClassificationExample(Integer.toString(i), e.text(), e.label()));
            }
            return Dataset.ofClassification(list);
        }
        List<TaggingExample> list = new ArrayList<>(examples.size());
        for (int i = 0; i < examples.size(); i++) {
            TaggedSentence s = (TaggedSentence) examples.get(i);
            if (known != null) {
                for (String tag : s.tags()) {
                    if (!known.contains(tag)) {
                        throw new IllegalArgumentException("sentence " + i + " " + s.tokens() + " has tag '" + tag
                                + "', which the model does not know: its tags are " + known.labels());
                    }
                }
            }
            list.add(new TaggingExample(Integer.toString(i), s.tokens(), s.tags()));
        }
        return Dataset.ofTagging(list);
    }
}
