package dev.graft.data;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Shared pieces of the standard datasets' cards. */
final class Cards {
    /** Split assignments with at most this many units list their dev and test ids in the card. */
    static final int MAX_LISTED_UNITS = 5000;

    static final String PROCEDURE = "Each unit's key is the first 8 bytes (unsigned, big-endian) of SHA-256 of the "
            + "UTF-8 string SEED + \"/\" + UNIT_ID. Within each stratum, units are sorted by key (ties by id); with n "
            + "units the first t = (n < 3 ? 0 : max(1, round(0.1 n))) go to test, the next t to dev, the rest to train. "
            + "Files keep the source order within each split.";

    private Cards() {
    }

    static DatasetCard.SourceInfo source(Source s, Path file, String license) throws IOException {
        return new DatasetCard.SourceInfo(s.registry().name().toLowerCase(java.util.Locale.ROOT), s.name(), s.version(),
                file.getFileName().toString(), DataFiles.sha256(file), license);
    }

    static DatasetCard.SplitInfo split(String dataset, String unit, String stratifiedBy, Map<String, Split> assignment) {
        Map<String, Long> units = new LinkedHashMap<>();
        for (Split s : Split.values()) {
            units.put(s.id(), assignment.values().stream().filter(x -> x == s).count());
        }
        Map<String, List<String>> held = new LinkedHashMap<>();
        if (assignment.size() <= MAX_LISTED_UNITS) {
            for (Split s : List.of(Split.DEV, Split.TEST)) {
                List<String> ids = new ArrayList<>();
                assignment.forEach((id, sp) -> {
                    if (sp == s) {
                        ids.add(id);
                    }
                });
                ids.sort(null);
                held.put(s.id(), ids);
            }
        }
        return new DatasetCard.SplitInfo(PROCEDURE, SeededSplit.seedFor(dataset), unit, stratifiedBy, units, held);
    }

    static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
