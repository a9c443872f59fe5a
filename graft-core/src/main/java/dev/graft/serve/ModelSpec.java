package dev.graft.serve;

import dev.graft.model.Checkpoint;
import dev.graft.model.HeadConfig;
import dev.graft.model.HfConfig;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A model to serve: its name (what requests' {@code "model"} field says) and its folder.
 *
 * @param name   letters, digits and {@code . _ -}
 * @param folder a fine-tuned model (graft finetune) or an encoder (graft import, graft pretrain)
 */
public record ModelSpec(String name, Path folder) {
    public ModelSpec {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,127}")) {
            throw new IllegalArgumentException("model name '" + name + "' must be 1-128 letters, digits, '.', '_' "
                    + "or '-', starting with a letter or digit: give --model NAME=DIR");
        }
    }

    /** {@code NAME=DIR}, or {@code DIR} named after its last path element. */
    public static ModelSpec parse(String spec) {
        int eq = spec.indexOf('=');
        if (eq > 0 && spec.substring(0, eq).matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            return new ModelSpec(spec.substring(0, eq), Path.of(spec.substring(eq + 1)));
        }
        Path folder = Path.of(spec);
        Path last = folder.toAbsolutePath().normalize().getFileName();
        String name = last == null ? "model" : last.toString().replaceAll("[^A-Za-z0-9._-]", "-");
        if (!name.matches("[A-Za-z0-9].*")) {
            name = "model" + name;
        }
        return new ModelSpec(name, folder);
    }

    /** Whether the folder holds a fine-tuned classifier or tagger (config.json with a head), not an encoder. */
    public boolean fineTuned() throws IOException {
        Path file = folder.resolve(Checkpoint.CONFIG);
        var json = HeadConfig.readJson(file);
        return HeadConfig.read(json, HfConfig.fromJson(json, file), file).isPresent();
    }
}
