package dev.graft.data;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The fixed train/dev/test split of the fetched datasets: a procedure anyone can redo by hand or in
 * another language, with no random-number generator to pin.
 *
 * <ol>
 *   <li>Each split unit (a document, a speech, a chapter, a sentence: the dataset's card says which)
 *       has a stable id and a stratum (its label, or "" when unstratified).</li>
 *   <li>Its key is the first 8 bytes, as an unsigned big-endian number, of
 *       SHA-256(UTF-8 of {@code seed + "/" + id}); the seed is {@code "graft-split-v1/" + dataset name}.</li>
 *   <li>Within each stratum, units are sorted by key (ties by id). With n units, the first
 *       {@code t = n < 3 ? 0 : max(1, round(0.1 n))} go to test, the next {@code d} (same formula) to dev,
 *       the rest to train: 80/10/10.</li>
 * </ol>
 *
 * Adding a unit never moves another unit across splits unless it changes its stratum's counts; the
 * assignment is written into files (and small ones into card.json) so it never changes silently.
 */
public final class SeededSplit {
    /** Fraction of each stratum in dev and in test. */
    public static final double HELD_OUT_FRACTION = 0.1;
    /** Prefix of every dataset's split seed; bump the version to change the procedure. */
    public static final String SEED_PREFIX = "graft-split-v1/";

    private SeededSplit() {
    }

    /** The seed for dataset {@code name}: "graft-split-v1/NAME". */
    public static String seedFor(String name) {
        return SEED_PREFIX + name;
    }

    /** The sort key of {@code id} under {@code seed} (compare with {@link Long#compareUnsigned}). */
    public static long key(String seed, String id) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] digest = sha.digest((seed + "/" + id).getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest, 0, 8).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** How many of {@code n} units of one stratum go to test (and, separately, to dev). */
    public static int heldOutCount(int n) {
        return n < 3 ? 0 : Math.max(1, (int) Math.round(HELD_OUT_FRACTION * n));
    }

    /**
     * Assigns each unit to a split.
     *
     * @param units   the units (ids must be distinct)
     * @param id      a unit's stable id
     * @param stratum a unit's stratum ("" for none)
     * @param seed    {@link #seedFor(String)}
     * @return the split of every unit, by id
     */
    public static <T> Map<String, Split> assign(List<T> units, Function<T, String> id, Function<T, String> stratum,
                                                String seed) {
        Map<String, List<String>> byStratum = new TreeMap<>();
        Map<String, Split> out = new HashMap<>();
        for (T u : units) {
            String i = id.apply(u);
            if (out.put(i, Split.TRAIN) != null) {
                throw new IllegalArgumentException("split unit id '" + i + "' appears twice");
            }
            byStratum.computeIfAbsent(stratum.apply(u), k -> new ArrayList<>()).add(i);
        }
        for (List<String> ids : byStratum.values()) {
            Map<String, Long> keys = new HashMap<>();
            ids.forEach(i -> keys.put(i, key(seed, i)));
            ids.sort(Comparator.<String, Long>comparing(keys::get, Long::compareUnsigned).thenComparing(i -> i));
            int held = heldOutCount(ids.size());
            for (int k = 0; k < ids.size(); k++) {
                out.put(ids.get(k), k < held ? Split.TEST : k < 2 * held ? Split.DEV : Split.TRAIN);
            }
        }
        return out;
    }
}
