package dev.graft.distill;

import dev.graft.data.ClassificationExample;
import dev.graft.data.Corpora;
import dev.graft.data.CorpusReader;
import dev.graft.data.DatasetDefinition;
import dev.graft.data.DatasetRegistry;
import dev.graft.data.ResolvedSet;
import dev.graft.data.Split;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The unlabeled text a student learns from: what {@code graft pretrain} reads ({@link Corpora}: text files,
 * text datasets), and also the text of a labeled classification dataset's training split with its labels
 * dropped ({@code sentiment-uci}: one document per example), since distillation needs no labels and the
 * task's own text is the text the student will embed. In the order given.
 */
final class DistillationCorpus {
    private final List<Source> sources;

    private record Source(String spec, Corpora text, ResolvedSet labeled) {
    }

    private DistillationCorpus(List<Source> sources) {
        this.sources = sources;
    }

    /** Resolves (fetching datasets not yet present) every spec; errors name the spec and the choices. */
    static DistillationCorpus resolve(List<String> specs, DatasetRegistry registry, CorpusReader.Layout layout,
                                      PrintStream log) throws IOException {
        List<Source> sources = new ArrayList<>();
        for (String spec : specs) {
            String name = spec.contains(":") ? spec.substring(0, spec.indexOf(':')) : spec;
            if (!Files.exists(Path.of(spec)) && registry.allSetNames().contains(name)) {
                String dataset = registry.definition(name).name();
                if (!registry.isFetched(dataset)) {
                    registry.fetch(dataset, false, log);
                }
                ResolvedSet set = registry.resolve(spec);
                if (set.kind() == DatasetDefinition.SetKind.CLASSIFICATION) {
                    sources.add(new Source(spec, null, set));
                    continue;
                }
            }
            sources.add(new Source(spec, Corpora.resolve(List.of(spec), registry, layout, log), null));
        }
        return new DistillationCorpus(sources);
    }

    /** One line per spec, for the log. */
    List<String> descriptions() {
        List<String> d = new ArrayList<>();
        for (Source s : sources) {
            if (s.labeled() != null) {
                d.add(s.spec() + " (train split's text, labels dropped)");
            } else {
                d.addAll(s.text().descriptions());
            }
        }
        return d;
    }

    /** Every document, in order. Close it. */
    Stream<String> documents() {
        Stream<String> all = Stream.empty();
        for (Source s : sources) {
            all = Stream.concat(all, Stream.of(s).flatMap(src -> {
                if (src.labeled() == null) {
                    return src.text().documents();
                }
                try {
                    return src.labeled().classification(Split.TRAIN).stream().map(ClassificationExample::text);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }));
        }
        return all;
    }
}
