package dev.graft.data;

import java.util.List;

/** The datasets {@code graft data} knows by name, in listing order. */
public final class StandardDatasets {
    private StandardDatasets() {
    }

    /** brown, sotu, moby-dick, kjv, europarl, sentiment-uci, spam, english-corpus. */
    public static List<DatasetDefinition> all() {
        return List.of(new BrownDataset(), new SotuDataset(), new MobyDickDataset(), new KjvDataset(),
                new EuroparlDataset(), new SentimentUciDataset(), new SpamDataset(), new EnglishCorpusDataset());
    }
}
