package dev.graft.model;

import dev.graft.nn.Compute;
import dev.graft.tokenizer.Encoding;
import dev.graft.tokenizer.Tokenizer;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;

/**
 * A workload for {@link dev.graft.tensor.kernel.GemmConfigAB}: {@code graft embed}'s forward pass
 * ({@link EncoderInference}) on all-MiniLM-L6-v2 over {@link EmbedBench}'s sentences and batches
 * ({@code probe.sentences}, default 600, batches of 32 sorted by length), one batch per call, in
 * order and round again, at one thread; returns the thread's CPU nanoseconds. Every configuration's
 * runner is called once per pass, so a pass compares the configurations on the same batch. The
 * model is imported once into {@code probe.dir} (default a directory under java.io.tmpdir) and
 * loaded by each runner. With {@code -Dprobe.runner=dev.graft.model.MiniLmEmbedRunner}, GemmConfigAB
 * compares system-property settings (block sizes, {@code graft.inference.ffRows}) on the real work.
 */
public final class MiniLmEmbedRunner implements DoubleSupplier {
    private final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    private final EncoderInference inference;
    private final List<TokenBatch> batches;
    private int next;
    private float sink;

    public MiniLmEmbedRunner() throws Exception {
        Path dir = Path.of(System.getProperty("probe.dir",
                Path.of(System.getProperty("java.io.tmpdir"), "graft-embed-runner").toString()));
        Path folder = dir.resolve("minilm");
        Path tokenizerFile = dir.resolve("tokenizer.json");
        synchronized (MiniLmEmbedRunner.class) {
            if (!Files.exists(folder.resolve("config.json")) || !Files.exists(tokenizerFile)) {
                EmbedSide.main(new String[] {dir.toString()});
            }
        }
        Tokenizer tokenizer = Tokenizer.load(tokenizerFile);
        int count = Integer.getInteger("probe.sentences", 600);
        List<String> sentences = MiniLmFixture.sentences(389, Math.max(0, count - 389), 60, 3);
        List<Encoding> encodings = new ArrayList<>();
        for (String s : sentences.subList(0, Math.min(count, sentences.size()))) {
            encodings.add(tokenizer.encode(s, true));
        }
        batches = EmbedBench.batches(encodings, 32, tokenizer.specialTokens().padding().orElse(0));
        Compute compute = Compute.create(1);
        Pretrained model = Pretrained.loadBackbone(folder, compute);
        model.backbone().dropouts().forEach(d -> d.setTraining(false));
        inference = new EncoderInference(model.backbone(), compute);
        for (int warm = 0; warm < 2 * batches.size(); warm++) {
            getAsDouble();
        }
        next = 0;
    }

    @Override
    public double getAsDouble() {
        TokenBatch b = batches.get(next);
        next = (next + 1) % batches.size();
        long t0 = mx.getCurrentThreadCpuTime();
        EncoderInference.Packed out = inference.forward(b);
        long t1 = mx.getCurrentThreadCpuTime();
        sink += out.hidden()[0];
        return t1 - t0;
    }
}
