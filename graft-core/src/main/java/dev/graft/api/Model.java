package dev.graft.api;

import java.nio.file.Path;
import java.util.List;

/**
 * A fine-tuned model: a {@link Classifier} or a {@link Tagger}, as {@link dev.graft.Graft#load} reads it
 * from its folder ({@code switch (graft.load(dir)) { case Classifier c -> ...; case Tagger t -> ...; }}).
 */
public sealed interface Model permits Classifier, Tagger {

    /** The model's folder. */
    Path folder();

    /** Its labels (classes or tags), index = the id the model outputs. */
    List<String> labels();
}
