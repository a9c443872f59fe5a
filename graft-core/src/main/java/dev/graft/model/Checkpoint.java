package dev.graft.model;

import dev.graft.nn.Parameter;
import dev.graft.nn.ParameterSet;
import dev.graft.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A model folder shaped like Hugging Face's: {@code config.json}, {@code model.safetensors}
 * (parameter names in their BERT / GPT-2 naming), optionally {@code tokenizer.json} and, for a
 * training checkpoint, {@code training_state/}. Saving stages the folder under a temporary name
 * and renames it into place, so a crash never leaves a half checkpoint.
 */
public final class Checkpoint {
    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String TOKENIZER = "tokenizer.json";
    public static final String TRAINING_STATE = "training_state";

    /** Tensors Hugging Face may store for tied weights; graft ties them itself and ignores the copies. */
    private static final Set<String> TIED_COPIES = Set.of("cls.predictions.decoder.weight",
            "cls.predictions.decoder.bias", "lm_head.weight");

    /**
     * Parts of a Hugging Face BERT checkpoint the MLM model does not have and does not need: the
     * pooler ({@code bert.pooler.*}, saved by BertModel and BertForPreTraining) and the
     * next-sentence head ({@code cls.seq_relationship.*}). They are skipped, not errors.
     */
    static boolean isUnusedHead(String name) {
        return name.startsWith("bert.pooler.") || name.startsWith("pooler.") || name.startsWith("cls.seq_relationship.");
    }

    /** Writes extra files into the staged folder before it is published. */
    @FunctionalInterface
    public interface Extras {
        void writeInto(Path stagedFolder) throws IOException;
    }

    private Checkpoint() {
    }

    /**
     * Fails unless {@code folder} is a folder, saying what to give instead.
     *
     * @param example where such folders come from ("the folder a pretraining run wrote (graft pretrain)")
     */
    public static void requireFolder(Path folder, String example) throws NoSuchFileException {
        if (!Files.isDirectory(folder)) {
            throw new NoSuchFileException(folder + (Files.exists(folder) ? " is not a folder" : " does not exist")
                    + ": give a checkpoint folder (config.json, model.safetensors, tokenizer.json), e.g. " + example);
        }
    }

    /**
     * Saves config, weights and extras into {@code dir} atomically (replacing an existing folder).
     *
     * @param architecture Hugging Face class name for config.json ("BertForMaskedLM", "GPT2LMHeadModel")
     */
    public static void save(Path dir, ModelConfig config, String architecture, ParameterSet parameters,
                            Map<String, String> metadata, Extras extras) throws IOException {
        AtomicFiles.writeDirectory(dir, staged -> {
            HfConfig.write(staged.resolve(CONFIG), config, architecture);
            writeWeights(staged.resolve(WEIGHTS), config, parameters, metadata);
            if (extras != null) {
                extras.writeInto(staged);
            }
        });
    }

    /** Writes every parameter under its name, F32. */
    public static void writeWeights(Path file, ParameterSet parameters, Map<String, String> metadata)
            throws IOException {
        writeWeights(file, null, parameters, metadata);
    }

    /**
     * Writes every parameter under its name in the files of {@code config}'s family ({@link HfNames}: RoBERTa's
     * {@code roberta.*}, ...; a BERT's or GPT-2's as graft names them; null config: graft's names), F32.
     */
    public static void writeWeights(Path file, ModelConfig config, ParameterSet parameters,
                                    Map<String, String> metadata) throws IOException {
        ModelConfig.Family family = config == null ? ModelConfig.Family.BERT : config.family();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Parameter p : parameters.list()) {
            tensors.put(HfNames.toFile(family, p.name()), p.value());
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        if (metadata != null) {
            meta.putAll(metadata);
        }
        SafeTensors.write(file, tensors, meta);
    }

    /**
     * Loads every parameter of {@code parameters} from {@code file}. A parameter the file lacks, a
     * tensor the model does not have, or a shape that differs is an error listing all of them;
     * nothing is left silently at its initial value.
     */
    public static void readWeights(Path file, ParameterSet parameters) throws IOException {
        readWeights(file, null, parameters);
    }

    /**
     * As {@link #readWeights(Path, ParameterSet)}, for a file of {@code config}'s family: its names are
     * translated to graft's ({@link HfNames}), its tied copies and buffers skipped. A null config reads graft's
     * names (BERT's and GPT-2's).
     */
    public static void readWeights(Path file, ModelConfig config, ParameterSet parameters) throws IOException {
        ModelConfig.Family family = config == null ? ModelConfig.Family.BERT : config.family();
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file + ": no weights file here; is this a graft or Hugging Face model "
                    + "folder?");
        }
        SafeTensors.Header header = SafeTensors.header(file);
        Map<String, SafeTensors.TensorInfo> entries = new LinkedHashMap<>(); // by graft's name
        for (SafeTensors.TensorInfo info : header.tensors().values()) {
            if (!HfNames.isTiedCopy(family, info.name())) {
                entries.put(HfNames.toGraft(family, info.name()), info);
            }
        }
        List<String> problems = new ArrayList<>();
        Set<String> used = new java.util.HashSet<>();
        Map<String, dev.graft.tensor.Tensor> into = new LinkedHashMap<>(); // by the file's name
        for (Parameter p : parameters.list()) {
            SafeTensors.TensorInfo e = entries.get(p.name());
            String name = p.name();
            if (e == null && name.startsWith("bert.")) {
                // a bare BertModel checkpoint names its tensors without the "bert." prefix
                e = entries.get(name.substring(5));
                name = name.substring(5);
            }
            if (e == null) {
                problems.add("missing " + p.name() + java.util.Arrays.toString(p.shape()));
                continue;
            }
            used.add(name);
            if (!java.util.Arrays.equals(e.shape(), p.shape())) {
                problems.add(p.name() + " has shape " + java.util.Arrays.toString(e.shape()) + " in the file but "
                        + java.util.Arrays.toString(p.shape()) + " in the model");
                continue;
            }
            if (!SafeTensors.DType.isFloat(e.dtype())) {
                problems.add(name + " is stored as " + e.dtype() + ", not as floating-point weights");
                continue;
            }
            into.put(e.name(), p.value());
        }
        for (String name : entries.keySet()) {
            if (!used.contains(name) && !TIED_COPIES.contains(name) && !name.endsWith("position_ids")
                    && !name.endsWith("embeddings.token_type_ids") && !isUnusedHead(name)) {
                problems.add("unexpected " + name);
            }
        }
        if (!problems.isEmpty()) {
            throw new IOException(file + ": the weights do not match the model described by config.json: "
                    + summarize(problems) + ". Is config.json the one these weights were saved with?");
        }
        header.readInto(into); // straight into the parameter slab
    }

    /** How many problems of each kind there are, and the first few: a readable line, not kilobytes of names. */
    public static String summarize(List<String> problems) {
        final int shown = 5;
        long missing = problems.stream().filter(p -> p.startsWith("missing ")).count();
        long unexpected = problems.stream().filter(p -> p.startsWith("unexpected ")).count();
        long other = problems.size() - missing - unexpected;
        List<String> counts = new ArrayList<>();
        if (missing > 0) {
            counts.add(missing + " tensor(s) of the model missing from the file");
        }
        if (unexpected > 0) {
            counts.add(unexpected + " tensor(s) in the file the model does not have");
        }
        if (other > 0) {
            counts.add(other + " with another shape or type");
        }
        String first = String.join("; ", problems.subList(0, Math.min(shown, problems.size())));
        return String.join(", ", counts) + " (" + (problems.size() > shown ? "first " + shown + ": " : "") + first
                + (problems.size() > shown ? "; ..." : "") + ")";
    }
}
