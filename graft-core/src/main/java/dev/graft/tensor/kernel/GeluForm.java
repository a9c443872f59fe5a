package dev.graft.tensor.kernel;

/** The two GELU forms: exact with erf (BERT) and the tanh approximation (GPT-2 "gelu_new"). */
public enum GeluForm {
    ERF,
    TANH
}
