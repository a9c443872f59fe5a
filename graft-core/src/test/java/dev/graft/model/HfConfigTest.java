package dev.graft.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.tensor.kernel.GeluForm;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** config.json written per family under that family's field names, and read back to the same config. */
class HfConfigTest {
    private static final Path FILE = Path.of("config.json");

    private static ModelConfig encoder(ModelConfig.Family family, int embedding, int pad) {
        return new ModelConfig(ModelConfig.Architecture.ENCODER, 99, 32, 2, 4, 37, 16,
                family == ModelConfig.Family.DISTILBERT ? 0 : 2, 1e-12f, 0.125f, 0.25f, GeluForm.ERF, 0.02f, pad,
                false, true, family, embedding);
    }

    private static ModelConfig gpt2() {
        return new ModelConfig(ModelConfig.Architecture.DECODER, 99, 32, 2, 4, 37, 16, 0, 1e-5f, 0.125f, 0.25f,
                GeluForm.TANH, 0.02f, -1, true, false);
    }

    private static List<String> names(ObjectNode o) {
        List<String> names = new ArrayList<>();
        o.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void eachFamilyReadsBackWhatItWrote() throws IOException {
        List<ModelConfig> configs = List.of(encoder(ModelConfig.Family.BERT, 32, 0),
                encoder(ModelConfig.Family.BERT, 32, 0).withPreNorm(true).withLinearBias(false),
                encoder(ModelConfig.Family.ROBERTA, 32, 1), encoder(ModelConfig.Family.XLM_ROBERTA, 32, 1),
                encoder(ModelConfig.Family.ELECTRA, 24, 0), encoder(ModelConfig.Family.DISTILBERT, 32, 0), gpt2());
        for (ModelConfig c : configs) {
            ObjectNode o = HfConfig.toJson(c, c.isEncoder() ? "BertModel" : "GPT2LMHeadModel");
            assertThat(o.path("model_type").asText()).isEqualTo(c.family().modelType());
            assertThat(HfConfig.fromJson(o, FILE)).as(c.family() + " " + o).isEqualTo(c);
        }
    }

    @Test
    void fieldNamesAreTheFamilysOwn() {
        ObjectNode bert = HfConfig.toJson(encoder(ModelConfig.Family.ROBERTA, 32, 1), "BertModel");
        assertThat(names(bert)).containsExactlyInAnyOrder("architectures", "model_type", "vocab_size", "hidden_size",
                "num_hidden_layers", "num_attention_heads", "intermediate_size", "hidden_act", "hidden_dropout_prob",
                "attention_probs_dropout_prob", "max_position_embeddings", "type_vocab_size", "initializer_range",
                "layer_norm_eps", "pad_token_id", "position_embedding_type");
        assertThat(bert.path("architectures").get(0).asText()).isEqualTo("RobertaModel");
        assertThat(bert.path("max_position_embeddings").asInt()).isEqualTo(16 + 2); // pad id 1: rows 0 and 1 first
        assertThat(bert.path("hidden_act").asText()).isEqualTo("gelu");

        ObjectNode electra = HfConfig.toJson(encoder(ModelConfig.Family.ELECTRA, 24, 0), "BertModel");
        assertThat(electra.path("embedding_size").asInt()).isEqualTo(24);

        ObjectNode distil = HfConfig.toJson(encoder(ModelConfig.Family.DISTILBERT, 32, 0), "BertModel");
        assertThat(names(distil)).containsExactlyInAnyOrder("architectures", "model_type", "vocab_size", "dim",
                "n_layers", "n_heads", "hidden_dim", "activation", "dropout", "attention_dropout",
                "max_position_embeddings", "sinusoidal_pos_embds", "initializer_range", "pad_token_id",
                "tie_weights_");
        assertThat(distil.path("hidden_dim").asInt()).isEqualTo(37);
        assertThat(distil.path("dropout").floatValue()).isEqualTo(0.125f);

        ObjectNode gpt = HfConfig.toJson(gpt2(), "GPT2LMHeadModel");
        assertThat(names(gpt)).containsExactlyInAnyOrder("architectures", "model_type", "vocab_size", "n_embd",
                "n_layer", "n_head", "n_inner", "n_positions", "n_ctx", "activation_function", "resid_pdrop",
                "embd_pdrop", "attn_pdrop", "layer_norm_epsilon", "initializer_range", "graft_linear_bias");
        assertThat(gpt.path("activation_function").asText()).isEqualTo("gelu_new");
        assertThat(gpt.path("n_ctx").asInt()).isEqualTo(16);
        assertThat(gpt.path("embd_pdrop").floatValue()).isEqualTo(0.125f);
        assertThat(gpt.path("attn_pdrop").floatValue()).isEqualTo(0.25f);
    }
}
