package dev.graft.model;

import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/** The tensor names transformers' ELECTRA models save, written out from its modules (test scope). */
public final class ElectraNames {
    private ElectraNames() {
    }

    /**
     * The {@code electra.*} body: embeddings, {@code embeddings_project} when {@code project}, and
     * {@code layers} encoder layers; a head's names are the caller's.
     */
    public static SortedSet<String> body(int layers, boolean project) {
        SortedSet<String> names = new TreeSet<>();
        for (String e : List.of("word_embeddings.weight", "position_embeddings.weight",
                "token_type_embeddings.weight", "LayerNorm.weight", "LayerNorm.bias")) {
            names.add("electra.embeddings." + e);
        }
        if (project) {
            names.add("electra.embeddings_project.weight");
            names.add("electra.embeddings_project.bias");
        }
        for (int i = 0; i < layers; i++) {
            for (String m : List.of("attention.self.query", "attention.self.key", "attention.self.value",
                    "attention.output.dense", "attention.output.LayerNorm", "intermediate.dense", "output.dense",
                    "output.LayerNorm")) {
                names.add("electra.encoder.layer." + i + "." + m + ".weight");
                names.add("electra.encoder.layer." + i + "." + m + ".bias");
            }
        }
        return names;
    }
}
