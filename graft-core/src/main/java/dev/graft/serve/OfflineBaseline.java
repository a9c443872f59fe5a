package dev.graft.serve;

import dev.graft.finetune.FineTunedModel;
import dev.graft.finetune.Prediction;
import dev.graft.model.Pretrained;
import dev.graft.model.SentenceEmbedder;
import dev.graft.nn.Compute;

import dev.graft.nn.Pooling;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.io.Writer;
import java.nio.file.Path;
import java.util.List;

/**
 * The offline throughput the server is compared with: the same sentences through {@code graft embed}'s
 * path (SentenceEmbedder, batches of 32, normalized) or {@code graft predict}'s (Prediction, batches of
 * 64), at the same thread count, after a warm-up pass.
 */
public final class OfflineBaseline {
    private OfflineBaseline() {
    }

    /** Sentences per second of the offline path over {@code sentences} (the best of {@code rounds} passes). */
    public static double sentencesPerSecond(Path folder, List<String> sentences, int threads, int rounds)
            throws IOException {
        Compute compute = Compute.create(threads);
        try {
            Runnable pass;
            if (new ModelSpec("offline", folder).fineTuned()) {
                FineTunedModel m = FineTunedModel.load(folder, compute);
                String input = String.join("\n", sentences) + "\n";
                pass = () -> {
                    try {
                        Prediction.run(m, new BufferedReader(new StringReader(input)), Writer.nullWriter(), 64);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                };
            } else {
                Pretrained p = Pretrained.loadBackbone(folder, compute);
                // as the server embeds by default: the folder's pooling, length and default prompt, normalized
                java.util.Optional<dev.graft.model.SentenceTransformersConfig> st =
                        dev.graft.model.SentenceTransformersConfig.read(folder);
                int positions = p.config().maxPositions();
                SentenceEmbedder e = new SentenceEmbedder(p.backbone(), p.requireTokenizer(),
                        st.map(dev.graft.model.SentenceTransformersConfig::pooling).orElse(Pooling.MEAN),
                        true, 32, st.map(dev.graft.model.SentenceTransformersConfig::maxSeqLength)
                                .map(m -> Math.min(m, positions)).orElse(positions));
                String prefix = st.map(dev.graft.model.SentenceTransformersConfig::defaultPrompt).orElse("");
                List<String> prompted = sentences.stream().map(t -> prefix + t).toList();
                pass = () -> e.embed(prompted);
            }
            pass.run(); // warm-up
            double best = 0;
            for (int r = 0; r < Math.max(1, rounds); r++) {
                long t0 = System.nanoTime();
                pass.run();
                best = Math.max(best, sentences.size() / ((System.nanoTime() - t0) / 1e9));
            }
            return best;
        } finally {
            compute.parallel().close();
        }
    }
}
