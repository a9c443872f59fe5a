package dev.graft;

import dev.graft.api.Checkpoint;
import dev.graft.api.PretrainOptions;

import java.io.IOException;
import java.nio.file.Path;

/** {@link GraftTest}'s tiny model for front-door tests in other packages. */
public final class GraftTestAccess {
    private GraftTestAccess() {
    }

    /** Pretrains the tiny model ({@link GraftTest#tiny()}) on the fixture corpus into {@code dir/base}. */
    public static Checkpoint tinyBase(Path dir) throws IOException {
        try (Graft graft = Graft.withThreads(1)) {
            return graft.pretrain(GraftTest.tiny().withCorpus(GraftTest.corpus(dir.resolve("corpus.txt")))
                    .withOut(dir.resolve("base")));
        }
    }

    public static PretrainOptions tiny() {
        return GraftTest.tiny();
    }
}
