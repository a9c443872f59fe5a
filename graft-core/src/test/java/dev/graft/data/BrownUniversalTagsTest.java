package dev.graft.data;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BrownUniversalTagsTest {
    @Test
    void baseTags() {
        assertThat(BrownUniversalTags.map("nn")).isEqualTo("NOUN");
        assertThat(BrownUniversalTags.map("NP$")).isEqualTo("NOUN");
        assertThat(BrownUniversalTags.map("at")).isEqualTo("DET");
        assertThat(BrownUniversalTags.map("pp$")).isEqualTo("DET");
        assertThat(BrownUniversalTags.map("pp$$")).isEqualTo("PRON");
        assertThat(BrownUniversalTags.map("cs")).isEqualTo("ADP");
        assertThat(BrownUniversalTags.map("ex")).isEqualTo("PRT");
        assertThat(BrownUniversalTags.map("abn")).isEqualTo("PRT");
        assertThat(BrownUniversalTags.map("ap")).isEqualTo("ADJ");
        assertThat(BrownUniversalTags.map("od")).isEqualTo("ADJ");
        assertThat(BrownUniversalTags.map("cd")).isEqualTo("NUM");
        assertThat(BrownUniversalTags.map("cd$")).isEqualTo("NOUN");
        assertThat(BrownUniversalTags.map("*")).isEqualTo("ADV");
        assertThat(BrownUniversalTags.map("``")).isEqualTo(".");
        assertThat(BrownUniversalTags.map("--")).isEqualTo(".");
        assertThat(BrownUniversalTags.map("nil")).isEqualTo("X");
        assertThat(BrownUniversalTags.map("zz")).isEqualTo("X");
    }

    @Test
    void modifiersForeignWordsAndContractions() {
        assertThat(BrownUniversalTags.map("nn-tl-hl")).isEqualTo("NOUN");
        assertThat(BrownUniversalTags.map(".-hl")).isEqualTo(".");
        assertThat(BrownUniversalTags.map("---hl")).isEqualTo(".");
        assertThat(BrownUniversalTags.map("*-tl")).isEqualTo("ADV");
        assertThat(BrownUniversalTags.map("fw-nn")).isEqualTo("X");
        assertThat(BrownUniversalTags.map("fw-in+at-tl")).isEqualTo("X");
        assertThat(BrownUniversalTags.map("pps+md")).isEqualTo("PRT");      // he'll
        assertThat(BrownUniversalTags.map("ex+bez")).isEqualTo("PRT");      // there's
        assertThat(BrownUniversalTags.map("ppss+ber-n")).isEqualTo("PRT");  // truncated -nc
        assertThat(BrownUniversalTags.map("wrb+in")).isEqualTo("PRT");
        assertThat(BrownUniversalTags.map("vbg+to")).isEqualTo("VERB");     // gonna
        assertThat(BrownUniversalTags.map("md+ppss")).isEqualTo("VERB");
        assertThat(BrownUniversalTags.map("in+ppo")).isEqualTo("ADP");
        assertThat(BrownUniversalTags.map("nn+in")).isEqualTo("NOUN");
        assertThat(BrownUniversalTags.map("to+vb")).isEqualTo("PRT");
        assertThat(BrownUniversalTags.map("do+ppss")).isEqualTo("X");
        assertThat(BrownUniversalTags.map("wdt+ber+pp")).isEqualTo("X");
        assertThat(BrownUniversalTags.TAGS).hasSize(12);
    }
}
