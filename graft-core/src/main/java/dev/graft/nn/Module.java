package dev.graft.nn;

import java.util.ArrayList;
import java.util.List;

/** Anything with trainable parameters, listed in a stable order. */
public interface Module {
    List<Parameter> parameters();

    /** The parameters of {@code parts} in the order given, in a new list: a composite module's list. */
    static List<Parameter> parametersOf(Module... parts) {
        List<Parameter> list = new ArrayList<>();
        for (Module part : parts) {
            list.addAll(part.parameters());
        }
        return list;
    }

    /**
     * The parameters of the parts that are there, in the order given, in a new list: null parts (a composite's
     * optional layers it does not have, such as a post-LN body's final norm) are skipped.
     */
    static List<Parameter> parametersOfPresent(List<? extends Module> parts) {
        List<Parameter> list = new ArrayList<>();
        for (Module part : parts) {
            if (part != null) {
                list.addAll(part.parameters());
            }
        }
        return list;
    }
}
