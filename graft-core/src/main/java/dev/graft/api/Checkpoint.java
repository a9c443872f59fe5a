package dev.graft.api;

import java.nio.file.Path;

/**
 * A pretrained model on disk, as {@link dev.graft.Graft#pretrain} leaves it: a folder with
 * {@code config.json}, {@code model.safetensors} and {@code tokenizer.json} (any such folder will do,
 * e.g. one from {@code graft import}).
 *
 * @param folder the checkpoint folder
 */
public record Checkpoint(Path folder) {
    public Checkpoint {
        if (folder == null) {
            throw new IllegalArgumentException("a checkpoint needs its folder");
        }
    }

    public static Checkpoint of(Path folder) {
        return new Checkpoint(folder);
    }
}
