package dev.graft;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * An enum that users name by its id: the constant's name in lower case with '-' for '_' ({@code train},
 * {@code cosine-time}, {@code teacher-layers}), as command lines, JSON files and dataset cards write it.
 */
public interface Named {
    /** The constant's name (every enum has it). */
    String name();

    /** The id: {@link #name()} in lower case, '-' for '_'. */
    default String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The constant of {@code type} with the id {@code text} (in any case, blanks around it ignored); otherwise a
     * {@link SpecException} on the spec field {@code field} that lists the ids ("use random or teacher-layers").
     */
    static <E extends Enum<E> & Named> E parse(Class<E> type, String field, String text) {
        E[] all = type.getEnumConstants();
        for (E e : all) {
            if (e.id().equalsIgnoreCase(text.trim())) {
                return e;
            }
        }
        List<String> ids = Arrays.stream(all).map(Named::id).toList();
        throw new SpecException(field, "unknown " + field + " '" + text + "': use "
                + String.join(", ", ids.subList(0, ids.size() - 1)) + " or " + ids.get(ids.size() - 1));
    }
}
