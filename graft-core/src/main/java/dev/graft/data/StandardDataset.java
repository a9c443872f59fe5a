package dev.graft.data;

import java.util.List;

/**
 * A dataset whose facts are fixed (name, description, license, packages, sets, converter version),
 * given once to the constructor; a subclass adds its converter ({@link #build}).
 */
abstract class StandardDataset implements DatasetDefinition {
    private final String name;
    private final String description;
    private final String license;
    private final List<Source> sources;
    private final List<SetDescriptor> sets;
    private final int formatVersion;

    StandardDataset(String name, String description, String license, List<Source> sources, List<SetDescriptor> sets,
                    int formatVersion) {
        this.name = name;
        this.description = description;
        this.license = license;
        this.sources = List.copyOf(sources);
        this.sets = List.copyOf(sets);
        this.formatVersion = formatVersion;
    }

    /** A text dataset: one text set, named as the dataset, in {@code text/}; converter version 1. */
    StandardDataset(String name, String description, String license, List<Source> sources) {
        this(name, description, license, sources, List.of(new SetDescriptor(name, SetKind.TEXT, "text")), 1);
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String description() {
        return description;
    }

    @Override
    public final String license() {
        return license;
    }

    @Override
    public final List<Source> sources() {
        return sources;
    }

    @Override
    public final List<SetDescriptor> sets() {
        return sets;
    }

    @Override
    public final int formatVersion() {
        return formatVersion;
    }
}
