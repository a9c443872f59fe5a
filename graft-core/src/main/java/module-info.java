/**
 * graft-core, the library. The front door is {@link dev.graft.Graft} with the types of {@code dev.graft.api};
 * docs/LIBRARY.md shows the calls and docs/ARCHITECTURE.md the package table (public and internal).
 *
 * <p>Exported to every module: the front door, {@code dev.graft.api}, and every package whose types appear in
 * the public signatures of those (and so on, transitively): {@code -Xlint:exports} is clean. Those are the
 * packages a library user can name; they are not all stable (see docs/LIBRARY.md). Exported to the command
 * line only: benchmarks, distillation, experiments, serving and word vectors; the baselines to no one.
 * ModuleBoundaryTest holds this file, the table in docs/ARCHITECTURE.md ("Module boundaries") and the
 * exported signatures to each other.
 */
module dev.graft {
    // The Vector API kernels: optional. A JVM without --add-modules jdk.incubator.vector computes with the
    // scalar kernels (KernelProvider looks the module up in the boot layer and loads VectorKernels reflectively).
    requires static jdk.incubator.vector;

    requires transitive com.fasterxml.jackson.databind; // exported signatures name JsonNode and ObjectNode
    requires org.apache.commons.csv;
    requires org.apache.commons.compress;
    requires java.desktop; // experiment.LineChart draws PNG charts with java.awt and javax.imageio
    requires java.logging; // serve
    requires java.management; // bench.GemmBench
    requires jdk.httpserver; // serve.InferenceServer

    exports dev.graft;
    exports dev.graft.api;
    // named by the public signatures of dev.graft and dev.graft.api, directly or through each other
    exports dev.graft.data;
    exports dev.graft.eval;
    exports dev.graft.finetune;
    exports dev.graft.io;
    exports dev.graft.model;
    exports dev.graft.nn;
    exports dev.graft.pretrain;
    exports dev.graft.task;
    exports dev.graft.tensor;
    exports dev.graft.tensor.kernel;
    exports dev.graft.tokenizer;
    exports dev.graft.train;

    // internal: for the commands only (graft-spark needs none of them)
    exports dev.graft.bench to dev.graft.cli;
    exports dev.graft.distill to dev.graft.cli;
    exports dev.graft.experiment to dev.graft.cli;
    exports dev.graft.serve to dev.graft.cli;
    exports dev.graft.vectors to dev.graft.cli;
}
