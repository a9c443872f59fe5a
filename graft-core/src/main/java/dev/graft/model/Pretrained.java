package dev.graft.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.nn.Compute;
import dev.graft.nn.Parameter;
import dev.graft.nn.ParameterSet;
import dev.graft.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pretrained model's body loaded from a checkpoint folder, whatever head it was saved with: a
 * {@link Backbone} with its weights, its {@link ModelConfig} and its tokenizer, for fine-tuning
 * (put a task head on it) or for embeddings.
 *
 * <p>Reads folders written by graft ({@code BertForMaskedLM}, {@code GPT2LMHeadModel},
 * {@code BertModel} from {@code graft import}) and by Hugging Face transformers' {@code save_pretrained}
 * ({@code BertModel}, {@code BertForMaskedLM}, {@code BertForPreTraining},
 * {@code BertForSequenceClassification}, ..., {@code GPT2Model}, {@code GPT2LMHeadModel}):
 * {@code config.json}, {@code model.safetensors} and, if present, {@code tokenizer.json}.
 *
 * <p>Tensor names: each backbone parameter is looked up under graft's name
 * ({@code bert.encoder.layer.0...}, {@code transformer.h.0...}) and then under the bare name a
 * BertModel / GPT2Model saves ({@code encoder.layer.0...}, {@code h.0...}). F16 and BF16 tensors
 * are widened to F32. Rules:
 * <ul>
 * <li>a backbone parameter the file lacks, one with another shape, or one stored as integers is an
 * error listing every such problem: nothing is left at its initial value;</li>
 * <li>a tensor inside the backbone's namespace ({@code [bert.]embeddings.*}, {@code [bert.]encoder.*},
 * {@code [transformer.]wte, wpe, h.N, ln_f}) that matches no parameter is an error too (the config and
 * the weights disagree, e.g. more layers in the file), except the buffers Hugging Face saves:
 * {@code position_ids}, and GPT-2's causal-mask {@code attn.bias} / {@code attn.masked_bias};</li>
 * <li>every other tensor is a head this loader does not need ({@code cls.*} MLM/NSP heads,
 * {@code lm_head.weight}, {@code bert.pooler.*}, {@code classifier.*}, ...): not read, listed in
 * {@link #ignoredTensors()}.</li>
 * </ul>
 *
 * @param folder         the checkpoint folder
 * @param config         from config.json
 * @param architecture   {@code architectures[0]} of config.json ("BertModel", ...), or "" when absent
 * @param backbone       the body, weights loaded, dropout on (call {@code dropouts()} to switch it off)
 * @param parameters     the backbone's parameters in one slab
 * @param tokenizer      from tokenizer.json, or null when the folder has none
 * @param ignoredTensors tensors of the file the backbone does not use (heads, pooler, buffers)
 */
public record Pretrained(Path folder, ModelConfig config, String architecture, Backbone backbone,
                         ParameterSet parameters, Tokenizer tokenizer, List<String> ignoredTensors) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Loads the backbone of the checkpoint in {@code folder}, dropout seeds from 0. */
    public static Pretrained loadBackbone(Path folder, Compute compute) throws IOException {
        return loadBackbone(folder, compute, 0L);
    }

    /**
     * Loads the backbone of the checkpoint in {@code folder}.
     *
     * @param seed seeds the backbone's dropout masks (the weights come from the file)
     */
    public static Pretrained loadBackbone(Path folder, Compute compute, long seed) throws IOException {
        Checkpoint.requireFolder(folder, "one written by graft import or graft pretrain");
        Path configFile = folder.resolve(Checkpoint.CONFIG);
        ModelConfig config = HfConfig.read(configFile);
        String architecture = architecture(configFile);
        Path weights = folder.resolve(Checkpoint.WEIGHTS);
        if (!Files.exists(weights)) {
            String hint = Files.exists(folder.resolve("pytorch_model.bin"))
                    ? " (it has pytorch_model.bin, a pickle graft does not read: re-save it with "
                    + "save_pretrained(..., safe_serialization=True))" : "";
            throw new NoSuchFileException(weights + ": no weights file in this folder" + hint);
        }
        Tokenizer tokenizer = null;
        Path tokenizerFile = folder.resolve(Checkpoint.TOKENIZER);
        if (Files.exists(tokenizerFile)) {
            tokenizer = Tokenizer.load(tokenizerFile);
            if (tokenizer.vocabularySize() > config.vocabSize()) {
                throw new IOException(folder + ": tokenizer.json has " + tokenizer.vocabularySize() + " tokens but "
                        + "the model has only " + config.vocabSize() + " token embeddings (config.json vocab_size): "
                        + "the tokenizer does not belong to this model");
            }
        }
        Backbone backbone = new Backbone(compute, config, seed);
        ParameterSet parameters = new ParameterSet(backbone.parameters());
        List<String> ignored = readBackboneWeights(weights, config, parameters);
        return new Pretrained(folder, config, architecture, backbone, parameters, tokenizer, List.copyOf(ignored));
    }

    /**
     * Writes this backbone as a checkpoint folder in the layout Hugging Face's {@code BertModel} /
     * {@code GPT2Model} save: config.json ({@code architectures} ["BertModel"] or ["GPT2Model"]),
     * model.safetensors with bare names ({@code embeddings.word_embeddings.weight},
     * {@code h.0.attn.c_attn.weight}, ...), and this folder's tokenizer.json when it has one.
     */
    public void saveBackbone(Path out, Map<String, String> metadata) throws IOException {
        Map<String, dev.graft.tensor.Tensor> weights = new java.util.LinkedHashMap<>();
        for (Parameter p : parameters.list()) {
            weights.put(p.name(), p.value());
        }
        Path tokenizerFile = folder.resolve(Checkpoint.TOKENIZER);
        saveBackboneFolder(out, config, weights, metadata, Files.exists(tokenizerFile) ? tokenizerFile : null);
    }

    /**
     * Writes backbone weights under graft's names ({@code bert.} / {@code transformer.} prefixed, as
     * {@link Backbone#parameters()} names them) as a BertModel / GPT2Model folder with bare names;
     * copies {@code tokenizerJson} byte for byte when not null. Staged, then renamed into place.
     */
    public static void saveBackboneFolder(Path out, ModelConfig config, Map<String, dev.graft.tensor.Tensor> weights,
                                          Map<String, String> metadata, Path tokenizerJson) throws IOException {
        if (tokenizerJson != null && !Files.isRegularFile(tokenizerJson)) {
            throw new NoSuchFileException(tokenizerJson + ": no such tokenizer file");
        }
        String prefix = config.isEncoder() ? "bert." : "transformer.";
        String filePrefix = HfNames.prefix(config.family());
        Map<String, dev.graft.tensor.Tensor> bare = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, dev.graft.tensor.Tensor> e : weights.entrySet()) {
            if (!e.getKey().startsWith(prefix)) {
                throw new IllegalArgumentException(e.getKey() + " is not a backbone parameter (" + prefix + "...)");
            }
            bare.put(HfNames.toFile(config.family(), e.getKey()).substring(filePrefix.length()), e.getValue());
        }
        AtomicFiles.writeDirectory(out, staged -> {
            HfConfig.write(staged.resolve(Checkpoint.CONFIG), config, config.isEncoder() ? "BertModel" : "GPT2Model");
            // HfConfig names the class of the family: RobertaModel, DistilBertModel, ...
            Map<String, String> meta = new java.util.LinkedHashMap<>();
            meta.put("format", "pt");
            if (metadata != null) {
                meta.putAll(metadata);
            }
            SafeTensors.write(staged.resolve(Checkpoint.WEIGHTS), bare, meta);
            if (tokenizerJson != null) {
                AtomicFiles.writeBytes(staged.resolve(Checkpoint.TOKENIZER), Files.readAllBytes(tokenizerJson));
            }
        });
    }

    /** The tokenizer, or an error saying the folder has none. */
    public Tokenizer requireTokenizer() throws IOException {
        if (tokenizer == null) {
            throw new NoSuchFileException(folder.resolve(Checkpoint.TOKENIZER) + ": this checkpoint has no "
                    + "tokenizer.json; copy the model's tokenizer.json into the folder");
        }
        return tokenizer;
    }

    /**
     * Loads the backbone parameters from a safetensors file by the rules above; returns the names
     * of the tensors it did not use.
     */
    public static List<String> readBackboneWeights(Path file, ModelConfig config, ParameterSet parameters)
            throws IOException {
        SafeTensors.Header header = SafeTensors.header(file);
        Set<String> available = header.tensors().keySet();
        String prefix = HfNames.prefix(config.family());
        List<String> problems = new ArrayList<>();
        Set<String> used = new HashSet<>();
        List<String[]> plan = new ArrayList<>(); // {parameter name, file name}
        for (Parameter p : parameters.list()) {
            String name = p.name();
            String inFile = HfNames.toFile(config.family(), name);
            String found = available.contains(inFile) ? inFile : null;
            if (found == null && inFile.startsWith(prefix) && available.contains(inFile.substring(prefix.length()))) {
                found = inFile.substring(prefix.length());
            }
            if (found == null) {
                problems.add("missing " + inFile + Arrays.toString(p.shape()));
                continue;
            }
            if (!used.add(found)) {
                problems.add(found + " would be read twice");
                continue;
            }
            SafeTensors.TensorInfo info = header.tensors().get(found);
            if (!SafeTensors.DType.isFloat(info.dtype())) {
                problems.add(found + " is stored as " + info.dtype() + ", not as floating-point weights");
            } else if (!Arrays.equals(info.shape(), p.shape())) {
                problems.add(found + " has shape " + Arrays.toString(info.shape()) + " in the file but "
                        + Arrays.toString(p.shape()) + " in the model config.json describes");
            } else {
                plan.add(new String[] {name, found});
            }
        }
        List<String> ignored = new ArrayList<>();
        for (String name : available) {
            if (used.contains(name)) {
                continue;
            }
            if (HfNames.inBody(config.family(), name) && !isBuffer(name)) {
                problems.add("unexpected " + name + Arrays.toString(header.tensors().get(name).shape())
                        + " (inside the " + (config.isEncoder() ? "encoder" : "decoder") + " but not a parameter of "
                        + "the model config.json describes)");
            } else {
                ignored.add(name);
            }
        }
        if (!problems.isEmpty()) {
            throw new IOException(file + ": the weights do not match the model described by config.json ("
                    + config.numberOfLayers() + " layers, hidden " + config.hiddenSize() + "): "
                    + Checkpoint.summarize(problems) + ". Is config.json the one these weights were saved with?");
        }
        Map<String, dev.graft.tensor.Tensor> into = new java.util.LinkedHashMap<>();
        for (String[] pair : plan) {
            into.put(pair[1], parameters.get(pair[0]).value());
        }
        header.readInto(into); // straight into the parameter slab
        return ignored;
    }

    /** Non-parameter tensors Hugging Face saves: position-id, token-type and causal-mask buffers. */
    private static boolean isBuffer(String name) {
        return name.endsWith("position_ids") || name.endsWith("embeddings.token_type_ids")
                || name.endsWith(".attn.bias") || name.endsWith(".attn.masked_bias");
    }

    private static String architecture(Path configFile) throws IOException {
        JsonNode o = JSON.readTree(Files.readString(configFile));
        JsonNode a = o.path("architectures");
        return a.isArray() && !a.isEmpty() ? a.get(0).asText("") : "";
    }
}
