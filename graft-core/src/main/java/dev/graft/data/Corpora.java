package dev.graft.data;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A pretraining corpus named on the command line: dataset names from the registry (their training
 * split, read by paragraph: a paragraph is a document, its lines are sentences; fetched on first
 * use) or the user's own files (read with the given layout). Can be read any number of times.
 */
public final class Corpora {
    /** The corpus a spec names ({@code corpus}: dataset names or text files), required non-empty; a copy. */
    public static List<String> require(List<String> corpus) {
        if (corpus == null || corpus.isEmpty()) {
            throw new dev.graft.SpecException("corpus", "corpus is required: dataset names (graft data list) or "
                    + "text files");
        }
        return List.copyOf(corpus);
    }

    private final List<String> specs;
    private final DatasetRegistry registry;
    private final CorpusReader.Layout fileLayout;
    private final List<String> descriptions = new ArrayList<>();

    private Corpora(List<String> specs, DatasetRegistry registry, CorpusReader.Layout fileLayout) {
        this.specs = List.copyOf(specs);
        this.registry = registry;
        this.fileLayout = fileLayout;
    }

    /**
     * Resolves every spec (fetching datasets that are not yet present, with messages to {@code log}).
     * A spec that is neither an existing file nor a dataset name is an error naming both options.
     */
    public static Corpora resolve(List<String> specs, DatasetRegistry registry, CorpusReader.Layout fileLayout,
                                  PrintStream log) throws IOException {
        if (specs.isEmpty()) {
            throw new IllegalArgumentException("no corpus given: name a dataset (graft data list) or text files");
        }
        Corpora c = new Corpora(specs, registry, fileLayout);
        for (String spec : specs) {
            Path p = Path.of(spec);
            if (Files.isRegularFile(p)) {
                c.descriptions.add(p.toString());
                continue;
            }
            if (Files.exists(p)) {
                throw new IllegalArgumentException(spec + " is a directory: give the text files in it, not the folder");
            }
            String name = spec.contains(":") ? spec.substring(0, spec.indexOf(':')) : spec;
            if (!registry.allSetNames().contains(name)) {
                throw new IllegalArgumentException("corpus '" + spec + "' is neither a file nor a dataset name; "
                        + "datasets: " + String.join(", ", registry.allSetNames()));
            }
            String dataset = registry.definition(name).name();
            if (!registry.isFetched(dataset)) {
                registry.fetch(dataset, false, log);
            }
            ResolvedSet set = registry.resolve(spec);
            if (set.kind() != DatasetDefinition.SetKind.TEXT) {
                throw new IllegalArgumentException("'" + spec + "' is a " + set.kind().toString().toLowerCase()
                        + " set, not text; use a text dataset or file as the corpus");
            }
            c.descriptions.add(spec + " (train split)");
        }
        return c;
    }

    /** What was resolved, one entry per spec. */
    public List<String> descriptions() {
        return descriptions;
    }

    /** A fresh stream over every document of every spec, in order. Close it. */
    public Stream<String> documents() {
        Stream<String> all = Stream.empty();
        for (String spec : specs) {
            all = Stream.concat(all, Stream.of(spec).flatMap(s -> {
                try {
                    Path p = Path.of(s);
                    if (Files.isRegularFile(p)) {
                        return CorpusReader.documents(p, CorpusReader.Options.defaults().withLayout(fileLayout),
                                BadInput.strict());
                    }
                    return registry.resolve(s).documents(Split.TRAIN, CorpusReader.Layout.PARAGRAPHS);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }));
        }
        return all;
    }

    /** All documents as an iterable that opens a new stream per iteration. */
    public Iterable<String> asIterable() {
        return () -> {
            Stream<String> s = documents();
            Iterator<String> it = s.iterator();
            return it;
        };
    }
}
