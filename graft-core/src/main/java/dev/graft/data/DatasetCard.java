package dev.graft.data;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The {@code card.json} of a fetched dataset: where it came from (package, version, checksum, license),
 * what was measured on the source before the split, how the split was made, and, for each set the
 * dataset provides, its files, label set and counts per split.
 *
 * @param name          dataset name (the fetch unit), e.g. "brown"
 * @param formatVersion version of graft's converter for this dataset; a change means a re-fetch
 * @param description   one line
 * @param license       license of the data
 * @param sources       the packages it was made from
 * @param sourceCounts  counts measured on the source before the split (e.g. sentences, tokens)
 * @param dropped       records left out, by reason (e.g. "empty record": 3)
 * @param split         how train/dev/test were made
 * @param sets          the sets, by set name (e.g. "brown", "brown-pos", "brown-genre")
 * @param notes         anything else a user should know
 * @param fetchedAt     when it was converted (ISO-8601)
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record DatasetCard(String name, int formatVersion, String description, String license,
                          List<SourceInfo> sources, Map<String, Long> sourceCounts, Map<String, Long> dropped,
                          SplitInfo split, Map<String, SetInfo> sets, List<String> notes, String fetchedAt) {

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public DatasetCard {
        sources = sources == null ? List.of() : sources;
        sourceCounts = sourceCounts == null ? Map.of() : sourceCounts;
        dropped = dropped == null ? Map.of() : dropped;
        sets = sets == null ? Map.of() : sets;
        notes = notes == null ? List.of() : notes;
    }

    /** A source package as fetched: registry, package, version, downloaded file and its SHA-256. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record SourceInfo(String registry, String packageName, String version, String file, String sha256,
                             String license) {
    }

    /**
     * How the split was made.
     *
     * @param procedure    the procedure, in words
     * @param seed         the seed string of {@link SeededSplit}
     * @param unit         what was assigned to splits (document, speech, ...)
     * @param stratifiedBy what the strata were ("" for none)
     * @param units        how many units each split got
     * @param heldOutUnits ids of the dev and test units, when there are at most a few thousand
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record SplitInfo(String procedure, String seed, String unit, String stratifiedBy, Map<String, Long> units,
                            Map<String, List<String>> heldOutUnits) {
    }

    /**
     * One set of a dataset.
     *
     * @param kind        "text", "classification" or "tagging"
     * @param description what a record is
     * @param format      file format, e.g. "UTF-8 text: one sentence per line, a blank line after each paragraph"
     * @param files       split name to file, relative to the dataset directory
     * @param labels      the label set (classification) or tag set (tagging)
     * @param counts      split name to counts
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record SetInfo(String kind, String description, String format, Map<String, String> files,
                          List<String> labels, Map<String, SplitCounts> counts) {
        public SetInfo {
            files = files == null ? Map.of() : files;
            labels = labels == null ? List.of() : labels;
            counts = counts == null ? Map.of() : counts;
        }
    }

    /**
     * Counts of one split of one set.
     *
     * @param records    text: non-blank lines; classification: examples; tagging: sentences
     * @param documents  text only: blank-line-separated blocks
     * @param tokens     whitespace-separated tokens (tagging: tokens)
     * @param characters characters (UTF-16 code units) of the text, without line breaks
     * @param labels     classification: examples per label; tagging: tokens per tag
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SplitCounts(long records, Long documents, long tokens, long characters, Map<String, Long> labels) {
    }

    /** Writes this card as indented JSON. */
    public void write(Path file) throws IOException {
        Files.writeString(file, JSON.writeValueAsString(this) + "\n");
    }

    /** Reads a card. */
    public static DatasetCard read(Path file) throws IOException {
        try {
            return JSON.readValue(file.toFile(), DatasetCard.class);
        } catch (IOException e) {
            throw new IOException(file + " is not a readable dataset card (" + e.getMessage()
                    + "): fetch the dataset again with 'graft data fetch --force NAME', NAME being the folder's name", e);
        }
    }

    /** This card as indented JSON. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
