package dev.graft.experiment;

/**
 * A data set an experiment used, as the report lists it.
 *
 * @param name    e.g. "sentiment-uci" or a file name
 * @param version the data set's version or release, null when unknown
 * @param sha256  checksum of the bytes read, null when unknown
 * @param source  where it came from (a description or an address), null when unknown
 */
public record DataProvenance(String name, String version, String sha256, String source) {
    public DataProvenance {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a data entry of the report needs a name");
        }
    }
}
