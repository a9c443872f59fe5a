package dev.graft.nn;

import java.util.List;

/** Anything with trainable parameters, listed in a stable order. */
public interface Module {
    List<Parameter> parameters();
}
