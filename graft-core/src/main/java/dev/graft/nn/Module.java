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
}
